using System.Text;

namespace PcapViz.Pipeline;

/// <summary>Makes untrusted text (file names, capture data) safe to print on a terminal: no control characters.</summary>
public static class Terminal
{
    public static string Safe(string text)
    {
        bool clean = true;
        foreach (char c in text)
            if (char.IsControl(c) || c is '\u2028' or '\u2029' or '\u202E' or '\u202D' or '\u2066' or '\u2067' or '\u2068' or '\u2069') { clean = false; break; }
        if (clean) return text;
        var sb = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            if (char.IsControl(c) || c is '\u2028' or '\u2029' or '\u202E' or '\u202D' or '\u2066' or '\u2067' or '\u2068' or '\u2069')
                sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
