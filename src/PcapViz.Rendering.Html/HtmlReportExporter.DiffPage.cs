using PcapViz.Diff;
using PcapViz.Export;
using PcapViz.Model;
using static PcapViz.Rendering.Html.PageModels;

namespace PcapViz.Rendering.Html;

/// <summary>The page of a diff bundle (<c>diff.html</c>): the "what changed" box, then per kind what appeared, disappeared and changed most.</summary>
public sealed partial class HtmlReportExporter : IDiffExporter
{
    internal const string DiffPageName = "diff.html";

    /// <inheritdoc />
    public void ExportDiff(BundleDiff diff, IOutputSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(diff);
        ArgumentNullException.ThrowIfNull(sink);
        cancellationToken.ThrowIfCancellationRequested();
        Write(sink, DiffPageName, RenderDiffPage(diff, cancellationToken));
    }

    /// <summary>The diff page as text (tests render it directly).</summary>
    public string RenderDiff(BundleDiff diff) => RenderDiffPage(diff, CancellationToken.None);

    private string RenderDiffPage(BundleDiff diff, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(diff);
        var f = _options.Links;
        var downloads = new List<object> { new { href = "diff.json", label = "diff.json (every entry)" } };
        if (f.HasFlag(HtmlLinks.Pdf)) downloads.Add(new { href = "diff.pdf", label = "PDF" });
        var model = new
        {
            old_side = HtmlSafety.Visible(DiffReport.Side(diff.Old)),
            new_side = HtmlSafety.Visible(DiffReport.Side(diff.New)),
            downloads,
            highlights = HighlightsBlock(DiffReport.WhatChanged(diff), "What changed"),
            kinds = diff.Kinds.Select(k => new
            {
                id = k.Kind.Name,
                title = k.Kind.Title,
                compared = k.Compared,
                not_compared = k.NotCompared is null ? "" : HtmlSafety.Visible(k.NotCompared),
                summary = $"{N(k.Appeared.Count)} appeared, {N(k.Disappeared.Count)} disappeared, {N(k.Changed.Count)} changed, {N(k.Unchanged)} unchanged ({N(k.OldDistinct)} before, {N(k.NewDistinct)} now).",
                tables = k.Compared ? DiffReport.Tables(k, _options.MaxTableRows).Where(t => t.Total > 0).Select(DiffTableModel).ToArray() : [],
            }).ToArray(),
        };
        var globals = Globals(diff.ToolVersion, diff.GeneratedUtc, _options, "What changed — PcapViz diff", TimeFormat.ZoneName(_options.TimeZone));
        globals["diff"] = model;
        return RenderPage(DiffPageName, globals, _options, "", withHistory: false, cancellationToken, withPlotly: false);
    }

    private object DiffTableModel(DiffTable table)
    {
        var columns = table.Columns.Select(c => Col(c.Label, numeric: c.Numeric, mono: !c.Numeric)).ToList();
        var rows = new HtmlRows(columns);
        foreach (var row in table.Rows)
            rows.Add(row.Cells.Select((text, i) => new Cell(i == 0 ? HtmlSafety.Visible(text) : text, Sort: row.SortKeys[i])).ToList());
        string note = table.Rows.Count < table.Total ? $"The first {N(table.Rows.Count)} of {N(table.Total)}; diff.json holds them all." : "";
        return TableModel(table.Id, table.Caption, columns, rows, table.Total, note);
    }
}
