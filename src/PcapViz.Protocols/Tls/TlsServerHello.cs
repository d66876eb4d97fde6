using PcapViz.Protocols.Internal;

namespace PcapViz.Protocols.Tls;

/// <summary>
/// The fields of a ServerHello (RFC 8446 §4.1.3): the version and cipher the server chose, and its extensions.
/// A HelloRetryRequest has the same structure and is recognised by its fixed random.
/// </summary>
public sealed class TlsServerHello
{
    // SHA-256 of "HelloRetryRequest" (RFC 8446 §4.1.3).
    private static ReadOnlySpan<byte> HelloRetryRandom =>
    [
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
    ];

    private TlsServerHello() { }

    /// <summary>legacy_version.</summary>
    public ushort LegacyVersion { get; private init; }

    /// <summary>The cipher suite chosen.</summary>
    public ushort CipherSuite { get; private init; }

    /// <summary>The compression method chosen.</summary>
    public byte CompressionMethod { get; private init; }

    /// <summary>Extension types, wire order.</summary>
    public IReadOnlyList<ushort> Extensions { get; private set; } = [];

    /// <summary>The version in the supported_versions extension; 0 when absent.</summary>
    public ushort SupportedVersion { get; private set; }

    /// <summary>The ALPN protocol chosen, if the server sent one.</summary>
    public string? Alpn { get; private set; }

    /// <summary>True when the random is the HelloRetryRequest value: the server asks for another ClientHello.</summary>
    public bool IsHelloRetryRequest { get; private init; }

    /// <summary>False when the extensions were cut or malformed.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>The version chosen: supported_versions when present (TLS 1.3), otherwise legacy_version.</summary>
    public ushort ChosenVersion => SupportedVersion != 0 ? SupportedVersion : LegacyVersion;

    /// <summary>Parses a ServerHello body (without the 4-byte handshake header); null when the fixed part is
    /// missing. Never throws.</summary>
    public static TlsServerHello? Parse(ReadOnlySpan<byte> body)
    {
        var r = new SpanReader(body);
        if (!r.TryReadUInt16(out ushort version) || !r.TryReadBytes(32, out var random)) return null;
        if (!r.TryReadVector(1, out var sessionId) || sessionId.Length > 32) return null;
        if (!r.TryReadUInt16(out ushort suite) || !r.TryReadByte(out byte compression)) return null;
        var hello = new TlsServerHello
        {
            LegacyVersion = version, CipherSuite = suite, CompressionMethod = compression,
            IsHelloRetryRequest = random.SequenceEqual(HelloRetryRandom),
        };
        if (r.IsEmpty) { hello.IsComplete = true; return hello; }
        hello.IsComplete = hello.ReadExtensions(ref r);
        return hello;
    }

    private bool ReadExtensions(ref SpanReader r)
    {
        var types = new List<ushort>();
        bool hasTotal = r.TryReadUInt16(out ushort total);
        bool complete = hasTotal && r.Remaining >= total;
        var list = new SpanReader(hasTotal ? r.Rest[..Math.Min((int)total, r.Remaining)] : default);
        while (!list.IsEmpty)
        {
            if (!list.TryReadUInt16(out ushort type) || !list.TryReadVector(2, out var data)) { complete = false; break; }
            types.Add(type);
            var e = new SpanReader(data);
            if (type == TlsExtensionType.SupportedVersions && e.TryReadUInt16(out ushort v)) SupportedVersion = v;
            else if (type == TlsExtensionType.Alpn && e.TryReadVector(2, out var list2))
            {
                var p = new SpanReader(list2);
                if (p.TryReadVector(1, out var proto)) Alpn = System.Text.Encoding.Latin1.GetString(proto);
            }
        }
        Extensions = types.ToArray();
        return complete;
    }
}
