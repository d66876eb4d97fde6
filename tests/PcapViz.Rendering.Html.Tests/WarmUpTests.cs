using PcapViz.Orchestration;

namespace PcapViz.Rendering.Html.Tests;

/// <summary>The made-up run the renderers warm up on before a run, and what warming up leaves behind: nothing.</summary>
public sealed class WarmUpTests
{
    [Fact]
    public void Sample_RendersACapturePageWithEveryChartAndAnIndex()
    {
        var sample = RenderWarmUp.Sample();
        var exporter = new HtmlReportExporter(HtmlReportOptions.Default);
        exporter.WarmUp(sample, CancellationToken.None);

        string page = exporter.RenderCapture(sample.Captures[0], sample);
        Assert.Contains("id=\"chart-sources\"", page, StringComparison.Ordinal);
        Assert.Contains("id=\"chart-dns\"", page, StringComparison.Ordinal);
        Assert.Contains("id=\"chart-traffic\"", page, StringComparison.Ordinal);
        Assert.Contains("www.example.com", page, StringComparison.Ordinal);
    }

    [Fact]
    public void WarmUp_ThenRender_SamePagesAsWithout()
    {
        var run = Fixtures.StandardRun();
        var cold = new HtmlReportExporter(HtmlReportOptions.Default);
        string[] before = run.Captures.Select(c => cold.RenderCapture(c, run)).ToArray();

        var warmed = new HtmlReportExporter(HtmlReportOptions.Default);
        warmed.WarmUp(RenderWarmUp.Sample(), CancellationToken.None);

        Assert.Equal(before, run.Captures.Select(c => warmed.RenderCapture(c, run)).ToArray());
    }
}
