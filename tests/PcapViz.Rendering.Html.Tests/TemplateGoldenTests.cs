using System.Globalization;
using PcapViz.Model;

namespace PcapViz.Rendering.Html.Tests;

/// <summary>Golden files of the pages with a fixed clock, version and a non-English culture (output must not care).</summary>
public sealed class TemplateGoldenTests
{
    private static string WithCulture(Func<string> render)
    {
        var saved = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("de-DE");
            return render();
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = saved;
        }
    }

    private static readonly HtmlReportExporter Exporter = new(HtmlReportOptions.Default);

    [Fact]
    public void Index_StandardRun_MatchesGolden()
    {
        var run = Fixtures.StandardRun();
        Golden.Verify("index.html", WithCulture(() => Exporter.RenderIndex(run)));
    }

    [Fact]
    public void CapturePage_Normal_MatchesGolden()
    {
        var run = Fixtures.StandardRun();
        Golden.Verify("capture-normal.html", WithCulture(() => Exporter.RenderCapture(run.Captures[0], run)));
    }

    [Fact]
    public void CapturePage_LimitedPartialInBerlinWithoutPdfOrCsv_MatchesGolden()
    {
        var run = Fixtures.StandardRun();
        var options = HtmlReportOptions.Default with
        {
            TimeZone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"),
            Links = HtmlLinks.Json,
            Top = 5,
        };
        Golden.Verify("capture-limited-berlin.html", WithCulture(() => new HtmlReportExporter(options).RenderCapture(run.Captures[1], run)));
    }

    [Fact]
    public void CapturePage_Empty_MatchesGolden()
    {
        var run = Fixtures.StandardRun();
        Golden.Verify("capture-empty.html", WithCulture(() => Exporter.RenderCapture(run.Captures[2], run)));
    }

    [Fact]
    public void CapturePage_Failed_MatchesGolden()
    {
        var run = Fixtures.StandardRun();
        Golden.Verify("capture-failed.html", WithCulture(() => Exporter.RenderCapture(run.Captures[3], run)));
    }
}
