using PcapViz.Rendering.Pdf.Report;
using Xunit;

namespace PcapViz.Rendering.Pdf.Tests;

/// <summary>One set of units: byte sizes in the PDFs use IEC binary units (KiB, MiB), as HTML and CLI do.</summary>
public sealed class PdfUnitsTests
{
    [Theory]
    [InlineData(600, new[] { "0", "200 bytes", "400 bytes", "600 bytes" })]
    [InlineData(1_500_000, new[] { "0", "500 KiB", "1,000 KiB", "1,500 KiB" })]
    [InlineData(3_000_000, new[] { "0", "1 MiB", "2 MiB", "3 MiB" })]
    [InlineData(5_000_000_000, new[] { "0", "1 GiB", "2 GiB", "3 GiB", "4 GiB", "5 GiB" })]
    public void ByteTicks_LabelsInIecUnits(double max, string[] expected)
    {
        var (ticks, labels) = Charts.ByteTicks(max);

        Assert.Equal(expected, labels);
        Assert.Equal(0, ticks[0]);
        Assert.True(ticks[^1] >= max * 0.85, $"last tick {ticks[^1]} for {max}");
    }

    [Fact]
    public void RenderCaptureAndRun_ByteSizesAreIecEverywhere()
    {
        string capture = string.Join(' ', PdfTestKit.PageTexts(PdfTestKit.RenderCapture(Fixtures.Realistic())));
        string run = string.Join(' ', PdfTestKit.PageTexts(PdfTestKit.RenderRun(Fixtures.FiveCaptureRun())));

        foreach (string text in new[] { capture, run })
        {
            Assert.DoesNotMatch(@"\d (kB|KB|MB|GB|TB)\b", text);
            Assert.Matches(@"\d (KiB|MiB)\b", text);
        }
        // The timeline's byte axis: its tick labels carry the unit.
        Assert.Contains("IP bytes per 2 s bin 4 MiB 2 MiB 0 12:00", capture);
    }
}
