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

    /// <summary>Narrowest column a bin (or a group of bins, drawn at their largest value) gets, in points.</summary>
    internal const float MinColumnWidth = 0.75f;

    private static readonly ScottPlot.Color AreaColor = BarColor.WithAlpha(0.35);
    private static readonly ScottPlot.Color GapColor = ScottPlot.Colors.Black.WithAlpha(0.10);

    /// <summary>
    /// IP bytes per bin against time in the report's zone, as a filled step area: each bin is a flat top over its
    /// whole width, closed down to zero at both ends of each segment, so a bin at either end of the axis (or a
    /// timeline of one bin) is drawn like any other. Segments are laid side by side; each gap between them is a
    /// narrow grey band, a visible break in the axis. Where bins are narrower than <see cref="MinColumnWidth"/>,
    /// neighbours share a column drawn at their largest value, so no peak is lost.
    /// </summary>
    public static void Timeline(SKCanvas canvas, SKRect rect, PdfStyle style, TrafficResult traffic, TimeZoneInfo zone)
    {
        var font = style.Small;
        float lh = PdfStyle.LineHeight(font);
        var bins = traffic.Bins;
        int w = traffic.BinSeconds;
        var axis = TimelineAxis.For(traffic);
        double max = Math.Max(1, bins.Max(b => (double)b.IpBytes));
        var (yTicks, yLabels) = ByteTicks(max);
        double yMax = Math.Max(max * 1.06, yTicks[^1]);

        float left = yLabels.Max(l => TextKit.Width(l, font)) + 8f;
        float top = lh + lh / 2f + 4f;
        float bottom = 3f + lh + 2f + lh + 2f;
        var data = new SKRect(rect.Left + left, rect.Top + top, rect.Right - 4f, rect.Bottom - bottom);
        long first = bins[0].StartEpochSeconds, end = bins[^1].StartEpochSeconds + w;
        double range = (double)end - first;
        float labelWidth = TextKit.Width(range >= CalendarSpan ? "2024-12" : range >= LongSpan ? "2024-12-31 23:59" : "23:59:59", font) + 14f;
        var xTicks = new List<(double Position, string Label)>();
        foreach (var (segment, from, to) in axis.Segments)
        {
            long segmentStart = bins[segment.First].StartEpochSeconds;
            double fraction = (to - from) / axis.Length;
            int maxTicks = Math.Clamp((int)(data.Width * fraction / labelWidth), 1, 7);
            var ticks = TimeTicks(segmentStart, (double)segment.Count * w, zone, maxTicks, range);
            if (ticks.Count == 0) ticks.Add((0, Label(segmentStart, zone, range, (double)segment.Count * w)));
            xTicks.AddRange(ticks.Select(t => (from + t.Offset, t.Label)));
        }

        var plot = NewPlot();
        double secondsPerPoint = axis.Length / Math.Max(1f, data.Width);
        foreach (var (segment, from, _) in axis.Segments)
        {
            var (xs, ys) = StepArea(bins, segment, w, from, MinColumnWidth * secondsPerPoint);
            var area = plot.Add.Polygon(xs, ys);
            area.FillColor = AreaColor;
            area.LineColor = BarColor;
            area.LineWidth = 0.8f;
        }
        foreach (var (from, to) in axis.Gaps)
        {
            var band = plot.Add.Polygon([from, to, to, from], [0, 0, yMax, yMax]);
            band.FillColor = GapColor;
            band.LineWidth = 0;
        }
        plot.Axes.Bottom.TickGenerator = Unlabelled(xTicks.Select(t => t.Position));
        plot.Axes.Left.TickGenerator = Unlabelled(yTicks);
        plot.Axes.SetLimits(0, axis.Length, 0, yMax);
        Render(plot, canvas, rect, data);

        Draw.Line(canvas, $"IP bytes per {TimeFormat.BinWidth(w)} bin", style.SmallBold, PdfStyle.Text, rect.Left, rect.Top, lh);
        for (int i = 0; i < yTicks.Count; i++)
        {
            float y = Map(yTicks[i], 0, yMax, data.Bottom, data.Top);
            Draw.Line(canvas, yLabels[i], font, PdfStyle.Text, data.Left - 4f, y - lh / 2f, lh, SKTextAlign.Right);
        }
        float lastRight = float.NegativeInfinity;
        foreach (var (position, label) in xTicks)
        {
            lastRight = CenteredLabel(canvas, label, font, Map(position, 0, axis.Length, data.Left, data.Right), data.Bottom + 3f, lh, rect, lastRight + 6f);
        }
        int gaps = axis.Gaps.Count;
        string title = $"Time ({TimeFormat.ZoneLabel(zone, first, end)}), from {TimeFormat.DisplaySeconds(first, zone)}" +
            (gaps == 0 ? "" : $"; {Fmt.Int(gaps)} {(gaps == 1 ? "gap" : "gaps")} without packets left out (grey)");
        CenteredLabel(canvas, title, style.SmallBold, (data.Left + data.Right) / 2f, data.Bottom + 3f + lh + 2f, lh, rect);
    }

    /// <summary>
    /// The outline of one segment as a closed step polygon in axis units: up from zero at its start, a flat top over
    /// each column, down to zero at its end. A column is one bin, or several neighbours at their largest value when
    /// a bin would be narrower than <paramref name="minColumn"/> axis units.
    /// </summary>
    internal static (double[] Xs, double[] Ys) StepArea(IReadOnlyList<TrafficBin> bins, TrafficSegment segment, int binSeconds, double from, double minColumn)
    {
        int perColumn = Math.Max(1, (int)Math.Ceiling(minColumn / binSeconds));
        var xs = new List<double> { from };
        var ys = new List<double> { 0 };
        for (int i = 0; i < segment.Count; i += perColumn)
        {
            int count = Math.Min(perColumn, segment.Count - i);
            double value = 0;
            for (int k = 0; k < count; k++) value = Math.Max(value, bins[segment.First + i + k].IpBytes);
            double x0 = from + (double)i * binSeconds, x1 = from + (double)(i + count) * binSeconds;
            xs.Add(x0); ys.Add(value);
            xs.Add(x1); ys.Add(value);
        }
        xs.Add(from + (double)segment.Count * binSeconds);
        ys.Add(0);
        return (xs.ToArray(), ys.ToArray());
    }

    /// <summary>
    /// Where each segment and gap of a timeline lies on the chart's x axis, in axis units (seconds of shown bins):
    /// segments keep their length, each gap gets a narrow fixed width (at most a quarter of the axis for all gaps).
    /// </summary>
    internal sealed record TimelineAxis(IReadOnlyList<(TrafficSegment Segment, double From, double To)> Segments, IReadOnlyList<(double From, double To)> Gaps, double Length)
    {
        public static TimelineAxis For(TrafficResult traffic)
        {
            var segments = traffic.Segments;
            double shown = (double)traffic.Bins.Count * traffic.BinSeconds;
            int gapCount = segments.Count - 1;
            double gap = gapCount == 0 ? 0 : shown * Math.Min(0.04, 0.25 / gapCount);
            var placed = new List<(TrafficSegment, double, double)>(segments.Count);
            var gaps = new List<(double, double)>(Math.Max(0, gapCount));
            double at = 0;
            foreach (var segment in segments)
            {
                if (placed.Count > 0)
                {
                    gaps.Add((at, at + gap));
                    at += gap;
                }
                double length = (double)segment.Count * traffic.BinSeconds;
                placed.Add((segment, at, at + length));
                at += length;
            }
            return new TimelineAxis(placed, gaps, at);
        }
    }

    private static readonly int[] TickSteps =
        [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];

    /// <summary>Timelines this long label their ticks with the date.</summary>
    private const double LongSpan = 2 * 86400;

    /// <summary>Timelines this long get ticks at month or year starts.</summary>
    private const double CalendarSpan = 60 * 86400;

    /// <summary>
    /// Round times in the zone (its offset taken at the start), at most <paramref name="maxTicks"/> of them.
    /// <paramref name="range"/> is the span of the whole timeline (all segments and gaps): when it is long, labels
    /// carry the date even on a short segment.
    /// </summary>
    internal static List<(double Offset, string Label)> TimeTicks(long t0, double span, TimeZoneInfo zone, int maxTicks, double range = 0)
    {
        if (span >= CalendarSpan) return CalendarTicks(t0, span, zone, maxTicks);
        long step = TickSteps.FirstOrDefault(s => span / s < maxTicks, 604800);
        long offset = (long)zone.GetUtcOffset(DateTimeOffset.FromUnixTimeSeconds(t0)).TotalSeconds;
        long first = (long)Math.Ceiling((t0 + offset) / (double)step) * step - offset;
        string format = TickFormat(step, Math.Max(span, range));
        var ticks = new List<(double, string)>();
        for (long t = first; t - t0 <= span; t += step)
        {
            var local = TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeSeconds(t), zone);
            ticks.Add((t - t0, local.ToString(format, CultureInfo.InvariantCulture)));
        }
        return ticks;
    }

    private static string TickFormat(long step, double range) =>
        step >= 86400 ? "yyyy-MM-dd" : range >= LongSpan ? "yyyy-MM-dd HH:mm" : step >= 60 ? "HH:mm" : "HH:mm:ss";

    /// <summary>A label for a short segment's start when no round time falls inside it.</summary>
    private static string Label(long t, TimeZoneInfo zone, double range, double span) =>
        TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeSeconds(t), zone)
            .ToString(range >= CalendarSpan && span >= LongSpan ? "yyyy-MM-dd" : range >= LongSpan ? "yyyy-MM-dd HH:mm" : "HH:mm:ss", CultureInfo.InvariantCulture);

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

    private static readonly string[] ByteUnits = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

    /// <summary>
    /// Ticks of a byte axis in the IEC units every byte size of the reports uses (<see cref="Names.Bytes"/>): the
    /// largest unit in which <paramref name="max"/> is at least 2, round steps in it ("0", "1 MiB", "2 MiB";
    /// "0", "500 KiB", "1,000 KiB", "1,500 KiB").
    /// </summary>
    internal static (List<double> Ticks, List<string> Labels) ByteTicks(double max)
    {
        int unit = 0;
        double scale = 1;
        while (unit < ByteUnits.Length - 1 && max / (scale * 1024) >= 2)
        {
            scale *= 1024;
            unit++;
        }
        var scaled = NiceTicks(max / scale);
        return (scaled.Select(t => t * scale).ToList(),
            scaled.Select(t => t == 0 ? "0" : t.ToString("#,0.##", CultureInfo.InvariantCulture) + " " + ByteUnits[unit]).ToList());
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
