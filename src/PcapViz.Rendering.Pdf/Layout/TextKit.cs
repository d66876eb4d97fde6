using System.Globalization;
using System.Text;
using SkiaSharp;

namespace PcapViz.Rendering.Pdf.Layout;

/// <summary>
/// Makes untrusted text printable and fits it to a width. Text is measured with the same <see cref="SKFont"/>
/// that draws it, and cut only between text elements (never inside a surrogate pair or before a combining mark).
/// </summary>
internal static class TextKit
{
    public const string Ellipsis = "…";

    /// <summary>
    /// Makes text safe to draw: control characters, bidi controls and other invisible format characters, and
    /// characters the report's font cannot show, become visible escapes (<c>\x1B</c>, <c>\u202E</c>,
    /// <c>\u65E5</c>, <c>\U0001F600</c>); lone surrogates become U+FFFD. Everything else is kept.
    /// </summary>
    public static string Clean(string? text)
    {
        if (string.IsNullOrEmpty(text)) return string.Empty;
        var sb = new StringBuilder(text.Length + 16);
        bool changed = false;
        int i = 0;
        while (i < text.Length)
        {
            var status = Rune.DecodeFromUtf16(text.AsSpan(i), out Rune rune, out int used);
            i += used;
            if (status != System.Buffers.OperationStatus.Done)
            {
                sb.Append('\uFFFD');
                changed = true;
            }
            else if (IsInvisible(rune) || !PdfFonts.CanPrint(rune.Value))
            {
                sb.Append(rune.Value <= 0xFF ? $"\\x{rune.Value:X2}" : rune.IsBmp ? $"\\u{rune.Value:X4}" : $"\\U{rune.Value:X8}");
                changed = true;
            }
            else
            {
                sb.Append(rune.ToString());
            }
        }
        return changed ? sb.ToString() : text;
    }

    private static bool IsInvisible(Rune r) =>
        Rune.IsControl(r) || Rune.GetUnicodeCategory(r) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    public static float Width(string text, SKFont font) => text.Length == 0 ? 0 : font.MeasureText(text);

    /// <summary>The text, or its longest prefix that fits <paramref name="maxWidth"/> followed by "…".</summary>
    public static string Elide(string text, SKFont font, float maxWidth)
    {
        if (Width(text, font) <= maxWidth) return text;
        float ellipsis = Width(Ellipsis, font);
        int best = FitPrefix(text, font, maxWidth - ellipsis);
        if (best <= 0) return ellipsis <= maxWidth ? Ellipsis : string.Empty;
        return text[..best].TrimEnd() + Ellipsis;
    }

    /// <summary>
    /// Greedy word wrap at spaces; a word wider than the line is broken between text elements.
    /// At most <paramref name="maxLines"/> lines; the last one is elided when text is left over.
    /// </summary>
    public static List<string> Wrap(string text, SKFont font, float maxWidth, int maxLines = int.MaxValue)
    {
        var lines = new List<string>();
        foreach (string paragraph in text.Split('\n'))
        {
            WrapParagraph(paragraph, font, maxWidth, lines);
        }
        if (lines.Count > maxLines)
        {
            string rest = string.Join(' ', lines.Skip(maxLines - 1));
            lines.RemoveRange(maxLines - 1, lines.Count - maxLines + 1);
            lines.Add(Elide(rest + " " + Ellipsis, font, maxWidth));
        }
        return lines;
    }

    private static void WrapParagraph(string paragraph, SKFont font, float maxWidth, List<string> lines)
    {
        string[] words = paragraph.Split(' ');
        var line = new StringBuilder();
        foreach (string word in words)
        {
            string candidate = line.Length == 0 ? word : line + " " + word;
            if (Width(candidate, font) <= maxWidth)
            {
                line.Clear().Append(candidate);
                continue;
            }
            if (line.Length > 0)
            {
                lines.Add(line.ToString());
                line.Clear();
            }
            string rest = word;
            while (Width(rest, font) > maxWidth)
            {
                int cut = LongestFittingPrefix(rest, font, maxWidth);
                lines.Add(rest[..cut]);
                rest = rest[cut..];
            }
            line.Append(rest);
        }
        lines.Add(line.ToString());
    }

    private static int LongestFittingPrefix(string text, SKFont font, float maxWidth)
    {
        int cut = FitPrefix(text, font, maxWidth);
        if (cut > 0) return cut;
        int[] stops = StringInfo.ParseCombiningCharacters(text);
        return stops.Length > 1 ? stops[1] : text.Length; // always make progress: at least one text element
    }

    /// <summary>Length of the longest prefix, cut between text elements, no wider than maxWidth (0 if none).</summary>
    private static int FitPrefix(string text, SKFont font, float maxWidth)
    {
        int[] stops = StringInfo.ParseCombiningCharacters(text);
        int lo = 0, hi = stops.Length - 1, best = 0;
        while (lo <= hi)
        {
            int mid = (lo + hi) / 2;
            int cut = mid + 1 < stops.Length ? stops[mid + 1] : text.Length;
            if (Width(text[..cut], font) <= maxWidth) { best = cut; lo = mid + 1; }
            else hi = mid - 1;
        }
        return best;
    }
}
