using PcapViz.Model;

namespace PcapViz.Rendering.Html.Tests;

/// <summary>The index's "Calls home in this run" (docs/analysis.md, "7. Beacons"): shown only when a pair of the run's
/// beacons scores at the threshold, with its captures and the nights the history saw it beaconing.</summary>
public sealed class RunBeaconsHtmlTests
{
    private static BeaconEntry Beacon(string client, double score) =>
        new(6, client, "203.0.113.80", 443, 12, 1, 2, 60_000_000_000, 520, score, 1, 1, 1, 1, new ValueList<int>(new int[10]), 1, 2);

    [Fact]
    public void Index_ListsOnlyTheFlaggedPairs_WithCapturesAndNights_AndHidesTheSectionWhenNoneIsFlagged()
    {
        var run = Fixtures.StandardRun();
        var exporter = new HtmlReportExporter(HtmlReportOptions.Default);
        Assert.DoesNotContain("Calls home in this run", exporter.RenderIndex(run), StringComparison.Ordinal);
        Assert.DoesNotContain("Calls home in this run", exporter.RenderIndex(run with
        {
            Beacons = new RunBeacons(1, 2, [new RunBeaconEntry(Beacon("10.9.0.10", 0.79), 2)]),
        }), StringComparison.Ordinal);

        string page = exporter.RenderIndex(run with
        {
            Beacons = new RunBeacons(1, 2,
            [
                new RunBeaconEntry(Beacon("10.9.0.10", 0.93), 2) { Nights = new BeaconNights(5, 7) },
                new RunBeaconEntry(Beacon("10.9.0.11", 0.5), 3) { Nights = new BeaconNights(0, 7) },
            ]),
        });
        int start = page.IndexOf("<section id=\"run-beacons\">", StringComparison.Ordinal);
        Assert.True(start >= 0);
        string section = page[start..page.IndexOf("</section>", start, StringComparison.Ordinal)];
        Assert.Contains("Calls home in this run", section, StringComparison.Ordinal);
        Assert.Contains("5 of the last 7 nights", section, StringComparison.Ordinal);
        Assert.Contains("10.9.0.10", section, StringComparison.Ordinal);
        Assert.DoesNotContain("10.9.0.11", section, StringComparison.Ordinal); // below the threshold
        Assert.Contains("⚑ 0.93", section, StringComparison.Ordinal);
    }

    [Fact]
    public void Index_AHostileAddressText_IsEscaped()
    {
        // Addresses come from the analyses as canonical text, but the page must not trust that.
        var run = Fixtures.StandardRun() with
        {
            Beacons = new RunBeacons(1, 2, [new RunBeaconEntry(Beacon("<script>alert(1)</script>", 0.9), 2)]),
        };
        string page = new HtmlReportExporter(HtmlReportOptions.Default).RenderIndex(run);
        Assert.DoesNotContain("<script>alert(1)</script>", page, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", page, StringComparison.Ordinal);
    }
}
