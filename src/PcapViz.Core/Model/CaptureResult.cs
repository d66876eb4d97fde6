namespace PcapViz.Model;

/// <summary>Container format of a capture file.</summary>
public enum CaptureFormat
{
    /// <summary>Not recognised as a capture (the file could not be read as one).</summary>
    Unknown,

    /// <summary>Classic libpcap (microsecond or nanosecond magic, either byte order).</summary>
    Pcap,

    /// <summary>pcapng (section header block first).</summary>
    PcapNg,
}

/// <summary>Compression wrapped around a capture file.</summary>
public enum CaptureCompression
{
    /// <summary>The capture is stored as it is.</summary>
    None,

    /// <summary>gzip (a .pcap.gz or .pcapng.gz; recognised by its magic bytes, not its name).</summary>
    Gzip,
}

/// <summary>Where one capture ended up after the run.</summary>
public enum CaptureStatus
{
    /// <summary>Read to the end with no error.</summary>
    Ok,
    /// <summary>Read, but with at least one error issue (for example a record that runs past the end).</summary>
    Partial,
    /// <summary>Could not be opened as a capture at all (not a capture, unreadable, corrupt header).</summary>
    Failed,
}

/// <summary>The input file as it was identified before analysis.</summary>
public sealed record CaptureInput(
    // Path relative to the input root, with '/' separators.
    string Path,
    // Absolute path on the machine that ran the analysis (not written to analysis.json).
    string FullPath,
    long SizeBytes,
    // Lower-case hex SHA-256 of the file's bytes as stored (compressed bytes for .gz).
    string Sha256,
    DateTimeOffset LastWriteUtc)
{
    /// <summary>When the input was a symbolic link: its target (relative to the input root when inside it, else
    /// absolute). The bytes read, sized and hashed are the target's.</summary>
    internal string? LinkTarget { get; init; }
}

/// <summary>Facts about the container that the reader learnt.</summary>
public sealed record CaptureFileInfo(
    CaptureFormat Format,
    CaptureCompression Compression,
    IReadOnlyList<int> LinkTypes,
    // "microseconds" or "nanoseconds" (the finest resolution of any interface).
    string TimestampPrecision);

/// <summary>Totals over the whole capture.</summary>
public sealed record CaptureSummary(
    long Packets,
    long Ipv4Packets,
    long Ipv6Packets,
    long CapturedBytes,
    long IpBytes,
    // Nanoseconds since the Unix epoch, or null when the capture holds no packet.
    long? FirstPacketEpochNanos,
    long? LastPacketEpochNanos,
    // Frames whose link type the decoders do not understand (counted, not decoded).
    long UndecodedPackets,
    // DNS messages on a DNS port that could not be parsed (bad name, cut short).
    long MalformedDnsMessages)
{
    internal static readonly CaptureSummary Empty = new(0, 0, 0, 0, 0, null, null, 0, 0);

    /// <summary>Fragmented IP datagrams that never completed (missing fragments, time or memory limit, inconsistent).</summary>
    internal long IncompleteFragmentedDatagrams { get; init; }

    /// <summary>DNS-over-TCP streams that lost bytes (a hole never filled) or ended inside a message.</summary>
    internal long TcpDnsStreamGaps { get; init; }

    /// <summary>DNS-over-TCP flows dropped by the reassembly limits while holding part of a message.</summary>
    internal long TcpDnsFlowsEvicted { get; init; }

    /// <summary>The summary of both sets of packets together.</summary>
    internal CaptureSummary Add(CaptureSummary other) => new(
        Packets + other.Packets, Ipv4Packets + other.Ipv4Packets, Ipv6Packets + other.Ipv6Packets,
        CapturedBytes + other.CapturedBytes, IpBytes + other.IpBytes,
        Min(FirstPacketEpochNanos, other.FirstPacketEpochNanos), Max(LastPacketEpochNanos, other.LastPacketEpochNanos),
        UndecodedPackets + other.UndecodedPackets, MalformedDnsMessages + other.MalformedDnsMessages)
    {
        IncompleteFragmentedDatagrams = IncompleteFragmentedDatagrams + other.IncompleteFragmentedDatagrams,
        TcpDnsStreamGaps = TcpDnsStreamGaps + other.TcpDnsStreamGaps,
        TcpDnsFlowsEvicted = TcpDnsFlowsEvicted + other.TcpDnsFlowsEvicted,
    };

    private static long? Min(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
    private static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    /// <summary>Seconds from the first to the last packet's timestamp; 0 for a capture of fewer than two timestamps (or none).</summary>
    public double DurationSeconds => FirstPacketEpochNanos is long f && LastPacketEpochNanos is long l
        ? (l - f) / 1e9 : 0.0;
}

/// <summary>One source address of a capture and what it sent.</summary>
/// <param name="Address">The outermost IP header's source address, canonical text (dotted quad, RFC 5952).</param>
/// <param name="Version">4 or 6.</param>
/// <param name="Packets">Packets with this source address.</param>
/// <param name="IpBytes">Their IP bytes: IPv4 total length, IPv6 payload length + 40, summed.</param>
public sealed record SourceIpEntry(string Address, int Version, long Packets, long IpBytes)
{
    /// <summary>IANA special-purpose class (<c>PcapViz.Context.AddressClasses</c>), e.g. <c>private</c>, <c>public</c>.</summary>
    public string AddressClass { get; init; } = "";

    /// <summary>Names of this address, each with its source: DNS A/AAAA answers (directly or through CNAMEs), and TLS/QUIC
    /// server names and HTTP Host headers of connections to it; most seen first, at most 10.</summary>
    public ValueList<AddressName> Names { get; init; } = ValueList<AddressName>.Empty;

    /// <summary>How many more names gave this address than <see cref="Names"/> lists.</summary>
    public int MoreNames { get; init; }

    /// <summary>ISO 3166 country code from a --geoip country database, or null.</summary>
    public string? Country { get; init; }

    /// <summary>Autonomous system number from a --geoip ASN database, or null.</summary>
    public long? Asn { get; init; }

    /// <summary>The autonomous system's organisation, or null.</summary>
    public string? AsOrg { get; init; }
}

/// <summary>Which name protocol a query used, by port.</summary>
public enum DnsProtocol
{
    /// <summary>Unicast DNS, UDP or TCP port 53.</summary>
    Dns,

    /// <summary>Multicast DNS (RFC 6762), UDP port 5353.</summary>
    Mdns,

    /// <summary>Link-Local Multicast Name Resolution (RFC 4795), port 5355.</summary>
    Llmnr,
}

/// <param name="Queries">Queries (QR = 0) for the name; 0 for a name seen only in responses (its query not captured).</param>
public sealed record DnsQueryEntry(string Name, DnsProtocol Protocol, long Queries)
{
    /// <summary>eTLD+1 by the Public Suffix List (ICANN section), or the explicit choice for names without one (docs/analysis.md).</summary>
    public string RegisteredDomain { get; init; } = "";

    /// <summary>Queries by QTYPE of the first question, most first.</summary>
    public ValueList<NamedCount> QueryTypes { get; init; } = ValueList<NamedCount>.Empty;

    /// <summary>Responses (their first question is this name, same protocol) by response code, most first.</summary>
    public ValueList<NamedCount> ResponseCodes { get; init; } = ValueList<NamedCount>.Empty;
}

/// <summary>One bin of the bytes-over-time series.</summary>
/// <param name="StartEpochSeconds">Start of the bin, seconds since the Unix epoch (UTC), a multiple of the bin width.</param>
/// <param name="Packets">Packets whose timestamp falls in the bin.</param>
/// <param name="IpBytes">Their IP bytes (IPv4 total length, IPv6 payload length + 40); 0 for frames without IP.</param>
public sealed record TrafficBin(long StartEpochSeconds, long Packets, long IpBytes);

/// <summary>What an analysis did when it met more distinct keys than <c>--max-distinct</c> allows.</summary>
/// <param name="MaxDistinct">The limit in force.</param>
/// <param name="Exceeded">True when keys had to be folded into "other".</param>
/// <param name="OtherPackets">Packets (or queries) counted under "other" because their key was dropped.</param>
/// <param name="OtherIpBytes">IP bytes of those packets (0 for DNS).</param>
/// <param name="MaxUndercount">Upper bound on how much any listed count may be too low.</param>
public sealed record DistinctLimit(int MaxDistinct, bool Exceeded, long OtherPackets, long OtherIpBytes, long MaxUndercount)
{
    internal static DistinctLimit NotExceeded(int max) => new(max, false, 0, 0, 0);
}

/// <summary>The source-address occurrence of one capture.</summary>
/// <param name="Entries">Every source address kept, most packets first (then IPv4 before IPv6, then by address).</param>
/// <param name="Limit">What <c>--max-distinct</c> folded into "other", if anything.</param>
public sealed record SourceIpResult(IReadOnlyList<SourceIpEntry> Entries, DistinctLimit Limit)
{
    /// <summary>IP packets of the capture: those listed plus those folded into "other".</summary>
    internal long TotalPackets => Entries.Sum(e => e.Packets) + Limit.OtherPackets;
}

/// <summary>The DNS, mDNS and LLMNR names of one capture.</summary>
/// <param name="Entries">Every name kept (with its protocol), most queries first.</param>
/// <param name="Limit">What <c>--max-distinct</c> folded into "other", if anything.</param>
public sealed record DnsQueryResult(IReadOnlyList<DnsQueryEntry> Entries, DistinctLimit Limit)
{
    /// <summary>Queries of the capture: those of the listed names plus those folded into "other".</summary>
    public long TotalQueries => Entries.Sum(e => e.Queries) + Limit.OtherPackets;

    /// <summary>Listed names that were queried (names seen only in responses have 0 queries).</summary>
    public int QueriedNames => Entries.Count(e => e.Queries > 0);
}

/// <summary>An elided stretch of the timeline with no packet: from the end of one segment's last bin to the start of the next segment.</summary>
public sealed record TrafficGap(long FromEpochSeconds, long ToEpochSeconds);

/// <summary>A run of consecutive bins in <see cref="TrafficResult.Bins"/>: <paramref name="Count"/> bins from index <paramref name="First"/>.</summary>
public readonly record struct TrafficSegment(int First, int Count);

/// <summary>
/// The timeline: one or more segments of consecutive bins (empty bins inside a segment are listed with zeros);
/// between two segments lies a gap of more than <see cref="MaxEmptyBinsInSegment"/> empty bins, which is not listed.
/// Every packet is in a bin: the bins add up to the capture's packets and IP bytes exactly.
/// </summary>
/// <param name="BinSeconds">Width of every bin.</param>
/// <param name="Bins">Every bin of every segment, in time order; consecutive entries more than one width apart are separated by a gap.</param>
public sealed record TrafficResult(int BinSeconds, IReadOnlyList<TrafficBin> Bins)
{
    /// <summary>An empty stretch longer than this many bins between two packets is a gap (docs/analysis.md, "3. Bytes over time").</summary>
    public const int MaxEmptyBinsInSegment = 60;

    internal static readonly TrafficResult Empty = new(2, []);

    /// <summary>The elided stretches between segments, in time order.</summary>
    public IReadOnlyList<TrafficGap> Gaps
    {
        get
        {
            var gaps = new List<TrafficGap>();
            for (int i = 1; i < Bins.Count; i++)
            {
                long end = Bins[i - 1].StartEpochSeconds + BinSeconds;
                if (Bins[i].StartEpochSeconds != end) gaps.Add(new TrafficGap(end, Bins[i].StartEpochSeconds));
            }
            return gaps;
        }
    }

    /// <summary>The runs of consecutive bins, in time order (none when there are no bins).</summary>
    public IReadOnlyList<TrafficSegment> Segments
    {
        get
        {
            var segments = new List<TrafficSegment>();
            int first = 0;
            for (int i = 1; i <= Bins.Count; i++)
            {
                if (i < Bins.Count && Bins[i].StartEpochSeconds == Bins[i - 1].StartEpochSeconds + BinSeconds) continue;
                segments.Add(new TrafficSegment(first, i - first));
                first = i;
            }
            return Bins.Count == 0 ? [] : segments;
        }
    }

    internal long TotalPackets => Bins.Sum(b => b.Packets);

    internal long TotalIpBytes => Bins.Sum(b => b.IpBytes);
}

/// <summary>How bad a capture issue is.</summary>
public enum IssueSeverity
{
    /// <summary>Something odd that did not stop the reading (a malformed DNS message, a timestamp out of range, the
    /// <c>--max-distinct</c> limit reached).</summary>
    Warning,

    /// <summary>The reading stopped or lost data (a corrupt block, a read error): the capture is partial or failed, and
    /// the run exits 2.</summary>
    Error,
}

/// <param name="Code">Stable kebab-case identifier, for example <c>truncated-record</c>.</param>
/// <param name="ByteOffset">Offset in the (decompressed) capture stream where the problem was found, if any.</param>
/// <param name="PacketIndex">Zero-based index of the packet concerned, if any.</param>
public sealed record CaptureIssue(IssueSeverity Severity, string Code, string Message, long? ByteOffset, long? PacketIndex);

/// <summary>
/// The complete, immutable result of one capture. Renderers see only this.
/// A run of many captures may hold the bulky parts (<see cref="SourceIps"/>, <see cref="DnsQueries"/>,
/// <see cref="Traffic"/>, <see cref="Context"/>) on disk instead of in memory (<see cref="Spilled"/>): reading one of
/// them then reads them back, exactly as written, so that a result looks the same whether it is held or spilled.
/// </summary>
public sealed record CaptureResult(
    // Stable id, unique in the run; the folder name under captures/.
    string Id,
    CaptureInput Input,
    CaptureStatus Status,
    // Null when the file could not be opened as a capture.
    CaptureFileInfo? File,
    CaptureSummary Summary,
    SourceIpResult SourceIps,
    DnsQueryResult DnsQueries,
    TrafficResult Traffic,
    IReadOnlyList<CaptureIssue> Issues)
{
    private CaptureDetails HeldDetails { get; init; } = new(SourceIps, DnsQueries, Traffic, ContextResult.Empty);

    private ICaptureDetailsStore? Store { get; init; }

    /// <summary>What <see cref="Weight"/> was when the bulky parts went to the store: what reading them back takes.</summary>
    private long SpilledWeight { get; init; }

    // Setting a bulky part of a spilled result brings the others into memory first.
    /// <summary>Packets and IP bytes per source address.</summary>
    public SourceIpResult SourceIps { get => Details.SourceIps; init => (HeldDetails, Store) = (Details with { SourceIps = value }, null); }

    /// <summary>Names queried over DNS, mDNS and LLMNR.</summary>
    public DnsQueryResult DnsQueries { get => Details.DnsQueries; init => (HeldDetails, Store) = (Details with { DnsQueries = value }, null); }

    /// <summary>Packets and IP bytes over time, in bins.</summary>
    public TrafficResult Traffic { get => Details.Traffic; init => (HeldDetails, Store) = (Details with { Traffic = value }, null); }

    /// <summary>Passive DNS, response totals, registered domains and signals (empty for a capture that was not read).</summary>
    public ContextResult Context { get => Details.Context; init => (HeldDetails, Store) = (Details with { Context = value }, null); }

    /// <summary>Bidirectional flows with their Community IDs (empty for a capture that was not read, or a bundle written before them).</summary>
    public ConversationResult Conversations { get => Details.Conversations; init => (HeldDetails, Store) = (Details with { Conversations = value }, null); }

    /// <summary>Server names, TLS fingerprints, certificates and HTTP requests (empty for a capture that was not read).</summary>
    public ApplicationResult Application { get => Details.Application; init => (HeldDetails, Store) = (Details with { Application = value }, null); }

    /// <summary>The bulky parts, read back from the store when they were spilled.</summary>
    public CaptureDetails Details => Store is null ? HeldDetails : Store.Load(this);

    /// <summary>True when the bulky parts are on disk (<see cref="Spilled"/>).</summary>
    internal bool IsSpilled => Store is not null;

    /// <summary>Entries held in memory by the bulky parts: a measure of the memory this result takes.</summary>
    internal long Weight => Store is null ? HeldDetails.Weight : 0;

    /// <summary>Entries that reading a spilled result back brings into memory (0 for a result held already).</summary>
    internal long ReadBackWeight => Store is null ? 0 : SpilledWeight;

    internal bool HasErrors => Issues.Any(i => i.Severity == IssueSeverity.Error) || Status == CaptureStatus.Failed;
    internal bool HasWarnings => Issues.Any(i => i.Severity == IssueSeverity.Warning);

    /// <summary>This result with its bulky parts left to <paramref name="store"/>, which already holds them.</summary>
    internal CaptureResult Spilled(ICaptureDetailsStore store) => this with { HeldDetails = CaptureDetails.Empty, Store = store, SpilledWeight = Weight };

    /// <summary>This result with <paramref name="details"/> in memory as its bulky parts.</summary>
    internal CaptureResult WithDetails(CaptureDetails details) => this with { HeldDetails = details, Store = null };

    /// <summary>This result with its bulky parts in memory (itself when they are).</summary>
    public CaptureResult Held() => Store is null ? this : this with { HeldDetails = Store.Load(this), Store = null };
}

/// <summary>The bulky parts of a <see cref="CaptureResult"/>, which a run may keep on disk.</summary>
public sealed record CaptureDetails(SourceIpResult SourceIps, DnsQueryResult DnsQueries, TrafficResult Traffic, ContextResult Context)
{
    /// <summary>The application layer's results (<see cref="CaptureResult.Application"/>).</summary>
    public ApplicationResult Application { get; init; } = ApplicationResult.Empty();

    internal static CaptureDetails Empty { get; } = new(
        new SourceIpResult([], DistinctLimit.NotExceeded(AnalysisSettings.DefaultMaxDistinct)),
        new DnsQueryResult([], DistinctLimit.NotExceeded(AnalysisSettings.DefaultMaxDistinct)),
        TrafficResult.Empty, ContextResult.Empty);

    /// <summary>Bidirectional flows (docs/analysis.md, "5. Conversations").</summary>
    public ConversationResult Conversations { get; init; } = ConversationResult.Empty;

    /// <summary>Entries held (addresses, names, bins, answers, flows, application-layer rows): what the memory taken grows with.</summary>
    internal long Weight => SourceIps.Entries.Count + DnsQueries.Entries.Count + Traffic.Bins.Count + Context.Weight + Conversations.Entries.Count + Application.Weight +
        Conversations.BeaconSamples.Weight;
}

/// <summary>Where spilled <see cref="CaptureDetails"/> are kept (a run's spill directory).</summary>
public interface ICaptureDetailsStore
{
    /// <summary>The bulky parts of <paramref name="capture"/>, read back.</summary>
    CaptureDetails Load(CaptureResult capture);
}
