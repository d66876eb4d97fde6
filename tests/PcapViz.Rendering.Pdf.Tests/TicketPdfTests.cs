using System.Diagnostics;
using System.Globalization;
using PcapViz.Analysis;
using PcapViz.Model;
using PcapViz.TestSupport;
using UglyToad.PdfPig;
using Xunit;

namespace PcapViz.Rendering.Pdf.Tests;

/// <summary>
/// The one-page ticket summary: exactly one page whatever the run holds (page count read back by poppler's pdfinfo,
/// not by the code that wrote it), its text extractable (poppler's pdftotext), the same bytes every time, and
/// untrusted names that cannot push anything off the page.
/// </summary>
public sealed class TicketPdfTests
{
    private static byte[] RenderTicket(RunResult run, CaptureResult? capture = null, PdfReportOptions? options = null)
    {
        using var ms = new MemoryStream();
        PdfReportRenderer.RenderTicket(run, capture, options ?? Fixtures.Options(), ms);
        return ms.ToArray();
    }

    /// <summary>A name of 255 bytes, as a capture may carry one: control bytes, a bidi override, a terminal escape.</summary>
    private static readonly string HostileName =
        "\u001b[31mEVIL\u202E" + new string('A', 120) + "\u0007\u0000" + new string('B', 126) + ".example";

    /// <summary>
    /// 1,000 captures (one failed, one partial), 1,000 source addresses and names over the run, 1,000 watchlist hits
    /// and 3,000 new indicators: far more than a page holds.
    /// </summary>
    private static RunResult ThousandCaptureRun(string? hostile = null)
    {
        var captures = Enumerable.Range(1, 1000)
            .Select(i => Fixtures.Small($"cap-{i:D4}", $"night/cap-{i:D4}.pcap", (i % 10).ToString(CultureInfo.InvariantCulture)[0] + new string('a', 63)))
            .ToList();
        captures[9] = Fixtures.Failed("cap-0010", "night/cap-0010.pcap", issues: 3);
        captures[10] = captures[10] with
        {
            Status = CaptureStatus.Partial,
            Issues = [new CaptureIssue(IssueSeverity.Error, "truncated-record", "the file ends inside a packet record", 4_000, 44)],
        };
        var run = Fixtures.Run(captures);
        var sources = Enumerable.Range(0, 1000).Select(i => new SourceIpEntry($"10.{i / 250}.{i % 250}.1", 4, 100_000 - i, (100_000 - i) * 100L)
        {
            Names = i == 0 && hostile is not null ? new ValueList<AddressName>([new AddressName(hostile, NameSources.Dns)]) : ValueList<AddressName>.Empty,
        }).ToList();
        var names = Enumerable.Range(0, 1000).Select(i => new DnsQueryEntry(i == 0 && hostile is not null ? hostile : $"host{i}.night.example", DnsProtocol.Dns, 50_000 - i)).ToList();
        IReadOnlyList<IndicatorSighting> seen = [new IndicatorSighting("cap-0001", null), new IndicatorSighting("cap-0002", null)];
        var hits = Enumerable.Range(0, 1000).Select(i => new WatchlistHit(
            IndicatorKind.Name, i == 0 && hostile is not null ? hostile : $"bad{i}.watched.example", $"bad{i}.watched.example",
            i == 0 && hostile is not null ? hostile : "known bad", "watch.txt", i + 1, 1000 - i, seen)).ToList();
        var news = Enumerable.Range(0, 1000).Select(i => new NewIndicator(IndicatorKind.Name, $"new{i}.night.example", 10, seen)).ToList();
        return run with
        {
            SourceIps = new SourceIpResult(sources, DistinctLimit.NotExceeded(AnalysisOptions.DefaultMaxDistinct)),
            DnsQueries = new DnsQueryResult(names, DistinctLimit.NotExceeded(AnalysisOptions.DefaultMaxDistinct)),
            History = new RunHistory
            {
                Database = "history.db",
                RunsBefore = 12,
                HistoryBeganUtc = Fixtures.Clock.AddDays(-12),
                WatchlistsChecked = true,
                WatchlistEntries = 1000,
                WatchlistHits = hits,
                NewNames = news,
                NewDomains = news.Select(n => n with { Kind = IndicatorKind.Domain, Value = "d-" + n.Value }).ToList(),
                NewAddresses = news.Select((n, i) => n with { Kind = IndicatorKind.Address, Value = $"192.0.2.{i % 250}" }).ToList(),
            },
        };
    }

    [Fact]
    public void Ticket_OneCapture_OnePageWithTopTalkerTopNameAndInputHash()
    {
        var run = Fixtures.Run([Fixtures.Realistic()]);
        byte[] pdf = RenderTicket(run);
        string path = PdfTestKit.SaveArtifact("ticket-one-capture", pdf);

        Assert.Equal(1, PopplerPages(path));
        string text = Normalise(PopplerText(path));
        Assert.Contains("PcapViz ticket summary", text);
        Assert.Contains("Run of 1 capture", text);
        // The top talker's row: address, packets and its share (the figures the fixture was built with; the share as the run PDF shows it).
        Assert.Contains(Fixtures.TopAddress, text);
        Assert.Contains("1,250,000 25.83 %", text);
        Assert.Contains(Fixtures.TopName + " 48,211", text);
        Assert.Contains("Top talkers, and 595 more", text);
        Assert.Contains("Top names, and 245 more", text);
        Assert.Contains("No watchlist was given (--watchlist)", text);
        Assert.Contains("No history database (--history)", text);
        Assert.Contains("not signed", text);
        // The inputs digest, as report.pdf shows it: SHA-256 over "path NUL sha256 LF" of each capture, worked out here.
        string digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes("site-a/office-lan.pcapng\0" + Fixtures.KnownSha + "\n")));
        Assert.Contains(digest, text.Replace(" ", "", StringComparison.Ordinal));
    }

    [Fact]
    public void Ticket_ThousandCaptures_OnePageEveryListCutWithAndNMore()
    {
        var run = ThousandCaptureRun();
        byte[] pdf = RenderTicket(run);
        string path = PdfTestKit.SaveArtifact("ticket-1000-captures", pdf);

        Assert.Equal(1, PopplerPages(path));
        string text = Normalise(PopplerText(path));
        Assert.Contains("Run of 1,000 captures", text);
        Assert.Contains("10.0.0.1", text); // the top talker
        Assert.Contains("host0.night.example", text);
        Assert.Contains("Top talkers, and 995 more", text);
        Assert.Contains("Top names, and 995 more", text);
        Assert.Contains("Findings: watchlist hits, and 995 more", text);
        Assert.Contains("bad0.watched.example", text);
        Assert.Contains("New indicators, and 2,995 more", text);
        // The failed capture is the run's problem highlight.
        Assert.Contains("Problem: 1 capture could not be read: night/cap-0010.pcap", text);
        Assert.DoesNotContain("bad5.watched.example", text); // the sixth hit is counted, not listed
    }

    [Theory]
    [InlineData(PaperSize.A4, 595, 842)]
    [InlineData(PaperSize.Letter, 612, 792)]
    public void Ticket_ThousandCapturesHostileNames_OnePageOfThePaperEverythingOnIt(PaperSize paper, int width, int height)
    {
        var run = ThousandCaptureRun(HostileName);
        var options = Fixtures.Options(paper: paper);
        byte[] pdf = RenderTicket(run, options: options);
        string path = PdfTestKit.SaveArtifact("ticket-hostile-" + paper.ToString().ToLowerInvariant(), pdf);

        Assert.Equal(1, PopplerPages(path));
        var size = System.Text.RegularExpressions.Regex.Match(Poppler("pdfinfo", path), @"(?m)^Page size:\s+([\d.]+) x ([\d.]+) pts");
        Assert.True(size.Success, "pdfinfo printed no page size");
        Assert.Equal(width, double.Parse(size.Groups[1].Value, CultureInfo.InvariantCulture), 0.5);
        Assert.Equal(height, double.Parse(size.Groups[2].Value, CultureInfo.InvariantCulture), 0.5);
        using var doc = PdfDocument.Open(pdf);
        var page = doc.GetPage(1);
        // Every glyph inside the page's margins (50 or 54 pt): a long name is cut, never pushed off the page.
        foreach (var letter in page.Letters)
        {
            Assert.InRange(letter.BoundingBox.Left, 49.0, width - 49.0);
            Assert.InRange(letter.BoundingBox.Right, 49.0, width - 49.0);
            Assert.InRange(letter.BoundingBox.Bottom, 20.0, height - 20.0);
        }
        string text = PopplerText(path);
        // Control characters and the bidi override are shown as escapes, never drawn; the name is cut with an ellipsis.
        Assert.DoesNotContain('\u001b', text);
        Assert.DoesNotContain('\u202E', text);
        Assert.DoesNotContain('\u0007', text);
        Assert.Contains("\\x1B[31mEVIL\\u202E", text);
        Assert.DoesNotContain(new string('A', 120), text);
        Assert.Contains("…", text);
        // The rest of the page is still there, below the hostile rows.
        Assert.Contains("Manifest SHA-256", Normalise(text));
    }

    [Theory]
    [InlineData(PaperSize.A4)]
    [InlineData(PaperSize.Letter)]
    public void Ticket_EverySectionFullIncludingServerNamesAndSlices_StillOnePage(PaperSize paper)
    {
        // The hooks filled as the coming server names and slices will fill them: every section full, every name hostile.
        var run = ThousandCaptureRun(HostileName);
        var options = Fixtures.Options(paper: paper) with { ManifestSigned = true };
        var servers = Enumerable.Range(0, 400).Select(i => (i == 0 ? HostileName : $"sni{i}.night.example", 400L - i)).ToList();
        var content = Report.TicketComposer.Content(run, null, options,
            (_, _) => Report.TicketComposer.NameList("Top server names", "Server name", "Flows", servers, "none"),
            hit => $"slices/{hit.Value}.pcapng");
        using var ms = new MemoryStream();
        PdfReportRenderer.RenderTicket(content, run, null, options, ms);
        string path = PdfTestKit.SaveArtifact("ticket-every-section-" + paper.ToString().ToLowerInvariant(), ms.ToArray());

        Assert.Equal(1, PopplerPages(path));
        string text = Normalise(PopplerText(path));
        Assert.Contains("Top server names, and 395 more", text);
        Assert.Contains("sni1.night.example 399", text);
        Assert.Contains("Slice", text);
        Assert.Contains("slices/bad1.watched.exa", text); // the slice's file name, elided only at its end
        Assert.Contains("signed (manifest.json.sig, ECDSA P-256)", text);
        Assert.Contains("Full lists", text);
    }

    [Fact]
    public void Ticket_BodyText_AtLeastEightPoint()
    {
        byte[] pdf = RenderTicket(ThousandCaptureRun(HostileName));
        using var doc = PdfDocument.Open(pdf);
        var page = doc.GetPage(1);
        // Between the header and footer rules (the page template's small print lives in the margins).
        var body = page.Letters.Where(l => l.BoundingBox.Bottom > 54 && l.BoundingBox.Top < 842 - 58 && !string.IsNullOrWhiteSpace(l.Value)).ToList();
        Assert.True(body.Count > 500, $"only {body.Count} letters in the body");
        var small = body.Where(l => l.PointSize < 8).Select(l => $"{l.Value}@{l.PointSize}").Distinct().Take(10).ToList();
        Assert.True(small.Count == 0, "text below 8 pt: " + string.Join(", ", small));
    }

    [Fact]
    public void Ticket_RenderedTwiceAndUnderAnotherCulture_ByteIdentical()
    {
        var run = ThousandCaptureRun(HostileName);
        byte[] first = RenderTicket(run);
        var saved = CultureInfo.CurrentCulture;
        byte[] second;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            second = RenderTicket(ThousandCaptureRun(HostileName));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
        Assert.True(first.AsSpan().SequenceEqual(second), "two renders of the same ticket differ");
    }

    [Fact]
    public void Ticket_OfOneCapture_ShowsThatCapturesHitsAndItsSha()
    {
        var run = ThousandCaptureRun();
        var capture = run.Captures[1]; // cap-0002: every hit and new indicator names it
        byte[] pdf = RenderTicket(run, capture);
        string path = PdfTestKit.SaveArtifact("ticket-capture", pdf);

        Assert.Equal(1, PopplerPages(path));
        string text = Normalise(PopplerText(path));
        Assert.Contains("Capture night/cap-0002.pcap", text);
        Assert.Contains("What the capture shows", text);
        Assert.Contains("Capture SHA-256 2" + new string('a', 63), text);
        Assert.Contains("10.1.1.1 30 66.67 %", text); // the capture's own talker (Fixtures.Small: 30 of 45 packets), not the run's
        Assert.Contains("Findings: watchlist hits, and 995 more", text);
    }

    [Fact]
    public void Ticket_CaptureWithoutAnyHit_SaysSoAndListsNoneOfTheRun()
    {
        var run = ThousandCaptureRun();
        byte[] pdf = RenderTicket(run, run.Captures[500]);
        string text = Normalise(PopplerText(PdfTestKit.SaveArtifact("ticket-capture-no-hit", pdf)));
        Assert.Contains("No watchlist hits (1,000 watchlist entries checked)", text);
        Assert.Contains("Nothing new: every domain, name, server name, fingerprint and address was seen before", text);
        Assert.DoesNotContain("bad0.watched.example", text);
    }

    [Theory]
    [InlineData(true, "signed (manifest.json.sig, ECDSA P-256)")]
    [InlineData(false, "not signed: pcapviz verify")]
    public void Ticket_SaysWhetherTheManifestIsSigned(bool manifestSigned, string expected)
    {
        var options = Fixtures.Options() with { ManifestSigned = manifestSigned };
        string text = Normalise(PopplerText(PdfTestKit.SaveArtifact("ticket-signed-" + manifestSigned, RenderTicket(Fixtures.FiveCaptureRun(), options: options))));
        Assert.Contains(expected, text);
        Assert.Contains("Manifest SHA-256 not on this page", text);
    }

    [Fact]
    public void Exporter_WritesTheRunTicketAlwaysAndCaptureTicketsOnlyWhenAsked()
    {
        var run = Fixtures.FiveCaptureRun();
        var plain = new MemorySink();
        var exporter = new PdfReportExporter(Fixtures.Options());
        exporter.ExportRun(run, plain, CancellationToken.None);
        exporter.ExportCapture(run.Captures[0], run, plain, CancellationToken.None);
        Assert.Equal(["captures/office-lan/report.pdf", "report.pdf", "ticket.pdf"], plain.Files.Keys.Order(StringComparer.Ordinal));

        var perCapture = new MemorySink();
        var withTickets = new PdfReportExporter(Fixtures.Options() with { TicketPerCapture = true });
        withTickets.ExportCapture(run.Captures[0], run, perCapture, CancellationToken.None);
        Assert.Equal(["captures/office-lan/report.pdf", "captures/office-lan/ticket.pdf"], perCapture.Files.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("Capture site-a/office-lan.pcapng", string.Concat(PdfTestKit.PageTexts(perCapture.Files["captures/office-lan/ticket.pdf"])));
    }

    private static string Normalise(string text) => string.Join(' ', text.Split((char[])[' ', '\n', '\r', '\f', '\t'], StringSplitOptions.RemoveEmptyEntries));

    private static int PopplerPages(string path)
    {
        var match = System.Text.RegularExpressions.Regex.Match(Poppler("pdfinfo", path), @"(?m)^Pages:\s+(\d+)$");
        Assert.True(match.Success, "pdfinfo printed no page count");
        return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static string PopplerText(string path) => Poppler("pdftotext", "-layout", "-enc", "UTF-8", path, "-");

    private static string Poppler(string tool, params string[] args)
    {
        string? exe = (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
        TestEnvironment.Require(exe is not null, $"{tool} (Debian package poppler-utils; .ci/run installs it) is not installed.");
        var psi = new ProcessStartInfo(exe, args) { RedirectStandardOutput = true, RedirectStandardError = true, StandardOutputEncoding = System.Text.Encoding.UTF8 };
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0 && stderr.Result.Length == 0, $"{tool} {string.Join(' ', args)}: exit {p.ExitCode}, {stderr.Result}");
        return stdout;
    }
}
