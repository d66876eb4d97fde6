using System.Runtime.CompilerServices;
using PcapViz.Model;

namespace PcapViz.View;

/// <summary>How the listed sources' packets split by address class (IANA special-purpose registries).</summary>
/// <param name="Public">Packets from public addresses.</param>
/// <param name="PrivateScope">Packets from private-scope addresses (RFC 1918, ULA, CGNAT, link-local, loopback).</param>
/// <param name="Other">Packets from other special-purpose addresses (multicast, documentation …).</param>
public sealed record AddressClassShares(Share Public, Share PrivateScope, Share Other);

/// <summary>
/// Every figure a reader sees about one capture or one run, computed once from the result model: counts, shares,
/// ranks, the busiest interval, top address pairs, long connections and the highlights. The HTML pages, PDFs, CSV
/// files, the ticket and analysis.json render it and compute nothing of their own, so a ticket quoting the PDF and a
/// script reading the CSV agree (docs/report-view.md lists each figure and its one definition).
/// </summary>
public sealed class ReportView
{
    /// <summary>Most address pairs the view ranks (the pages list at most 100; the PDF its top N).</summary>
    public const int MaxAddressPairs = 100;

    private static readonly ConditionalWeakTable<CaptureResult, ReportView> Captures = new();
    private static readonly ConditionalWeakTable<RunResult, ReportView> Runs = new();

    private readonly Func<TimeZoneInfo, IReadOnlyList<Highlight>> _highlights;
    private readonly Lock _gate = new();
    private (TimeZoneInfo Zone, IReadOnlyList<Highlight> List)? _highlightsFor;
    private IReadOnlyList<AddressPair>? _pairs;
    private IReadOnlyList<ConversationEntry>? _longConnections;
    private IReadOnlyList<TrafficBin>? _busiestBins;

    private ReportView(CaptureSummary summary, SourceIpResult sources, DnsQueryResult names, TrafficResult traffic, ContextResult context,
        ConversationResult conversations, Func<ReportView, TimeZoneInfo, IReadOnlyList<Highlight>> highlights)
    {
        Summary = summary;
        Sources = sources;
        QueryNames = names;
        Traffic = traffic;
        Context = context;
        Conversations = conversations;
        SourcePackets = sources.TotalPackets;
        Queries = names.TotalQueries;
        FlowBytes = conversations.Entries.Sum(e => e.IpBytes) + conversations.Limit.OtherIpBytes;
        TopTalker = sources.Entries.Count > 0 ? sources.Entries[0] : null;
        TopName = names.Entries.Count > 0 ? names.Entries[0] : null;
        Nxdomain = DnsShares.Of(context.Responses.NxDomain, context.Responses.WithQuestion);
        Classes = ClassesOf(sources.Entries);
        foreach (var b in traffic.Bins)
        {
            TimelinePackets += b.Packets;
            TimelineBytes += b.IpBytes;
            if (Busiest is null || b.IpBytes > Busiest.IpBytes) Busiest = b; // the earliest of equal bins
        }
        if (Busiest is { IpBytes: 0 }) Busiest = null;
        _highlights = zone => highlights(this, zone);
    }

    /// <summary>The view of one capture (built on first use, then shared by every output of that capture).</summary>
    public static ReportView Of(CaptureResult capture)
    {
        ArgumentNullException.ThrowIfNull(capture);
        return Captures.GetValue(capture, c => new ReportView(c.Summary, c.SourceIps, c.DnsQueries, c.Traffic, c.Context, c.Conversations,
            (view, zone) => View.Highlights.ForCapture(c, view, zone)));
    }

    /// <summary>The view of the run's merged results (built on first use, then shared by the index, run PDF and ticket).</summary>
    public static ReportView Of(RunResult run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Runs.GetValue(run, r => new ReportView(r.Totals, r.SourceIps, r.DnsQueries, r.Traffic, r.Context, ConversationResult.Empty,
            (view, zone) => View.Highlights.ForRun(r, view, zone)));
    }

    /// <summary>The counts the view was built from (packets, IP bytes, first and last packet).</summary>
    public CaptureSummary Summary { get; }

    /// <summary>Source addresses as the analysis listed them, most packets first (rank = index + 1).</summary>
    public SourceIpResult Sources { get; }

    /// <summary>Query names as the analysis listed them, most queries first (rank = index + 1).</summary>
    public DnsQueryResult QueryNames { get; }

    /// <summary>The timeline.</summary>
    public TrafficResult Traffic { get; }

    /// <summary>Names for addresses, responses, registered domains and signals.</summary>
    public ContextResult Context { get; }

    /// <summary>The flows (empty for a run, whose flows stay with their captures).</summary>
    public ConversationResult Conversations { get; }

    /// <summary>IP packets by source, listed and "other": the whole of every source's share.</summary>
    public long SourcePackets { get; }

    /// <summary>Queries, listed names and "other": the whole of every name's share.</summary>
    public long Queries { get; }

    /// <summary>IP bytes of every flow, listed and "other": the whole of every flow's, pair's and service's share.</summary>
    public long FlowBytes { get; }

    /// <summary>Packets and IP bytes on the timeline (every IP packet is in a bin).</summary>
    public long TimelinePackets { get; }

    /// <inheritdoc cref="TimelinePackets"/>
    public long TimelineBytes { get; }

    /// <summary>The source with the most packets, or null.</summary>
    public SourceIpEntry? TopTalker { get; }

    /// <summary>The top talker's packets of <see cref="SourcePackets"/>.</summary>
    public Share TopTalkerShare => new(TopTalker?.Packets ?? 0, SourcePackets);

    /// <summary>The most queried name, or null.</summary>
    public DnsQueryEntry? TopName { get; }

    /// <summary>The most queried name's queries of <see cref="Queries"/>.</summary>
    public Share TopNameShare => new(TopName?.Queries ?? 0, Queries);

    /// <summary>The NXDOMAIN share: NXDOMAIN responses of the responses carrying a question (<see cref="DnsShares"/>).</summary>
    public Share Nxdomain { get; }

    /// <summary>The listed sources' packets by address class.</summary>
    public AddressClassShares Classes { get; }

    /// <summary>The bin with the most IP bytes (the earliest of equal ones); null when no bin carries a byte.</summary>
    public TrafficBin? Busiest { get; }

    /// <summary>The busiest bin's rate in bytes per second.</summary>
    public double BusiestRate => Busiest is null ? 0 : Busiest.IpBytes / (double)Traffic.BinSeconds;

    /// <summary>Mean rate over the timeline's bins, in bytes per second.</summary>
    public double MeanRate => Traffic.Bins.Count == 0 ? 0 : TimelineBytes / ((double)Traffic.Bins.Count * Traffic.BinSeconds);

    /// <summary>A source's packets of <see cref="SourcePackets"/>.</summary>
    public Share SourceShare(long packets) => new(packets, SourcePackets);

    /// <summary>A name's queries of <see cref="Queries"/>.</summary>
    public Share QueryShare(long queries) => new(queries, Queries);

    /// <summary>A flow's, pair's or service's IP bytes of <see cref="FlowBytes"/>.</summary>
    public Share FlowShare(long ipBytes) => new(ipBytes, FlowBytes);

    /// <summary>The bins with the most IP bytes, most first (then earliest), at most <paramref name="count"/>.</summary>
    public IReadOnlyList<TrafficBin> BusiestBins(int count)
    {
        var all = Once(ref _busiestBins, () => Traffic.Bins.OrderByDescending(b => b.IpBytes).ThenBy(b => b.StartEpochSeconds).Take(MaxAddressPairs).ToArray());
        return all.Count <= count ? all : all.Take(count).ToArray();
    }

    /// <summary>Address pairs of the listed flows, most IP bytes first (<see cref="ConversationResult.TopAddressPairs"/>), at most <paramref name="count"/> (≤ <see cref="MaxAddressPairs"/>).</summary>
    public IReadOnlyList<AddressPair> TopAddressPairs(int count)
    {
        var all = Once(ref _pairs, () => Conversations.TopAddressPairs(MaxAddressPairs));
        return all.Count <= count ? all : all.Take(count).ToArray();
    }

    /// <summary>The flows that lasted an hour or more (<see cref="ConversationResult.LongConnections"/>).</summary>
    public IReadOnlyList<ConversationEntry> LongConnections => Once(ref _longConnections, Conversations.LongConnections);

    /// <summary>The sentences the pages and PDFs open with, in <paramref name="zone"/>'s times (built once per zone).</summary>
    public IReadOnlyList<Highlight> Highlights(TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        lock (_gate)
        {
            if (_highlightsFor is { } held && held.Zone.Equals(zone)) return held.List;
        }
        var list = _highlights(zone);
        lock (_gate) _highlightsFor = (zone, list);
        return list;
    }

    private T Once<T>(ref T? field, Func<T> make) where T : class
    {
        lock (_gate)
        {
            return field ??= make();
        }
    }

    private static AddressClassShares ClassesOf(IReadOnlyList<SourceIpEntry> entries)
    {
        long listed = 0, publicPackets = 0, privatePackets = 0;
        foreach (var e in entries)
        {
            listed += e.Packets;
            if (e.AddressClass == PcapViz.Context.AddressClasses.Public) publicPackets += e.Packets;
            else if (PcapViz.Context.AddressClasses.IsPrivateScope(e.AddressClass)) privatePackets += e.Packets;
        }
        return new(new(publicPackets, listed), new(privatePackets, listed), new(listed - publicPackets - privatePackets, listed));
    }
}
