using PcapViz.Export;
using PcapViz.Model;

namespace PcapViz.Rendering.Pdf;

/// <summary>
/// Writes <c>captures/&lt;id&gt;/report.pdf</c> for each capture, <c>report.pdf</c> for the run and the one-page
/// <c>ticket.pdf</c> of the run (and, with <see cref="PdfReportOptions.TicketPerCapture"/>, of each capture); and the
/// PDF of a diff bundle.
/// </summary>
public sealed class PdfReportExporter(PdfReportOptions options) : IReportExporter, Diff.IDiffExporter
{
    /// <summary>The PDF of each capture (captures/&lt;id&gt;/report.pdf) and of the run (at the bundle root).</summary>
    internal const string CaptureFileName = "report.pdf";

    /// <summary>The PDF of a diff bundle.</summary>
    public const string DiffFileName = "diff.pdf";

    /// <summary>The one-page ticket summary, at the bundle root and (on request) beside each capture's report.pdf.</summary>
    public const string TicketFileName = "ticket.pdf";

    internal PdfReportExporter()
        : this(PdfReportOptions.Default)
    {
    }

    internal PdfReportOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    /// <inheritdoc />
    public string Name => "pdf";

    /// <inheritdoc />
    public void ExportCapture(CaptureResult capture, RunResult run, IOutputSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(capture);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(sink);
        cancellationToken.ThrowIfCancellationRequested();
        using var stream = sink.Create($"captures/{capture.Id}/{CaptureFileName}");
        PdfReportRenderer.RenderCapture(capture, run.Info, Options, stream, run);
        if (!Options.TicketPerCapture) return;
        using var ticket = sink.Create($"captures/{capture.Id}/{TicketFileName}");
        PdfReportRenderer.RenderTicket(run, capture, Options, ticket);
    }

    /// <inheritdoc />
    public void ExportRun(RunResult run, IOutputSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(sink);
        cancellationToken.ThrowIfCancellationRequested();
        using var stream = sink.Create(CaptureFileName);
        PdfReportRenderer.RenderRun(run, Options, stream, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        using var ticket = sink.Create(TicketFileName);
        PdfReportRenderer.RenderTicket(run, null, Options, ticket);
    }

    /// <inheritdoc />
    public void ExportDiff(Diff.BundleDiff diff, IOutputSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(diff);
        ArgumentNullException.ThrowIfNull(sink);
        cancellationToken.ThrowIfCancellationRequested();
        using var stream = sink.Create(DiffFileName);
        PdfReportRenderer.RenderDiff(diff, Options, stream);
    }

    /// <summary>Loads the fonts and draws a capture and a run PDF of the sample into nothing.</summary>
    public void WarmUp(RunResult sample, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sample);
        PdfReportRenderer.RenderCapture(sample.Captures[0], sample.Info, Options, Stream.Null, sample);
        PdfReportRenderer.RenderRun(sample, Options, Stream.Null, cancellationToken);
    }
}
