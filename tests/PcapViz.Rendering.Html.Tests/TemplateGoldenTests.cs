using System.Globalization;

namespace PcapViz.Rendering.Html.Tests;

/// <summary>
/// Golden files of the pages with a fixed clock and version, each rendered under three cultures — invariant, de-DE
/// (decimal comma, "." grouping) and ru-RU (non-breaking-space grouping, Cyrillic month names) — against one and the
/// same file: the machine's culture must not change a byte.
/// </summary>
public sealed class TemplateGoldenTests
{
    public static TheoryData<string> Cultures => ["", "de-DE", "ru-RU"];

    private static string WithCulture(string culture, Func<string> render)
    {
        var saved = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo(culture);
            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(culture);
            return render();
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = saved;
        }
    }

    private static readonly HtmlReportExporter Exporter = new(HtmlReportOptions.Default);

    [Theory]
    [MemberData(nameof(Cultures))]
    public void Index_StandardRun_MatchesGolden(string culture)
    {
        var run = Fixtures.StandardRun();
        Golden.Verify("index.html", WithCulture(culture, () => Exporter.RenderIndex(run)));
    }

    [Theory]
    [MemberData(nameof(Cultures))]
    public void CapturePage_Normal_MatchesGolden(string culture)
    {
        var run = Fixtures.StandardRun();
        Golden.Verify("capture-normal.html", WithCulture(culture, () => Exporter.RenderCapture(run.Captures[0], run)));
    }

    [Theory]
    [MemberData(nameof(Cultures))]
    public void CapturePage_LimitedPartialInBerlinWithoutPdfOrCsv_MatchesGolden(string culture)
    {
        var run = Fixtures.StandardRun();
        var options = HtmlReportOptions.Default with
        {
            TimeZone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"),
            Links = HtmlLinks.Json,
            Top = 5,
        };
        Golden.Verify("capture-limited-berlin.html", WithCulture(culture, () => new HtmlReportExporter(options).RenderCapture(run.Captures[1], run)));
    }

    [Theory]
    [MemberData(nameof(Cultures))]
    public void CapturePage_Empty_MatchesGolden(string culture)
    {
        var run = Fixtures.StandardRun();
        Golden.Verify("capture-empty.html", WithCulture(culture, () => Exporter.RenderCapture(run.Captures[2], run)));
    }

    [Theory]
    [MemberData(nameof(Cultures))]
    public void CapturePage_Failed_MatchesGolden(string culture)
    {
        var run = Fixtures.StandardRun();
        Golden.Verify("capture-failed.html", WithCulture(culture, () => Exporter.RenderCapture(run.Captures[3], run)));
    }
}
