using PcapViz.Analysis;
using PcapViz.Bundle;
using PcapViz.Export;
using PcapViz.Discovery;
using PcapViz.Model;

namespace PcapViz.Orchestration;

/// <summary>
/// What makes the exit code non-zero once the bundle is written (<c>--fail-on</c>, a comma list): the flags combine,
/// and when several apply the highest code wins (docs and <c>pcapviz --help</c>: 2 issues, 4 watchlist, 5 beacon).
/// </summary>
[Flags]
public enum FailPolicy
{
    /// <summary>Never: exit 0 whenever the bundle was written (not combined with another).</summary>
    Never = 0,
    /// <summary>Captures that failed or ended early (error issues): exit code 2. The default.</summary>
    Error = 1,
    /// <summary>Also captures with only warnings: exit code 2.</summary>
    Warning = 2,
    /// <summary>Exit code 4 when any watchlist entry was hit.</summary>
    Watchlist = 4,
    /// <summary>Exit code 5 when a client → server pair scores as a beacon (docs/analysis.md, "7. Beacons").</summary>
    Beacon = 8,
}

/// <summary>Documented process exit codes.</summary>
public static class ExitCodes
{
    /// <summary>Every capture was analysed cleanly (per --fail-on) and the bundle was written.</summary>
    public const int Success = 0;
    /// <summary>Usage error or a fatal error: nothing (new) was written.</summary>
    public const int Fatal = 1;
    /// <summary>The bundle was written, but some capture had errors (or warnings, with --fail-on warning).</summary>
    public const int CapturesWithIssues = 2;
    /// <summary>No capture was found in the inputs (and --allow-empty was not given): the previous bundle is left as it was.</summary>
    internal const int NoInput = 3;
    /// <summary>With --fail-on watchlist: the bundle (and history) was written and a watchlist entry was hit.</summary>
    internal const int WatchlistHit = 4;
    /// <summary>With --fail-on beacon: the bundle (and history) was written and a pair scored as a beacon.</summary>
    internal const int BeaconFlagged = 5;
    /// <summary>Interrupted (Ctrl+C / SIGTERM): the previous bundle is left as it was.</summary>
    public const int Interrupted = 130;
}

/// <summary>Everything one `pcapviz report` run needs; validated before it is built.</summary>
public sealed record RunRequest(
    IReadOnlyList<string> Inputs,
    string OutputDirectory,
    AnalysisOptions Analysis,
    IReadOnlyList<IReportExporter> Exporters,
    string ToolVersion,
    DateTimeOffset GeneratedUtc,
    IReadOnlyList<KeyValuePair<string, string>> OptionsForManifest)
{
    /// <summary>--include globs: in input directories, only files matching one are read (none: every capture).</summary>
    public IReadOnlyList<string> Includes { get; init; } = [];
    /// <summary>--exclude globs: files in input directories matching one are skipped.</summary>
    public IReadOnlyList<string> Excludes { get; init; } = [];
    /// <summary>--jobs: captures analysed at once (1 to 256; the output is the same for any value).</summary>
    public int Jobs { get; init; } = Environment.ProcessorCount;
    /// <summary>--incremental: captures unchanged since the previous bundle (same bytes, options and version) are taken
    /// from its cache/ instead of being read again.</summary>
    public bool Incremental { get; init; }
    /// <summary>--fail-on: what makes the exit code non-zero once the bundle is written.</summary>
    public FailPolicy FailOn { get; init; } = FailPolicy.Error;
    /// <summary>Inputs decided beforehand (one shard of a plan): the roots are not walked again.</summary>
    internal DiscoveryResult? Discovered { get; init; }
    /// <summary>False for a shard: no index, run PDF or assets (the merge writes them).</summary>
    public bool RunOutputs { get; init; } = true;
    /// <summary>Files the caller adds to the bundle before the manifest is written (a shard's plan.json and shard.json).</summary>
    internal Action<IOutputSink, RunResult>? ExtraOutputs { get; init; }
    /// <summary>Read symbolic links in input directories whose target lies outside the input root.</summary>
    public bool FollowExternalLinks { get; init; }
    /// <summary>History database and watchlists (PcapViz.History); null for a run without either.</summary>
    public IRunHistory? History { get; init; }
    /// <summary>Write a bundle even when no capture was found (else exit <see cref="ExitCodes.NoInput"/>, nothing replaced).</summary>
    public bool AllowEmpty { get; init; }

    /// <summary>Entries of finished results held in memory before further results wait on disk (<see cref="CaptureSpill"/>).</summary>
    public long MemoryBudget { get; init; } = CaptureSpill.DefaultBudget;
    /// <summary>Signs manifest.json (detached signature manifest.json.sig); also the key the incremental cache is bound to.</summary>
    public ManifestSigner? Signer { get; init; }
    /// <summary>SHA-256 of the previous night's manifest.json (--chain), recorded in the new manifest.</summary>
    public string? ChainPreviousSha256 { get; init; }
    /// <summary>--pseudonymise: every address and name of the bundle and the history rows replaced under a key
    /// (docs/pseudonymisation.md); null for a bundle with the original values.</summary>
    public PcapViz.Pseudonymisation.ResultPseudonymiser? Pseudonymiser { get; init; }
    /// <summary>--slices: a packet slice per flagged beacon and watchlist hit written into the bundle (docs/output.md,
    /// "Slices in the bundle"); null without the option. Never with <see cref="Pseudonymiser"/> (the CLI refuses it).</summary>
    public PcapViz.Slicing.SliceOptions? Slices { get; init; }
}

/// <summary>What the caller is told while a run goes on. Implementations must be thread-safe.</summary>
public interface IRunObserver
{
    /// <summary>The inputs were walked: <paramref name="files"/> captures of <paramref name="totalBytes"/> bytes in all will be read.</summary>
    void Discovered(int files, long totalBytes);
    /// <summary>A capture of <paramref name="sizeBytes"/> bytes (on disk) is being opened.</summary>
    void CaptureStarted(string path, long sizeBytes);
    /// <summary><paramref name="delta"/> more bytes of some capture were read (for a progress bar; from any thread).</summary>
    void BytesRead(long delta);
    /// <summary>A capture is done; <paramref name="reused"/> when its result came from the incremental cache.</summary>
    void CaptureFinished(CaptureResult result, bool reused);
    /// <summary>A note, not a problem (the CLI shows it with --verbose).</summary>
    void Info(string message);
    /// <summary>Something the user should know that did not stop the run.</summary>
    void Warning(string message);
    /// <summary>A failure: of a capture, an exporter or the run.</summary>
    void Error(string message);

    /// <summary>A data file other than a capture (a bundle's analysis.json, read by `pcapviz diff`) is read; it was
    /// announced by <see cref="CaptureStarted"/> under the same <paramref name="path"/>.</summary>
    void InputRead(string path) { }

    /// <summary>
    /// Reading is over and the outputs are written now: <paramref name="captures"/> captures to render (or, in a merge,
    /// to copy from their shards); <paramref name="carried"/> more keep their files from the previous bundle.
    /// </summary>
    void RenderStarted(int captures, int carried) { }

    /// <summary>One capture's files are written (called from the rendering threads, in any order).</summary>
    void CaptureRendered(CaptureResult capture) { }

    /// <summary>Every capture is rendered; the run-level outputs (index, run PDF, assets) are written now.</summary>
    void RunRenderStarted() { }

    /// <summary>Every output is written (the bundle is committed next).</summary>
    void RenderFinished() { }
}

internal sealed class NullRunObserver : IRunObserver
{
    public static readonly NullRunObserver Instance = new();
    public void Discovered(int files, long totalBytes) { }
    public void CaptureStarted(string path, long sizeBytes) { }
    public void BytesRead(long delta) { }
    public void CaptureFinished(CaptureResult result, bool reused) { }
    public void Info(string message) { }
    public void Warning(string message) { }
    public void Error(string message) { }
}

/// <summary>The outcome of a run.</summary>
/// <param name="Run">Null when the run failed before results existed.</param>
public sealed record RunOutcome(int ExitCode, RunResult? Run, IReadOnlyList<string> FatalErrors, int ReusedCaptures);
