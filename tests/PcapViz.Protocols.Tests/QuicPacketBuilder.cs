using System.Security.Cryptography;
using PcapViz.Protocols.Quic;

namespace PcapViz.Protocols.Tests;

/// <summary>Protects Initial packets as RFC 9001 §5 describes, so tests can make their own (test-only).</summary>
internal static class QuicPacketBuilder
{
    public static byte[] CryptoFrame(ulong offset, ReadOnlySpan<byte> data) =>
        [0x06, .. VarInt(offset), .. VarInt((ulong)data.Length), .. data];

    public static byte[] VarInt(ulong v) => v switch
    {
        < 64 => [(byte)v],
        < 16384 => [(byte)(0x40 | (v >> 8)), (byte)v],
        < 1073741824 => [(byte)(0x80 | (v >> 24)), (byte)(v >> 16), (byte)(v >> 8), (byte)v],
        _ => throw new ArgumentOutOfRangeException(nameof(v)),
    };

    /// <summary>A protected Initial packet carrying <paramref name="frames"/> (padded to at least 20 bytes).</summary>
    public static byte[] Initial(uint version, byte[] dcid, byte[] scid, uint packetNumber, byte[] frames, bool server = false, byte[]? keyDcid = null)
    {
        var keys = QuicInitialKeys.Derive(version, keyDcid ?? dcid, server)!;
        byte[] payload = frames.Length >= 20 ? frames : [.. frames, .. new byte[20 - frames.Length]];
        const int pnLength = 4;
        int type = version == QuicVersion.V2 ? 1 : 0;
        byte first = (byte)(0xc0 | (type << 4) | (pnLength - 1));
        byte[] header =
        [
            first, (byte)(version >> 24), (byte)(version >> 16), (byte)(version >> 8), (byte)version,
            (byte)dcid.Length, .. dcid, (byte)scid.Length, .. scid, 0,
            .. VarInt2((ulong)(pnLength + payload.Length + 16)),
            (byte)(packetNumber >> 24), (byte)(packetNumber >> 16), (byte)(packetNumber >> 8), (byte)packetNumber,
        ];
        int pnOffset = header.Length - pnLength;
        byte[] nonce = keys.Iv.ToArray();
        for (int i = 0; i < 4; i++) nonce[11 - i] ^= (byte)(packetNumber >> (8 * i));
        byte[] ciphertext = new byte[payload.Length];
        byte[] tag = new byte[16];
        using (var gcm = new AesGcm(keys.Key.Span, 16)) gcm.Encrypt(nonce, payload, ciphertext, tag, header);
        byte[] packet = [.. header, .. ciphertext, .. tag];

        using var aes = Aes.Create();
        aes.Key = keys.HeaderProtectionKey.ToArray();
        byte[] mask = aes.EncryptEcb(packet.AsSpan(pnOffset + 4, 16).ToArray(), PaddingMode.None);
        packet[0] ^= (byte)(mask[0] & 0x0f);
        for (int i = 0; i < pnLength; i++) packet[pnOffset + i] ^= mask[1 + i];
        return packet;
    }

    private static byte[] VarInt2(ulong v) => [(byte)(0x40 | (v >> 8)), (byte)v];
}
