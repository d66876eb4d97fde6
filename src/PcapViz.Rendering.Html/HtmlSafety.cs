using System.Security.Cryptography;
using System.Text;

namespace PcapViz.Rendering.Html;

/// <summary>Escaping for text that ends up inside a page outside of Scriban's <c>html.escape</c>.</summary>
public static class HtmlSafety
{
    /// <summary>
    /// Text for a plotly label: plotly interprets a small subset of HTML in labels and decodes entities, so
    /// <c>&amp;</c>, <c>&lt;</c> and <c>&gt;</c> are written as entities and the label is shown literally.
    /// </summary>
    public static string PlotlyText(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal)
            .Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal);

    /// <summary>
    /// Makes invisible characters in untrusted text (file names, reasons, messages) visible, as
    /// <c>Terminal.Safe</c> does on a terminal: control characters, bidi embeddings, overrides, isolates and marks
    /// (the Trojan Source set: U+202A-U+202E, U+2066-U+2069, U+200E/F, U+061C), zero-width and other format
    /// characters (Unicode category Cf: U+200B-U+200D, U+2060, U+FEFF, soft hyphen …), line and paragraph
    /// separators, and unpaired surrogates become the text <c>\uXXXX</c>. So a name like
    /// <c>report‮fdp.exe</c> is shown as <c>report\u202efdp.exe</c>, not reordered to look like another name.
    /// Apply before HTML escaping (the result holds only visible characters and backslashes).
    /// </summary>
    public static string Visible(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int first = -1;
        for (int i = 0; i < text.Length; i++)
        {
            if (Invisible(text, i, out int width)) { first = i; break; }
            i += width - 1;
        }
        if (first < 0) return text;
        var sb = new StringBuilder(text.Length + 16);
        sb.Append(text, 0, first);
        for (int i = first; i < text.Length; i++)
        {
            if (Invisible(text, i, out int width))
                sb.Append("\\u").Append(((int)text[i]).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            else sb.Append(text, i, width);
            i += width - 1;
        }
        return sb.ToString();
    }

    private static bool Invisible(string text, int i, out int width)
    {
        width = 1;
        char c = text[i];
        if (char.IsHighSurrogate(c))
        {
            if (i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                width = 2;
                var category = char.GetUnicodeCategory(text, i);
                return category == System.Globalization.UnicodeCategory.Format;
            }
            return true;
        }
        if (char.IsLowSurrogate(c)) return true;
        return char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.Control or System.Globalization.UnicodeCategory.Format
            or System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator;
    }

    /// <summary>A CSP hash source (<c>'sha256-…'</c>) for exactly this inline script text (UTF-8).</summary>
    public static string CspHash(string scriptText) =>
        "'sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(scriptText))) + "'";
}
