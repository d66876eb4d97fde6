using Plotly.NET;
using PcapViz.Model;

namespace PcapViz.Rendering.Html;

internal static partial class ChartBuilder
{
    private static readonly (string Name, string Color, Func<TrendPoint, double?> Value, string Format)[] TrendMetrics =
    [
        ("Packets", "#1f5fa8", p => p.Packets, ",d"),
        ("IP bytes", "#2d7d46", p => p.IpBytes, ",d"),
        ("Distinct sources", "#7a4fb0", p => p.DistinctSources, ",d"),
        ("Distinct names", "#c2571a", p => p.DistinctNames, ",d"),
        ("NXDOMAIN share", "#8a6d00", p => p.NxdomainShare, ".1%"),
        ("Failed captures", "#b3261e", p => p.FailedCaptures, ",d"),
    ];

    /// <summary>One line per metric over the runs of the trend (one shown at a time, switched by buttons); tonight's point stands out.</summary>
    public static string Trend(IReadOnlyList<TrendPoint> points, TimeZoneInfo zone) => PlotlyJson.Write(TrendChart(points, zone));

    internal static GenericChart TrendChart(IReadOnlyList<TrendPoint> points, TimeZoneInfo zone)
    {
        // Category labels: run number and time, so runs stamped with the same time stay apart.
        string[] x = points.Select((p, i) => HtmlSafety.PlotlyText(
            (p.Tonight ? "tonight " : $"#{i + 1} ") + LocalTime(p.RunUtc.ToUnixTimeSeconds(), zone)[..16])).ToArray();
        var metrics = TrendMetrics.Where(m => points.Any(p => m.Value(p) is not null)).ToList();
        var traces = metrics.Select((m, i) =>
        {
            var t = new Trace2D("scatter");
            t.SetProperty("name", m.Name);
            t.SetProperty("mode", "lines+markers");
            t.SetProperty("x", x);
            t.SetProperty("y", points.Select(p => m.Value(p)).ToArray());
            t.SetProperty("visible", i == 0);
            t.SetProperty("line", Obj(("color", m.Color), ("width", 1.5)));
            t.SetProperty("marker", Obj(("color", points.Select(p => p.Tonight ? "#b3261e" : m.Color).ToArray()),
                ("size", points.Select(p => p.Tonight ? 11 : 6).ToArray())));
            t.SetProperty("hovertemplate", "%{x}<br>%{y:" + m.Format + "} " + HtmlSafety.PlotlyText(m.Name.ToLowerInvariant()) + "<extra></extra>");
            return t;
        }).ToArray();

        var layout = BaseLayout(height: 340);
        layout.SetProperty("xaxis", Obj(("type", "category"), ("automargin", true), ("tickangle", -30)));
        layout.SetProperty("yaxis", Obj(("title", Obj(("text", metrics.Count > 0 ? metrics[0].Name : ""))), ("rangemode", "tozero"), ("tickformat", metrics.Count > 0 ? metrics[0].Format : ",d"), ("automargin", true)));
        layout.SetProperty("updatemenus", new object[]
        {
            Obj(("type", "buttons"), ("direction", "right"), ("showactive", true), ("active", 0), ("x", 0), ("xanchor", "left"), ("y", 1.02), ("yanchor", "bottom"),
                ("pad", Obj(("r", 4), ("t", 0))),
                ("buttons", metrics.Select((m, i) => (object)Obj(("label", m.Name), ("method", "update"), ("args", new object[]
                {
                    Obj(("visible", metrics.Select((_, j) => j == i).ToArray())),
                    Obj(("yaxis.title.text", m.Name), ("yaxis.tickformat", m.Format)),
                }))).ToArray())),
        });
        layout.SetProperty("margin", Obj(("l", 10), ("r", 10), ("t", 40), ("b", 10)));
        return Compose(GenericChart.ofTraceObjects(false, traces), layout);
    }
}
