using SkiaSharp;

namespace PcapViz.Rendering.Pdf.Layout;

/// <summary>Paper size and margins in PDF points (1/72 inch).</summary>
internal sealed record PageSetup(float Width, float Height, float MarginLeft, float MarginTop, float MarginRight, float MarginBottom)
{
    public static PageSetup For(PaperSize paper) => paper switch
    {
        PaperSize.Letter => new(612f, 792f, 54f, 58f, 54f, 54f),
        _ => new(595f, 842f, 50f, 58f, 50f, 54f),
    };

    /// <summary>Where blocks go; header and footer live in the margins.</summary>
    public SKRect Content => new(MarginLeft, MarginTop, Width - MarginRight, Height - MarginBottom);
}

/// <summary>What the header and footer of a page say; set per section, captured by each page as it is started.</summary>
internal sealed record PageContext(string HeaderLeft, string HeaderRight, string FooterInput);

/// <summary>One laid-out page: its context and the drawing operations of its blocks, in order.</summary>
internal sealed class LayoutPage(PageContext context)
{
    public PageContext Context { get; } = context;

    public List<Action<SKCanvas>> Operations { get; } = [];
}

/// <summary>
/// The flow: blocks are placed top to bottom in the content area, a new page starts when the next piece does
/// not fit. Pages are only recorded here; <see cref="PdfWriter"/> draws them once the page count is known, so
/// footers can say "page X of Y".
/// </summary>
internal sealed class PdfLayout
{
    private readonly List<LayoutPage> _pages = [];
    private LayoutPage? _page;

    public PdfLayout(PageSetup setup, PdfStyle style, PageContext context)
    {
        Setup = setup;
        Style = style;
        Context = context;
    }

    public PageSetup Setup { get; }

    public PdfStyle Style { get; }

    /// <summary>Context for pages started from now on.</summary>
    public PageContext Context { get; set; }

    public IReadOnlyList<LayoutPage> Pages => _pages;

    /// <summary>Bookmarks in document order (written as the PDF outline).</summary>
    public List<OutlineItem> Outline { get; } = [];

    /// <summary>Named places (for the contents page): key → page index and top.</summary>
    public Dictionary<string, (int Page, float Top)> Anchors { get; } = new(StringComparer.Ordinal);

    /// <summary>Notes a bookmark (and, with a key, a named destination) at the cursor.</summary>
    public void Mark(string title, int level, string? key = null)
    {
        if (_page is null) NewPage();
        Outline.Add(new OutlineItem(title, level, _pages.Count - 1, Y));
        if (key is null) return;
        Anchors[key] = (_pages.Count - 1, Y);
        float x = Left, y = Y;
        Draw(c => c.DrawNamedDestinationAnnotation(new SKPoint(x, y), key));
    }

    /// <summary>Cursor: top of the next block, in page coordinates.</summary>
    public float Y { get; private set; }

    /// <summary>Left edge of the blocks placed now: the content area's, or the column's (<see cref="SideBySide"/>).</summary>
    public float Left => _column?.Left ?? Setup.Content.Left;

    /// <summary>Width of the blocks placed now: the content area's, or the column's.</summary>
    public float Width => _column?.Width ?? Setup.Content.Width;

    private (float Left, float Width)? _column;

    /// <summary>Places the next blocks in a column from <paramref name="top"/> (null: back to the full width, cursor unchanged).</summary>
    public void Column(float left, float width, float top)
    {
        _column = (left, width);
        Y = top;
    }

    public void FullWidth(float top)
    {
        _column = null;
        Y = top;
    }

    public float Remaining => _page is null ? Setup.Content.Height : Setup.Content.Bottom - Y;

    /// <summary>True when nothing has been placed on the current page yet.</summary>
    public bool AtPageTop => _page is null || Y <= Setup.Content.Top;

    public void NewPage()
    {
        _page = new LayoutPage(Context);
        _pages.Add(_page);
        Y = Setup.Content.Top;
    }

    /// <summary>Starts a section on a fresh page (no blank page when the current one is still empty).</summary>
    public void StartSection(PageContext context)
    {
        Context = context;
        if (_page is not null && _page.Operations.Count == 0)
        {
            _pages.RemoveAt(_pages.Count - 1);
        }
        NewPage();
    }

    /// <summary>Makes sure <paramref name="height"/> points fit below the cursor, starting a new page if not.</summary>
    /// <returns>True when a new page was started.</returns>
    public bool EnsureSpace(float height)
    {
        if (_page is null)
        {
            NewPage();
            return true;
        }
        if (height <= Remaining || AtPageTop) return false;
        NewPage();
        return true;
    }

    public void Draw(Action<SKCanvas> operation)
    {
        if (_page is null) NewPage();
        _page!.Operations.Add(operation);
    }

    public void Advance(float height) => Y += height;

    public void Add(IBlock block)
    {
        if (_page is null) NewPage();
        int pages = _pages.Count, ops = _page!.Operations.Count, outline = Outline.Count;
        block.Layout(this);
        // Remember a heading that ends the page so far: a block that moves to the next page can take it along.
        _lastHeading = block is Heading && _pages.Count == pages ? (block, ops, outline) : null;
        if (block is Heading && _pages.Count != pages) _lastHeading = (block, 0, outline);
    }

    private (IBlock Block, int FirstOperation, int OutlineCount)? _lastHeading;

    /// <summary>
    /// Starts a new page for a block that does not fit; when the block directly follows a heading on this page, the
    /// heading moves along, so a heading is never left alone at the foot of a page.
    /// </summary>
    /// <returns>False, and nothing changes, when the heading is the first thing on this page (moving it would leave
    /// an empty page) or nothing is on the page yet: the block then has to split.</returns>
    public bool NewPageKeepingHeading()
    {
        if (_page is null || _page.Operations.Count == 0) return false;
        if (_lastHeading is { } h && h.FirstOperation < _page.Operations.Count)
        {
            if (h.FirstOperation == 0) return false;
            _page.Operations.RemoveRange(h.FirstOperation, _page.Operations.Count - h.FirstOperation);
            while (Outline.Count > h.OutlineCount)
            {
                var anchor = Anchors.FirstOrDefault(a => a.Value.Page == Outline[^1].PageIndex && a.Value.Top == Outline[^1].Top).Key;
                if (anchor is not null) Anchors.Remove(anchor);
                Outline.RemoveAt(Outline.Count - 1);
            }
            NewPage();
            _lastHeading = null;
            h.Block.Layout(this);
            return true;
        }
        NewPage();
        return true;
    }

    public void AddGap() => Y += AtPageTop ? 0 : PdfStyle.Gap;
}

/// <summary>Anything that flows down the page.</summary>
internal interface IBlock
{
    void Layout(PdfLayout layout);
}
