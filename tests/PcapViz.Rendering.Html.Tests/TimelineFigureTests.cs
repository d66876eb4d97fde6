using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using PcapViz.Model;

namespace PcapViz.Rendering.Html.Tests;

/// <summary>The traffic chart's figure as the page carries it: every bin drawn over its width, gaps as breaks, offsets at the instant.</summary>
public sealed partial class TimelineFigureTests
{
    private static readonly HtmlReportExporter Exporter = new(HtmlReportOptions.Default);
    private const long August = 1_723_111_200; // 2024-08-08T10:00:00Z, +02:00 in Berlin

    private static CaptureResult WithBins(long start, int count, int peak, int width = 2, long farAway = 0)
    {
        var bins = Enumerable.Range(0, count)
            .Select(i => new TrafficBin(start + (long)width * i, i == peak ? 1400 : 1, i == peak ? 2_000_000 : 60)).ToList();
        if (farAway != 0) bins.Insert(0, new TrafficBin(farAway, 3, 180));
        var c = Fixtures.Normal();
        long first = bins[0].StartEpochSeconds * 1_000_000_000L, last = (bins[^1].StartEpochSeconds + 1) * 1_000_000_000L;
        return c with { Traffic = new TrafficResult(width, bins), Summary = c.Summary with { FirstPacketEpochNanos = first, LastPacketEpochNanos = last } };
    }

    private static JsonElement TrafficFigure(string page)
    {
        var m = TrafficJson().Match(page);
        Assert.True(m.Success, "no traffic chart data block");
        return JsonDocument.Parse(m.Groups[1].Value).RootElement.GetProperty("figure");
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(1000, 0)]
    [InlineData(1000, 999)]
    [InlineData(3600, 3599)]
    public void Figure_TrafficOnlyInFirstOrLastBin_EveryBinIsAPointAndTheLastBinHasItsWidth(int count, int peak)
    {
        var capture = WithBins(August, count, peak);
        var run = Fixtures.Run(capture);
        var data = TrafficFigure(Exporter.RenderCapture(capture, run)).GetProperty("data")[0];
        var x = data.GetProperty("x").EnumerateArray().Select(e => e.GetString()).ToList();
        var y = data.GetProperty("y").EnumerateArray().Select(e => e.GetInt64()).ToList();
        Assert.Equal(count + 1, y.Count);
        Assert.Equal(capture.Traffic.Bins.Select(b => b.IpBytes), y.Take(count));
        Assert.Equal(2_000_000, y[peak]);
        Assert.Equal(y[count - 1], y[count]); // the closing point carries the last bin's value to its end
        Assert.Equal("2024-08-08 10:00:00", x[0]);
        string end = DateTimeOffset.FromUnixTimeSeconds(August + 2L * count).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        Assert.Equal(end, x[^1]);
    }

    [Fact]
    public void Figure_GapBetweenSegments_LineBrokenAxisSkipsItAndADottedMarkShowsIt()
    {
        var capture = WithBins(August, 100, 50, farAway: 10); // 3 packets stamped 1970, then 2024
        var run = Fixtures.Run(capture);
        string page = Exporter.RenderCapture(capture, run);
        var figure = TrafficFigure(page);
        var y = figure.GetProperty("data")[0].GetProperty("y").EnumerateArray().ToList();
        Assert.Equal(1 + 1 + 1 + 100 + 1, y.Count); // 1970 bin, its end, the break, 100 bins, their end
        Assert.Equal(JsonValueKind.Null, y[2].ValueKind);
        Assert.False(figure.GetProperty("data")[0].GetProperty("connectgaps").GetBoolean());
        var layout = figure.GetProperty("layout");
        var rangebreak = Assert.Single(layout.GetProperty("xaxis").GetProperty("rangebreaks").EnumerateArray());
        Assert.Equal("1970-01-01 00:00:12", rangebreak.GetProperty("values")[0].GetString());
        Assert.Equal((August - 12) * 1000.0, rangebreak.GetProperty("dvalue").GetDouble());
        Assert.Single(layout.GetProperty("shapes").EnumerateArray());
        Assert.Contains("1 gap without packets", page, StringComparison.Ordinal);
    }

    [Fact]
    public void Page_AugustCaptureInBerlin_ShowsTheSummerOffsetEverywhere()
    {
        var capture = WithBins(August, 100, 50);
        var run = Fixtures.Run(capture);
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        string page = new HtmlReportExporter(HtmlReportOptions.Default with { TimeZone = berlin }).RenderCapture(capture, run);
        Assert.Contains("Europe/Berlin (UTC+02:00)", page, StringComparison.Ordinal);
        Assert.Contains("2024-08-08 12:00:00", page, StringComparison.Ordinal);
        // The generation time (1 March, fixture clock) is the one instant in winter time.
        Assert.Contains("Generated 2024-03-01 13:00:00 +01:00", page, StringComparison.Ordinal);
        Assert.DoesNotContain("+01:00", page.Replace("Generated 2024-03-01 13:00:00 +01:00", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("Europe/Berlin (UTC+02:00)", TrafficFigure(page).GetProperty("layout").GetProperty("xaxis").GetProperty("title").GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ZoneLabel_RangeAcrossTheAutumnChange_NamesBothOffsets()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        long october26 = 1_729_900_800; // 2024-10-26T00:00:00Z, the day before clocks go back
        Assert.Equal("Europe/Berlin (UTC+01:00, +02:00)", TimeFormat.ZoneLabel(berlin, october26, october26 + 2 * 86400));
        Assert.Equal("Europe/Berlin (UTC+02:00)", TimeFormat.ZoneLabel(berlin, August, August + 3600));
        Assert.Equal("Europe/Berlin (UTC+01:00)", TimeFormat.ZoneLabel(berlin, 1_704_067_200, 1_704_067_200 + 3600));
        Assert.Equal("UTC", TimeFormat.ZoneLabel(TimeZoneInfo.Utc, October(), October() + 1));
        var kolkata = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
        Assert.Equal("Asia/Kolkata (UTC+05:30)", TimeFormat.ZoneLabel(kolkata, 0, August));
    }

    private static long October() => 1_729_900_800;

    [GeneratedRegex("<script type=\"application/json\" data-chart=\"chart-traffic\">(.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex TrafficJson();
}
