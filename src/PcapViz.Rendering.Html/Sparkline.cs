using System.Globalization;
using System.Text;
using PcapViz.Model;

namespace PcapViz.Rendering.Html;

/// <summary>
/// A small inline SVG line of an indicator's volume over its recent runs, tonight marked: static markup, no script,
/// so it shows where plotly does not (print, a page opened without its assets). The label is untrusted text (an
/// indicator from a capture): made visible and HTML-escaped here, so the result is safe to place as <c>*_raw</c>.
/// </summary>
internal static class Sparkline
{
    public const int Width = 160;
    public const int Height = 32;
    private const double Pad = 3;

    public static string Svg(IReadOnlyList<VolumePoint> points, string label)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(label);
        string text = HtmlRows.Escape(HtmlSafety.Visible(label));
        var sb = new StringBuilder(256 + 24 * points.Count);
        sb.Append(CultureInfo.InvariantCulture, $"<svg class=\"sparkline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"{text}\">");
        sb.Append("<title>").Append(text).Append("</title>");
        if (points.Count > 0)
        {
            double max = Math.Max(1, points.Max(p => (double)p.Volume));
            double step = points.Count == 1 ? 0 : (Width - 2 * Pad) / (points.Count - 1);
            string X(int i) => Num(Pad + i * step);
            string Y(long v) => Num(Height - Pad - (Height - 2 * Pad) * v / max);
            sb.Append("<polyline fill=\"none\" stroke=\"currentColor\" stroke-width=\"1.5\" points=\"");
            for (int i = 0; i < points.Count; i++) sb.Append(i == 0 ? "" : " ").Append(X(i)).Append(',').Append(Y(points[i].Volume));
            sb.Append("\"/>");
            for (int i = 0; i < points.Count; i++)
                if (points[i].Tonight) sb.Append("<circle class=\"tonight\" cx=\"").Append(X(i)).Append("\" cy=\"").Append(Y(points[i].Volume)).Append("\" r=\"3\"/>");
        }
        return sb.Append("</svg>").ToString();
    }

    private static string Num(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
}
