using System.Collections;
using System.Globalization;
using System.Text;
using Plotly.NET;

namespace PcapViz.Rendering.Html;

/// <summary>
/// Writes a Plotly.NET chart as the JSON a page hands to <c>Plotly.newPlot</c>: <c>{"figure":{data, layout, frames},
/// "config":{…}}</c>, already safe inside a <c>&lt;script&gt;</c> element.
/// <para>
/// Plotly.NET's own <c>GenericChart.toFigureJson</c> goes through Newtonsoft.Json, which serialises each dynamic object by
/// compiling expression trees for its members: on first use that costs about 0.4 s of CPU, most of the rendering time of
/// a single-capture run. This writer walks the same objects directly and writes exactly the same text (same property
/// order, same number and string formats; <c>PlotlyJsonTests</c> compares the two on every chart the pages draw).
/// </para>
/// </summary>
internal static class PlotlyJson
{
    /// <summary>The figure and config of a chart, safe inside a script element (see <see cref="WriteString"/>).</summary>
    public static string Write(GenericChart chart)
    {
        var sb = new StringBuilder(4096);
        sb.Append("{\"figure\":{\"data\":");
        WriteValue(sb, GenericChart.getTraces(chart));
        sb.Append(",\"layout\":");
        WriteValue(sb, GenericChart.getLayout(chart));
        sb.Append(",\"frames\":[]},\"config\":");
        WriteValue(sb, GenericChart.getConfig(chart));
        sb.Append('}');
        return sb.ToString();
    }

    private static void WriteValue(StringBuilder sb, object? value)
    {
        switch (value)
        {
            case null: sb.Append("null"); break;
            case string s: WriteString(sb, s); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case int or long or short or byte or sbyte or ushort or uint or ulong:
                sb.Append(((IFormattable)value).ToString(null, CultureInfo.InvariantCulture)); break;
            case double d: WriteDouble(sb, d); break;
            case float f: WriteFloat(sb, f); break;
            case DynamicObj.DynamicObj o: WriteObject(sb, o.GetProperties(true).Select(p => (p.Key, (object?)p.Value))); break;
            case IDictionary<string, object> d: WriteObject(sb, d.Select(p => (p.Key, (object?)p.Value))); break;
            case IEnumerable items:
                sb.Append('[');
                bool first = true;
                foreach (object? item in items)
                {
                    if (!first) sb.Append(',');
                    first = false;
                    WriteValue(sb, item);
                }
                sb.Append(']');
                break;
            default:
                throw new NotSupportedException($"A chart value of type {value.GetType()} has no JSON form here; add it to {nameof(PlotlyJson)}.");
        }
    }

    private static void WriteObject(StringBuilder sb, IEnumerable<(string Key, object? Value)> properties)
    {
        sb.Append('{');
        bool first = true;
        foreach (var (key, value) in properties)
        {
            if (!first) sb.Append(',');
            first = false;
            WriteString(sb, key);
            sb.Append(':');
            WriteValue(sb, value);
        }
        sb.Append('}');
    }

    /// <summary>Shortest round-trip form, with ".0" on whole numbers (as Newtonsoft.Json writes a double). Non-finite values are missing points.</summary>
    private static void WriteDouble(StringBuilder sb, double d)
    {
        if (!double.IsFinite(d)) { sb.Append("null"); return; }
        AppendNumber(sb, d.ToString("R", CultureInfo.InvariantCulture));
    }

    private static void WriteFloat(StringBuilder sb, float f)
    {
        if (!float.IsFinite(f)) { sb.Append("null"); return; }
        AppendNumber(sb, f.ToString("R", CultureInfo.InvariantCulture));
    }

    private static void AppendNumber(StringBuilder sb, string text)
    {
        sb.Append(text);
        if (text.AsSpan().IndexOfAny('.', 'E', 'e') < 0) sb.Append(".0");
    }

    /// <summary>
    /// A JSON string: quote, backslash and control characters escaped as JSON requires (\b \t \n \f \r by name, the
    /// rest as lowercase \u00xx); U+0085, U+2028 and U+2029 as \u escapes; and <c>&lt; &gt; &amp;</c> as \u escapes so
    /// the text can never close the script element it sits in. Everything else is written as it is.
    /// </summary>
    private static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        int start = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            string? escape = c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\b' => "\\b",
                '\t' => "\\t",
                '\n' => "\\n",
                '\f' => "\\f",
                '\r' => "\\r",
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u0085' => "\\u0085",
                '\u2028' => "\\u2028",
                '\u2029' => "\\u2029",
                < ' ' => "\\u00" + ((int)c).ToString("x2", CultureInfo.InvariantCulture),
                _ => null,
            };
            if (escape is null) continue;
            sb.Append(s, start, i - start).Append(escape);
            start = i + 1;
        }
        sb.Append(s, start, s.Length - start).Append('"');
    }
}
