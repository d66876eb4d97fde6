using PcapViz.Rendering.Pdf.Layout;
using UglyToad.PdfPig;
using Xunit;

namespace PcapViz.Rendering.Pdf.Tests;

public sealed class HostileAndVisualTests
{
    [Theory]
    [InlineData(PaperSize.A4)]
    [InlineData(PaperSize.Letter)]
    public void RenderCapture_HostileNames_EveryLetterInsideTheMargins(PaperSize paper)
    {
        byte[] pdf = PdfTestKit.RenderCapture(Fixtures.Hostile(), Fixtures.Options(paper: paper));
        var setup = PageSetup.For(paper);
        const double tolerance = 0.75;

        using var doc = PdfDocument.Open(pdf);
        int letters = 0;
        foreach (var page in doc.GetPages())
        {
            foreach (var letter in page.Letters)
            {
                var box = letter.BoundingBox;
                if (box.Width <= 0 && box.Height <= 0) continue; // spaces
                letters++;
                Assert.True(box.Left >= setup.MarginLeft - tolerance && box.Right <= setup.Width - setup.MarginRight + tolerance,
                    $"page {page.Number}: '{letter.Value}' spans x {box.Left:0.0}..{box.Right:0.0}, outside {setup.MarginLeft}..{setup.Width - setup.MarginRight}");
                Assert.True(box.Bottom >= 0 && box.Top <= setup.Height,
                    $"page {page.Number}: '{letter.Value}' spans y {box.Bottom:0.0}..{box.Top:0.0}, off the page");
            }
        }
        Assert.True(letters > 1000, $"only {letters} letters read back");
    }

    [Fact]
    public void RenderCapture_HostileNames_EscapesControlsAndElidesLongNames()
    {
        var pages = PdfTestKit.PageTexts(PdfTestKit.RenderCapture(Fixtures.Hostile()));
        string all = string.Concat(pages);

        Assert.Contains("\\u202E", all);   // bidi override shown, not obeyed
        Assert.Contains("\\x07\\x00\\x1B", all);
        var controls = all.Select((ch, i) => (ch, i)).Where(x => char.IsControl(x.ch)).ToList();
        Assert.True(controls.Count == 0, string.Join("; ", controls.Take(5).Select(x => $"U+{(int)x.ch:X4} in '{all[Math.Max(0, x.i - 30)..Math.Min(all.Length, x.i + 30)]}'")));
        Assert.Contains("verylonglabelverylonglabel", all);
        Assert.Contains("…", all);
        Assert.Contains("999,999,999", all);
        Assert.Contains("\\000\\001\\255weird", all);
    }

    [Fact]
    public void TextKit_Elide_FitsWidthAndNeverSplitsATextElement()
    {
        using var font = new SkiaSharp.SKFont(PdfFonts.Regular, 9f);
        string text = "a\uD83D\uDE00e\u0301" + string.Concat(Enumerable.Repeat("\uD83D\uDE00e\u0301", 50));

        for (float width = 5; width < 200; width += 3.7f)
        {
            string elided = TextKit.Elide(text, font, width);
            Assert.True(TextKit.Width(elided, font) <= width + 0.01f, $"'{elided}' wider than {width}");
            Assert.False(elided.Length > 1 && char.IsHighSurrogate(elided[^2]) && elided[^1] == '…');
            string kept = elided.TrimEnd('…');
            Assert.StartsWith(kept, text, StringComparison.Ordinal);
            Assert.True(kept.Length == 0 || !char.IsHighSurrogate(kept[^1]), "cut inside a surrogate pair");
            Assert.True(kept.Length == text.Length || text[kept.Length] != '\u0301', "combining mark separated from its base");
        }
    }

    [Fact]
    public void TextKit_Wrap_LongWordBrokenToWidth()
    {
        using var font = new SkiaSharp.SKFont(PdfFonts.Regular, 9f);
        string text = "short " + new string('x', 1000) + " tail";

        var lines = TextKit.Wrap(text, font, 120f);

        Assert.True(lines.Count > 5);
        Assert.All(lines, l => Assert.True(TextKit.Width(l, font) <= 120f, $"line '{l}' too wide"));
        Assert.Equal(text.Replace(" ", ""), string.Concat(lines).Replace(" ", ""));
    }

    [Fact]
    public void TextKit_Clean_EscapesInvisibleCharactersAndLoneSurrogates()
    {
        Assert.Equal("a\\x00b\\x1Bc\\u202Ed\uFFFDe", TextKit.Clean("a\0b\u001bc\u202Ed\uD800e"));
        Assert.Equal("\\u65E5\\u672C\\u8A9E שלום é", TextKit.Clean("日本語 שלום é"));
        Assert.Equal("\\U0001F600", TextKit.Clean("\uD83D\uDE00"));
    }

    /// <summary>
    /// Renders every kind of page to PNG (pdftoppm) as test artefacts for a person to look at, and checks poppler
    /// reads each PDF without complaint and gives one image per page.
    /// </summary>
    [Fact]
    public void RenderAll_Pdftoppm_WritesPngPagesAsArtefacts()
    {
        string? pdftoppm = PdfTestKit.FindPdftoppm();
        PcapViz.TestSupport.TestEnvironment.Require(pdftoppm is not null,
            "pdftoppm (Debian package poppler-utils; .ci/run installs it) is not installed; no PNG artefacts rendered.");

        var documents = new (string Name, byte[] Pdf)[]
        {
            ("run-5-captures", PdfTestKit.RenderRun(Fixtures.FiveCaptureRun())),
            ("capture-realistic", PdfTestKit.RenderCapture(Fixtures.Realistic())),
            ("capture-realistic-top150-letter", PdfTestKit.RenderCapture(Fixtures.Realistic(), Fixtures.Options(top: 150, paper: PaperSize.Letter))),
            ("capture-small-berlin", PdfTestKit.RenderCapture(Fixtures.Small("small", "small.pcap", new string('a', 64)), Fixtures.Options(zone: TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin")))),
            ("capture-failed", PdfTestKit.RenderCapture(Fixtures.Failed(issues: 3))),
            ("capture-timeline-10y", PdfTestKit.RenderCapture(Fixtures.LongTimeline(86400, 3600))),
            ("capture-timeline-3d", PdfTestKit.RenderCapture(Fixtures.LongTimeline(120, 2160))),
            ("capture-empty", PdfTestKit.RenderCapture(Fixtures.Empty())),
            ("capture-troubled", PdfTestKit.RenderCapture(Fixtures.Troubled())),
            ("capture-hostile", PdfTestKit.RenderCapture(Fixtures.Hostile())),
        };
        foreach (var (name, pdf) in documents)
        {
            string path = PdfTestKit.SaveArtifact(name, pdf);
            var pngs = PdfTestKit.RasterizeToPng(path, pdftoppm);
            using var doc = PdfDocument.Open(pdf);
            Assert.Equal(doc.NumberOfPages, pngs.Count);
            Assert.All(pngs, png => Assert.True(new FileInfo(png).Length > 2_000, $"{png} looks blank"));
        }
        TestContext.Current.TestOutputHelper?.WriteLine("PDF and PNG artefacts: " + PdfTestKit.ArtifactDirectory);
    }
}
