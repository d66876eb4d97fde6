namespace PcapViz.Model;

/// <summary>
/// The settings a run was analysed with, as its reports show them: the part of the analysis options
/// (<c>PcapViz.Analysis.AnalysisOptions</c>) a reader sees. The model holds no context data (Public Suffix List, GeoIP
/// databases, beacon ignore list): those stay with the analyses.
/// </summary>
/// <param name="BinSeconds">Fixed bin width in seconds, or null for automatic choice (2 s, widened as docs/analysis.md "3. Bytes over time" says).</param>
/// <param name="MaxDistinct">Most distinct keys each analysis tracks exactly before folding the rest into "other".</param>
public sealed record AnalysisSettings(int? BinSeconds = null, int MaxDistinct = AnalysisSettings.DefaultMaxDistinct)
{
    /// <summary>The default of --max-distinct.</summary>
    public const int DefaultMaxDistinct = 200_000;
}

/// <summary>Facts about the run itself.</summary>
/// <param name="ToolVersion">PcapViz version string.</param>
/// <param name="GeneratedUtc">Generation time: SOURCE_DATE_EPOCH when set, else the run's start.</param>
/// <param name="Inputs">The input roots as given on the command line.</param>
/// <param name="CommandLine">The options in effect, as name/value pairs in a fixed order.</param>
public sealed record RunInfo(
    string ToolVersion,
    DateTimeOffset GeneratedUtc,
    IReadOnlyList<string> Inputs,
    IReadOnlyList<KeyValuePair<string, string>> CommandLine)
{
    /// <summary>How the bundle's addresses and names were pseudonymised (--pseudonymise); null when they were not.</summary>
    public PseudonymisationInfo? Pseudonymisation { get; init; }
}

/// <summary>How a bundle was pseudonymised (docs/pseudonymisation.md): the method and a one-way identifier of the key
/// (bundles with the same key id have comparable pseudonyms). The key itself is never written.</summary>
public sealed record PseudonymisationInfo(string Method, string KeyId);

/// <summary>Everything a run produced, in a fixed order (sorted by capture path).</summary>
public sealed record RunResult(
    RunInfo Info,
    AnalysisSettings Analysis,
    IReadOnlyList<CaptureResult> Captures,
    // Merged over every capture that could be read.
    CaptureSummary Totals,
    SourceIpResult SourceIps,
    DnsQueryResult DnsQueries,
    TrafficResult Traffic,
    // Files found during discovery but not analysed (not a capture, unreadable), with the reason.
    IReadOnlyList<SkippedInput> Skipped)
{
    /// <summary>What the history and watchlists (history database, watchlists) adds to the report; null without either.</summary>
    public RunHistory? History { get; init; }

    /// <summary>The captures' context merged (passive DNS, responses, domains and signals over the run).</summary>
    public ContextResult Context { get; init; } = ContextResult.Empty;

    /// <summary>The captures' application-layer results merged (server names, fingerprints, certificates, HTTP requests).</summary>
    public ApplicationResult Application { get; init; } = ApplicationResult.Empty();

    /// <summary>The packet slices written into the bundle for the captures' findings (`report --slices`); null without the option.</summary>
    public RunSlices? Slices { get; init; }

    /// <summary>Client → server pairs scored over the connections of every capture (docs/analysis.md, "7. Beacons"),
    /// highest score first, at most <see cref="BeaconEntry.MaxListed"/>.</summary>
    public RunBeacons Beacons { get; init; } = RunBeacons.Empty;
}

/// <param name="IsProblem">True when the file should have been read but could not (unreadable, vanished);
/// false when it was recognised as not being a capture.</param>
public sealed record SkippedInput(string Path, string Reason, bool IsProblem = false);
