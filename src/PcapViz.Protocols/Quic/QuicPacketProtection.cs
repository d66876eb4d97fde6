using System.Security.Cryptography;

namespace PcapViz.Protocols.Quic;

/// <summary>
/// Header protection removal and AEAD_AES_128_GCM payload decryption of one long-header packet (RFC 9001 §5.3,
/// §5.4). Holds the AES objects of one key set so that a connection's packets reuse them.
/// </summary>
internal sealed class QuicPacketProtection : IDisposable
{
    private const int SampleLength = 16, TagLength = 16;
    private readonly Aes _hp;
    private readonly AesGcm _aead;
    private readonly byte[] _iv;

    public QuicPacketProtection(QuicInitialKeys keys)
    {
        _hp = Aes.Create();
        _hp.Key = keys.HeaderProtectionKey.ToArray();
        _aead = new AesGcm(keys.Key.Span, TagLength);
        _iv = keys.Iv.ToArray();
    }

    /// <summary>
    /// Decrypts the packet <paramref name="packet"/> (exactly one packet, <c>header.PacketLength</c> bytes) into
    /// <paramref name="plaintext"/>. Returns the plaintext length, or -1 when the packet is too short to sample or the
    /// authentication tag does not match (wrong keys, corrupted or not an Initial packet).
    /// </summary>
    public int Decrypt(ReadOnlySpan<byte> packet, int packetNumberOffset, Span<byte> plaintext, out long packetNumber)
    {
        packetNumber = -1;
        int pnOffset = packetNumberOffset;
        if (pnOffset <= 0 || packet.Length < pnOffset + 4 + SampleLength) return -1;

        Span<byte> mask = stackalloc byte[16];
        _hp.EncryptEcb(packet.Slice(pnOffset + 4, SampleLength), mask, PaddingMode.None);

        byte first = (byte)(packet[0] ^ (mask[0] & 0x0f));
        int pnLength = (first & 0x03) + 1;
        int payloadOffset = pnOffset + pnLength;
        int ciphertextLength = packet.Length - payloadOffset - TagLength;
        if (ciphertextLength < 0 || plaintext.Length < ciphertextLength) return -1;

        // The associated data is the header with protection removed, packet number included.
        Span<byte> header = payloadOffset <= 256 ? stackalloc byte[payloadOffset] : new byte[payloadOffset];
        packet[..payloadOffset].CopyTo(header);
        header[0] = first;
        long pn = 0;
        for (int i = 0; i < pnLength; i++)
        {
            header[pnOffset + i] ^= mask[1 + i];
            pn = (pn << 8) | header[pnOffset + i];
        }

        // nonce = iv XOR packet number (left-padded to the IV length); Initial packet numbers are small, so the
        // truncated number is used as the full one.
        Span<byte> nonce = stackalloc byte[12];
        _iv.CopyTo(nonce);
        for (int i = 0; i < 8; i++) nonce[11 - i] ^= (byte)(pn >> (8 * i));

        try
        {
            _aead.Decrypt(nonce, packet.Slice(payloadOffset, ciphertextLength),
                packet.Slice(payloadOffset + ciphertextLength, TagLength), plaintext[..ciphertextLength], header);
        }
        catch (CryptographicException)
        {
            return -1;
        }
        packetNumber = pn;
        return ciphertextLength;
    }

    public void Dispose()
    {
        _hp.Dispose();
        _aead.Dispose();
    }
}
