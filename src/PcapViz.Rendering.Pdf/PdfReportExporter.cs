using PcapViz.Export;
using PcapViz.Model;

namespace PcapViz.Rendering.Pdf;

/// <summary>Writes <c>captures/&lt;id&gt;/report.pdf</c> for each capture and <c>report.pdf</c> for the run.</summary>
public sealed class PdfReportExporter : IReportExporter
{
    public const string CaptureFileName = "report.pdf";

    public string Name => "pdf";

    public OutputFormats Format => OutputFormats.Pdf;

    public void ExportCapture(CaptureResult capture, RunResult run, RenderOptions options, IOutputSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(capture);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(sink);
        cancellationToken.ThrowIfCancellationRequested();
        using var stream = sink.Create($"captures/{capture.Id}/{CaptureFileName}");
        PdfReportRenderer.RenderCapture(capture, run.Info, options, stream, run);
    }

    public void ExportRun(RunResult run, RenderOptions options, IOutputSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(sink);
        cancellationToken.ThrowIfCancellationRequested();
        using var stream = sink.Create(CaptureFileName);
        PdfReportRenderer.RenderRun(run, options, stream, cancellationToken);
    }
}
