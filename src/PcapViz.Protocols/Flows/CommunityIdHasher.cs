using System.Buffers.Binary;
using System.Numerics;

namespace PcapViz.Protocols.Flows;

/// <summary>
/// Community IDs of many flows in a row, as their 20 hash bytes, computed in managed code: the input is at most 40
/// bytes, so SHA-1 is one compression of one padded block (FIPS 180-4, §5.1.1 and §6.1.2). A platform SHA-1 call per
/// flow (through OpenSSL on Linux) cost several times that in setting up and tearing down its context: 0.7 s of
/// CPU for the 200,000 flows of a 2 M-packet capture. The Community ID specification's test vectors and a comparison
/// with <see cref="System.Security.Cryptography.SHA1"/> guard it (tests/PcapViz.Protocols.Tests).
/// </summary>
public static class CommunityIdHasher
{
    /// <summary>
    /// Writes the Community ID v1 hash of the flow (arguments as <see cref="CommunityId.Compute"/>) into
    /// <paramref name="hash"/> (at least <see cref="CommunityId.HashLength"/> bytes). False when the addresses are not
    /// both 4 or both 16 bytes, or the buffer is too small.
    /// </summary>
    public static bool TryHash(byte protocol, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination,
        ushort sourcePort, ushort destinationPort, Span<byte> hash, ushort seed = CommunityId.DefaultSeed)
    {
        if (source.Length != destination.Length || (source.Length != 4 && source.Length != 16)) return false;
        if (hash.Length < CommunityId.HashLength) return false;
        Span<byte> block = stackalloc byte[64];
        int n = CommunityId.WriteInput(protocol, source, destination, sourcePort, destinationPort, seed, block);
        Sha1OfShortMessage(block, n, hash);
        return true;
    }

    /// <summary>
    /// SHA-1 of the first <paramref name="length"/> (at most 55) bytes of <paramref name="block"/> (64 bytes, the
    /// rest zero), which it pads in place: a 1 bit, zeros, and the length in bits as a big-endian 64-bit number.
    /// </summary>
    internal static void Sha1OfShortMessage(Span<byte> block, int length, Span<byte> hash)
    {
        if (block.Length != 64 || length > 55) throw new ArgumentOutOfRangeException(nameof(length), "One block holds at most 55 bytes of message.");
        block[length] = 0x80;
        block[(length + 1)..56].Clear();
        BinaryPrimitives.WriteUInt64BigEndian(block[56..], (ulong)length * 8);

        Span<uint> w = stackalloc uint[80];
        for (int t = 0; t < 16; t++) w[t] = BinaryPrimitives.ReadUInt32BigEndian(block[(t * 4)..]);
        for (int t = 16; t < 80; t++) w[t] = BitOperations.RotateLeft(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);

        const uint H0 = 0x67452301, H1 = 0xEFCDAB89, H2 = 0x98BADCFE, H3 = 0x10325476, H4 = 0xC3D2E1F0;
        uint a = H0, b = H1, c = H2, d = H3, e = H4;
        for (int t = 0; t < 80; t++)
        {
            uint f, k;
            if (t < 20) { f = (b & c) | (~b & d); k = 0x5A827999; }
            else if (t < 40) { f = b ^ c ^ d; k = 0x6ED9EBA1; }
            else if (t < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8F1BBCDC; }
            else { f = b ^ c ^ d; k = 0xCA62C1D6; }
            uint temp = BitOperations.RotateLeft(a, 5) + f + e + k + w[t];
            e = d;
            d = c;
            c = BitOperations.RotateLeft(b, 30);
            b = a;
            a = temp;
        }
        BinaryPrimitives.WriteUInt32BigEndian(hash, H0 + a);
        BinaryPrimitives.WriteUInt32BigEndian(hash[4..], H1 + b);
        BinaryPrimitives.WriteUInt32BigEndian(hash[8..], H2 + c);
        BinaryPrimitives.WriteUInt32BigEndian(hash[12..], H3 + d);
        BinaryPrimitives.WriteUInt32BigEndian(hash[16..], H4 + e);
    }
}
