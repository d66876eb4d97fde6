using System.Text;

namespace PcapViz.Model;

/// <summary>Makes untrusted text (file names, capture data) safe to print on a terminal: no control characters, no
/// bidi embeddings, overrides or isolates (U+202A-U+202E, U+2066-U+2069: the Trojan Source set).</summary>
public static class Terminal
{
    /// <summary><paramref name="text"/> with each such character written as <c>\uXXXX</c> (lower-case hex); the text itself when it has none.</summary>
    public static string Safe(string text)
    {
        bool clean = true;
        foreach (char c in text)
            if (char.IsControl(c) || c is '\u2028' or '\u2029' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069')) { clean = false; break; }
        if (clean) return text;
        var sb = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            if (char.IsControl(c) || c is '\u2028' or '\u2029' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069'))
                sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
