using System.Globalization;
using SkiaSharp;

namespace PcapViz.Rendering.Pdf.Layout;

/// <summary>Document information written into the PDF.</summary>
internal sealed record PdfMetadata(string Title, string Subject, string Keywords, string ToolVersion, DateTimeOffset Created);

/// <summary>Draws the header (title, context) and the footer (tool version, input hash, page X of Y) of every page.</summary>
internal sealed class PageTemplate(PageSetup setup, PdfStyle style, string toolVersion)
{
    public void Draw(SKCanvas canvas, PageContext context, int pageNumber, int pageCount)
    {
        var font = style.Small;
        float lh = PdfStyle.LineHeight(font);
        float left = setup.MarginLeft, right = setup.Width - setup.MarginRight, width = right - left;
        using var rule = PdfStyle.Stroke(PdfStyle.Rule, 0.6f);

        float headerTop = setup.MarginTop - 14f - lh;
        string headerLeft = TextKit.Elide(TextKit.Clean(context.HeaderLeft), style.SmallBold, width * 0.45f);
        float rightWidth = width - TextKit.Width(headerLeft, style.SmallBold) - 16f;
        string headerRight = TextKit.Elide(TextKit.Clean(context.HeaderRight), font, rightWidth);
        Layout.Draw.Line(canvas, headerLeft, style.SmallBold, PdfStyle.Accent, left, headerTop, lh);
        Layout.Draw.Line(canvas, headerRight, font, PdfStyle.Muted, right, headerTop, lh, SKTextAlign.Right);
        canvas.DrawLine(left, headerTop + lh + 2f, right, headerTop + lh + 2f, rule);

        float footerTop = setup.Height - setup.MarginBottom + 16f;
        canvas.DrawLine(left, footerTop - 3f, right, footerTop - 3f, rule);
        string page = string.Create(CultureInfo.InvariantCulture, $"Page {pageNumber} of {pageCount}");
        string version = TextKit.Elide("PcapViz " + TextKit.Clean(toolVersion), font, width * 0.3f);
        string input = TextKit.Elide(TextKit.Clean(context.FooterInput), font, width * 0.4f);
        Layout.Draw.Line(canvas, version, font, PdfStyle.Muted, left, footerTop, lh);
        Layout.Draw.Line(canvas, input, font, PdfStyle.Muted, left + width / 2f, footerTop, lh, SKTextAlign.Center);
        Layout.Draw.Line(canvas, page, style.SmallBold, PdfStyle.Text, right, footerTop, lh, SKTextAlign.Right);
    }
}

/// <summary>Turns laid-out pages into PDF bytes with Skia's PDF backend.</summary>
internal static class PdfWriter
{
    public static void Write(Stream output, PdfLayout layout, PdfMetadata metadata)
    {
        // Skia writes no document ID outside PDF/A and takes its dates from here, so the same pages and
        // metadata give the same bytes. Dates are passed as UTC.
        var created = metadata.Created.UtcDateTime;
        var pdfMetadata = new SKDocumentPdfMetadata
        {
            Title = metadata.Title,
            Subject = metadata.Subject,
            Keywords = metadata.Keywords,
            Author = "PcapViz",
            Creator = "PcapViz " + metadata.ToolVersion,
            Producer = "PcapViz " + metadata.ToolVersion + " (SkiaSharp PDF)",
            Creation = created,
            Modified = created,
            RasterDpi = 300,
            PdfA = false,
            EncodingQuality = 101,
        };
        var template = new PageTemplate(layout.Setup, layout.Style, metadata.ToolVersion);

        // Pass 1 draws nothing and notes the glyphs each face needs; pass 2 draws with faces holding only those
        // glyphs (same IDs, same metrics), so each PDF embeds a few kilobytes of font instead of the whole face.
        Dictionary<SKTypeface, SKTypeface> subsets;
        using (var collector = new GlyphCollector((int)layout.Setup.Width, (int)layout.Setup.Height))
        {
            for (int i = 0; i < layout.Pages.Count; i++) DrawPage(collector, layout, template, i);
            subsets = collector.Glyphs.ToDictionary(kv => kv.Key, kv => PdfFonts.Subset(kv.Key, kv.Value));
        }
        var originals = subsets.ToDictionary(kv => kv.Value, kv => kv.Key);
        layout.Style.Retarget(subsets);
        try
        {
            using var buffer = new MemoryStream();
            using (var document = SKDocument.CreatePdf(buffer, pdfMetadata)
                ?? throw new InvalidOperationException("SkiaSharp could not create a PDF document."))
            {
                for (int i = 0; i < layout.Pages.Count; i++)
                {
                    DrawPage(document.BeginPage(layout.Setup.Width, layout.Setup.Height), layout, template, i);
                    document.EndPage();
                }
                document.Close();
            }
            byte[] pdf = buffer.ToArray();
            WriteDatesAsUtc(pdf, metadata.Created);
            output.Write(PdfOutline.Add(pdf, layout.Outline, layout.Setup.Height));
        }
        finally
        {
            layout.Style.Retarget(originals);
            foreach (var face in subsets.Values) face.Dispose();
        }
    }

    /// <summary>
    /// SkiaSharp stamps dates with the machine's local UTC offset (and the given fields unchanged), so the same
    /// instant would give different bytes, and a wrong time, on machines in different zones. Skia writes the
    /// document information uncompressed with fixed-length dates (<c>D:YYYYMMDDHHmmSS+HH'mm'</c>), so both are
    /// rewritten in place as UTC; lengths and cross-reference offsets do not change.
    /// </summary>
    private static void WriteDatesAsUtc(byte[] pdf, DateTimeOffset created)
    {
        string utc = created.UtcDateTime.ToString("'D:'yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "+00'00'";
        foreach (string key in new[] { "/CreationDate (", "/ModDate (" })
        {
            byte[] marker = System.Text.Encoding.ASCII.GetBytes(key);
            int at = pdf.AsSpan().IndexOf(marker);
            if (at < 0 || pdf.AsSpan(at + marker.Length).IndexOf(marker) >= 0 || at + marker.Length + utc.Length >= pdf.Length ||
                pdf[at + marker.Length + utc.Length] != (byte)')')
            {
                throw new InvalidOperationException($"SkiaSharp wrote {key.Trim('/', ' ', '(')} in an unexpected form; the PDF would not be reproducible.");
            }
            System.Text.Encoding.ASCII.GetBytes(utc, pdf.AsSpan(at + marker.Length));
        }
    }

    private static void DrawPage(SKCanvas canvas, PdfLayout layout, PageTemplate template, int index)
    {
        var page = layout.Pages[index];
        foreach (var operation in page.Operations) operation(canvas);
        template.Draw(canvas, page.Context, index + 1, layout.Pages.Count);
    }
}
