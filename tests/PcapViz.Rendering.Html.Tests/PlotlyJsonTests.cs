using System.Text;
using System.Text.Json;
using Newtonsoft.Json;
using Plotly.NET;
using PcapViz.Model;

namespace PcapViz.Rendering.Html.Tests;

/// <summary>
/// The page's chart JSON (<see cref="PlotlyJson"/>) against Plotly.NET's own serialisation (Newtonsoft.Json), which it
/// replaces for speed: the same text for every chart the pages draw, hostile labels included.
/// </summary>
public sealed class PlotlyJsonTests
{
    /// <summary>What the pages wrote before: Plotly.NET's figure JSON and config JSON, then made safe for a script element.</summary>
    private static string Reference(GenericChart chart)
    {
        string json = "{\"figure\":" + GenericChart.toFigureJson(chart) + ",\"config\":" +
                      JsonConvert.SerializeObject(GenericChart.getConfig(chart), Globals.JSON_CONFIG) + "}";
        var sb = new StringBuilder(json.Length);
        foreach (char c in json)
        {
            sb.Append(c switch
            {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u2028' => "\\u2028",
                '\u2029' => "\\u2029",
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }

    /// <summary>Labels no capture should have but any capture can: markup, quotes, controls, separators, lone surrogates, bidi overrides.</summary>
    public static readonly string[] HostileLabels =
    [
        "</script><script>alert(1)</script>",
        "a\"b\\c'd",
        "tab\there\nnew\rline\f\b",
        "\u0000\u0001\u001f\u007f\u0080\u0085\u009f",
        "line\u2028para\u2029end",
        "lone \ud800 high and \udc00 low",
        "pair \ud83d\ude00 ok",
        "report\u202efdp.exe",
        "&amp; &lt; & < >",
        "ünïcödé.例え.テスト",
        new string('x', 300),
        "",
    ];

    private static List<ChartBuilder.Bar> Bars(IEnumerable<string> labels) =>
        labels.Select((l, i) => new ChartBuilder.Bar(l, 1000 - i * 7, 123_456_789L * (i + 1), l + " hover " + i)).ToList();

    [Fact]
    public void SourceBars_LikePlotlyNet()
    {
        var chart = ChartBuilder.SourceBarsChart(Bars(HostileLabels));
        Assert.Equal(Reference(chart), PlotlyJson.Write(chart));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(12)]
    public void HorizontalBars_LikePlotlyNet_AnyNumberOfBarsIncludingNone(int count)
    {
        var chart = ChartBuilder.HorizontalBarsChart(Bars(HostileLabels.Take(count)), "queries", "#2d7d46");
        Assert.Equal(Reference(chart), PlotlyJson.Write(chart));
    }

    [Theory]
    [InlineData("UTC")]
    [InlineData("Europe/Berlin")]
    [InlineData("Asia/Kolkata")]
    public void Timeline_WithSegmentsAndGaps_LikePlotlyNet(string zone)
    {
        var bins = new List<TrafficBin> { new(10, 3, 180) };
        bins.AddRange(Enumerable.Range(0, 200).Select(i => new TrafficBin(1_723_111_200 + 2L * i, i, i * 1_000_003L)));
        bins.Add(new TrafficBin(1_800_000_000, 1, 60));
        var chart = ChartBuilder.TimelineChart(new TrafficResult(2, bins), TimeZoneInfo.FindSystemTimeZoneById(zone));
        Assert.Equal(Reference(chart), PlotlyJson.Write(chart));
    }

    [Fact]
    public void Trend_WithMissingValuesAndFractions_LikePlotlyNet()
    {
        var start = new DateTimeOffset(2026, 11, 1, 2, 0, 0, TimeSpan.Zero);
        var points = Enumerable.Range(0, 30).Select(i => new TrendPoint(i + 1, start.AddDays(i), 10 + i, i % 3, 1_000_000L * i, 3_000_000_000L * i,
            500 + i, 200 + i, i % 4 == 0 ? null : 1.0 / (i + 3), i == 29)).ToList();
        var chart = ChartBuilder.TrendChart(points, TimeZoneInfo.Utc);
        Assert.Equal(Reference(chart), PlotlyJson.Write(chart));
    }

    [Fact]
    public void EveryCharacter_WrittenAsPlotlyNetWritesIt_AndTheTextNeverLeavesItsScript()
    {
        // Every UTF-16 code unit, in labels of 64, so each one meets the escaper in every position class.
        var labels = Enumerable.Range(0, 0x10000 / 64)
            .Select(block => new string(Enumerable.Range(block * 64, 64).Select(c => (char)c).ToArray())).ToList();
        var chart = ChartBuilder.HorizontalBarsChart(Bars(labels), "queries", "#2d7d46");
        string json = PlotlyJson.Write(chart);
        Assert.Equal(Reference(chart), json);
        Assert.DoesNotContain('<', json);
        Assert.DoesNotContain('>', json);
        Assert.DoesNotContain('&', json);
        Assert.DoesNotContain('\u2028', json);
        Assert.DoesNotContain('\u2029', json);
    }

    [Fact]
    public void Labels_ComeBackExactlyWhenTheJsonIsRead()
    {
        var chart = ChartBuilder.HorizontalBarsChart(Bars(["</script>\u2028\"\\\u0001ok"]), "queries", "#2d7d46");
        using var doc = JsonDocument.Parse(PlotlyJson.Write(chart));
        var hover = doc.RootElement.GetProperty("figure").GetProperty("data")[0].GetProperty("customdata")[0].GetString();
        // PlotlyText turns markup into entities first (plotly decodes them back for display); the JSON layer is lossless.
        Assert.Equal("&lt;/script&gt;\u2028\"\\\u0001ok hover 0", hover);
    }
}
