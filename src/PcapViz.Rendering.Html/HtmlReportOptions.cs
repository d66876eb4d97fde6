namespace PcapViz.Rendering.Html;

/// <summary>Options of the HTML exporter (what <see cref="PcapViz.Model.RenderOptions"/> does not already say).</summary>
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

    public static HtmlReportOptions Default { get; } = new();
}
