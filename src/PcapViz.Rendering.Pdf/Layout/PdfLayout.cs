using PcapViz.Model;
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

    /// <summary>Cursor: top of the next block, in page coordinates.</summary>
    public float Y { get; private set; }

    public float Left => Setup.Content.Left;

    public float Width => Setup.Content.Width;

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
        block.Layout(this);
    }

    public void AddGap() => Y += AtPageTop ? 0 : PdfStyle.Gap;
}

/// <summary>Anything that flows down the page.</summary>
internal interface IBlock
{
    void Layout(PdfLayout layout);
}
