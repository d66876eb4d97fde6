using PcapViz.Model;

namespace PcapViz.Export;

/// <summary>
/// Where exporters write. Paths are relative to the bundle root and use '/'. A file becomes visible under its
/// final name only when its stream is disposed without error (written to a temporary name, then renamed), and
/// its SHA-256 is recorded for manifest.json. A write that fails (disk full, I/O error) throws, at the latest
/// when the stream is disposed.
/// </summary>
public interface IOutputSink
{
    /// <summary>A new file at <paramref name="relativePath"/> ('/'-separated, under the bundle root), for the caller to
    /// write and dispose.</summary>
    Stream Create(string relativePath);
}

/// <summary>
/// Turns the immutable result model into files. An exporter sees only the finished <see cref="RunResult"/> and
/// the options it was built with (each exporter owns its options: paper size, self-contained HTML, links …; Core
/// knows none of them). The CLI builds only the exporters the user selected; <see cref="Orchestration.CompositeExporter"/> runs
/// them and reports each failure to the run.
/// </summary>
public interface IReportExporter
{
    /// <summary>Short name for logs ("json", "csv", "html", "pdf").</summary>
    string Name { get; }

    /// <summary>
    /// True when a capture's files show more than that capture (its neighbours in the run, in how many captures an
    /// address appears): a shard, which sees only its own captures, cannot write them, so a sharded run's merge
    /// renders every capture's files itself.
    /// </summary>
    bool CaptureFilesNeedTheWholeRun => false;

    /// <summary>Writes the files of one capture, under <c>captures/&lt;id&gt;/</c>.</summary>
    void ExportCapture(CaptureResult capture, RunResult run, IOutputSink sink, CancellationToken cancellationToken);

    /// <summary>Writes the run-level files (index.html, report.pdf, assets).</summary>
    void ExportRun(RunResult run, IOutputSink sink, CancellationToken cancellationToken);

    /// <summary>
    /// Does ahead of time what the first export would do first (start libraries, load fonts, parse templates) by
    /// rendering <paramref name="sample"/> and writing nothing. Called once, on a background thread of low priority,
    /// while the captures are read; it must not change any output, and may throw (the exception is ignored).
    /// </summary>
    void WarmUp(RunResult sample, CancellationToken cancellationToken)
    {
    }
}
