using System.Text;
using PcapViz.Protocols.Internal;

namespace PcapViz.Protocols.Tls;

/// <summary>
/// The fields of a ClientHello that fingerprints and reports use (RFC 8446 §4.1.2). Lists keep wire order and
/// GREASE values; fingerprints drop GREASE themselves. Names (server name, ALPN) are decoded one byte per char
/// (Latin-1), which is lossless: the caller escapes them for output.
/// </summary>
public sealed class TlsClientHello
{
    private TlsClientHello() { }

    /// <summary>legacy_version (0x0303 for TLS 1.2 and 1.3 hellos).</summary>
    public ushort LegacyVersion { get; private init; }

    /// <summary>Length of legacy_session_id (0..32).</summary>
    public int SessionIdLength { get; private init; }

    /// <summary>cipher_suites, wire order, GREASE included.</summary>
    public IReadOnlyList<ushort> CipherSuites { get; private init; } = [];

    /// <summary>legacy_compression_methods.</summary>
    public IReadOnlyList<byte> CompressionMethods { get; private init; } = [];

    /// <summary>Extension types, wire order, GREASE included.</summary>
    public IReadOnlyList<ushort> Extensions { get; private set; } = [];

    /// <summary>The first host_name of the server_name extension; null when there is none.</summary>
    public string? ServerName { get; private set; }

    /// <summary>True when a server_name extension is present (even if empty or unreadable).</summary>
    public bool HasServerNameExtension { get; private set; }

    /// <summary>ALPN protocol names, wire order.</summary>
    public IReadOnlyList<string> Alpn { get; private set; } = [];

    /// <summary>supported_versions, wire order, GREASE included.</summary>
    public IReadOnlyList<ushort> SupportedVersions { get; private set; } = [];

    /// <summary>supported_groups (elliptic curves), wire order, GREASE included.</summary>
    public IReadOnlyList<ushort> SupportedGroups { get; private set; } = [];

    /// <summary>ec_point_formats.</summary>
    public IReadOnlyList<byte> EcPointFormats { get; private set; } = [];

    /// <summary>signature_algorithms, wire order, GREASE included.</summary>
    public IReadOnlyList<ushort> SignatureAlgorithms { get; private set; } = [];

    /// <summary>False when the body ended or was malformed inside the extensions: what was read before is kept.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>True for a hello read from an SSL 2.0 CLIENT-HELLO (no extensions; cipher specs of 3 bytes, those
    /// with a first byte of 0 kept as TLS suites).</summary>
    public bool IsSslV2 { get; private init; }

    /// <summary>
    /// The highest version offered: the largest non-GREASE value of supported_versions when that extension is
    /// present, otherwise <see cref="LegacyVersion"/>.
    /// </summary>
    public ushort HighestVersion
    {
        get
        {
            ushort best = 0;
            foreach (ushort v in SupportedVersions) if (!Grease.Is(v) && v > best) best = v;
            return best != 0 ? best : LegacyVersion;
        }
    }

    /// <summary>
    /// Parses a ClientHello body (the handshake message without its 4-byte header). Null when even the fixed
    /// part (version, random, session id, cipher suites, compression methods) is not there; a hello whose
    /// extensions are cut or malformed is returned with <see cref="IsComplete"/> false. Never throws.
    /// </summary>
    public static TlsClientHello? Parse(ReadOnlySpan<byte> body)
    {
        var r = new SpanReader(body);
        if (!r.TryReadUInt16(out ushort version)) return null;
        if (!r.TrySkip(32)) return null;
        if (!r.TryReadVector(1, out var sessionId) || sessionId.Length > 32) return null;
        if (!r.TryReadVector(2, out var suites) || suites.Length % 2 != 0) return null;
        if (!r.TryReadVector(1, out var compression)) return null;

        var hello = new TlsClientHello
        {
            LegacyVersion = version,
            SessionIdLength = sessionId.Length,
            CipherSuites = ReadUInt16List(suites),
            CompressionMethods = compression.ToArray(),
        };
        if (r.IsEmpty)
        {
            hello.IsComplete = true; // a hello without extensions (TLS 1.0 era)
            return hello;
        }
        hello.IsComplete = hello.ReadExtensions(ref r);
        return hello;
    }

    /// <summary>
    /// Parses the body of an SSL 2.0 CLIENT-HELLO (after the message type byte): version, cipher-spec length,
    /// session-id length, challenge length, then the cipher specs. Null when malformed.
    /// </summary>
    public static TlsClientHello? ParseSslV2(ReadOnlySpan<byte> body)
    {
        var r = new SpanReader(body);
        if (!r.TryReadUInt16(out ushort version) || !r.TryReadUInt16(out ushort specLength)
            || !r.TryReadUInt16(out ushort sessionLength) || !r.TryReadUInt16(out _)) return null;
        if (specLength % 3 != 0 || !r.TryReadBytes(specLength, out var specs) || sessionLength > 32) return null;
        var suites = new List<ushort>(specs.Length / 3);
        for (int i = 0; i + 2 < specs.Length; i += 3)
            if (specs[i] == 0) suites.Add((ushort)((specs[i + 1] << 8) | specs[i + 2]));
        return new TlsClientHello
        {
            LegacyVersion = version, SessionIdLength = sessionLength, CipherSuites = suites.ToArray(),
            IsSslV2 = true, IsComplete = true,
        };
    }

    private bool ReadExtensions(ref SpanReader r)
    {
        var types = new List<ushort>();
        try
        {
            if (!r.TryReadUInt16(out ushort total)) return false;
            bool complete = r.Remaining >= total;
            var list = new SpanReader(r.Remaining >= total ? r.Rest[..total] : r.Rest);
            while (!list.IsEmpty)
            {
                if (!list.TryReadUInt16(out ushort type)) return false;
                if (!list.TryReadVector(2, out var data))
                {
                    types.Add(type); // the type is known even when its data is cut
                    return false;
                }
                types.Add(type);
                if (!ReadExtension(type, data)) complete = false;
            }
            return complete;
        }
        finally
        {
            Extensions = types.ToArray();
        }
    }

    private bool ReadExtension(ushort type, ReadOnlySpan<byte> data)
    {
        var r = new SpanReader(data);
        switch (type)
        {
            case TlsExtensionType.ServerName:
                HasServerNameExtension = true;
                if (data.IsEmpty) return true; // a server's echo is empty; a client's may be too
                if (!r.TryReadVector(2, out var names)) return false;
                var n = new SpanReader(names);
                while (!n.IsEmpty)
                {
                    if (!n.TryReadByte(out byte nameType) || !n.TryReadVector(2, out var name)) return false;
                    if (nameType == 0 && ServerName is null) ServerName = Encoding.Latin1.GetString(name);
                }
                return true;
            case TlsExtensionType.Alpn:
                if (!r.TryReadVector(2, out var protocols)) return false;
                var alpn = new List<string>();
                var p = new SpanReader(protocols);
                bool ok = true;
                while (!p.IsEmpty)
                {
                    if (!p.TryReadVector(1, out var proto)) { ok = false; break; }
                    alpn.Add(Encoding.Latin1.GetString(proto));
                }
                Alpn = alpn.ToArray();
                return ok;
            case TlsExtensionType.SupportedVersions:
                if (!r.TryReadVector(1, out var versions) || versions.Length % 2 != 0) return false;
                SupportedVersions = ReadUInt16List(versions);
                return true;
            case TlsExtensionType.SupportedGroups:
                if (!r.TryReadVector(2, out var groups) || groups.Length % 2 != 0) return false;
                SupportedGroups = ReadUInt16List(groups);
                return true;
            case TlsExtensionType.EcPointFormats:
                if (!r.TryReadVector(1, out var formats)) return false;
                EcPointFormats = formats.ToArray();
                return true;
            case TlsExtensionType.SignatureAlgorithms:
                if (!r.TryReadVector(2, out var algorithms) || algorithms.Length % 2 != 0) return false;
                SignatureAlgorithms = ReadUInt16List(algorithms);
                return true;
            default:
                return true;
        }
    }

    internal static ushort[] ReadUInt16List(ReadOnlySpan<byte> data)
    {
        var values = new ushort[data.Length / 2];
        for (int i = 0; i < values.Length; i++) values[i] = (ushort)((data[2 * i] << 8) | data[2 * i + 1]);
        return values;
    }
}
