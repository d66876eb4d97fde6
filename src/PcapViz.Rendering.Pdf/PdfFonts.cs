using System.Reflection;
using ScottPlot;
using SkiaSharp;

namespace PcapViz.Rendering.Pdf;

/// <summary>
/// The one typeface of the PDF, DejaVu Sans (regular and bold), loaded from this assembly's resources.
/// The same typefaces are handed to ScottPlot under <see cref="FamilyName"/>, so charts and text match and no
/// system font (or fontconfig) is ever consulted.
/// </summary>
internal static class PdfFonts
{
    /// <summary>A family name no system has, so ScottPlot can only find it through our resolver.</summary>
    public const string FamilyName = "PcapViz DejaVu Sans";

    private static readonly Lazy<(SKTypeface Regular, SKTypeface Bold)> Faces = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    public static SKTypeface Regular => Faces.Value.Regular;

    public static SKTypeface Bold => Faces.Value.Bold;

    private static (SKTypeface, SKTypeface) Load()
    {
        var regular = FromResource("PcapViz.Fonts.DejaVuSans.ttf");
        var bold = FromResource("PcapViz.Fonts.DejaVuSans-Bold.ttf");
        lock (ScottPlot.Fonts.FontResolvers)
        {
            ScottPlot.Fonts.FontResolvers.Insert(0, new Resolver(regular, bold));
        }
        return (regular, bold);
    }

    private static SKTypeface FromResource(string name)
    {
        using Stream stream = typeof(PdfFonts).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Font resource {name} is missing from {typeof(PdfFonts).Assembly.GetName().Name}.");
        using var data = SKData.Create(stream);
        return SKTypeface.FromData(data) ?? throw new InvalidOperationException($"Font resource {name} is not a font Skia can read.");
    }

    private sealed class Resolver(SKTypeface regular, SKTypeface bold) : IFontResolver
    {
        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing width) =>
            fontName == FamilyName ? (weight >= FontWeight.SemiBold ? bold : regular) : null;

        public SKTypeface? CreateTypeface(string fontName, bool bold1, bool italic) =>
            fontName == FamilyName ? (bold1 ? bold : regular) : null;
    }
}
