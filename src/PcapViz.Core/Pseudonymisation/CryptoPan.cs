using System.Buffers.Binary;
using System.Security.Cryptography;

namespace PcapViz.Pseudonymisation;

/// <summary>
/// Crypto-PAn (Xu, Fan, Ammar, Moon: "Prefix-preserving IP address anonymization", 2002) on AES-128, for IPv4 and,
/// with the same construction over 128 bits, IPv6. Output bit <c>i</c> is input bit <c>i</c> XOR the first bit of
/// AES_K(block<sub>i</sub>), where block<sub>i</sub> holds the first <c>i</c> input bits followed by the pad's
/// bits from position <c>i</c> on, and the pad is AES_K(last 16 key bytes). So two addresses that share exactly
/// <c>n</c> leading bits map to two that share exactly <c>n</c>: the map is a prefix-preserving permutation.
/// </summary>
/// <remarks>
/// The blocks of one address depend only on the address, never on earlier outputs, so all 32 (or 128) blocks are
/// encrypted in one ECB call through one reused transform. Thread-safe: the transform and its buffers are used
/// under a lock (one call per address; callers cache repeated values).
/// </remarks>
internal sealed class CryptoPan : IDisposable
{
    private const int Block = 16;

    private readonly Lock _gate = new();
    private readonly Aes _aes;
    private readonly ICryptoTransform _encryptor;
    private readonly byte[] _pad = new byte[Block];
    private readonly byte[] _input = new byte[128 * Block];
    private readonly byte[] _output = new byte[128 * Block];

    public CryptoPan(PseudonymKey key)
    {
        _aes = Aes.Create();
        byte[] aesKey = key.AesKey.ToArray();
        try
        {
            _aes.Key = aesKey;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(aesKey);
        }
        _aes.Mode = CipherMode.ECB;
        _aes.Padding = PaddingMode.None;
        _aes.EncryptEcb(key.PadSeed, _pad, PaddingMode.None);
        _encryptor = _aes.CreateEncryptor();
    }

    /// <summary>Anonymises 4 (IPv4) or 16 (IPv6) address bytes into <paramref name="destination"/> (which may be the same memory).</summary>
    public void Anonymize(ReadOnlySpan<byte> address, Span<byte> destination)
    {
        if (address.Length is not (4 or 16)) throw new ArgumentException("An address is 4 or 16 bytes.", nameof(address));
        if (destination.Length < address.Length) throw new ArgumentException("The destination is shorter than the address.", nameof(destination));
        int bits = address.Length * 8;
        lock (_gate)
        {
            for (int pos = 0; pos < bits; pos++)
            {
                Span<byte> block = _input.AsSpan(pos * Block, Block);
                _pad.CopyTo(block);
                int whole = pos >> 3;
                address[..whole].CopyTo(block);
                int rest = pos & 7;
                if (rest != 0)
                {
                    int mask = 0xFF << (8 - rest) & 0xFF;
                    block[whole] = (byte)((address[whole] & mask) | (_pad[whole] & ~mask));
                }
            }
            _encryptor.TransformBlock(_input, 0, bits * Block, _output, 0);
            address.CopyTo(destination);
            for (int pos = 0; pos < bits; pos++)
                if ((_output[pos * Block] & 0x80) != 0) destination[pos >> 3] ^= (byte)(0x80 >> (pos & 7));
        }
    }

    public uint Anonymize(uint address)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, address);
        Anonymize(bytes, bytes);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    public UInt128 Anonymize(UInt128 address)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, address);
        Anonymize(bytes, bytes);
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    public void Dispose()
    {
        _encryptor.Dispose();
        _aes.Dispose();
    }
}
