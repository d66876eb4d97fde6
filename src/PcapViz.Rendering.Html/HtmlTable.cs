using System.Text;

namespace PcapViz.Rendering.Html;

/// <summary>One cell of a data table: its text, an optional link and an optional numeric sort key.
/// <paramref name="Markup"/> is true only for text made by <see cref="HtmlRows"/> helpers (already escaped).</summary>
internal readonly record struct Cell(string Text, string? Href = null, string? Sort = null, bool Markup = false)
{
    public static implicit operator Cell(string text) => new(text);
}

/// <summary>A column of a data table: header, right-aligned numbers, monospace, and whether phones may hide it.</summary>
internal sealed record TableColumn(string label, bool numeric = false, bool mono = false, bool optional = false, bool address = false);

/// <summary>
/// Writes the rows of a data table as markup in one pass (a page may hold tens of thousands of cells; building them
/// through the template engine cost more than the whole analysis). Every text and attribute is escaped here, so the
/// result is safe to place as <c>rows_raw</c>.
/// </summary>
internal sealed class HtmlRows
{
    private readonly StringBuilder _sb = new();
    private readonly IReadOnlyList<TableColumn> _columns;

    public HtmlRows(IReadOnlyList<TableColumn> columns) => _columns = columns;

    public int Count { get; private set; }

    /// <param name="beyondTop">Rows outside the top N are left out when printing.</param>
    /// <param name="rowClass">Extra class of the row (for example a status).</param>
    /// <param name="rowId">Anchor id of the row, or null.</param>
    public void Add(IReadOnlyList<Cell> cells, bool beyondTop = false, string? rowClass = null, string? rowId = null)
    {
        Count++;
        _sb.Append("<tr");
        if (rowId is not null) _sb.Append(" id=\"").Append(Escape(rowId)).Append('"');
        string cls = (beyondTop ? "beyond-top " : "") + (rowClass ?? "");
        if (cls.Length > 0) _sb.Append(" class=\"").Append(Escape(cls.Trim())).Append('"');
        _sb.Append('>');
        for (int i = 0; i < cells.Count; i++)
        {
            var col = i < _columns.Count ? _columns[i] : null;
            var cell = cells[i];
            _sb.Append("<td");
            string tdClass = col is null ? "" : (col.numeric ? "num" : col.address ? "mono addr" : col.mono ? "mono" : "") + (col.optional ? " opt" : "");
            tdClass = tdClass.Trim();
            if (tdClass.Length > 0) _sb.Append(" class=\"").Append(tdClass).Append('"');
            if (cell.Sort is not null) _sb.Append(" data-v=\"").Append(Escape(cell.Sort)).Append('"');
            _sb.Append('>');
            if (cell.Href is not null)
            {
                _sb.Append("<a href=\"").Append(Escape(cell.Href)).Append("\">");
                AppendEscaped(_sb, cell.Text);
                _sb.Append("</a>");
            }
            else if (cell.Markup)
            {
                _sb.Append(cell.Text);
            }
            else
            {
                AppendEscaped(_sb, cell.Text);
            }
            _sb.Append("</td>");
        }
        _sb.Append("</tr>\n");
    }

    /// <summary>Markup placed as is: only for text this class (or another escaping writer) produced.</summary>
    public void AddRaw(string markup) => _sb.Append(markup);

    public override string ToString() => _sb.ToString();

    /// <summary>A link as markup, text and address escaped.</summary>
    public static string Link(string href, string text) => "<a href=\"" + Escape(href) + "\">" + Escape(text) + "</a>";

    public static string Escape(string text)
    {
        if (text.AsSpan().IndexOfAny("&<>\"'") < 0) return text;
        var sb = new StringBuilder(text.Length + 16);
        AppendEscaped(sb, text);
        return sb.ToString();
    }

    /// <summary>The same five characters Scriban's html.escape replaces.</summary>
    public static void AppendEscaped(StringBuilder sb, string text)
    {
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            string? rep = text[i] switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => null,
            };
            if (rep is null) continue;
            sb.Append(text, start, i - start).Append(rep);
            start = i + 1;
        }
        sb.Append(text, start, text.Length - start);
    }
}
