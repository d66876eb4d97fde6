using SkiaSharp;

namespace PcapViz.Rendering.Pdf.Layout;

internal static class Draw
{
    /// <summary>Draws one line of (already fitted) text in a box of the given line height.</summary>
    public static void Line(SKCanvas canvas, string text, SKFont font, SKColor color, float x, float top, float lineHeight, SKTextAlign align = SKTextAlign.Left)
    {
        if (text.Length == 0) return;
        if (canvas is GlyphCollector collector) collector.Record(font, text);
        var m = font.Metrics;
        float baseline = top + (lineHeight - (m.Descent - m.Ascent)) / 2f - m.Ascent;
        using var paint = PdfStyle.Fill(color);
        canvas.DrawText(text, x, baseline, align, font, paint);
    }
}

/// <summary>
/// A canvas that draws nothing and notes which glyphs of which typeface <see cref="Draw.Line"/> would draw:
/// the first of the two passes that let each PDF embed only the glyphs it shows.
/// </summary>
internal sealed class GlyphCollector(int width, int height) : SKNoDrawCanvas(width, height)
{
    public Dictionary<SKTypeface, HashSet<ushort>> Glyphs { get; } = [];

    public void Record(SKFont font, string text)
    {
        if (!Glyphs.TryGetValue(font.Typeface, out var set)) Glyphs[font.Typeface] = set = [];
        set.UnionWith(font.GetGlyphs(text));
    }
}

/// <summary>Vertical space.</summary>
internal sealed record Spacer(float Height) : IBlock
{
    public void Layout(PdfLayout layout)
    {
        if (!layout.AtPageTop) layout.Advance(Math.Min(Height, layout.Remaining));
    }
}

/// <summary>Wrapped text; a long one breaks across pages between lines, one of up to four lines is kept whole.</summary>
internal sealed record Paragraph(string Text, SKFont Font, SKColor Color, int MaxLines = 200) : IBlock
{
    public void Layout(PdfLayout layout)
    {
        float lh = PdfStyle.LineHeight(Font);
        var lines = TextKit.Wrap(TextKit.Clean(Text), Font, layout.Width, MaxLines);
        if (lines.Count <= 4) layout.EnsureSpace(lines.Count * lh); // short paragraphs are not split
        foreach (string line in lines)
        {
            layout.EnsureSpace(lh);
            float top = layout.Y, left = layout.Left;
            var font = Font;
            var color = Color;
            layout.Draw(c => Draw.Line(c, line, font, color, left, top, lh));
            layout.Advance(lh);
        }
        layout.AddGap();
    }
}

/// <summary>
/// A section heading with a rule under it; kept on the same page as the first lines that follow it. With an
/// <paramref name="OutlineLevel"/> it is also a bookmark (and, with an <paramref name="Anchor"/>, a link target).
/// </summary>
internal sealed record Heading(string Text, SKFont Font, float KeepWithNext = 90f, int? OutlineLevel = null, string? Anchor = null, string? OutlineTitle = null) : IBlock
{
    public void Layout(PdfLayout layout)
    {
        var lines = TextKit.Wrap(TextKit.Clean(Text), Font, layout.Width, 3);
        float lh = PdfStyle.LineHeight(Font);
        float height = lines.Count * lh + 4f;
        if (!layout.AtPageTop) layout.Advance(Math.Min(6f, layout.Remaining));
        layout.EnsureSpace(height + KeepWithNext);
        if (OutlineLevel is int level) layout.Mark(OutlineTitle ?? Text, level, Anchor);
        float top = layout.Y, left = layout.Left, right = layout.Left + layout.Width;
        var font = Font;
        layout.Draw(c =>
        {
            for (int i = 0; i < lines.Count; i++) Draw.Line(c, lines[i], font, PdfStyle.Accent, left, top + i * lh, lh);
            using var rule = PdfStyle.Stroke(PdfStyle.Accent, 0.8f);
            c.DrawLine(left, top + height - 1f, right, top + height - 1f, rule);
        });
        layout.Advance(height + 5f);
    }
}

/// <summary>
/// A line of the contents page: title on the left, page number on the right, the whole line a link to the named
/// destination <paramref name="Anchor"/>. The page number is looked up when the page is drawn (after layout).
/// </summary>
internal sealed record ContentsLine(string Title, string Anchor, int Level) : IBlock
{
    public void Layout(PdfLayout layout)
    {
        var font = Level == 0 ? layout.Style.BodyBold : layout.Style.Body;
        float lh = PdfStyle.LineHeight(font) + 2f;
        layout.EnsureSpace(lh);
        float indent = 12f * Level;
        float top = layout.Y, left = layout.Left, width = layout.Width;
        string title = TextKit.Elide(TextKit.Clean(Title), font, width - indent - 50f);
        var anchors = layout.Anchors;
        string anchor = Anchor;
        layout.Draw(c =>
        {
            string page = anchors.TryGetValue(anchor, out var a) ? (a.Page + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) : "";
            Draw.Line(c, title, font, PdfStyle.Accent, left + indent, top, lh);
            Draw.Line(c, page, font, PdfStyle.Text, left + width, top, lh, SKTextAlign.Right);
            using var dots = PdfStyle.Stroke(PdfStyle.Rule, 0.5f);
            float from = left + indent + TextKit.Width(title, font) + 4f, to = left + width - TextKit.Width(page, font) - 4f;
            if (to > from) c.DrawLine(from, top + lh - 4f, to, top + lh - 4f, dots);
            c.DrawLinkDestinationAnnotation(SKRect.Create(left, top, width, lh), anchor);
        });
        layout.Advance(lh);
    }
}

internal enum NoteKind { Info, Warning, Error }

/// <summary>A tinted box with wrapped text: things the reader must not miss (limits hit, packets left out, failures).</summary>
internal sealed record Note(string Text, NoteKind Kind) : IBlock
{
    public void Layout(PdfLayout layout)
    {
        var font = layout.Style.Body;
        const float pad = 6f, bar = 3f;
        float lh = PdfStyle.LineHeight(font);
        var lines = TextKit.Wrap(TextKit.Clean(Text), font, layout.Width - 2 * pad - bar, 12);
        float height = lines.Count * lh + 2 * pad;
        layout.EnsureSpace(height);
        float top = layout.Y, left = layout.Left, width = layout.Width;
        var (fill, edge) = Kind switch
        {
            NoteKind.Error => (PdfStyle.ErrorFill, PdfStyle.ErrorRule),
            NoteKind.Warning => (PdfStyle.WarnFill, PdfStyle.WarnRule),
            _ => (PdfStyle.InfoFill, PdfStyle.Accent),
        };
        layout.Draw(c =>
        {
            using (var p = PdfStyle.Fill(fill)) c.DrawRect(left, top, width, height, p);
            using (var p = PdfStyle.Fill(edge)) c.DrawRect(left, top, bar, height, p);
            for (int i = 0; i < lines.Count; i++) Draw.Line(c, lines[i], font, PdfStyle.Text, left + bar + pad, top + pad + i * lh, lh);
        });
        layout.Advance(height);
        layout.AddGap();
    }
}

/// <summary>Label/value pairs in two columns; values wrap (a SHA-256 or a long path is never cut off).</summary>
internal sealed record KeyValueTable(IReadOnlyList<KeyValuePair<string, string>> Rows, float KeyWidth = 120f) : IBlock
{
    public void Layout(PdfLayout layout)
    {
        var keyFont = layout.Style.BodyBold;
        var valueFont = layout.Style.Body;
        float lh = PdfStyle.LineHeight(valueFont);
        const float padY = 2f;
        float valueWidth = layout.Width - KeyWidth;
        int index = 0;
        foreach (var (key, value) in Rows)
        {
            var lines = TextKit.Wrap(TextKit.Clean(value), valueFont, valueWidth - 4f, 8);
            string keyText = TextKit.Elide(TextKit.Clean(key), keyFont, KeyWidth - 8f);
            float height = lines.Count * lh + 2 * padY;
            layout.EnsureSpace(height);
            float top = layout.Y, left = layout.Left, width = layout.Width, kw = KeyWidth;
            bool stripe = index++ % 2 == 0;
            layout.Draw(c =>
            {
                if (stripe)
                {
                    using var p = PdfStyle.Fill(PdfStyle.Stripe);
                    c.DrawRect(left, top, width, height, p);
                }
                Draw.Line(c, keyText, keyFont, PdfStyle.Muted, left + 4f, top + padY, lh);
                for (int i = 0; i < lines.Count; i++) Draw.Line(c, lines[i], valueFont, PdfStyle.Text, left + kw, top + padY + i * lh, lh);
            });
            layout.Advance(height);
        }
        layout.AddGap();
    }
}

internal enum ColumnAlign { Left, Right }

/// <summary>
/// A table column: header, share of the table width, alignment. A fitted column (numbers) is as wide as its
/// widest cell, so numbers are never cut; the other columns share what is left by weight and elide.
/// </summary>
internal sealed record Column(string Header, float Weight, ColumnAlign Align = ColumnAlign.Left, bool Fit = false)
{
    public static Column Number(string header) => new(header, 0f, ColumnAlign.Right, Fit: true);
}

/// <summary>
/// A table with fixed-height rows. Cells are elided with "…" to their column width. When the rows run past the
/// bottom of a page the table continues on the next one with its header repeated.
/// </summary>
internal sealed record Table(IReadOnlyList<Column> Columns, IReadOnlyList<IReadOnlyList<string>> Rows, string? Footnote = null) : IBlock
{
    private const float PadX = 4f;

    /// <summary>The footnote in the body font (a note the reader needs, such as "and N more"), not the small one.</summary>
    public bool BodyFootnote { get; init; }

    private SKFont FootnoteFont(PdfLayout layout) => BodyFootnote ? layout.Style.Body : layout.Style.Small;

    /// <summary>Tables of at most this many rows move to the next page whole instead of splitting.</summary>
    public const int SmallTable = 25;

    /// <summary>Fewest rows a page of a split table holds (so no page carries a few leftover rows).</summary>
    public const int MinRowsPerPage = 4;

    /// <summary>
    /// The row before which the current page ends: as many rows as fit, but when that would leave fewer than
    /// <see cref="MinRowsPerPage"/> rows for the next page, a few move over with them. Rows.Count when the rest fits.
    /// </summary>
    private int BreakAt(PdfLayout layout, int first, float rowHeight, float footnoteHeight)
    {
        int left = Rows.Count - first;
        int fit = Math.Max(1, (int)Math.Floor((layout.Remaining + 0.01f) / rowHeight));
        if (left * rowHeight + footnoteHeight <= layout.Remaining) return Rows.Count;
        if (fit >= left) fit = left - 1; // the footnote does not fit with the last row: it moves with at least one row
        int rest = left - fit;
        if (rest < MinRowsPerPage) fit = Math.Max(1, fit - (MinRowsPerPage - rest));
        return first + fit;
    }

    public void Layout(PdfLayout layout)
    {
        var font = layout.Style.Body;
        var headerFont = layout.Style.BodyBold;
        float rowHeight = PdfStyle.LineHeight(font) + 3f;
        float headerHeight = rowHeight + 1f;
        float[] widths = ColumnWidths(layout.Width, font, headerFont);

        // The last row keeps the footnote (up to four lines) on its page.
        float footnoteHeight = Footnote is null ? 0f :
            Math.Min(4, TextKit.Wrap(TextKit.Clean(Footnote), FootnoteFont(layout), layout.Width).Count) * PdfStyle.LineHeight(FootnoteFont(layout)) + 2f;
        float whole = headerHeight + rowHeight * Rows.Count + footnoteHeight;
        float fullPage = layout.Setup.Content.Height;
        // A small table is kept whole: moved to the next page rather than split (with its heading, if it has one),
        // unless it already starts its page (under its heading) and so would not fit on any.
        bool moved = Rows.Count <= SmallTable && whole > layout.Remaining && whole <= fullPage && layout.NewPageKeepingHeading();
        if (!moved)
        {
            // Header plus at least a few rows together, so a header never sits alone at the bottom of a page.
            layout.EnsureSpace(headerHeight + rowHeight * Math.Min(MinRowsPerPage, Math.Max(1, Rows.Count)));
        }
        DrawHeader(layout, headerFont, widths, headerHeight);
        int breakAt = BreakAt(layout, 0, rowHeight, footnoteHeight);
        for (int r = 0; r < Rows.Count; r++)
        {
            if (r == breakAt)
            {
                layout.NewPage();
                DrawHeader(layout, headerFont, widths, headerHeight);
                breakAt = BreakAt(layout, r, rowHeight, footnoteHeight);
            }
            var cells = new string[Columns.Count];
            for (int i = 0; i < Columns.Count; i++)
            {
                string raw = i < Rows[r].Count ? Rows[r][i] : string.Empty;
                cells[i] = TextKit.Elide(TextKit.Clean(raw), font, widths[i] - 2 * PadX);
            }
            float top = layout.Y, left = layout.Left, width = layout.Width;
            bool stripe = r % 2 == 1;
            var columns = Columns;
            layout.Draw(c =>
            {
                if (stripe)
                {
                    using var p = PdfStyle.Fill(PdfStyle.Stripe);
                    c.DrawRect(left, top, width, rowHeight, p);
                }
                DrawCells(c, cells, columns, widths, font, PdfStyle.Text, left, top, rowHeight);
            });
            layout.Advance(rowHeight);
        }
        float ruleY = layout.Y, ruleLeft = layout.Left, ruleRight = layout.Left + layout.Width;
        layout.Draw(c =>
        {
            using var rule = PdfStyle.Stroke(PdfStyle.Rule, 0.6f);
            c.DrawLine(ruleLeft, ruleY, ruleRight, ruleY, rule);
        });
        layout.Advance(2f);
        if (Footnote is not null)
        {
            new Paragraph(Footnote, FootnoteFont(layout), PdfStyle.Muted).Layout(layout);
        }
        else
        {
            layout.AddGap();
        }
    }

    /// <summary>Fitted columns get their widest cell (at most three quarters of the table between them); the rest share the remainder by weight.</summary>
    private float[] ColumnWidths(float total, SKFont font, SKFont headerFont)
    {
        var widths = new float[Columns.Count];
        for (int i = 0; i < Columns.Count; i++)
        {
            if (!Columns[i].Fit) continue;
            float widest = TextKit.Width(Columns[i].Header, headerFont);
            foreach (var row in Rows)
            {
                if (i < row.Count) widest = Math.Max(widest, TextKit.Width(TextKit.Clean(row[i]), font));
            }
            widths[i] = widest + 2 * PadX + 2f;
        }
        float fitted = widths.Sum();
        float flexibleWeight = Columns.Where(c => !c.Fit).Sum(c => c.Weight);
        float cap = flexibleWeight > 0 ? total * 0.75f : total;
        if (fitted > cap)
        {
            for (int i = 0; i < widths.Length; i++) widths[i] *= cap / fitted;
            fitted = cap;
        }
        for (int i = 0; i < Columns.Count; i++)
        {
            if (!Columns[i].Fit) widths[i] = (total - fitted) * Columns[i].Weight / flexibleWeight;
        }
        return widths;
    }

    private void DrawHeader(PdfLayout layout, SKFont font, float[] widths, float height)
    {
        var headers = Columns.Select((c, i) => TextKit.Elide(c.Header, font, widths[i] - 2 * PadX)).ToArray();
        float top = layout.Y, left = layout.Left, width = layout.Width;
        var columns = Columns;
        layout.Draw(c =>
        {
            using (var p = PdfStyle.Fill(PdfStyle.HeaderFill)) c.DrawRect(left, top, width, height, p);
            DrawCells(c, headers, columns, widths, font, PdfStyle.Text, left, top, height);
        });
        layout.Advance(height);
    }

    private static void DrawCells(SKCanvas c, string[] cells, IReadOnlyList<Column> columns, float[] widths, SKFont font, SKColor color, float left, float top, float height)
    {
        float x = left;
        for (int i = 0; i < cells.Length; i++)
        {
            if (columns[i].Align == ColumnAlign.Right)
                Draw.Line(c, cells[i], font, color, x + widths[i] - PadX, top, height, SKTextAlign.Right);
            else
                Draw.Line(c, cells[i], font, color, x + PadX, top, height);
            x += widths[i];
        }
    }
}

/// <summary>A fixed-height drawing (a chart) in the full content width, kept whole on one page.</summary>
internal sealed record ChartBlock(float Height, Action<SKCanvas, SKRect> Render) : IBlock
{
    public void Layout(PdfLayout layout)
    {
        layout.EnsureSpace(Height);
        var rect = SKRect.Create(layout.Left, layout.Y, layout.Width, Math.Min(Height, layout.Remaining));
        var render = Render;
        layout.Draw(c =>
        {
            c.Save();
            c.ClipRect(rect);
            render(c, rect);
            c.Restore();
        });
        layout.Advance(rect.Height);
        layout.AddGap();
    }
}

/// <summary>
/// Two stacks of blocks side by side, each in half the width; what follows starts below the taller. For blocks that
/// fit on the current page (the one-page ticket): were a column to run onto a new page, the other would still start at
/// the old top, which is why <see cref="Report.TicketComposer"/> checks that its layout stayed one page.
/// </summary>
/// <param name="LeftShare">The left column's share of the width (the gutter aside).</param>
internal sealed record SideBySide(IReadOnlyList<IBlock> Left, IReadOnlyList<IBlock> Right, float LeftShare = 0.5f, float Gutter = 14f) : IBlock
{
    public void Layout(PdfLayout layout)
    {
        float top = layout.Y, left = layout.Left, usable = layout.Width - Gutter, leftWidth = usable * LeftShare;
        layout.Column(left, leftWidth, top);
        foreach (var block in Left) layout.Add(block);
        float leftBottom = layout.Y;
        layout.Column(left + leftWidth + Gutter, usable - leftWidth, top);
        foreach (var block in Right) layout.Add(block);
        layout.FullWidth(Math.Max(leftBottom, layout.Y));
    }
}

/// <summary>
/// Bulleted sentences in at most <paramref name="MaxLines"/> lines, each sentence in at most
/// <paramref name="LinesPerItem"/> (elided beyond). Sentences that do not fit are counted in a last line,
/// "and N more" followed by <paramref name="MoreSuffix"/>; with one line or more there is always room for it.
/// </summary>
internal sealed record BulletList(IReadOnlyList<string> Items, int MaxLines, int LinesPerItem, string MoreSuffix) : IBlock
{
    private const string Bullet = "• ";

    public void Layout(PdfLayout layout)
    {
        var font = layout.Style.Body;
        float lh = PdfStyle.LineHeight(font), indent = TextKit.Width(Bullet, font);
        var lines = new List<(string Text, bool First)>();
        int shown = 0;
        foreach (string item in Items)
        {
            var wrapped = TextKit.Wrap(TextKit.Clean(item), font, layout.Width - indent, Math.Max(1, LinesPerItem));
            bool last = shown == Items.Count - 1;
            if (lines.Count + wrapped.Count + (last ? 0 : 1) > MaxLines) break;
            for (int i = 0; i < wrapped.Count; i++) lines.Add((wrapped[i], i == 0));
            shown++;
        }
        int more = Items.Count - shown;
        string? moreLine = more > 0 && MaxLines > lines.Count
            ? TextKit.Elide($"and {more.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture)} more{MoreSuffix}", font, layout.Width - indent)
            : null;
        float top = layout.Y, left = layout.Left;
        layout.Draw(c =>
        {
            for (int i = 0; i < lines.Count; i++)
            {
                if (lines[i].First) Draw.Line(c, Bullet, font, PdfStyle.Text, left, top + i * lh, lh);
                Draw.Line(c, lines[i].Text, font, PdfStyle.Text, left + indent, top + i * lh, lh);
            }
            if (moreLine is not null) Draw.Line(c, moreLine, font, PdfStyle.Muted, left + indent, top + lines.Count * lh, lh);
        });
        layout.Advance((lines.Count + (moreLine is null ? 0 : 1)) * lh);
        layout.AddGap();
    }
}
