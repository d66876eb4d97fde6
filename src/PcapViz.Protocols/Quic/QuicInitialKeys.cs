using System.Security.Cryptography;

namespace PcapViz.Protocols.Quic;

/// <summary>QUIC versions whose Initial packets this project can decrypt.</summary>
public static class QuicVersion
{
    /// <summary>QUIC version 1 (RFC 9000, RFC 9001).</summary>
    public const uint V1 = 0x00000001;

    /// <summary>QUIC version 2 (RFC 9369).</summary>
    public const uint V2 = 0x6b3343cf;

    /// <summary>True for the versions with known Initial salts and labels.</summary>
    public static bool IsSupported(uint version) => version is V1 or V2;

    /// <summary>The long-header packet type of Initial packets: 0b00 in v1, 0b01 in v2 (RFC 9369 §3.2).</summary>
    internal static int InitialPacketType(uint version) => version == V2 ? 1 : 0;

    /// <summary>Retry packets: 0b11 in v1, 0b00 in v2.</summary>
    internal static int RetryPacketType(uint version) => version == V2 ? 0 : 3;

    internal static ReadOnlySpan<byte> SaltV1 =>
        [0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a];

    internal static ReadOnlySpan<byte> SaltV2 =>
        [0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93, 0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9];
}

/// <summary>
/// The packet protection keys of one direction of a QUIC Initial exchange, derived as RFC 9001 §5.2 lays out
/// (RFC 9369 §3.3.1 for v2): initial_secret = HKDF-Extract(salt, client's Destination Connection ID), then
/// "client in"/"server in", then "quic key"/"quic iv"/"quic hp" ("quicv2 ..." for v2) with HKDF-Expand-Label.
/// </summary>
public sealed class QuicInitialKeys
{
    private QuicInitialKeys(byte[] secret, byte[] key, byte[] iv, byte[] hp)
    {
        Secret = secret;
        Key = key;
        Iv = iv;
        HeaderProtectionKey = hp;
    }

    /// <summary>client_initial_secret or server_initial_secret (32 bytes).</summary>
    public ReadOnlyMemory<byte> Secret { get; }

    /// <summary>AEAD_AES_128_GCM key (16 bytes).</summary>
    public ReadOnlyMemory<byte> Key { get; }

    /// <summary>AEAD IV (12 bytes).</summary>
    public ReadOnlyMemory<byte> Iv { get; }

    /// <summary>Header protection key (16 bytes, AES-128-ECB).</summary>
    public ReadOnlyMemory<byte> HeaderProtectionKey { get; }

    /// <summary>
    /// The keys of the client (<paramref name="server"/> false) or server side for a connection whose client chose
    /// <paramref name="destinationConnectionId"/>; null for a version other than v1 and v2.
    /// </summary>
    public static QuicInitialKeys? Derive(uint version, ReadOnlySpan<byte> destinationConnectionId, bool server)
    {
        if (!QuicVersion.IsSupported(version)) return null;
        byte[] initial = InitialSecret(version, destinationConnectionId);
        byte[] secret = ExpandLabel(initial, server ? "server in" : "client in", 32);
        bool v2 = version == QuicVersion.V2;
        return new QuicInitialKeys(secret,
            ExpandLabel(secret, v2 ? "quicv2 key" : "quic key", 16),
            ExpandLabel(secret, v2 ? "quicv2 iv" : "quic iv", 12),
            ExpandLabel(secret, v2 ? "quicv2 hp" : "quic hp", 16));
    }

    internal static byte[] InitialSecret(uint version, ReadOnlySpan<byte> destinationConnectionId)
    {
        byte[] prk = new byte[32];
        HKDF.Extract(HashAlgorithmName.SHA256, destinationConnectionId,
            version == QuicVersion.V2 ? QuicVersion.SaltV2 : QuicVersion.SaltV1, prk);
        return prk;
    }

    /// <summary>HKDF-Expand-Label (RFC 8446 §7.1) with an empty context.</summary>
    internal static byte[] ExpandLabel(ReadOnlySpan<byte> secret, string label, int length)
    {
        // struct { uint16 length; opaque label<7..255> = "tls13 " + label; opaque context<0..255> = ""; }
        int labelLength = 6 + label.Length;
        Span<byte> info = stackalloc byte[2 + 1 + labelLength + 1];
        info[0] = (byte)(length >> 8);
        info[1] = (byte)length;
        info[2] = (byte)labelLength;
        "tls13 "u8.CopyTo(info[3..]);
        for (int i = 0; i < label.Length; i++) info[9 + i] = (byte)label[i];
        info[^1] = 0;
        byte[] output = new byte[length];
        HKDF.Expand(HashAlgorithmName.SHA256, secret, output, info);
        return output;
    }
}
