using System.Collections.Frozen;
using ScottPlot;
using SkiaSharp;

namespace PcapViz.Rendering.Pdf;

/// <summary>
/// The one typeface of the PDF, DejaVu Sans (regular and bold), loaded from this assembly's resources and
/// reduced to the scripts a report prints (<see cref="Repertoire"/>), so a PDF carries about 100 KB of font
/// instead of 1.4 MB. The same typefaces are handed to ScottPlot under <see cref="FamilyName"/>, so charts and
/// text match and no system font (or fontconfig) is ever consulted. Characters outside the repertoire are
/// printed as escapes by <see cref="Layout.TextKit.Clean"/>.
/// </summary>
internal static class PdfFonts
{
    /// <summary>A family name no system has, so ScottPlot can only find it through our resolver.</summary>
    public const string FamilyName = "PcapViz DejaVu Sans";

    /// <summary>Unicode ranges kept: Latin, IPA, combining marks, Greek, Cyrillic, Hebrew, Arabic, punctuation, currency, arrows, shapes.</summary>
    private static readonly (int First, int Last)[] Repertoire =
    [
        (0x20, 0x7E), (0xA0, 0x2FF), (0x300, 0x36F), (0x370, 0x3FF), (0x400, 0x52F), (0x590, 0x5FF), (0x600, 0x6FF),
        (0x1E00, 0x1EFF), (0x2000, 0x206F), (0x20A0, 0x20CF), (0x2100, 0x214F), (0x2190, 0x21FF), (0x2212, 0x2212),
        (0x2500, 0x257F), (0x25A0, 0x25FF), (0xFFFD, 0xFFFD),
    ];

    private sealed record FontSet(SKTypeface Regular, SKTypeface Bold, byte[] RegularData, byte[] BoldData, FrozenSet<int> Printable);

    private static readonly Lazy<FontSet> Faces = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    public static SKTypeface Regular => Faces.Value.Regular;

    public static SKTypeface Bold => Faces.Value.Bold;

    /// <summary>True when both faces draw this code point (it is in the repertoire and DejaVu Sans has it).</summary>
    public static bool CanPrint(int codePoint) => Faces.Value.Printable.Contains(codePoint);

    private static FontSet Load()
    {
        var codePoints = Repertoire.SelectMany(r => Enumerable.Range(r.First, r.Last - r.First + 1)).ToArray();
        var (regular, regularData, regularPrintable) = Reduced("PcapViz.Fonts.DejaVuSans.ttf", codePoints);
        var (bold, boldData, boldPrintable) = Reduced("PcapViz.Fonts.DejaVuSans-Bold.ttf", codePoints);
        regularPrintable.IntersectWith(boldPrintable);
        lock (ScottPlot.Fonts.FontResolvers)
        {
            ScottPlot.Fonts.FontResolvers.Insert(0, new Resolver(regular, bold));
        }
        return new FontSet(regular, bold, regularData, boldData, regularPrintable.ToFrozenSet());
    }

    private static (SKTypeface Face, byte[] Data, HashSet<int> Printable) Reduced(string resource, int[] codePoints)
    {
        byte[] original = ReadResource(resource);
        var printable = new HashSet<int>();
        var glyphs = new List<ushort>();
        using (var data = SKData.CreateCopy(original))
        using (var full = SKTypeface.FromData(data) ?? throw new InvalidOperationException($"Font resource {resource} is not a font Skia can read."))
        {
            foreach (int cp in codePoints)
            {
                ushort glyph = full.GetGlyph(cp);
                if (glyph == 0) continue;
                printable.Add(cp);
                glyphs.Add(glyph);
            }
        }
        byte[] reduced = FontReducer.Reduce(original, glyphs);
        return (FromBytes(reduced), reduced, printable);
    }

    /// <summary>
    /// A copy of <paramref name="face"/> (<see cref="Regular"/> or <see cref="Bold"/>) holding only the given
    /// glyphs, with the same glyph IDs and metrics: what one PDF embeds. The caller disposes it.
    /// </summary>
    public static SKTypeface Subset(SKTypeface face, IEnumerable<ushort> glyphs)
    {
        var set = Faces.Value;
        byte[] data = face == set.Bold ? set.BoldData : face == set.Regular ? set.RegularData
            : throw new ArgumentException("Only the report's own faces can be subset.", nameof(face));
        return FromBytes(FontReducer.Reduce(data, glyphs));
    }

    private static SKTypeface FromBytes(byte[] font)
    {
        using var data = SKData.CreateCopy(font);
        return SKTypeface.FromData(data) ?? throw new InvalidOperationException("A reduced font is not a font Skia can read.");
    }

    private static byte[] ReadResource(string name)
    {
        using Stream stream = typeof(PdfFonts).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Font resource {name} is missing from {typeof(PdfFonts).Assembly.GetName().Name}.");
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        return ms.ToArray();
    }

    private sealed class Resolver(SKTypeface regular, SKTypeface bold) : IFontResolver
    {
        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing width) =>
            fontName == FamilyName ? (weight >= FontWeight.SemiBold ? bold : regular) : null;

        public SKTypeface? CreateTypeface(string fontName, bool bold1, bool italic) =>
            fontName == FamilyName ? (bold1 ? bold : regular) : null;
    }
}
