namespace PcapViz.Model;

/// <summary>
/// A set of addresses (or names) kept exactly up to <see cref="ApplicationResult.MaxListed"/> members, the smallest in
/// ordinal order; <paramref name="Complete"/> is false when more were seen. The smallest k of a union is the smallest
/// k of the parts' smallest k, so merging such sets (captures into a run) gives what one pass would.
/// </summary>
public sealed record BoundedSet(ValueList<string> Items, bool Complete)
{
    internal static BoundedSet Empty { get; } = new(ValueList<string>.Empty, true);

    /// <summary>"12" or "32+" (at least, when not complete).</summary>
    public string CountText => Items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) + (Complete ? "" : "+");
}

/// <summary>Where a server name was seen: a TLS ClientHello over TCP, a QUIC Initial's ClientHello, an HTTP Host header.</summary>
public static class NameSources
{
    /// <summary>A DNS A/AAAA answer gave the address this name (directly or through CNAMEs).</summary>
    public const string Dns = "dns";
    /// <summary>The server name (SNI) of a TLS ClientHello over TCP.</summary>
    public const string Tls = "tls";
    /// <summary>The server name (SNI) of the ClientHello in a QUIC Initial.</summary>
    public const string Quic = "quic";
    /// <summary>The Host header of an HTTP/1 request.</summary>
    public const string Http = "http";

    /// <summary>Names that DNS answers gave (as every name of an address was before schemaVersion 3).</summary>
    internal static ValueList<AddressName> FromDns(IEnumerable<string> names) => new(names.Select(n => new AddressName(n, Dns)));
}

/// <summary>One name given to an address, with where it came from (<see cref="NameSources"/>). Shown as the name.</summary>
public readonly record struct AddressName(string Name, string Source)
{
    /// <summary>The name alone, without its source.</summary>
    public override string ToString() => Name;
}

/// <summary>A server name asked for (TLS/QUIC SNI) or named (HTTP Host): how often, by which clients, of which servers.</summary>
/// <param name="Count">ClientHellos (tls, quic) or HTTP requests (http) naming it.</param>
public sealed record ServerNameEntry(string ServerName, string Source, long Count, BoundedSet Clients, BoundedSet Servers);

/// <summary>A TLS client fingerprint (JA3 and JA4 together) with what its hellos asked for.</summary>
/// <param name="Ja3">JA3 (empty for an SSL 2.0 hello, which JA3 does not define).</param>
/// <param name="Ja4">JA4 (<c>t</c> prefix over TCP, <c>q</c> over QUIC).</param>
/// <param name="Hellos">ClientHellos with this fingerprint.</param>
public sealed record TlsClientEntry(string Ja3, string Ja4, long Hellos, BoundedSet Clients)
{
    /// <summary>Server names (SNI) these hellos asked for.</summary>
    public BoundedSet ServerNames { get; init; } = BoundedSet.Empty;
    /// <summary>ALPN protocols these hellos offered, e.g. "h2", "http/1.1".</summary>
    public BoundedSet Alpn { get; init; } = BoundedSet.Empty;
    /// <summary>Versions offered (supported_versions, or legacy_version without it), e.g. "TLS 1.3".</summary>
    public BoundedSet Versions { get; init; } = BoundedSet.Empty;
}

/// <summary>What servers chose in their ServerHellos: JA3S, version and cipher suite.</summary>
public sealed record TlsServerEntry(string Ja3S, string Version, string Cipher, long Hellos, BoundedSet Servers)
{
    /// <summary>Server names (SNI) of the ClientHellos these ServerHellos answered.</summary>
    public BoundedSet ServerNames { get; init; } = BoundedSet.Empty;
}

/// <summary>A certificate sent in the clear (TLS 1.2 and earlier), by the SHA-256 of its DER.</summary>
/// <param name="Parsed">False when the DER could not be read; only the hash is known.</param>
/// <param name="NotBeforeUtc">ISO 8601 UTC, empty when not parsed.</param>
/// <param name="Seen">Certificate messages that carried it.</param>
/// <param name="Signals">Plain-word signals (<see cref="CertificateSignals"/>), in their fixed order.</param>
public sealed record CertificateEntry(string Sha256, bool Parsed, string Subject, string Issuer, ValueList<string> SubjectAltNames,
    string NotBeforeUtc, string NotAfterUtc, long Seen, ValueList<string> Signals)
{
    /// <summary>Server names (SNI) of the connections that presented it as their server's certificate.</summary>
    public BoundedSet ServerNames { get; init; } = BoundedSet.Empty;
    /// <summary>Addresses of the servers that presented it.</summary>
    public BoundedSet Servers { get; init; } = BoundedSet.Empty;
}

/// <summary>The signals of a certificate, one spelling each, with what they mean.</summary>
public static class CertificateSignals
{
    /// <summary>Sent after its notAfter time (by the packet's timestamp).</summary>
    public const string Expired = "expired";
    /// <summary>Sent before its notBefore time (by the packet's timestamp).</summary>
    public const string NotYetValid = "not-yet-valid";
    /// <summary>Its issuer is its own subject.</summary>
    public const string SelfSigned = "self-signed";
    /// <summary>The SNI the client asked for matches none of its names (subject CN and SANs).</summary>
    public const string NameMismatch = "name-mismatch";

    internal static IReadOnlyList<string> All { get; } = [Expired, NotYetValid, SelfSigned, NameMismatch];

    /// <summary>What <paramref name="signal"/> means, in words for pages and PDFs; an unknown signal comes back as it is.</summary>
    public static string Explain(string signal) => signal switch
    {
        Expired => "it had expired when it was sent (the packet's time is after its notAfter)",
        NotYetValid => "it was not yet valid when it was sent (the packet's time is before its notBefore)",
        SelfSigned => "its issuer is its own subject: nobody vouches for it",
        NameMismatch => "the server name the client asked for (SNI) is not among the names it covers",
        _ => signal,
    };
}

/// <summary>HTTP/1.x requests with the same host, method, path and User-Agent, with the statuses answered.</summary>
/// <param name="Host">Host header (for CONNECT: the target), empty when absent.</param>
/// <param name="Path">The request target as sent.</param>
public sealed record HttpRequestEntry(string Host, string Method, string Path, string UserAgent, long Requests, BoundedSet Clients)
{
    /// <summary>Responses by status code ("200", ...), most first; requests never answered in the capture are not in it.</summary>
    public ValueList<NamedCount> Statuses { get; init; } = ValueList<NamedCount>.Empty;
}

/// <summary>A server address named by a TLS/QUIC server name or an HTTP Host in a connection to it.</summary>
public sealed record ServerAddressName(string Address, int Version, string Name, string Source, long Count);

/// <summary>
/// What the application layer says (docs/analysis.md, "Server names, fingerprints, certificates, HTTP"): each list
/// bounded by --max-distinct like the other analyses, with its own limit.
/// </summary>
public sealed record ApplicationResult(
    IReadOnlyList<ServerNameEntry> ServerNames, DistinctLimit ServerNamesLimit,
    IReadOnlyList<TlsClientEntry> TlsClients, DistinctLimit TlsClientsLimit,
    IReadOnlyList<TlsServerEntry> TlsServers, DistinctLimit TlsServersLimit,
    IReadOnlyList<CertificateEntry> Certificates, DistinctLimit CertificatesLimit,
    IReadOnlyList<HttpRequestEntry> HttpRequests, DistinctLimit HttpRequestsLimit,
    IReadOnlyList<ServerAddressName> AddressNames, DistinctLimit AddressNamesLimit)
{
    /// <summary>Members listed of each address or name set of an entry (the smallest in ordinal order).</summary>
    public const int MaxListed = 32;

    internal static ApplicationResult Empty(int maxDistinct)
    {
        var none = DistinctLimit.NotExceeded(maxDistinct);
        return new([], none, [], none, [], none, [], none, [], none, [], none);
    }

    internal static ApplicationResult Empty() => Empty(AnalysisSettings.DefaultMaxDistinct);

    /// <summary>Connections read and what stopped the reading (counters for the summary).</summary>
    public ApplicationCounters Counters { get; init; } = ApplicationCounters.None;

    internal long Weight => ServerNames.Count + TlsClients.Count + TlsServers.Count + Certificates.Count + HttpRequests.Count + AddressNames.Count;

    /// <summary>Each list's limit under its analysis.json name.</summary>
    public IEnumerable<(string Name, DistinctLimit Limit)> Limits =>
    [
        ("serverNames", ServerNamesLimit), ("tlsClients", TlsClientsLimit), ("tlsServers", TlsServersLimit),
        ("certificates", CertificatesLimit), ("httpRequests", HttpRequestsLimit), ("serverAddressNames", AddressNamesLimit),
    ];
}

/// <summary>How the application-layer reading went (all sums, so they merge by adding).</summary>
/// <param name="Connections">TCP connections and QUIC connections whose first bytes looked like TLS, HTTP, STARTTLS or a QUIC Initial.</param>
/// <param name="NotTracked">Candidate connections not read because the table of open connections was full.</param>
/// <param name="CutAtLimit">Directions whose handshake or head bytes passed the per-connection caps (the rest was not read).</param>
/// <param name="Gaps">Directions that lost bytes (a hole never filled): read no further.</param>
public sealed record ApplicationCounters(long Connections, long NotTracked, long CutAtLimit, long Gaps)
{
    internal static ApplicationCounters None { get; } = new(0, 0, 0, 0);

    internal ApplicationCounters Add(ApplicationCounters o) => new(Connections + o.Connections, NotTracked + o.NotTracked, CutAtLimit + o.CutAtLimit, Gaps + o.Gaps);
}
