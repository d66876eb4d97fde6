using System.Buffers.Binary;
using System.Text;

namespace PcapViz.Protocols.Tests;

/// <summary>Hand-built TLS bytes for tests: hellos, handshake headers and records.</summary>
internal static class TlsBuilder
{
    public static byte[] U16(params ushort[] values)
    {
        var b = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2 * i), values[i]);
        return b;
    }

    public static byte[] Vector16(byte[] data) => [.. U16((ushort)data.Length), .. data];

    public static byte[] Vector8(byte[] data) => [(byte)data.Length, .. data];

    public static byte[] Extension(ushort type, byte[] data) => [.. U16(type, (ushort)data.Length), .. data];

    public static byte[] Sni(string host) =>
        Extension(0x0000, Vector16([0, .. Vector16(Encoding.ASCII.GetBytes(host))]));

    public static byte[] Alpn(params string[] protocols) =>
        Extension(0x0010, Vector16(protocols.SelectMany(p => Vector8(Encoding.Latin1.GetBytes(p))).ToArray()));

    public static byte[] SupportedVersions(params ushort[] versions) => Extension(0x002b, Vector8(U16(versions)));

    public static byte[] Groups(params ushort[] groups) => Extension(0x000a, Vector16(U16(groups)));

    public static byte[] PointFormats(params byte[] formats) => Extension(0x000b, Vector8(formats));

    public static byte[] SignatureAlgorithms(params ushort[] algorithms) => Extension(0x000d, Vector16(U16(algorithms)));

    public static byte[] Empty(ushort type) => Extension(type, []);

    /// <summary>A ClientHello body (no handshake header).</summary>
    public static byte[] ClientHelloBody(ushort[] ciphers, IEnumerable<byte[]> extensions, ushort version = 0x0303,
        byte[]? sessionId = null)
    {
        byte[] ext = extensions.SelectMany(e => e).ToArray();
        return
        [
            .. U16(version), .. new byte[32], .. Vector8(sessionId ?? new byte[32]),
            .. Vector16(U16(ciphers)), .. Vector8([0]), .. Vector16(ext),
        ];
    }

    public static byte[] Handshake(byte type, byte[] body) =>
        [type, (byte)(body.Length >> 16), (byte)(body.Length >> 8), (byte)body.Length, .. body];

    /// <summary>Handshake bytes framed into records of at most <paramref name="maxRecord"/> bytes each.</summary>
    public static byte[] Records(byte[] handshake, int maxRecord = 16384, byte contentType = 22)
    {
        var output = new List<byte>();
        for (int i = 0; i < handshake.Length || (i == 0 && handshake.Length == 0); i += maxRecord)
        {
            int n = Math.Min(maxRecord, handshake.Length - i);
            output.Add(contentType);
            output.AddRange(U16(0x0301, (ushort)n));
            output.AddRange(handshake.AsSpan(i, n).ToArray());
            if (handshake.Length == 0) break;
        }
        return output.ToArray();
    }

    /// <summary>The ClientHello of the JA4 specification's example (technical_details/JA4.md), with GREASE added
    /// in front of ciphers, extensions, groups and versions, which JA4 must ignore.</summary>
    public static byte[] Ja4ExampleBody(bool withSignatureAlgorithms = true)
    {
        ushort[] ciphers = [0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035];
        byte[][] extensions =
        [
            Empty(0x2a2a),
            Empty(0x001b), Sni("example.com"), Empty(0x0033), Alpn("h2", "http/1.1"), Empty(0x4469), Empty(0x0017),
            Empty(0x002d),
            withSignatureAlgorithms ? SignatureAlgorithms(0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601) : SignatureAlgorithms(),
            Empty(0x0005), Empty(0x0023), Empty(0x0012), SupportedVersions(0x3a3a, 0x0304, 0x0303), Extension(0xff01, [0]),
            PointFormats(0), Groups(0x4a4a, 0x001d, 0x0017, 0x0018), Extension(0x0015, new byte[8]),
            Extension(0x5a5a, [0]),
        ];
        return ClientHelloBody(ciphers, extensions);
    }
}
