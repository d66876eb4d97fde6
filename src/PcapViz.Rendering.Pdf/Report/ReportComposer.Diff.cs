using System.Globalization;
using PcapViz.Diff;
using PcapViz.Rendering.Pdf.Layout;

namespace PcapViz.Rendering.Pdf.Report;

/// <summary>The diff PDF (<c>diff.pdf</c>): the "what changed" box, then per kind the top of what appeared, disappeared and changed.</summary>
internal sealed partial class ReportComposer
{
    /// <summary>The time the PDF carries: when the new bundle was written (never the clock, so the same bundles give the same bytes).</summary>
    public static DateTimeOffset DiffTime(BundleDiff diff) =>
        DateTimeOffset.TryParse(diff.New.GeneratedUtc, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : DateTimeOffset.UnixEpoch;

    public void Diff(BundleDiff diff)
    {
        layout.StartSection(new PageContext("PcapViz diff", $"{diff.Old.Path} → {diff.New.Path}", "old manifest " + Fmt.ShortHash(diff.Old.ManifestSha256) + ", new " + Fmt.ShortHash(diff.New.ManifestSha256)));
        layout.Add(new Paragraph("PcapViz: what changed", S.Title, PdfStyle.Text));
        layout.Add(new Paragraph($"Old: {DiffReport.Side(diff.Old)}", S.Small, PdfStyle.Muted));
        layout.Add(new Paragraph($"New: {DiffReport.Side(diff.New)}", S.Small, PdfStyle.Muted));
        _sectionLevel = 0;
        HighlightsBlock(DiffReport.WhatChanged(diff), "What changed");
        foreach (var k in diff.Kinds)
        {
            layout.Add(new Heading(k.Kind.Title, S.Heading, OutlineLevel: 0, Anchor: k.Kind.Name));
            if (!k.Compared)
            {
                layout.Add(new Note($"Not compared: {k.NotCompared}.", NoteKind.Warning));
                continue;
            }
            layout.Add(new Paragraph(
                $"{Fmt.Int(k.Appeared.Count)} appeared, {Fmt.Int(k.Disappeared.Count)} disappeared, {Fmt.Int(k.Changed.Count)} changed, {Fmt.Int(k.Unchanged)} unchanged ({Fmt.Int(k.OldDistinct)} before, {Fmt.Int(k.NewDistinct)} now).",
                S.Body, PdfStyle.Text));
            foreach (var table in DiffReport.Tables(k, Top).Where(t => t.Total > 0))
            {
                layout.Add(new Paragraph(table.Caption, S.BodyBold, PdfStyle.Text));
                layout.Add(new Table(
                    table.Columns.Select((c, i) => i == 0 ? new Column(c.Label, 3f) : Column.Number(c.Label)).ToList(),
                    table.Rows.Select(r => r.Cells).ToList(),
                    table.Rows.Count < table.Total ? $"The first {Fmt.Int(table.Rows.Count)} of {Fmt.Int(table.Total)}; diff.json holds them all." : null));
            }
        }
    }
}
