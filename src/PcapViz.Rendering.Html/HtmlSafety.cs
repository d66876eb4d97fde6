using System.Security.Cryptography;
using System.Text;

namespace PcapViz.Rendering.Html;

/// <summary>Escaping for text that ends up inside a page outside of Scriban's <c>html.escape</c>.</summary>
public static class HtmlSafety
{
    /// <summary>
    /// Makes JSON text safe to place inside a <c>&lt;script&gt;</c> element: <c>&lt;</c>, <c>&gt;</c>, <c>&amp;</c>,
    /// U+2028 and U+2029 become <c>\uXXXX</c> escapes. These characters can occur only inside JSON strings, so the
    /// value the JSON denotes is unchanged.
    /// </summary>
    public static string EscapeInlineJson(string json)
    {
        var sb = new StringBuilder(json.Length + 64);
        foreach (char c in json)
        {
            switch (c)
            {
                case '<': sb.Append("\\u003c"); break;
                case '>': sb.Append("\\u003e"); break;
                case '&': sb.Append("\\u0026"); break;
                case '\u2028': sb.Append("\\u2028"); break;
                case '\u2029': sb.Append("\\u2029"); break;
                default: sb.Append(c); break;
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// Text for a plotly label: plotly interprets a small subset of HTML in labels and decodes entities, so
    /// <c>&amp;</c>, <c>&lt;</c> and <c>&gt;</c> are written as entities and the label is shown literally.
    /// </summary>
    public static string PlotlyText(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal)
            .Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal);

    /// <summary>A CSP hash source (<c>'sha256-…'</c>) for exactly this inline script text (UTF-8).</summary>
    public static string CspHash(string scriptText) =>
        "'sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(scriptText))) + "'";
}
