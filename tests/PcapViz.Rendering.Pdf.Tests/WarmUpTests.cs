using Xunit;

namespace PcapViz.Rendering.Pdf.Tests;

/// <summary>The warm-up before a run renders into nothing and leaves no trace in the PDFs written after it.</summary>
public sealed class WarmUpTests
{
    [Fact]
    public void WarmUp_ThenRender_SameBytesAsWithout()
    {
        var run = Fixtures.FiveCaptureRun();
        byte[] captureBefore = PdfTestKit.RenderCapture(run.Captures[0]);
        byte[] runBefore = PdfTestKit.RenderRun(run);

        new PdfReportExporter().WarmUp(run, CancellationToken.None);

        Assert.Equal(captureBefore, PdfTestKit.RenderCapture(run.Captures[0]));
        Assert.Equal(runBefore, PdfTestKit.RenderRun(run));
    }
}
