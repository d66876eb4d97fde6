using System.Globalization;
using Plotly.NET;
using PcapViz.Model;

namespace PcapViz.Rendering.Html;

/// <summary>
/// Builds chart figures with Plotly.NET and writes them as JSON (<see cref="PlotlyJson"/>; no HTML from Plotly.NET:
/// its HTML output carries random div ids). The JSON is escaped for inline use; the page's own script calls Plotly.newPlot.
/// Each chart has a <c>…Chart</c> method that returns the Plotly.NET chart itself.
/// </summary>
internal static partial class ChartBuilder
{
    private const string Font = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
    private const int MaxLabelChars = 44;
    private static readonly bool[] ShowFirst = [true, false];
    private static readonly bool[] ShowSecond = [false, true];
    private static readonly string[] RemovedButtons = ["select2d", "lasso2d", "sendDataToCloud"];

    /// <summary>A bar: its label, its value (packets, queries), IP bytes (sources only) and the hover text.</summary>
    public sealed record Bar(string Label, long Value, long Bytes, string Hover);

    /// <summary>Horizontal bars, largest on top, so long labels (IPv6, DNS names) stay readable.</summary>
    public static string HorizontalBars(IReadOnlyList<Bar> bars, string valueTitle, string color) =>
        PlotlyJson.Write(HorizontalBarsChart(bars, valueTitle, color));

    internal static GenericChart HorizontalBarsChart(IReadOnlyList<Bar> bars, string valueTitle, string color)
    {
        var trace = BarTrace(bars, bars.Select(b => b.Value).ToArray(), color);
        var layout = BarLayout(bars.Count);
        layout.SetProperty("xaxis", ValueAxis(valueTitle, bars.Count == 0 ? 0 : bars.Max(b => b.Value)));
        return Compose(GenericChart.ofTraceObject(false, trace), layout);
    }

    /// <summary>Source addresses: packets, with a switch to IP bytes (same bars, in the packets order).</summary>
    public static string SourceBars(IReadOnlyList<Bar> bars) =>
        PlotlyJson.Write(SourceBarsChart(bars));

    internal static GenericChart SourceBarsChart(IReadOnlyList<Bar> bars)
    {
        var packets = BarTrace(bars, bars.Select(b => b.Value).ToArray(), "#1f5fa8");
        var bytes = BarTrace(bars, bars.Select(b => b.Bytes).ToArray(), "#7a4fb0");
        bytes.SetProperty("visible", false);
        var layout = BarLayout(bars.Count);
        long maxPackets = bars.Count == 0 ? 0 : bars.Max(b => b.Value);
        long maxBytes = bars.Count == 0 ? 0 : bars.Max(b => b.Bytes);
        layout.SetProperty("xaxis", ValueAxis("packets", maxPackets));
        layout.SetProperty("updatemenus", new object[]
        {
            Switch(
                Obj(("label", "Packets"), ("method", "update"), ("args", new object[] { Obj(("visible", ShowFirst)), AxisUpdate("xaxis", "packets", maxPackets) })),
                Obj(("label", "IP bytes"), ("method", "update"), ("args", new object[] { Obj(("visible", ShowSecond)), AxisUpdate("xaxis", "IP bytes", maxBytes) }))),
        });
        return Compose(GenericChart.ofTraceObjects(false, new[] { packets, bytes }), layout);
    }

    private static Trace2D BarTrace(IReadOnlyList<Bar> bars, long[] values, string color)
    {
        var trace = new Trace2D("bar");
        trace.SetProperty("orientation", "h");
        trace.SetProperty("x", values);
        trace.SetProperty("y", bars.Select(b => HtmlSafety.PlotlyText(Shorten(b.Label))).ToArray());
        trace.SetProperty("customdata", bars.Select(b => HtmlSafety.PlotlyText(b.Hover)).ToArray());
        trace.SetProperty("hovertemplate", "%{customdata}<extra></extra>");
        trace.SetProperty("marker", Obj(("color", color)));
        return trace;
    }

    private static Layout BarLayout(int bars)
    {
        // The top margin holds the switch buttons and plotly's toolbar, so neither covers a bar.
        var layout = BaseLayout(height: 110 + 22 * Math.Max(bars, 1));
        layout.SetProperty("margin", Obj(("l", 10), ("r", 10), ("t", 34), ("b", 10)));
        layout.SetProperty("yaxis", Obj(("type", "category"), ("autorange", "reversed"), ("automargin", true), ("ticks", "")));
        layout.SetProperty("bargap", 0.25);
        return layout;
    }

    /// <summary>A count axis: integers only (one tick per unit when the largest value is small).</summary>
    private static Dictionary<string, object> ValueAxis(string title, long max)
    {
        var axis = Obj(("title", Obj(("text", title))), ("rangemode", "tozero"), ("separatethousands", true), ("tickformat", ",d"), ("automargin", true));
        if (max <= 10) { axis["dtick"] = 1; axis["tick0"] = 0; }
        return axis;
    }

    /// <summary>Relayout values for a button that switches an axis to another count.</summary>
    private static Dictionary<string, object> AxisUpdate(string axis, string title, long max)
    {
        var d = Obj(($"{axis}.title.text", title));
        d[$"{axis}.dtick"] = max <= 10 ? 1 : null!;
        d[$"{axis}.tick0"] = max <= 10 ? 0 : null!;
        return d;
    }

    private static Dictionary<string, object> Switch(params object[] buttons) =>
        Obj(("type", "buttons"), ("direction", "right"), ("showactive", true), ("active", 0), ("x", 0), ("xanchor", "left"), ("y", 1.0), ("yanchor", "bottom"),
            ("pad", Obj(("r", 4), ("t", 0), ("b", 4))), ("buttons", buttons));

    /// <summary>
    /// IP bytes per bin as a filled step line with a range slider; packets per bin as a second (hidden) trace.
    /// Every bin is drawn over its whole width: each segment ends with a point at its last bin's end. Between two
    /// segments the line is broken (a null point), the axis skips the gap (a range break) and a dotted line marks
    /// where it was, so a gap is a visible break, never a long flat line.
    /// </summary>
    public static string Timeline(TrafficResult traffic, TimeZoneInfo zone) => PlotlyJson.Write(TimelineChart(traffic, zone));

    internal static GenericChart TimelineChart(TrafficResult traffic, TimeZoneInfo zone)
    {
        var (x, bytesY, packetsY) = TimelinePoints(traffic, zone);
        var bytes = StepTrace("IP bytes", x, bytesY, "#1f5fa8", "rgba(31,95,168,0.25)", visible: true);
        var packets = StepTrace("packets", x, packetsY, "#c2571a", "rgba(194,87,26,0.25)", visible: false);

        var layout = BaseLayout(height: 420);
        var gaps = traffic.Gaps;
        string gapText = gaps.Count == 0 ? "" : $"; {gaps.Count.ToString("N0", CultureInfo.InvariantCulture)} {(gaps.Count == 1 ? "gap" : "gaps")} without packets left out (dotted)";
        string axisTitle = $"Time ({TimeFormat.ZoneLabel(zone, traffic)}), bin width {TimeFormat.BinWidth(traffic.BinSeconds)}{gapText}";
        var xaxis = Obj(("type", "date"), ("title", Obj(("text", HtmlSafety.PlotlyText(axisTitle)))),
            ("rangeslider", Obj(("visible", true), ("thickness", 0.12))), ("automargin", true));
        if (gaps.Count > 0)
        {
            xaxis["rangebreaks"] = gaps.Select(g => Obj(("values", new[] { LocalTime(g.FromEpochSeconds, zone) }), ("dvalue", LocalMilliseconds(g, zone)))).ToArray();
            layout.SetProperty("shapes", gaps.Select(g => Obj(("type", "line"), ("xref", "x"), ("yref", "paper"),
                ("x0", LocalTime(g.FromEpochSeconds, zone)), ("x1", LocalTime(g.FromEpochSeconds, zone)), ("y0", 0), ("y1", 1),
                ("line", Obj(("color", "#5f6670"), ("width", 1.5), ("dash", "dot"))))).ToArray());
        }
        layout.SetProperty("xaxis", xaxis);
        string bin = TimeFormat.BinWidth(traffic.BinSeconds);
        long maxBytes = traffic.Bins.Count == 0 ? 0 : traffic.Bins.Max(b => b.IpBytes);
        long maxPackets = traffic.Bins.Count == 0 ? 0 : traffic.Bins.Max(b => b.Packets);
        layout.SetProperty("yaxis", ValueAxis($"IP bytes per {bin} bin", maxBytes));
        // Two buttons switch the one y axis between IP bytes and packets per bin.
        layout.SetProperty("updatemenus", new object[]
        {
            Switch(
                Obj(("label", "IP bytes"), ("method", "update"), ("args", new object[] { Obj(("visible", ShowFirst)), AxisUpdate("yaxis", $"IP bytes per {bin} bin", maxBytes) })),
                Obj(("label", "Packets"), ("method", "update"), ("args", new object[] { Obj(("visible", ShowSecond)), AxisUpdate("yaxis", $"packets per {bin} bin", maxPackets) }))),
        });
        layout.SetProperty("margin", Obj(("l", 10), ("r", 10), ("t", 40), ("b", 10)));
        layout.SetProperty("hovermode", "x");
        return Compose(GenericChart.ofTraceObjects(false, new[] { bytes, packets }), layout);
    }

    /// <summary>One count per bin as a filled step line, broken where a value is missing (between segments).</summary>
    private static Trace2D StepTrace(string unit, string[] x, long?[] y, string color, string fill, bool visible)
    {
        var trace = new Trace2D("scatter");
        trace.SetProperty("name", unit);
        trace.SetProperty("mode", "lines");
        trace.SetProperty("x", x);
        trace.SetProperty("y", y);
        trace.SetProperty("connectgaps", false);
        trace.SetProperty("fill", "tozeroy");
        trace.SetProperty("fillcolor", fill);
        if (!visible) trace.SetProperty("visible", false);
        trace.SetProperty("line", Obj(("shape", "hv"), ("color", color), ("width", 1.5)));
        trace.SetProperty("hovertemplate", "%{x}<br>%{y:,} " + unit + "<extra></extra>");
        return trace;
    }

    /// <summary>
    /// The points of the timeline traces: per segment, one point at each bin's start and one at the last bin's end
    /// (so the last bin has its width); between segments a point with no value, which breaks the line.
    /// </summary>
    internal static (string[] X, long?[] Bytes, long?[] Packets) TimelinePoints(TrafficResult traffic, TimeZoneInfo zone)
    {
        var x = new List<string>(traffic.Bins.Count + 2);
        var bytes = new List<long?>(traffic.Bins.Count + 2);
        var packets = new List<long?>(traffic.Bins.Count + 2);
        foreach (var segment in traffic.Segments)
        {
            if (x.Count > 0)
            {
                x.Add(x[^1]);
                bytes.Add(null);
                packets.Add(null);
            }
            for (int i = segment.First; i < segment.First + segment.Count; i++)
            {
                var b = traffic.Bins[i];
                x.Add(LocalTime(b.StartEpochSeconds, zone));
                bytes.Add(b.IpBytes);
                packets.Add(b.Packets);
            }
            var last = traffic.Bins[segment.First + segment.Count - 1];
            x.Add(LocalTime(last.StartEpochSeconds + traffic.BinSeconds, zone));
            bytes.Add(last.IpBytes);
            packets.Add(last.Packets);
        }
        return (x.ToArray(), bytes.ToArray(), packets.ToArray());
    }

    /// <summary>A gap's length on the chart's (naive, local) time axis, in milliseconds.</summary>
    private static double LocalMilliseconds(TrafficGap gap, TimeZoneInfo zone) =>
        (TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeSeconds(gap.ToEpochSeconds), zone).DateTime -
         TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeSeconds(gap.FromEpochSeconds), zone).DateTime).TotalMilliseconds;

    /// <summary>A bin start in the display zone, as plotly's naive date string.</summary>
    public static string LocalTime(long epochSeconds, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeSeconds(epochSeconds), zone)
            .ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static Layout BaseLayout(int height)
    {
        var layout = new Layout();
        layout.SetProperty("height", height);
        layout.SetProperty("autosize", true);
        layout.SetProperty("margin", Obj(("l", 10), ("r", 10), ("t", 10), ("b", 10)));
        layout.SetProperty("font", Obj(("family", Font), ("size", 12), ("color", "#1d2530")));
        layout.SetProperty("paper_bgcolor", "#ffffff");
        layout.SetProperty("plot_bgcolor", "#ffffff");
        layout.SetProperty("showlegend", false);
        return layout;
    }

    /// <summary>The chart with its layout and the page's config (no Plotly logo, no cloud links, no lasso).</summary>
    private static GenericChart Compose(GenericChart chart, Layout layout)
    {
        var config = new Config();
        config.SetProperty("responsive", true);
        config.SetProperty("displaylogo", false);
        config.SetProperty("showLink", false);
        config.SetProperty("showSendToCloud", false);
        config.SetProperty("showEditInChartStudio", false);
        config.SetProperty("modeBarButtonsToRemove", RemovedButtons);
        return GenericChart.setConfig(config, GenericChart.setLayout(layout, chart));
    }

    /// <summary>Long labels lose their middle ("very-long-host…example.com"): both ends say the most. The hover has it whole.</summary>
    internal static string Shorten(string label)
    {
        if (label.Length <= MaxLabelChars) return label;
        int tail = (MaxLabelChars - 1) / 2;
        int head = MaxLabelChars - 1 - tail;
        return string.Concat(label.AsSpan(0, head), "…", label.AsSpan(label.Length - tail));
    }

    private static Dictionary<string, object> Obj(params (string Key, object Value)[] pairs)
    {
        var d = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (k, v) in pairs) d[k] = v;
        return d;
    }
}
