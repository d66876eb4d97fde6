using System.Diagnostics;
using System.Globalization;
using PcapViz.Model;
using PcapViz.TestSupport;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Actions;
using UglyToad.PdfPig.Annotations;
using UglyToad.PdfPig.Outline;
using Xunit;

namespace PcapViz.Rendering.Pdf.Tests;

/// <summary>
/// Finding one's way in a PDF: outline (bookmarks), the run PDF's contents page, highlights on the first page,
/// options in the appendix, the summary run PDF of large runs, and page breaks that leave no heading or few rows
/// behind. PDFs are read back with PdfPig (outline, link annotations, words and their font sizes) and poppler.
/// </summary>
public sealed class PdfNavigationTests
{
    /// <summary>A bookmark as a reader shows it: title, 1-based page, children.</summary>
    private sealed record Mark(string Title, int Page, IReadOnlyList<Mark> Children);

    private static List<Mark> Outline(byte[] pdf)
    {
        using var doc = PdfDocument.Open(pdf);
        Assert.True(doc.TryGetBookmarks(out var bookmarks), "the PDF has no outline");
        static Mark Convert(BookmarkNode n) => new(n.Title, n is DocumentBookmarkNode d ? d.PageNumber : -1, n.Children.Select(Convert).ToList());
        return bookmarks.Roots.Select(Convert).ToList();
    }

    /// <summary>Every link annotation: 1-based page it sits on, 1-based page it leads to.</summary>
    private static List<(int OnPage, int ToPage, double Top)> Links(byte[] pdf)
    {
        using var doc = PdfDocument.Open(pdf);
        var links = new List<(int, int, double)>();
        foreach (var page in doc.GetPages())
            foreach (var a in page.GetAnnotations().Where(a => a.Type == AnnotationType.Link))
            {
                var to = Assert.IsAssignableFrom<AbstractGoToAction>(a.Action);
                links.Add((page.Number, to.Destination.PageNumber, a.Rectangle.Top));
            }
        return links;
    }

    /// <summary>1-based page of the first page whose text contains <paramref name="text"/>, or 0.</summary>
    private static int PageOf(List<string> pages, string text) => pages.FindIndex(p => p.Contains(text, StringComparison.Ordinal)) + 1;

    private static RunResult ManySmall(int count, int skipped = 1)
    {
        var captures = Enumerable.Range(1, count)
            .Select(i => Fixtures.Small($"cap-{i:D4}", $"night/cap-{i:D4}.pcap", (i % 10).ToString(CultureInfo.InvariantCulture)[0] + new string('a', 63)))
            .ToList();
        var run = Fixtures.Run(captures);
        return run with { Skipped = Enumerable.Range(1, skipped).Select(i => new SkippedInput($"notes/readme-{i:D2}.txt", "not a capture (text file)")).ToList() };
    }

    [Fact]
    public void RenderRun_FiveCaptures_OutlineHasEachSectionAndEachCaptureAtItsPage()
    {
        var run = Fixtures.FiveCaptureRun();
        byte[] pdf = PdfTestKit.RenderRun(run);
        var pages = PdfTestKit.PageTexts(pdf);
        var outline = Outline(pdf);

        Assert.Equal(
            ["Highlights", "Contents", "The run", "Captures (summary table)", "Skipped files", "All captures combined", "Each capture", "Appendix: options in effect"],
            outline.Select(m => m.Title));
        var each = outline.Single(m => m.Title == "Each capture");
        Assert.Equal(run.Captures.Select(c => c.Input.Path), each.Children.Select(m => m.Title));
        foreach (var (capture, mark) in run.Captures.Zip(each.Children))
        {
            // The bookmark leads to the page where the capture's heading is.
            Assert.Equal(PageOf(pages, "Capture " + capture.Input.Path + " "), mark.Page);
            Assert.Contains("Highlights", mark.Children.Select(c => c.Title));
            foreach (var section in mark.Children)
                Assert.True(mark.Page <= section.Page && section.Page <= pages.Count, $"{capture.Input.Path} / {section.Title} on page {section.Page}");
        }
        Assert.Equal(["Highlights", "Source IP addresses", "DNS lookups", "Traffic over time"],
            each.Children[0].Children.Select(m => m.Title).Where(t => t is "Highlights" or "Source IP addresses" or "DNS lookups" or "Traffic over time"));
        Assert.Equal(["Highlights", "Issues"], each.Children.Single(m => m.Title == "incoming/broken.pcap").Children.Select(m => m.Title));
        // Sections of one capture: each bookmark's page holds the heading it names.
        foreach (var section in each.Children[0].Children.Where(m => m.Title is "Source IP addresses" or "DNS lookups" or "Traffic over time" or "Signals"))
            Assert.Contains(section.Title, pages[section.Page - 1]);
        Assert.Equal(PageOf(pages, "Appendix: options in effect --top"), outline[^1].Page);
        Assert.Equal(PageOf(pages, "Skipped files File Reason"), outline.Single(m => m.Title == "Skipped files").Page);
    }

    [Fact]
    public void RenderCapture_Standalone_OutlineIsTheCaptureWithItsSections()
    {
        var capture = Fixtures.Realistic();
        byte[] pdf = PdfTestKit.RenderCapture(capture);
        var pages = PdfTestKit.PageTexts(pdf);

        var outline = Outline(pdf);

        var root = Assert.Single(outline);
        Assert.Equal(capture.Input.Path, root.Title);
        Assert.Equal(1, root.Page);
        Assert.Equal(["Highlights", "Issues", "Signals", "Source IP addresses", "DNS lookups", "Traffic over time", "Conversations and services"],
            root.Children.Select(m => m.Title).Where(t => t != "Registered domains"));
        foreach (var section in root.Children.Where(m => m.Title != "Highlights"))
            Assert.Contains(section.Title, pages[section.Page - 1]);
    }

    [Fact]
    public void RenderRun_ContentsPage_EveryLineLinksToThePageItNames()
    {
        var run = Fixtures.FiveCaptureRun();
        byte[] pdf = PdfTestKit.RenderRun(run);
        var pages = PdfTestKit.PageTexts(pdf);

        var links = Links(pdf);

        // Contents of a five-capture run: the run, the captures table, skipped files, combined, "Each capture",
        // five captures, appendix: eleven lines, all on the first page, top to bottom.
        Assert.Equal(11, links.Count);
        Assert.All(links, l => Assert.Equal(1, l.OnPage));
        Assert.Equal(links.OrderByDescending(l => l.Top).ToList(), links);
        var expected = new List<int>
        {
            PageOf(pages, "Run Inputs"),
            PageOf(pages, "Captures # File Status"),
            PageOf(pages, "Skipped files File Reason"),
            PageOf(pages, "All captures combined The analyses below"),
        };
        expected.Add(PageOf(pages, "Capture " + run.Captures[0].Input.Path + " ")); // "Each capture" leads to the first one
        expected.AddRange(run.Captures.Select(c => PageOf(pages, "Capture " + c.Input.Path + " ")));
        expected.Add(PageOf(pages, "Appendix: options in effect --top"));
        Assert.DoesNotContain(0, expected);
        Assert.Equal(expected, links.Select(l => l.ToPage));
        // The page number printed on each contents line is the page the link leads to.
        foreach (var c in run.Captures)
            Assert.Contains($"{c.Input.Path} {PageOf(pages, "Capture " + c.Input.Path + " ")}", pages[0]);
    }

    [Fact]
    public void RenderRunAndCapture_FirstPage_HoldsTheHighlightsAndOptionsAreInTheAppendixAtTheEnd()
    {
        var run = Fixtures.FiveCaptureRun();
        var pages = PdfTestKit.PageTexts(PdfTestKit.RenderRun(run));
        var capturePages = PdfTestKit.PageTexts(PdfTestKit.RenderCapture(Fixtures.Failed()));

        Assert.Contains("What this run shows", pages[0]);
        Assert.Contains("Problem: 1 capture could not be read: incoming/broken.pcap", pages[0]);
        Assert.True(pages[0].IndexOf("What this run shows", StringComparison.Ordinal) < pages[0].IndexOf("Contents", StringComparison.Ordinal));
        Assert.Contains("What this capture shows", capturePages[0]);
        Assert.Contains("Problem: This file could not be read as a capture", capturePages[0]);

        // The options (--top, --timezone) appear once, in the appendix on the last page; the run table points there.
        Assert.Equal(pages.Count, PageOf(pages, "Appendix: options in effect --top 20 --timezone UTC"));
        Assert.Single(pages, p => p.Contains("--timezone", StringComparison.Ordinal));
        Assert.Contains("Options listed in the appendix at the end", string.Concat(pages));
    }

    [Fact]
    public void RenderRun_ThirtyCaptures_SummaryHasOnlyTheFlaggedCapturesAndFullHasAll()
    {
        var run = ManySmall(30);
        var flagged = new HashSet<string> { "cap-0007", "cap-0019", "cap-0023" };
        run = run with
        {
            Captures = run.Captures.Select(c => c.Id switch
            {
                "cap-0007" => c with { Status = CaptureStatus.Partial, Issues = [new CaptureIssue(IssueSeverity.Error, "truncated-record", "the file ends inside a packet record", 4_000, 44)] },
                "cap-0019" => c with { Issues = [new CaptureIssue(IssueSeverity.Warning, "bad-timestamp", "a timestamp goes backwards", 1_024, 3)] },
                _ => c,
            }).ToList(),
            History = new RunHistory
            {
                WatchlistsChecked = true,
                WatchlistEntries = 1,
                WatchlistHits = [new WatchlistHit(IndicatorKind.Address, "10.1.1.2", "10.1.1.2", "lab printer", "watch.txt", 3, 10, [new IndicatorSighting("cap-0023", null)])],
            },
        };

        byte[] summary = PdfTestKit.RenderRun(run);
        byte[] full = PdfTestKit.RenderRun(run, Fixtures.Options() with { RunDetail = RunPdfDetail.Full });
        var summaryPages = PdfTestKit.PageTexts(summary);
        var fullPages = PdfTestKit.PageTexts(full);

        // Auto above 25 captures: the summary table lists all 30, sections only for the partial one, the one with a
        // warning and the one with a watchlist hit.
        foreach (var c in run.Captures) Assert.True(PageOf(summaryPages, c.Input.Path) > 0, c.Input.Path);
        var sections = run.Captures.Where(c => PageOf(summaryPages, "Capture " + c.Input.Path + " ") > 0).Select(c => c.Id).ToList();
        Assert.Equal(flagged.Order(StringComparer.Ordinal), sections);
        Assert.Contains("This PDF is a summary: it has a section only for the 3 that need a look", string.Concat(summaryPages));
        var outline = Outline(summary);
        var needLook = outline.Single(m => m.Title == "Captures that need a look");
        Assert.Equal(["night/cap-0007.pcap", "night/cap-0019.pcap", "night/cap-0023.pcap"], needLook.Children.Select(m => m.Title));
        Assert.Equal("1 watchlist hit", outline[0].Title);
        Assert.Equal(["1 watchlist hit", "Highlights"], needLook.Children[2].Children.Select(m => m.Title).Take(2));
        // Full: a section for every capture, so many more pages.
        Assert.All(run.Captures, c => Assert.True(PageOf(fullPages, "Capture " + c.Input.Path + " ") > 0, c.Input.Path));
        Assert.True(summaryPages.Count * 4 < fullPages.Count, $"summary {summaryPages.Count} pages, full {fullPages.Count} pages");
        Assert.Equal(run.Captures.Count, Outline(full).Single(m => m.Title == "Each capture").Children.Count);
    }

    [Theory]
    [InlineData(25, RunPdfDetail.Auto, 25)]
    [InlineData(26, RunPdfDetail.Auto, 0)]
    [InlineData(5, RunPdfDetail.Summary, 0)]
    [InlineData(26, RunPdfDetail.Full, 26)]
    public void RenderRun_DetailMode_DecidesWhichCapturesGetASection(int count, RunPdfDetail mode, int expectedSections)
    {
        var run = ManySmall(count);
        var pages = PdfTestKit.PageTexts(PdfTestKit.RenderRun(run, Fixtures.Options() with { RunDetail = mode }));

        int sections = run.Captures.Count(c => PageOf(pages, "Capture " + c.Input.Path + " ") > 0);

        Assert.Equal(expectedSections, sections);
        // A summary of clean captures says why it has no capture sections; a full PDF says nothing of a summary.
        Assert.Equal(expectedSections == 0, string.Concat(pages).Contains($"This run has {count} captures. This PDF is a summary: none of them needs a look", StringComparison.Ordinal));
    }

    /// <summary>
    /// Run PDFs whose tables end at many different heights: a heading (12 pt bold) is never the last thing on its
    /// page, a table of at most 25 rows is never split, and a split table leaves at least four rows on a page.
    /// </summary>
    [Fact]
    public void RenderRun_ManyPageBreaks_NoLoneHeadingNoSplitSmallTableNoLeftoverRows()
    {
        for (int count = 26; count <= 120; count += 3)
        {
            int skipped = 6 + count % 17;
            var run = ManySmall(count, skipped);
            byte[] pdf = PdfTestKit.RenderRun(run);
            var pages = PdfTestKit.PageTexts(pdf);
            string where = $"run of {count} captures and {skipped} skipped files";

            AssertNoHeadingAloneAtPageFoot(pdf, where);
            // The skipped-files table (6 to 22 rows) is on one page, with its heading.
            int first = PageOf(pages, "Skipped files File Reason");
            Assert.True(first > 0, where);
            for (int i = 1; i <= skipped; i++) Assert.Contains($"notes/readme-{i:D2}.txt", pages[first - 1]);
            // Every page of the captures table holds at least four of its rows.
            var rowsPerPage = pages.Select(p => p.Split("night/cap-").Length - 1).Where(n => n > 0).ToList();
            Assert.True(rowsPerPage.Sum() == count, $"{where}: {string.Join(",", rowsPerPage)}");
            Assert.All(rowsPerPage, n => Assert.True(n >= Layout.Table.MinRowsPerPage, $"{where}: rows per page {string.Join(",", rowsPerPage)}"));
        }
    }

    [Fact]
    public void RenderCaptureAndRun_Realistic_NoHeadingAloneAtPageFoot()
    {
        AssertNoHeadingAloneAtPageFoot(PdfTestKit.RenderCapture(Fixtures.Realistic()), "realistic capture");
        AssertNoHeadingAloneAtPageFoot(PdfTestKit.RenderRun(Fixtures.FiveCaptureRun()), "five-capture run");
        for (int top = 5; top <= 60; top += 5)
            AssertNoHeadingAloneAtPageFoot(PdfTestKit.RenderCapture(Fixtures.Realistic(), Fixtures.Options(top: top)), $"realistic capture, --top {top}");
    }

    /// <summary>On every page, the lowest heading (bold 12 pt words) has content words below it inside the content area.</summary>
    private static void AssertNoHeadingAloneAtPageFoot(byte[] pdf, string where)
    {
        using var doc = PdfDocument.Open(pdf);
        foreach (var page in doc.GetPages())
        {
            var words = page.GetWords().ToList();
            // The footer (tool version, input hash, page X of Y) sits in the bottom margin, below 54 pt.
            var content = words.Where(w => w.BoundingBox.Bottom > 50).ToList();
            var headings = content.Where(w => w.Letters.Count > 0 && Math.Abs(w.Letters[0].PointSize - 12) < 0.1).ToList();
            if (headings.Count == 0) continue;
            double lowest = headings.Min(w => w.BoundingBox.Bottom);
            var heading = string.Join(' ', headings.Where(w => Math.Abs(w.BoundingBox.Bottom - lowest) < 1).Select(w => w.Text));
            bool below = content.Any(w => w.BoundingBox.Top < lowest - 1 && w.Letters.Count > 0 && w.Letters[0].PointSize < 11.9);
            Assert.True(below, $"{where}: page {page.Number} ends with the heading '{heading}' and nothing under it");
        }
    }

    /// <summary>The outline and contents are appended after Skia's bytes: the same run gives the same bytes under another culture and in parallel.</summary>
    [Fact]
    public void RenderRun_SummaryWithOutline_SameBytesUnderAnotherCultureAndInParallel()
    {
        var run = ManySmall(30);
        byte[] alone = PdfTestKit.RenderRun(run);
        var saved = CultureInfo.CurrentCulture;
        byte[] german;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            german = PdfTestKit.RenderRun(run);
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
        var parallel = new byte[3][];
        Parallel.For(0, parallel.Length, i => parallel[i] = PdfTestKit.RenderRun(run));

        Assert.True(alone.AsSpan().SequenceEqual(german), "the culture reaches the run PDF");
        Assert.All(parallel, p => Assert.True(alone.AsSpan().SequenceEqual(p), "a render in parallel differs"));
        Assert.NotEmpty(Outline(alone));
    }

    [Fact]
    public void RenderRun_Poppler_ReadsTheOutlinedPdfWithoutComplaint()
    {
        string? pdfinfo = Which("pdfinfo");
        TestEnvironment.Require(pdfinfo is not null, "pdfinfo (Debian package poppler-utils; .ci/run installs it) is not installed.");
        byte[] pdf = PdfTestKit.RenderRun(ManySmall(30));
        string path = PdfTestKit.SaveArtifact("run-30-captures-summary", pdf);

        var pages = PdfTestKit.PageTexts(pdf);

        string info = Run(pdfinfo, path);
        string dests = Run(pdfinfo, "-dests", path);

        Assert.Matches($@"(?m)^Pages:\s+{pages.Count}$", info);
        // The named destinations the contents page links to, as poppler resolves them: each on the page of its heading.
        foreach (var (name, heading) in new[] { ("run", "Run Inputs"), ("captures", "Captures This run has 30 captures"), ("skipped", "Skipped files File Reason"),
                     ("combined", "All captures combined The analyses below"), ("appendix", "Appendix: options in effect --top") })
            Assert.Matches($@"(?m)^\s*{PageOf(pages, heading)}\s+\[ XYZ\s.*\]\s+""{name}""$", dests);
    }

    private static string Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0 && stderr.Result.Length == 0, $"{tool} {string.Join(' ', args)}: exit {p.ExitCode}, {stderr.Result}");
        return stdout;
    }

    private static string? Which(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
}
