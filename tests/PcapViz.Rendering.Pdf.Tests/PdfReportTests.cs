using System.Diagnostics;
using System.Globalization;
using PcapViz.Model;
using UglyToad.PdfPig;
using Xunit;

namespace PcapViz.Rendering.Pdf.Tests;

public sealed class PdfReportTests
{
    [Fact]
    public void RenderRun_RunBeacons_CallsHomeInThisRun_OnlyFlaggedPairs_WithCapturesAndNights()
    {
        static BeaconEntry Beacon(string client, double score) =>
            new(6, client, "203.0.113.80", 443, 12, 1, 2, 60_000_000_000, 520, score, 1, 1, 1, 1, new ValueList<int>(new int[10]), 1, 2);
        var plain = Fixtures.FiveCaptureRun();
        Assert.DoesNotContain("Calls home in this run", string.Concat(PdfTestKit.PageTexts(PdfTestKit.RenderRun(plain))));

        var run = plain with
        {
            Beacons = new RunBeacons(1, 2,
            [
                new RunBeaconEntry(Beacon("10.9.0.10", 0.93), 2) { Nights = new BeaconNights(5, 7) },
                new RunBeaconEntry(Beacon("10.9.0.11", 0.5), 3),
            ]),
        };
        string all = string.Concat(PdfTestKit.PageTexts(PdfTestKit.RenderRun(run)));
        Assert.Contains("Calls home in this run", all);
        Assert.Contains("10.9.0.10", all);
        Assert.Contains("5 of 7", all);
        Assert.DoesNotContain("10.9.0.11", all);
    }

    [Fact]
    public void RenderCapture_KnownCapture_ShowsShaTopAddressAndTopName()
    {
        var pages = PdfTestKit.PageTexts(PdfTestKit.RenderCapture(Fixtures.Realistic()));
        string all = string.Concat(pages);

        Assert.Contains(Fixtures.KnownSha, all);
        Assert.Contains("1,250,000", all);
        Assert.Contains(Fixtures.TopName, all);
        Assert.Contains("48,211", all);
        Assert.Contains("2024-03-01 12:00:00.123456 +00:00", all);
        Assert.Contains("3,210,987,654 bytes", all);
        // The top address is the first row of the source table: "1" then the address.
        Assert.Contains("1 " + Fixtures.TopAddress + " 1,250,000 25.83 % 912,345,678", all);
    }

    [Fact]
    public void RenderCapture_KnownCapture_EveryPageNumberedXOfY()
    {
        var pages = PdfTestKit.PageTexts(PdfTestKit.RenderCapture(Fixtures.Realistic()));

        Assert.InRange(pages.Count, 3, 8);
        for (int i = 0; i < pages.Count; i++)
        {
            Assert.Contains($"Page {i + 1} of {pages.Count}", pages[i]);
            Assert.Contains("PcapViz " + Fixtures.Version, pages[i]);
            Assert.Contains("input sha256 " + Fixtures.KnownSha[..12], pages[i]);
        }
    }

    [Fact]
    public void RenderCapture_TwiceAndUnderAnotherCulture_ByteIdentical()
    {
        byte[] first = PdfTestKit.RenderCapture(Fixtures.Realistic());
        var saved = CultureInfo.CurrentCulture;
        byte[] second;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            second = PdfTestKit.RenderCapture(Fixtures.Realistic());
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }

        Assert.True(first.AsSpan().SequenceEqual(second), "two renders of the same capture differ");
    }

    [Fact]
    public void RenderRun_Twice_ByteIdentical()
    {
        byte[] first = PdfTestKit.RenderRun(Fixtures.FiveCaptureRun());
        var watch = Stopwatch.StartNew();
        byte[] second = PdfTestKit.RenderRun(Fixtures.FiveCaptureRun());
        watch.Stop();
        TestContext.Current.TestOutputHelper?.WriteLine($"run PDF, 5 captures: {second.Length:N0} bytes in {watch.ElapsedMilliseconds} ms");

        Assert.True(first.AsSpan().SequenceEqual(second), "two renders of the same run differ");
        Assert.InRange(second.Length, 10_000, 1_000_000);
    }

    [Fact]
    public void RenderCapture_MachineInAnotherTimeZone_SameBytesAndUtcDates()
    {
        byte[] here = PdfTestKit.RenderCapture(Fixtures.Realistic());
        string? saved = Environment.GetEnvironmentVariable("TZ");
        byte[] elsewhere;
        try
        {
            Environment.SetEnvironmentVariable("TZ", "Asia/Kolkata");
            TimeZoneInfo.ClearCachedData();
            Assert.Equal(TimeSpan.FromMinutes(330), TimeZoneInfo.Local.BaseUtcOffset);
            elsewhere = PdfTestKit.RenderCapture(Fixtures.Realistic());
        }
        finally
        {
            Environment.SetEnvironmentVariable("TZ", saved);
            TimeZoneInfo.ClearCachedData();
        }

        Assert.True(here.AsSpan().SequenceEqual(elsewhere), "the machine's time zone reaches the PDF");
        using var doc = PdfDocument.Open(elsewhere);
        Assert.Equal(Fixtures.Clock, doc.Information.GetCreatedDateTimeOffset());
    }

    [Fact]
    public void RenderCapture_InParallel_SameBytesAsAlone()
    {
        byte[] alone = PdfTestKit.RenderCapture(Fixtures.Realistic());
        var results = new byte[4][];

        Parallel.For(0, results.Length, i => results[i] = PdfTestKit.RenderCapture(i % 2 == 0 ? Fixtures.Realistic() : Fixtures.Hostile()));

        Assert.True(alone.AsSpan().SequenceEqual(results[0]) && alone.AsSpan().SequenceEqual(results[2]), "a render in parallel differs");
        Assert.False(alone.AsSpan().SequenceEqual(results[1]));
    }

    [Fact]
    public void RenderCapture_OtherGenerationTime_DiffersOnlyWhereTheDateIs()
    {
        byte[] a = PdfTestKit.RenderCapture(Fixtures.Realistic());
        using var ms = new MemoryStream();
        PdfReportRenderer.RenderCapture(Fixtures.Realistic(), Fixtures.Info with { GeneratedUtc = Fixtures.Clock.AddDays(1) }, Fixtures.Options(), ms);

        Assert.False(a.AsSpan().SequenceEqual(ms.ToArray()), "the generation time does not reach the PDF");
    }

    [Fact]
    public void RenderCapture_Metadata_NamesPcapVizAndUsesTheRunClock()
    {
        using var doc = PdfDocument.Open(PdfTestKit.RenderCapture(Fixtures.Realistic()));
        var info = doc.Information;

        Assert.Equal("PcapViz capture report: site-a/office-lan.pcapng", info.Title);
        Assert.Contains(Fixtures.KnownSha, info.Subject);
        Assert.Equal("PcapViz " + Fixtures.Version, info.Creator);
        Assert.StartsWith("PcapViz " + Fixtures.Version, info.Producer);
        Assert.Equal(Fixtures.Clock, info.GetCreatedDateTimeOffset());
        Assert.Equal(Fixtures.Clock, info.GetModifiedDateTimeOffset());
    }

    [Theory]
    [InlineData(PaperSize.A4, 595, 842)]
    [InlineData(PaperSize.Letter, 612, 792)]
    public void RenderCapture_Paper_SetsEveryPageSize(PaperSize paper, double width, double height)
    {
        using var doc = PdfDocument.Open(PdfTestKit.RenderCapture(Fixtures.Realistic(), Fixtures.Options(paper: paper)));

        Assert.All(doc.GetPages(), p =>
        {
            Assert.Equal(width, p.Width, 0.5);
            Assert.Equal(height, p.Height, 0.5);
        });
    }

    [Fact]
    public void RenderCapture_Realistic_SmallFileWithSubsetDejaVu()
    {
        PdfTestKit.RenderCapture(Fixtures.Small("warm", "warm.pcap", new string('0', 64))); // fonts loaded, code jitted
        var watch = Stopwatch.StartNew();
        byte[] pdf = PdfTestKit.RenderCapture(Fixtures.Realistic());
        watch.Stop();
        TestContext.Current.TestOutputHelper?.WriteLine($"realistic capture PDF: {pdf.Length:N0} bytes in {watch.ElapsedMilliseconds} ms");

        Assert.InRange(pdf.Length, 10_000, 200_000);
        using var doc = PdfDocument.Open(pdf);
        var fonts = doc.GetPages().SelectMany(p => p.Letters).Select(l => l.FontName).Distinct().ToList();
        Assert.NotEmpty(fonts);
        Assert.All(fonts, f => Assert.Contains("DejaVuSans", f, StringComparison.Ordinal));
    }

    [Fact]
    public void RenderCapture_TopLargerThanAPage_TableContinuesWithHeaderRepeated()
    {
        var pages = PdfTestKit.PageTexts(PdfTestKit.RenderCapture(Fixtures.Realistic(), Fixtures.Options(top: 150)));

        var withSourceHeader = pages.Select((t, i) => (t, i)).Where(p => p.t.Contains("# Source address Class Names (DNS answers) Packets Share IP bytes", StringComparison.Ordinal)).ToList();
        Assert.True(withSourceHeader.Count >= 2, $"source table header found on {withSourceHeader.Count} pages");
        Assert.Contains("150", pages[withSourceHeader[^1].i]);
        string all = string.Concat(pages);
        Assert.Contains("Top 150 of 600 source addresses", all);
    }

    [Fact]
    public void RenderCapture_Failed_FactsAndIssuesButNoAnalyses()
    {
        string all = string.Concat(PdfTestKit.PageTexts(PdfTestKit.RenderCapture(Fixtures.Failed())));

        Assert.Contains("failed (not readable as a capture)", all);
        Assert.Contains("not-a-capture", all);
        Assert.Contains("this is a ZIP archive", all);
        Assert.Contains("could not be read as a capture", all);
        Assert.DoesNotContain("Source IP addresses", all);
        Assert.DoesNotContain("Traffic over time", all);
    }

    [Fact]
    public void RenderCapture_Empty_SaysNoPacketsInsteadOfCharts()
    {
        var pages = PdfTestKit.PageTexts(PdfTestKit.RenderCapture(Fixtures.Empty()));

        Assert.Single(pages);
        Assert.Contains("No packets", pages[0]);
        Assert.DoesNotContain("Source IP addresses", pages[0]);
    }

    [Fact]
    public void RenderCapture_LimitsGapsAndManyIssues_StatedPlainly()
    {
        string all = string.Concat(PdfTestKit.PageTexts(PdfTestKit.RenderCapture(Fixtures.Troubled())));

        Assert.Contains("More than 1,000 distinct source addresses", all);
        Assert.Contains("77,777 packets", all);
        Assert.Contains("More than 1,000 distinct query names", all);
        Assert.Contains("The timeline has 1 gap without packets", all);
        Assert.Contains("1970-01-01 00:00:02 +00:00 to 2024-", all);
        Assert.Contains("9,876,543,210,123", all);
        Assert.Contains("8,765,432,109,876,543 bytes", all);
        Assert.Contains($"and {500 - Report.ReportComposer.MaxIssuesListed} more", all);
        int listed = Report.ReportComposer.MaxIssuesListed;
        Assert.Contains($"Record {listed - 1} runs past", all);
        Assert.DoesNotContain($"Record {listed} runs past", all);
    }

    [Fact]
    public void RenderCapture_OtherTimeZone_ShowsLocalTimesWithOffset()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        string all = string.Concat(PdfTestKit.PageTexts(PdfTestKit.RenderCapture(Fixtures.Realistic(), Fixtures.Options(zone: zone))));

        Assert.Contains("2024-03-01 13:00:00.123456 +01:00", all);
        Assert.Contains("Europe/Berlin (UTC+01:00)", all);
    }

    [Fact]
    public void RenderRun_FiveCaptures_SummaryThenEachCaptureOnItsOwnPages()
    {
        var run = Fixtures.FiveCaptureRun();
        var pages = PdfTestKit.PageTexts(PdfTestKit.RenderRun(run));

        Assert.Contains("PcapViz run report", pages[0]);
        Assert.Contains("5 (4 OK, 0 partial, 1 failed)", pages[0]);
        Assert.Contains("notes/readme.txt", string.Concat(pages));
        foreach (var capture in run.Captures)
        {
            Assert.Contains(capture.Input.Path, pages[0]);
        }
        // Each capture section starts a page whose first content is its heading, then its highlights.
        var sectionStarts = run.Captures.Select(c => pages.FindIndex(p => p.Contains("PcapViz capture report " + c.Input.Path + " Capture " + c.Input.Path + " What this capture shows", StringComparison.Ordinal))).ToList();
        Assert.All(sectionStarts, i => Assert.True(i > 0));
        Assert.Equal(sectionStarts.Order().ToList(), sectionStarts);
        Assert.Equal(sectionStarts.Count, sectionStarts.Distinct().Count());
        Assert.All(sectionStarts, i => Assert.Contains("input sha256 " + run.Captures[sectionStarts.IndexOf(i)].Input.Sha256[..12], pages[i]));
        for (int i = 0; i < pages.Count; i++) Assert.Contains($"Page {i + 1} of {pages.Count}", pages[i]);
    }

    [Fact]
    public void ExportCaptureAndRun_WriteTheBundlePaths()
    {
        var run = Fixtures.FiveCaptureRun();
        var sink = new MemorySink();
        var exporter = new PdfReportExporter();

        foreach (var capture in run.Captures) exporter.ExportCapture(capture, run, sink, TestContext.Current.CancellationToken);
        exporter.ExportRun(run, sink, TestContext.Current.CancellationToken);

        Assert.Equal("pdf", exporter.Name);
        Assert.Equal(
            ["captures/broken/report.pdf", "captures/dmz/report.pdf", "captures/empty/report.pdf", "captures/lab/report.pdf", "captures/office-lan/report.pdf", "report.pdf", "ticket.pdf"],
            sink.Files.Keys.Order(StringComparer.Ordinal));
        Assert.All(sink.Files.Values, bytes => Assert.True(bytes.AsSpan().StartsWith("%PDF-"u8)));
    }
}
