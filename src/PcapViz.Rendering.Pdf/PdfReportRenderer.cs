using PcapViz.Model;
using PcapViz.Rendering.Pdf.Layout;
using PcapViz.Rendering.Pdf.Report;

namespace PcapViz.Rendering.Pdf;

/// <summary>
/// Renders the result model as PDF: one capture, or the whole run (summary, then one section per capture, each
/// on a new page). The same model and options give the same bytes: the only date written is
/// <see cref="RunInfo.GeneratedUtc"/>, and Skia writes no random document ID.
/// </summary>
internal static class PdfReportRenderer
{
    public static void RenderCapture(CaptureResult capture, RunInfo info, PdfReportOptions options, Stream output, RunResult? run = null)
    {
        ArgumentNullException.ThrowIfNull(capture);
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(options);
        using var style = new PdfStyle();
        var layout = new PdfLayout(PageSetup.For(options.Paper), style, ReportComposer.CaptureContext(capture));
        new ReportComposer(layout, options).Capture(capture, info, standalone: true, run);
        PdfWriter.Write(output, layout, new PdfMetadata(
            Title: "PcapViz capture report: " + TextKit.Clean(capture.Input.Path),
            Subject: $"Capture {TextKit.Clean(capture.Input.Path)}, SHA-256 {capture.Input.Sha256}",
            Keywords: "pcap, source IP, DNS, traffic, sha256:" + capture.Input.Sha256,
            ToolVersion: info.ToolVersion,
            Created: info.GeneratedUtc));
    }

    /// <summary>The diff PDF; its date is when the new bundle was written, so the same two bundles give the same bytes.</summary>
    public static void RenderDiff(Diff.BundleDiff diff, PdfReportOptions options, Stream output)
    {
        ArgumentNullException.ThrowIfNull(diff);
        ArgumentNullException.ThrowIfNull(options);
        using var style = new PdfStyle();
        var layout = new PdfLayout(PageSetup.For(options.Paper), style, new PageContext("", "", ""));
        new ReportComposer(layout, options).Diff(diff);
        PdfWriter.Write(output, layout, new PdfMetadata(
            Title: "PcapViz diff: what changed",
            Subject: $"Old bundle manifest SHA-256 {diff.Old.ManifestSha256}, new {diff.New.ManifestSha256}",
            Keywords: "pcap, diff, source IP, DNS",
            ToolVersion: diff.ToolVersion,
            Created: ReportComposer.DiffTime(diff)));
    }

    /// <summary>
    /// The one-page ticket summary of the run (<paramref name="capture"/> null) or of one capture: always exactly one
    /// page. The highlights get as many lines as the page leaves; the rest of the page is bounded by construction
    /// (<see cref="TicketComposer"/>), and a layout that still ran onto a second page would be a bug, reported as such.
    /// </summary>
    public static void RenderTicket(RunResult run, CaptureResult? capture, PdfReportOptions options, Stream output)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        capture = capture?.Held();
        RenderTicket(TicketComposer.Content(run, capture, options), run, capture, options, output);
    }

    /// <summary>Draws given ticket content (tests fill the hooks for data the model does not have yet).</summary>
    internal static void RenderTicket(TicketContent content, RunResult run, CaptureResult? capture, PdfReportOptions options, Stream output)
    {
        using var style = new PdfStyle();
        for (int lines = TicketComposer.MostHighlightLines; lines >= 1; lines--)
        {
            var layout = new PdfLayout(PageSetup.For(options.Paper), style, content.Context);
            new TicketComposer(layout).Compose(content, lines);
            if (layout.Pages.Count != 1) continue;
            PdfWriter.Write(output, layout, new PdfMetadata(
                Title: capture is null ? "PcapViz ticket summary" : "PcapViz ticket summary: " + TextKit.Clean(capture.Input.Path),
                Subject: capture is null
                    ? $"{run.Captures.Count} captures, inputs SHA-256 {ReportComposer.RunInputsHash(run)}"
                    : $"Capture {TextKit.Clean(capture.Input.Path)}, SHA-256 {capture.Input.Sha256}",
                Keywords: "pcap, ticket, summary",
                ToolVersion: run.Info.ToolVersion,
                Created: run.Info.GeneratedUtc));
            return;
        }
        throw new InvalidOperationException("The ticket summary does not fit on one page even without highlights (a PcapViz bug: its sections must be bounded).");
    }

    public static void RenderRun(RunResult run, PdfReportOptions options, Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(options);
        using var style = new PdfStyle();
        var layout = new PdfLayout(PageSetup.For(options.Paper), style, new PageContext("", "", ""));
        new ReportComposer(layout, options).Run(run, cancellationToken);
        PdfWriter.Write(output, layout, new PdfMetadata(
            Title: "PcapViz run report",
            Subject: $"{run.Captures.Count} captures, inputs SHA-256 {ReportComposer.RunInputsHash(run)}",
            Keywords: "pcap, source IP, DNS, traffic",
            ToolVersion: run.Info.ToolVersion,
            Created: run.Info.GeneratedUtc));
    }
}
