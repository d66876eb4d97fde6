namespace PcapViz.Rendering.Html;

/// <summary>The companion files an HTML page links to (written by the other exporters of the same run).</summary>
[Flags]
public enum HtmlLinks
{
    /// <summary>No companion file: the pages stand alone (e.g. `--format html`).</summary>
    None = 0,
    /// <summary>report.pdf (run and capture).</summary>
    Pdf = 1,
    /// <summary>analysis.json per capture, manifest.json for the run.</summary>
    Json = 2,
    /// <summary>source_ips.csv, dns_queries.csv, traffic.csv per capture.</summary>
    Csv = 4,
    /// <summary>Every companion file (the default: a bundle of every format).</summary>
    All = Pdf | Json | Csv,
}

/// <summary>Options of the HTML exporter (it owns them; Core knows none of them).</summary>
/// <param name="TemplateDirectory">
/// A directory holding any subset of the template files (same relative names as in <c>templates/</c>, for example
/// <c>layout.html</c>, <c>partials/chart.html</c>, <c>report.css</c>); files not found there fall back to the
/// defaults embedded in this assembly. Null: the embedded defaults only.
/// </param>
/// <param name="MaxTableRows">
/// Most rows any one table on a page holds (source addresses, DNS names, traffic bins). Beyond this the page says how
/// many rows were left out and points to analysis.json and the CSV files, which always hold everything. Keeps a page
/// with hundreds of thousands of addresses openable in a browser. Must be at least 1.
/// </param>
public sealed record HtmlReportOptions(string? TemplateDirectory = null, int MaxTableRows = HtmlReportOptions.DefaultMaxTableRows)
{
    /// <summary>Default render time limit per page.</summary>
    public static readonly TimeSpan DefaultRenderTimeLimit = TimeSpan.FromMinutes(2);

    /// <summary>Wall time one page's template may take before it is stopped with a <see cref="TemplateRenderException"/>
    /// (default 2 minutes; the built-in templates take well under a second).</summary>
    public TimeSpan RenderTimeLimit { get; init; } = DefaultRenderTimeLimit;

    /// <summary>Default cap on table rows: 10,000 (about 1.5 MB of HTML per table).</summary>
    public const int DefaultMaxTableRows = 10_000;

    internal static HtmlReportOptions Default { get; } = new();

    /// <summary>How many entries the charts and top tables show.</summary>
    public int Top { get; init; } = 20;

    /// <summary>Zone in which pages show times (UTC by default; data files are always UTC).</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>Inline plotly.js into every page instead of writing assets/ (single files to attach to tickets).</summary>
    public bool SelfContained { get; init; }

    /// <summary>Which companion files the pages link to: those the run's other exporters write.</summary>
    public HtmlLinks Links { get; init; } = HtmlLinks.All;
}
