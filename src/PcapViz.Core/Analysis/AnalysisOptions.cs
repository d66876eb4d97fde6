using PcapViz.Model;

namespace PcapViz.Analysis;

/// <summary>The options that change what the analyses compute (part of the incremental cache key).</summary>
/// <param name="BinSeconds">Fixed bin width in seconds, or null for automatic choice (2 s, widened as docs/analysis.md "3. Bytes over time" says).</param>
/// <param name="MaxDistinct">Most distinct keys each analysis tracks exactly before folding the rest into "other".</param>
public sealed record AnalysisOptions(int? BinSeconds = null, int MaxDistinct = AnalysisOptions.DefaultMaxDistinct)
{
    /// <summary>The default of --max-distinct (<see cref="AnalysisSettings.DefaultMaxDistinct"/>).</summary>
    public const int DefaultMaxDistinct = AnalysisSettings.DefaultMaxDistinct;

    /// <summary>What the run's reports show of these options.</summary>
    public AnalysisSettings Settings => new(BinSeconds, MaxDistinct);

    /// <summary>The Public Suffix List for registered domains: the embedded copy unless --public-suffix-list names a file.</summary>
    public PcapViz.Context.PublicSuffixList PublicSuffixes { get; init; } = PcapViz.Context.PublicSuffixList.Embedded;

    /// <summary>The --geoip databases (none by default: country and ASN are then not looked up).</summary>
    public PcapViz.Context.GeoIpDatabases GeoIp { get; init; } = PcapViz.Context.GeoIpDatabases.None;

    /// <summary>The traffic never scored as a beacon: the default list unless --beacon-ignore-defaults off, and the lines
    /// of --beacon-ignore (docs/analysis.md, "7. Beacons").</summary>
    public BeaconIgnoreList BeaconIgnore { get; init; } = BeaconIgnoreList.Default;
}
