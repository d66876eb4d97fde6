using System.Globalization;
using PcapViz.Model;
using PcapViz.Rendering.Pdf.Layout;
using ScottPlot;
using ScottPlot.TickGenerators;
using SkiaSharp;

namespace PcapViz.Rendering.Pdf.Report;

/// <summary>
/// Charts drawn straight onto the PDF canvas as vectors. ScottPlot draws the data, grid and tick marks into a
/// data area of fixed padding; every piece of chart text (tick labels, axis titles) is drawn by the layout layer
/// with the report's own fonts, so charts share the typeface, are subset with the rest of the document, use
/// invariant formatting whatever the current culture, and never reach past the chart's rectangle.
/// </summary>
internal static class Charts
{
    private static readonly ScottPlot.Color BarColor = ScottPlot.Color.FromHex("#1F5FA8");

    /// <summary>Most common first, drawn top to bottom; labels are elided to a third of the chart width.</summary>
    public static void HorizontalBars(SKCanvas canvas, SKRect rect, PdfStyle style, IReadOnlyList<(string Label, double Value)> items, string valueLabel)
    {
        var font = style.Small;
        float lh = PdfStyle.LineHeight(font);
        int n = items.Count;
        var labels = items.Select(i => TextKit.Elide(TextKit.Clean(i.Label), font, rect.Width / 3f)).ToList();
        double max = Math.Max(1, items.Count == 0 ? 1 : items.Max(i => i.Value));
        var ticks = NiceTicks(max);
        double xMax = Math.Max(max * 1.04, ticks[^1]);
        var tickLabels = ticks.Select(Fmt.Axis).ToList();

        float left = labels.Select(l => TextKit.Width(l, font)).DefaultIfEmpty(0).Max() + 8f;
        float right = TextKit.Width(tickLabels[^1], font) / 2f + 2f;
        float bottom = 3f + lh + 2f + lh + 2f;
        var data = new SKRect(rect.Left + left, rect.Top + 4f, rect.Right - right, rect.Bottom - bottom);
        double yMin = -0.6, yMax = n - 0.4;

        var plot = NewPlot();
        var bars = new List<ScottPlot.Bar>(n);
        for (int i = 0; i < n; i++)
        {
            bars.Add(new ScottPlot.Bar { Position = n - 1 - i, Value = items[i].Value, FillColor = BarColor, LineWidth = 0, Size = 0.7 });
        }
        plot.Add.Bars(bars).Horizontal = true;
        plot.Axes.Left.TickGenerator = Unlabelled(Enumerable.Range(0, n).Select(i => (double)i));
        plot.Axes.Left.MajorTickStyle.Length = 0;
        plot.Axes.Bottom.TickGenerator = Unlabelled(ticks);
        plot.Axes.SetLimits(0, xMax, yMin, yMax);
        plot.Grid.YAxisStyle.IsVisible = false;
        Render(plot, canvas, rect, data);

        for (int i = 0; i < n; i++)
        {
            float y = Map(n - 1 - i, yMin, yMax, data.Bottom, data.Top);
            Draw.Line(canvas, labels[i], font, PdfStyle.Text, data.Left - 4f, y - lh / 2f, lh, SKTextAlign.Right);
        }
        for (int i = 0; i < ticks.Count; i++)
        {
            float x = Map(ticks[i], 0, xMax, data.Left, data.Right);
            CenteredLabel(canvas, tickLabels[i], font, x, data.Bottom + 3f, lh, rect);
        }
        CenteredLabel(canvas, valueLabel, style.SmallBold, (data.Left + data.Right) / 2f, data.Bottom + 3f + lh + 2f, lh, rect);
    }

    /// <summary>IP bytes per bin against time in the report's zone; dense timelines are decimated per column by ScottPlot's Signal.</summary>
    public static void Timeline(SKCanvas canvas, SKRect rect, PdfStyle style, TrafficResult traffic, TimeZoneInfo zone)
    {
        var font = style.Small;
        float lh = PdfStyle.LineHeight(font);
        var bins = traffic.Bins;
        long t0 = bins[0].StartEpochSeconds;
        int w = traffic.BinSeconds;
        double span = (double)bins.Count * w;
        double max = Math.Max(1, bins.Max(b => (double)b.IpBytes));
        var yTicks = NiceTicks(max);
        double yMax = Math.Max(max * 1.06, yTicks[^1]);
        var yLabels = yTicks.Select(Fmt.Axis).ToList();

        float left = yLabels.Max(l => TextKit.Width(l, font)) + 8f;
        float top = lh + lh / 2f + 4f;
        float bottom = 3f + lh + 2f + lh + 2f;
        var data = new SKRect(rect.Left + left, rect.Top + top, rect.Right - 4f, rect.Bottom - bottom);
        float labelWidth = TextKit.Width(span >= CalendarSpan ? "2024-12" : span >= LongSpan ? "2024-12-31 23:59" : "23:59:59", font) + 14f;
        var xTicks = TimeTicks(t0, span, zone, Math.Clamp((int)(data.Width / labelWidth), 2, 7));

        var plot = NewPlot();
        if (bins.Count <= 400)
        {
            // Few bins: an honest step line, each bin flat over its width.
            var xs = new double[bins.Count + 1];
            var ys = new double[bins.Count + 1];
            for (int i = 0; i < bins.Count; i++)
            {
                xs[i] = bins[i].StartEpochSeconds - t0;
                ys[i] = bins[i].IpBytes;
            }
            xs[^1] = span;
            ys[^1] = bins[^1].IpBytes;
            var line = plot.Add.ScatterLine(xs, ys, BarColor);
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.LineWidth = 1.2f;
        }
        else
        {
            var signal = plot.Add.Signal(bins.Select(b => (double)b.IpBytes).ToArray(), w, BarColor);
            signal.LineWidth = 0.8f;
            signal.MaximumMarkerSize = 0;
        }
        plot.Axes.Bottom.TickGenerator = Unlabelled(xTicks.Select(t => t.Offset));
        plot.Axes.Left.TickGenerator = Unlabelled(yTicks);
        plot.Axes.SetLimits(0, span, 0, yMax);
        Render(plot, canvas, rect, data);

        Draw.Line(canvas, $"IP bytes per {TimeFormat.BinWidth(w)} bin", style.SmallBold, PdfStyle.Text, rect.Left, rect.Top, lh);
        for (int i = 0; i < yTicks.Count; i++)
        {
            float y = Map(yTicks[i], 0, yMax, data.Bottom, data.Top);
            Draw.Line(canvas, yLabels[i], font, PdfStyle.Text, data.Left - 4f, y - lh / 2f, lh, SKTextAlign.Right);
        }
        float lastRight = float.NegativeInfinity;
        foreach (var (offset, label) in xTicks)
        {
            lastRight = CenteredLabel(canvas, label, font, Map(offset, 0, span, data.Left, data.Right), data.Bottom + 3f, lh, rect, lastRight + 6f);
        }
        string title = $"Time ({TimeFormat.ZoneLabel(zone)}), from {TimeFormat.DisplaySeconds(t0, zone)}";
        CenteredLabel(canvas, title, style.SmallBold, (data.Left + data.Right) / 2f, data.Bottom + 3f + lh + 2f, lh, rect);
    }

    private static readonly int[] TickSteps =
        [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];

    /// <summary>Timelines this long label their ticks with the date.</summary>
    private const double LongSpan = 2 * 86400;

    /// <summary>Timelines this long get ticks at month or year starts.</summary>
    private const double CalendarSpan = 60 * 86400;

    /// <summary>Round times in the zone (its offset taken at the start), at most <paramref name="maxTicks"/> of them.</summary>
    internal static List<(double Offset, string Label)> TimeTicks(long t0, double span, TimeZoneInfo zone, int maxTicks)
    {
        if (span >= CalendarSpan) return CalendarTicks(t0, span, zone, maxTicks);
        long step = TickSteps.FirstOrDefault(s => span / s < maxTicks, 604800);
        long offset = (long)zone.GetUtcOffset(DateTimeOffset.FromUnixTimeSeconds(t0)).TotalSeconds;
        long first = (long)Math.Ceiling((t0 + offset) / (double)step) * step - offset;
        string format = step >= 86400 ? "yyyy-MM-dd" : span >= LongSpan ? "yyyy-MM-dd HH:mm" : step >= 60 ? "HH:mm" : "HH:mm:ss";
        var ticks = new List<(double, string)>();
        for (long t = first; t - t0 <= span; t += step)
        {
            var local = TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeSeconds(t), zone);
            ticks.Add((t - t0, local.ToString(format, CultureInfo.InvariantCulture)));
        }
        return ticks;
    }

    /// <summary>Ticks at the start of every k-th month (k = 1, 2, 3, 6, 12, 24, …) in the zone.</summary>
    private static List<(double Offset, string Label)> CalendarTicks(long t0, double span, TimeZoneInfo zone, int maxTicks)
    {
        var start = TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeSeconds(t0), zone);
        var end = start.AddSeconds(span);
        int months = (end.Year - start.Year) * 12 + end.Month - start.Month + 1;
        int step = 1;
        foreach (int m in new[] { 1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200, 2400, 6000 })
        {
            step = m;
            if (months / m < maxTicks) break;
        }
        int index = start.Year * 12 + start.Month - 1;
        if (start.Day != 1 || start.TimeOfDay != TimeSpan.Zero) index++;
        index = (index + step - 1) / step * step;
        var ticks = new List<(double, string)>();
        for (; index / 12 <= end.Year && index / 12 <= 9999; index += step)
        {
            var local = new DateTime(index / 12, index % 12 + 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
            long t = new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUnixTimeSeconds();
            if (t - t0 > span) break;
            ticks.Add((t - t0, local.ToString(step >= 12 ? "yyyy" : "yyyy-MM", CultureInfo.InvariantCulture)));
        }
        return ticks;
    }

    /// <summary>0 and round steps (1, 2, 2.5, 5 × 10^k) up to the first one at or above <paramref name="max"/>; about five.</summary>
    internal static List<double> NiceTicks(double max)
    {
        double raw = max / 5;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1, 2, 2.5, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw);
        step = Math.Max(1, step);
        var ticks = new List<double>();
        for (int i = 0; ticks.Count == 0 || ticks[^1] < max; i++) ticks.Add(i * step);
        if (ticks[^1] > max * 1.15 && ticks.Count > 2) ticks.RemoveAt(ticks.Count - 1);
        return ticks;
    }

    private static float Map(double value, double min, double max, float from, float to) =>
        (float)(from + (value - min) / (max - min) * (to - from));

    /// <summary>
    /// A label centred on x, shifted sideways as needed to stay inside the chart's rectangle; left out when it
    /// would start before <paramref name="notBefore"/> (the end of the previous label). Returns its right edge.
    /// </summary>
    private static float CenteredLabel(SKCanvas canvas, string text, SKFont font, float x, float top, float lh, SKRect bounds, float notBefore = float.NegativeInfinity)
    {
        string fitted = TextKit.Elide(text, font, bounds.Width);
        float half = TextKit.Width(fitted, font) / 2f;
        float cx = Math.Clamp(x, bounds.Left + half, bounds.Right - half);
        if (cx - half < notBefore) return notBefore;
        Draw.Line(canvas, fitted, font, PdfStyle.Text, cx, top, lh, SKTextAlign.Center);
        return cx + half;
    }

    private static NumericManual Unlabelled(IEnumerable<double> positions)
    {
        var ticks = new NumericManual();
        foreach (double p in positions) ticks.AddMajor(p, string.Empty);
        return ticks;
    }

    private static Plot NewPlot()
    {
        _ = PdfFonts.Regular; // registers the resolver, so ScottPlot never looks for a system font
        var plot = new Plot();
        plot.Font.Set(PdfFonts.FamilyName);
        plot.Axes.Right.IsVisible = false;
        plot.Axes.Top.IsVisible = false;
        plot.Axes.Left.Label.Text = string.Empty;
        plot.Axes.Bottom.Label.Text = string.Empty;
        plot.Grid.MajorLineColor = ScottPlot.Colors.Black.WithAlpha(0.12);
        plot.FigureBackground.Color = ScottPlot.Colors.White;
        plot.DataBackground.Color = ScottPlot.Colors.White;
        return plot;
    }

    private static void Render(Plot plot, SKCanvas canvas, SKRect rect, SKRect data)
    {
        plot.Layout.Fixed(new PixelPadding(data.Left - rect.Left, rect.Right - data.Right, rect.Bottom - data.Bottom, data.Top - rect.Top));
        plot.Render(canvas, new PixelRect(rect.Left, rect.Right, rect.Bottom, rect.Top));
    }
}
