using System.Globalization;
using PcapViz.Model;
using PcapViz.Rendering.Pdf.Layout;
using ScottPlot;
using ScottPlot.TickGenerators;
using SkiaSharp;

namespace PcapViz.Rendering.Pdf.Report;

/// <summary>
/// ScottPlot charts drawn straight onto the PDF canvas (vectors, not images), in the PDF's own typeface.
/// Every tick label is produced here with invariant formatting, so the current culture never shows through.
/// </summary>
internal static class Charts
{
    private const float TickSize = 7.5f;
    private const float LabelSize = 8.5f;
    private static readonly ScottPlot.Color Bar = ScottPlot.Color.FromHex("#1F5FA8");

    /// <summary>Most common first, drawn top to bottom; labels are elided to a third of the chart width.</summary>
    public static void HorizontalBars(SKCanvas canvas, SKRect rect, IReadOnlyList<(string Label, double Value)> items, string valueLabel)
    {
        var plot = NewPlot();
        int n = items.Count;
        using var tickFont = new SKFont(PdfFonts.Regular, TickSize);
        var ticks = new NumericManual();
        var bars = new List<ScottPlot.Bar>(n);
        double max = 0;
        for (int i = 0; i < n; i++)
        {
            double position = n - 1 - i;
            bars.Add(new ScottPlot.Bar { Position = position, Value = items[i].Value, FillColor = Bar, LineWidth = 0, Size = 0.7 });
            ticks.AddMajor(position, TextKit.Elide(TextKit.Clean(items[i].Label), tickFont, rect.Width / 3f));
            max = Math.Max(max, items[i].Value);
        }
        var barPlot = plot.Add.Bars(bars);
        barPlot.Horizontal = true;
        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.Left.MajorTickStyle.Length = 0;
        plot.Axes.Bottom.TickGenerator = new NumericAutomatic { LabelFormatter = Fmt.Axis, IntegerTicksOnly = true };
        plot.Axes.SetLimits(0, max <= 0 ? 1 : max * 1.04, -0.6, n - 0.4);
        plot.XLabel(valueLabel);
        plot.Grid.YAxisStyle.IsVisible = false;
        Style(plot);
        Render(plot, canvas, rect);
    }

    /// <summary>IP bytes per bin against time in the report's zone; dense timelines are decimated per column by ScottPlot's Signal.</summary>
    public static void Timeline(SKCanvas canvas, SKRect rect, TrafficResult traffic, TimeZoneInfo zone)
    {
        var plot = NewPlot();
        var bins = traffic.Bins;
        long t0 = bins[0].StartEpochSeconds;
        int w = traffic.BinSeconds;
        double span = (double)bins.Count * w;
        double max = bins.Max(b => (double)b.IpBytes);
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
            var line = plot.Add.ScatterLine(xs, ys, Bar);
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.LineWidth = 1.2f;
        }
        else
        {
            var ys = bins.Select(b => (double)b.IpBytes).ToArray();
            var signal = plot.Add.Signal(ys, w, Bar);
            signal.LineWidth = 0.8f;
            signal.MaximumMarkerSize = 0;
        }
        plot.Axes.Bottom.TickGenerator = TimeTicks(t0, span, zone);
        plot.Axes.Left.TickGenerator = new NumericAutomatic { LabelFormatter = Fmt.Axis };
        plot.Axes.SetLimits(0, span, 0, max <= 0 ? 1 : max * 1.08);
        plot.XLabel($"Time ({TimeFormat.ZoneLabel(zone)}), from {TimeFormat.DisplaySeconds(t0, zone)}");
        plot.YLabel($"IP bytes per {TimeFormat.BinWidth(w)} bin");
        Style(plot);
        Render(plot, canvas, rect);
    }

    private static readonly int[] TickSteps =
        [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 2592000, 31536000];

    /// <summary>Round times in the zone (offset taken at the start), at most about seven ticks.</summary>
    internal static NumericManual TimeTicks(long t0, double span, TimeZoneInfo zone)
    {
        int step = TickSteps.FirstOrDefault(s => span / s <= 7, 0);
        if (step == 0) step = (int)Math.Min(int.MaxValue, Math.Ceiling(span / 7 / 31536000) * 31536000);
        long offset = (long)zone.GetUtcOffset(DateTimeOffset.FromUnixTimeSeconds(t0)).TotalSeconds;
        long localStart = t0 + offset;
        long first = (long)Math.Ceiling(localStart / (double)step) * step - offset;
        string format = span >= 86400 * 2 ? "yyyy-MM-dd HH:mm" : step >= 60 ? "HH:mm" : "HH:mm:ss";
        var ticks = new NumericManual();
        for (long t = first; t - t0 <= span; t += step)
        {
            var local = TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeSeconds(t), zone);
            ticks.AddMajor(t - t0, local.ToString(format, CultureInfo.InvariantCulture));
        }
        return ticks;
    }

    private static Plot NewPlot()
    {
        _ = PdfFonts.Regular; // registers the resolver before ScottPlot looks the family up
        return new Plot();
    }

    private static void Style(Plot plot)
    {
        plot.Font.Set(PdfFonts.FamilyName);
        foreach (var axis in new ScottPlot.IAxis[] { plot.Axes.Left, plot.Axes.Bottom })
        {
            axis.TickLabelStyle.FontSize = TickSize;
            axis.TickLabelStyle.FontName = PdfFonts.FamilyName;
            axis.Label.FontSize = LabelSize;
            axis.Label.FontName = PdfFonts.FamilyName;
            axis.Label.Bold = false;
        }
        plot.Axes.Right.IsVisible = false;
        plot.Axes.Top.IsVisible = false;
        plot.Grid.MajorLineColor = ScottPlot.Colors.Black.WithAlpha(0.12);
        plot.FigureBackground.Color = ScottPlot.Colors.White;
        plot.DataBackground.Color = ScottPlot.Colors.White;
    }

    private static void Render(Plot plot, SKCanvas canvas, SKRect rect) =>
        plot.Render(canvas, new PixelRect(rect.Left, rect.Right, rect.Bottom, rect.Top));
}
