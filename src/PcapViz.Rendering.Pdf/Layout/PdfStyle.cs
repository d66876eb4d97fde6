using SkiaSharp;

namespace PcapViz.Rendering.Pdf.Layout;

/// <summary>Sizes and colours in one place; all blocks draw with these.</summary>
internal sealed class PdfStyle : IDisposable
{
    public SKFont Body { get; } = Font(PdfFonts.Regular, 9f);
    public SKFont BodyBold { get; } = Font(PdfFonts.Bold, 9f);
    public SKFont Small { get; } = Font(PdfFonts.Regular, 7.5f);
    public SKFont SmallBold { get; } = Font(PdfFonts.Bold, 7.5f);
    public SKFont Title { get; } = Font(PdfFonts.Bold, 16f);
    public SKFont Heading { get; } = Font(PdfFonts.Bold, 12f);

    private IEnumerable<SKFont> Fonts => [Body, BodyBold, Small, SmallBold, Title, Heading];

    /// <summary>Points every font at another typeface (the per-document subset); glyph IDs and metrics stay the same.</summary>
    public void Retarget(IReadOnlyDictionary<SKTypeface, SKTypeface> replacements)
    {
        foreach (var font in Fonts)
        {
            if (replacements.TryGetValue(font.Typeface, out var replacement)) font.Typeface = replacement;
        }
    }

    public static readonly SKColor Text = new(0x20, 0x24, 0x2A);
    public static readonly SKColor Muted = new(0x5F, 0x66, 0x70);
    public static readonly SKColor Rule = new(0xC8, 0xCD, 0xD3);
    public static readonly SKColor Stripe = new(0xF2, 0xF4, 0xF7);
    public static readonly SKColor HeaderFill = new(0xE3, 0xE8, 0xEF);
    public static readonly SKColor Accent = new(0x1F, 0x5F, 0xA8);
    public static readonly SKColor WarnFill = new(0xFF, 0xF4, 0xD6);
    public static readonly SKColor WarnRule = new(0xD9, 0x9A, 0x00);
    public static readonly SKColor ErrorFill = new(0xFD, 0xE4, 0xE4);
    public static readonly SKColor ErrorRule = new(0xC0, 0x30, 0x30);
    public static readonly SKColor InfoFill = new(0xE8, 0xF0, 0xFA);

    /// <summary>Space between blocks.</summary>
    public static float Gap => 8f;

    public static float LineHeight(SKFont font) => font.Size * 1.35f;

    private static SKFont Font(SKTypeface face, float size) =>
        new(face, size) { Subpixel = true, Edging = SKFontEdging.Antialias, Hinting = SKFontHinting.None, LinearMetrics = true };

    public static SKPaint Fill(SKColor color) => new() { Color = color, IsAntialias = true, Style = SKPaintStyle.Fill };

    public static SKPaint Stroke(SKColor color, float width) =>
        new() { Color = color, IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = width };

    public void Dispose()
    {
        foreach (var font in Fonts) font.Dispose();
    }
}
