namespace PcapViz.Model;

/// <summary>Kinds of indicator the history and the watchlists know. JSON, HTML, PDF and the database spell them alike.</summary>
public enum IndicatorKind
{
    /// <summary>A source address (canonical text: IPv4 dotted quad, IPv6 RFC 5952).</summary>
    Address,
    /// <summary>A DNS/mDNS/LLMNR query name in presentation form.</summary>
    Name,
    /// <summary>A registered domain (eTLD+1) of query names.</summary>
    Domain,
    /// <summary>A server name a client asked for or named: TLS or QUIC SNI, HTTP Host (lower case, as the analyses keep it).</summary>
    ServerName,
    /// <summary>A JA4 TLS client fingerprint (<c>t</c> over TCP, <c>q</c> over QUIC).</summary>
    Ja4,
    /// <summary>A JA3 TLS client fingerprint (MD5, 32 hex digits). Watchlists only: the history does not record it.</summary>
    Ja3,
}

/// <summary>What an indicator's nightly volume (its baseline, docs/history.md "Baselines per indicator") counts.</summary>
public enum VolumeUnit
{
    /// <summary>IP bytes (addresses: the bytes of the packets they sent, the measure of how much a host moved).</summary>
    Bytes,
    /// <summary>Queries (names and registered domains).</summary>
    Queries,
    /// <summary>Requests: TLS and QUIC ClientHellos and HTTP requests (server names, client fingerprints).</summary>
    Requests,
}

/// <summary>
/// Per-kind facts the baselines need. A new kind of indicator (service, server name) is one line in <see cref="Unit"/>
/// (plus its volume in <c>Indicators.Of</c>); the database, history.json, pages and PDFs take it from there.
/// </summary>
public static class IndicatorVolumes
{
    /// <summary>What the baseline of <paramref name="kind"/> measures: IP bytes for addresses, queries for names and registered domains, requests for server names and fingerprints.</summary>
    public static VolumeUnit Unit(IndicatorKind kind) => kind switch
    {
        IndicatorKind.Address => VolumeUnit.Bytes,
        IndicatorKind.Name => VolumeUnit.Queries,
        IndicatorKind.Domain => VolumeUnit.Queries,
        IndicatorKind.ServerName or IndicatorKind.Ja4 or IndicatorKind.Ja3 => VolumeUnit.Requests,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "No volume unit for this indicator kind."),
    };

    /// <summary>The unit as history.json spells it: <c>bytes</c>, <c>queries</c> or <c>requests</c>.</summary>
    public static string Name(VolumeUnit unit) => unit switch { VolumeUnit.Bytes => "bytes", VolumeUnit.Queries => "queries", _ => "requests" };

    /// <summary>What an indicator's count (<see cref="NewIndicator.Count"/>, <see cref="WatchlistHit.Count"/>) counts, as pages and PDFs say it:
    /// "1 packet" for addresses, "12 queries" for names and domains, "3 requests" (ClientHellos, HTTP requests) for server names and fingerprints.</summary>
    public static string CountText(IndicatorKind kind, long count)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        string n = count.ToString("#,0", inv);
        return kind switch
        {
            IndicatorKind.Address => n + (count == 1 ? " packet" : " packets"),
            IndicatorKind.Name or IndicatorKind.Domain => n + (count == 1 ? " query" : " queries"),
            _ => n + (count == 1 ? " request" : " requests"),
        };
    }

    /// <summary>A ratio (or --baseline-ratio) as pages and PDFs show it: "10.0", "5.5", "12.34".</summary>
    public static string RatioText(double ratio) => ratio.ToString("#,0.0#", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A volume as pages and PDFs show it: "12,345,678 bytes", "1 query".</summary>
    public static string Text(VolumeUnit unit, double volume)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        string n = volume == Math.Floor(volume) ? volume.ToString("#,0", inv) : volume.ToString("#,0.0", inv);
        return unit switch
        {
            VolumeUnit.Bytes => n + (volume == 1 ? " byte" : " bytes"),
            VolumeUnit.Queries => n + (volume == 1 ? " query" : " queries"),
            _ => n + (volume == 1 ? " request" : " requests"),
        };
    }
}

/// <summary>How tonight's volumes are judged against each indicator's own baseline (--baseline-* options).</summary>
/// <param name="Runs">The baseline: the median over at most this many earlier runs in which the indicator appeared.</param>
/// <param name="Ratio">Listed when tonight's volume is at least this many times the median...</param>
/// <param name="MinBytes">...and at least this volume, for indicators measured in bytes (addresses)...</param>
/// <param name="MinQueries">...or in queries (names, registered domains), or in requests (server names, JA4: <see cref="MinRequests"/>).</param>
public sealed record BaselineSettings(int Runs = BaselineSettings.DefaultRuns, double Ratio = BaselineSettings.DefaultRatio,
    long MinBytes = BaselineSettings.DefaultMinBytes, long MinQueries = BaselineSettings.DefaultMinQueries)
{
    /// <summary>Default <see cref="Runs"/> (--baseline-runs).</summary>
    public const int DefaultRuns = 30;
    /// <summary>Default <see cref="Ratio"/> (--baseline-ratio): five times the median.</summary>
    public const double DefaultRatio = 5;
    /// <summary>Default <see cref="MinBytes"/> (--baseline-min-bytes): 10 MB.</summary>
    public const long DefaultMinBytes = 10_000_000;
    /// <summary>Default <see cref="MinQueries"/> (--baseline-min-queries).</summary>
    public const long DefaultMinQueries = 100;
    /// <summary>Default <see cref="MinRequests"/> (--baseline-min-requests).</summary>
    public const long DefaultMinRequests = 100;

    /// <summary>The minimum volume for indicators measured in requests (server names, JA4 fingerprints; --baseline-min-requests).</summary>
    public long MinRequests { get; init; } = DefaultMinRequests;

    /// <summary>An indicator with fewer earlier runs (with a known volume) than this is not judged: no baseline yet.</summary>
    public const int MinRuns = 3;

    /// <summary>Default <see cref="BeaconNights"/> (--beacon-nights).</summary>
    public const int DefaultBeaconNights = 7;

    /// <summary>The runs (tonight included) over which "seen beaconing on N of the last M nights" counts (--beacon-nights).</summary>
    public int BeaconNights { get; init; } = DefaultBeaconNights;

    /// <summary>The minimum volume tonight for an indicator measured in <paramref name="unit"/> to be judged (<see cref="MinBytes"/>, <see cref="MinQueries"/> or <see cref="MinRequests"/>).</summary>
    public long MinVolume(VolumeUnit unit) => unit switch { VolumeUnit.Bytes => MinBytes, VolumeUnit.Queries => MinQueries, _ => MinRequests };
}

/// <summary>One earlier (or tonight's) volume of an indicator, for its sparkline.</summary>
public sealed record VolumePoint(DateTimeOffset RunUtc, long Volume, bool Tonight);

/// <summary>An indicator far above its own baseline tonight.</summary>
/// <param name="Volume">Tonight's volume over every capture of the run (<see cref="IndicatorVolumes.Unit"/>).</param>
/// <param name="Median">Median volume of the earlier runs in <paramref name="History"/> (those in which it appeared).</param>
/// <param name="History">The earlier runs the median is over (oldest first), then tonight.</param>
public sealed record BaselineDeviation(IndicatorKind Kind, string Value, long Volume, double Median, IReadOnlyList<VolumePoint> History,
    IReadOnlyList<IndicatorSighting> Captures)
{
    /// <summary>What <see cref="Volume"/> and <see cref="Median"/> count (<see cref="IndicatorVolumes.Unit"/>).</summary>
    public VolumeUnit Unit => IndicatorVolumes.Unit(Kind);

    /// <summary>Tonight's volume over the median (at least <see cref="BaselineSettings.Ratio"/> for a listed deviation).</summary>
    public double Ratio => Volume / Median;

    /// <summary>Earlier runs the median is over.</summary>
    public int EarlierRuns => History.Count(p => !p.Tonight);
}

/// <summary>Where an indicator was seen in tonight's run: the capture and that capture's first packet.</summary>
/// <param name="CaptureId">The capture's id (folder under captures/).</param>
/// <param name="FirstPacketEpochNanos">The capture's first packet time, or null when it has none.</param>
public sealed record IndicatorSighting(string CaptureId, long? FirstPacketEpochNanos);

/// <summary>An indicator tonight's run saw that the history had not seen (within the look-back window).</summary>
public sealed record NewIndicator(IndicatorKind Kind, string Value, long Count, IReadOnlyList<IndicatorSighting> Captures);

/// <summary>An indicator of tonight's run that matched a watchlist entry.</summary>
/// <param name="Value">What was seen (address, name or domain), untrusted text from a capture.</param>
/// <param name="Entry">The watchlist entry it matched, as written in the list (normalised).</param>
/// <param name="Label">The entry's label, untrusted text from the watchlist file; empty when none.</param>
/// <param name="List">The watchlist file as named on the command line.</param>
/// <param name="Line">1-based line of the entry in that file.</param>
public sealed record WatchlistHit(IndicatorKind Kind, string Value, string Entry, string Label, string List, int Line, long Count,
    IReadOnlyList<IndicatorSighting> Captures);

/// <summary>One run's numbers for the trend across runs.</summary>
/// <param name="NxdomainShare">The run's NXDOMAIN share (<see cref="DnsShares.Nxdomain"/>); null when the run had no response
/// carrying a question, or when the share is unknown (<see cref="NxdomainCounted"/>).</param>
public sealed record TrendPoint(long RunId, DateTimeOffset RunUtc, int Captures, int FailedCaptures, long Packets, long IpBytes,
    long DistinctSources, long DistinctNames, double? NxdomainShare, bool Tonight)
{
    /// <summary>False for a run recorded before the history counted DNS responses (schema version 2 and older): its
    /// share is unknown, which is not the same as none.</summary>
    public bool NxdomainCounted { get; init; } = true;

    /// <summary>How history.json names the share's state: <c>counted</c>, <c>no-responses</c> or <c>unknown</c>.</summary>
    public string NxdomainStatus => !NxdomainCounted ? "unknown" : NxdomainShare is null ? "no-responses" : "counted";

    /// <summary>The trend table's cell, the same on pages and in PDFs: "12.5 %", "–" (no responses) or "unknown".</summary>
    public string NxdomainShareText => !NxdomainCounted ? "unknown"
        : NxdomainShare is double s ? Names.TrendValue(Names.NxdomainShareMetric, s) : "–";
}

/// <summary>Tonight's value of a trend metric against the median of the earlier runs shown.</summary>
/// <param name="Metric">Stable name: packets, ipBytes, distinctSources, distinctNames, nxdomainShare, failedCaptures.</param>
/// <param name="Ratio">Tonight / median, or null when the median is 0.</param>
public sealed record TrendDeviation(string Metric, double Tonight, double Median, double? Ratio)
{
    /// <summary>Tonight is at least twice or at most half the median (or not 0 where the median is): shown as a warning.</summary>
    public bool IsNotable => Ratio is double r ? r >= 2 || r <= 0.5 : Tonight != 0;

    /// <summary>The one sentence HTML and PDF show: "Packets: 1,234 tonight, 2.5 times the median of the 29 earlier runs shown (494)".</summary>
    public string Describe(int earlierRuns)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        string ratio = Ratio is double x ? x.ToString("0.0#", inv) + " times the median" : Tonight == 0 ? "the same as the median" : "the median is 0";
        string runs = earlierRuns == 1 ? "the 1 earlier run shown" : $"the {earlierRuns.ToString("#,0", inv)} earlier runs shown";
        return $"{Names.TrendMetric(Metric)}: {Names.TrendValue(Metric, Tonight)} tonight, {ratio} of {runs} ({Names.TrendValue(Metric, Median)})";
    }
}

/// <summary>A watchlist line that could not be used (the run goes on without it).</summary>
public sealed record WatchlistProblem(string List, int Line, string Message);

/// <summary>
/// What the history and watchlists adds to a run: watchlist hits (with or without a history database) and, with a
/// database, what is new since the history began, and the trend across recent runs. Computed read-only before
/// rendering; renderers show it, it never changes a per-capture number.
/// </summary>
public sealed record RunHistory
{
    /// <summary>What "new" means tonight, as pages and PDFs say it: "never seen since the history began (2024-03-01,
    /// 12 earlier runs)", or "not seen in any run of the 30 days before this one" with --new-window.</summary>
    public string NewScope()
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        if (NewWindowDays is int days) return $"not seen in any run of the {days.ToString("#,0", inv)} days before this one";
        if (HistoryBeganUtc is not { } began) return "never seen before";
        string runs = RunsBefore == 1 ? "1 earlier run" : $"{RunsBefore.ToString("#,0", inv)} earlier runs";
        return $"never seen since the history began ({TimeFormat.IsoUtcSeconds(began.ToUnixTimeSeconds())[..10]}, {runs})";
    }

    /// <summary>The history database as named on the command line; null when the run has none (watchlists only).</summary>
    public string? Database { get; init; }

    /// <summary>Runs recorded in the database before this one.</summary>
    public int RunsBefore { get; init; }

    /// <summary>Time of the first recorded run, or null when the history is empty.</summary>
    public DateTimeOffset? HistoryBeganUtc { get; init; }

    /// <summary>Look-back window in days (--new-window), or null for "since the history began".</summary>
    public int? NewWindowDays { get; init; }

    /// <summary>True when this run's captures are already all recorded as one run (a night run again).</summary>
    public bool Rerun { get; init; }

    /// <summary>Query names new tonight (see <see cref="NewScope"/>).</summary>
    public IReadOnlyList<NewIndicator> NewNames { get; init; } = [];
    /// <summary>Registered domains new tonight.</summary>
    public IReadOnlyList<NewIndicator> NewDomains { get; init; } = [];
    /// <summary>Source addresses new tonight.</summary>
    public IReadOnlyList<NewIndicator> NewAddresses { get; init; } = [];
    /// <summary>Server names (TLS, QUIC, HTTP) new tonight.</summary>
    public IReadOnlyList<NewIndicator> NewServerNames { get; init; } = [];
    /// <summary>JA4 client fingerprints new tonight.</summary>
    public IReadOnlyList<NewIndicator> NewJa4 { get; init; } = [];

    /// <summary>Every new indicator, in the order pages, PDFs and tickets list them: registered domains, query names,
    /// server names, JA4 fingerprints, source addresses.</summary>
    public IEnumerable<NewIndicator> AllNew => NewDomains.Concat(NewNames).Concat(NewServerNames).Concat(NewJa4).Concat(NewAddresses);

    /// <summary>Whether watchlists were given (so "no hits" can be told from "not checked").</summary>
    public bool WatchlistsChecked { get; init; }

    /// <summary>Number of usable watchlist entries over every list.</summary>
    public int WatchlistEntries { get; init; }

    /// <summary>Tonight's watchlist hits over every capture; empty when none matched or no watchlist was given (<see cref="WatchlistsChecked"/>).</summary>
    public IReadOnlyList<WatchlistHit> WatchlistHits { get; init; } = [];

    /// <summary>For each pair of the run's beacons, the last nights it was seen beaconing (docs/history.md); empty without a database.</summary>
    public IReadOnlyList<BeaconHistory> Beacons { get; init; } = [];
    /// <summary>Watchlist lines that could not be used (each with its file and line number); they were left out.</summary>
    public IReadOnlyList<WatchlistProblem> WatchlistProblems { get; init; } = [];

    /// <summary>Earlier runs (oldest first) then tonight, at most the trend length.</summary>
    public IReadOnlyList<TrendPoint> Trend { get; init; } = [];
    /// <summary>Tonight's value of each trend metric against the median of the earlier runs shown; empty without earlier runs.</summary>
    public IReadOnlyList<TrendDeviation> Deviations { get; init; } = [];

    /// <summary>The settings the baselines were judged with; null without a history database.</summary>
    public BaselineSettings? Baseline { get; init; }

    /// <summary>Tonight's indicators that were judged: at or above the minimum volume, not new, with at least
    /// <see cref="BaselineSettings.MinRuns"/> earlier runs of known volume.</summary>
    public int BaselineJudged { get; init; }

    /// <summary>Indicators far above their own baseline, highest ratio first (then kind, value).</summary>
    public IReadOnlyList<BaselineDeviation> AboveBaseline { get; init; } = [];

    /// <summary>True when the run has a history database (not watchlists alone): new indicators, trend and baselines are then shown.</summary>
    public bool HasHistory => Database is not null;

    internal int NewCount => NewNames.Count + NewDomains.Count + NewAddresses.Count + NewServerNames.Count + NewJa4.Count;

    /// <summary>The new indicators of one capture (for its page's marker).</summary>
    internal IEnumerable<NewIndicator> NewIn(string captureId) =>
        AllNew.Where(n => n.Captures.Any(c => c.CaptureId == captureId));

    /// <summary>The watchlist hits of one capture.</summary>
    public IEnumerable<WatchlistHit> HitsIn(string captureId) =>
        WatchlistHits.Where(h => h.Captures.Any(c => c.CaptureId == captureId));
}

/// <summary>A pair of the run's beacons and the runs of the history it was flagged in: <see cref="Nights"/>.Seen of the last
/// <see cref="Nights"/>.Runs runs whose beacons were recorded, tonight included.</summary>
public sealed record BeaconHistory(int Protocol, string Client, string Server, int Port, BeaconNights Nights);
