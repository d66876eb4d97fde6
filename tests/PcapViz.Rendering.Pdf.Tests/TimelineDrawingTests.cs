using PcapViz.Model;
using SkiaSharp;
using UglyToad.PdfPig;
using Xunit;

namespace PcapViz.Rendering.Pdf.Tests;

/// <summary>
/// What the timeline chart draws, read back as pixels: the PDF is rendered, rasterised with poppler's pdftoppm,
/// and the chart's area (between its title and its time axis title, found by their text positions) is searched
/// for the line colour. A bin that holds the capture's traffic must show as a tall mark, wherever it lies.
/// </summary>
public sealed class TimelineDrawingTests
{
    private const int Dpi = 150;
    private const long Start = 1_709_294_400; // 2024-03-01 12:00:00 UTC
    private static readonly SKColor LineColor = new(0x1F, 0x5F, 0xA8);

    /// <summary>One capture whose only real traffic (2 MB) is in one bin; every other bin holds one 60-byte packet.</summary>
    private static CaptureResult PeakAt(int binCount, int peakIndex, int binSeconds = 2)
    {
        long start = Start / binSeconds * binSeconds;
        var bins = Enumerable.Range(0, binCount)
            .Select(i => i == peakIndex ? new TrafficBin(start + (long)binSeconds * i, 1400, 2_000_000) : new TrafficBin(start + (long)binSeconds * i, 1, 60))
            .ToList();
        var small = Fixtures.Small("peak", "peak.pcap", new string('d', 64));
        return small with { Traffic = new TrafficResult(binSeconds, bins) };
    }

    public static TheoryData<int, string> Cases() => new()
    {
        { 1, "only" }, { 10, "first" }, { 10, "last" }, { 400, "last" }, { 1000, "first" }, { 1000, "last" }, { 3600, "first" }, { 3600, "last" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Timeline_OnlyTrafficInTheFirstOrLastBin_IsDrawnAsATallMarkAtThatEnd(int binCount, string where)
    {
        string pdftoppm = RequirePdftoppm();
        int peak = where == "last" ? binCount - 1 : 0;
        byte[] pdf = PdfTestKit.RenderCapture(PeakAt(binCount, peak));
        var chart = FindChart(pdf, pdftoppm, $"peak-{where}-{binCount}");

        // The peak is at 94 % of the y range, every other bin at 0.003 %: line-coloured pixels in the upper half
        // of the chart can only be the peak.
        Assert.True(chart.HighPixels > 0,
            $"{binCount} bins, 2 MB in the {where} bin: no line-coloured pixel in the upper half of the chart (page {chart.Page}, " +
            $"x {chart.Left}..{chart.Right}, y {chart.Top}..{chart.Bottom} at {Dpi} dpi); the peak is not drawn");
        double width = chart.Right - chart.Left;
        if (where == "first") Assert.True((chart.HighLeft - chart.Left) / width < 0.2, $"the peak starts at {(chart.HighLeft - chart.Left) / width:P0} of the width, not at the start");
        if (where == "last") Assert.True((chart.HighRight - chart.Left) / width > 0.8, $"the peak ends at {(chart.HighRight - chart.Left) / width:P0} of the width, not at the end");
    }

    internal static string RequirePdftoppm()
    {
        string? pdftoppm = PdfTestKit.FindPdftoppm();
        if (pdftoppm is null)
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "pdftoppm (poppler-utils) is required in CI; .ci/run installs it");
            Assert.Skip("pdftoppm (Debian package poppler-utils) is not installed; the drawn chart cannot be checked");
        }
        return pdftoppm;
    }

    /// <param name="Left">The chart's left edge (the page's left margin, where its y-axis labels start).</param>
    /// <param name="Right">The chart's right edge (the page's right margin).</param>
    /// <param name="HighPixels">Line-coloured pixels in the upper half of the band, from x <paramref name="HighLeft"/> to <paramref name="HighRight"/>.</param>
    internal sealed record ChartPixels(int Page, int Left, int Right, int Top, int Bottom, int HighPixels, int HighLeft, int HighRight);

    /// <summary>
    /// The timeline's area on the rasterised page: from its title ("IP bytes per …") down to its axis title
    /// ("Time (…"), across the page, and where the line colour is in it.
    /// </summary>
    internal static ChartPixels FindChart(byte[] pdf, string pdftoppm, string name)
    {
        using var doc = PdfDocument.Open(pdf);
        foreach (var page in doc.GetPages())
        {
            var words = page.GetWords().ToList();
            int title = words.FindIndex(w => w.Text == "IP" && words.IndexOf(w) + 2 < words.Count && words[words.IndexOf(w) + 2].Text == "per" && words[words.IndexOf(w) + 1].Text == "bytes");
            var axis = words.FirstOrDefault(w => w.Text.StartsWith("Time", StringComparison.Ordinal) && title >= 0 && w.BoundingBox.Top < words[title].BoundingBox.Bottom);
            if (title < 0 || axis is null) continue;
            double scale = Dpi / 72.0;
            int top = (int)((page.Height - words[title].BoundingBox.Bottom) * scale);
            int bottom = (int)((page.Height - axis.BoundingBox.Top) * scale);

            string path = PdfTestKit.SaveArtifact(name, pdf);
            var png = Assert.Single(PdfTestKit.RasterizeToPng(path, pdftoppm, Dpi, page.Number));
            using var bitmap = SKBitmap.Decode(png);
            var setup = PcapViz.Rendering.Pdf.Layout.PageSetup.For(PaperSize.A4);
            int left = (int)(setup.MarginLeft * scale), right = (int)((setup.Width - setup.MarginRight) * scale);
            int high = 0, highLeft = bitmap.Width, highRight = 0;
            int middle = (top + bottom) / 2;
            for (int x = 0; x < bitmap.Width; x++)
            {
                for (int y = top; y < bottom; y++)
                {
                    if (y >= middle || !IsLineColor(bitmap.GetPixel(x, y))) continue;
                    high++;
                    highLeft = Math.Min(highLeft, x);
                    highRight = Math.Max(highRight, x);
                }
            }
            return new ChartPixels(page.Number, left, right, top, bottom, high, highLeft, highRight);
        }
        throw new Xunit.Sdk.XunitException("no page with a timeline chart (its title and axis title were not found)");
    }

    private static bool IsLineColor(SKColor c) =>
        Math.Abs(c.Red - LineColor.Red) < 40 && Math.Abs(c.Green - LineColor.Green) < 40 && Math.Abs(c.Blue - LineColor.Blue) < 40;
}
