using PcapViz.Model;

namespace PcapViz.Export;

/// <summary>
/// Where exporters write. Paths are relative to the bundle root and use '/'. A file becomes visible under its
/// final name only when its stream is disposed without error (written to a temporary name, then renamed), and
/// its SHA-256 is recorded for manifest.json.
/// </summary>
public interface IOutputSink
{
    Stream Create(string relativePath);
}

/// <summary>
/// Turns the immutable result model into files. An exporter sees only the finished <see cref="RunResult"/>;
/// a failing exporter is reported and the others still run.
/// </summary>
public interface IReportExporter
{
    /// <summary>Short name for logs ("json", "csv", "html", "pdf").</summary>
    string Name { get; }

    OutputFormats Format { get; }

    /// <summary>Writes the files of one capture, under <c>captures/&lt;id&gt;/</c>.</summary>
    void ExportCapture(CaptureResult capture, RunResult run, RenderOptions options, IOutputSink sink, CancellationToken cancellationToken);

    /// <summary>Writes the run-level files (index.html, report.pdf, assets).</summary>
    void ExportRun(RunResult run, RenderOptions options, IOutputSink sink, CancellationToken cancellationToken);
}
