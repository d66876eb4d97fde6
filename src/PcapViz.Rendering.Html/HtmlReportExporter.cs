using System.Text;
using PcapViz.Export;
using PcapViz.Model;
using Scriban.Runtime;
using static PcapViz.Rendering.Html.PageModels;

namespace PcapViz.Rendering.Html;

/// <summary>
/// Writes the interactive HTML pages: <c>captures/&lt;id&gt;/report.html</c> per capture and <c>index.html</c> for the
/// run, from the result model only, through the Scriban templates in <c>templates/</c> (or an override directory).
/// Output is a pure function of the model and the options: no random ids, no clock, invariant culture.
/// </summary>
public sealed partial class HtmlReportExporter : IReportExporter
{
    private static readonly UTF8Encoding Utf8 = new(false);
    private readonly HtmlReportOptions _options;
    private readonly TemplateSet _templates;
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<RunResult, RunIndex> _indexes = new();

    /// <summary>An exporter rendering with <paramref name="options"/>' templates, row cap, zone and links; the
    /// templates are loaded (and any override directory read) here, once per run.</summary>
    public HtmlReportExporter(HtmlReportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxTableRows < 1) throw new ArgumentOutOfRangeException(nameof(options), "MaxTableRows must be at least 1.");
        _options = options;
        _templates = new TemplateSet(options.TemplateDirectory);
    }

    /// <inheritdoc />
    public string Name => "html";

    /// <summary>Capture pages link to their neighbours and say in how many captures an address appears.</summary>
    public bool CaptureFilesNeedTheWholeRun => true;

    /// <summary>The embedded default template files, by relative name.</summary>
    public static IReadOnlyList<string> DefaultTemplateNames => TemplateSet.EmbeddedNames;

    /// <summary>Bundle path of the shared plotly.js copy (written by <see cref="ExportRun"/> unless self-contained).</summary>
    public static string PlotlyAssetPath => PlotlyAsset.Instance.RelativePath;

    /// <inheritdoc />
    public void ExportCapture(CaptureResult capture, RunResult run, IOutputSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(capture);
        ArgumentNullException.ThrowIfNull(sink);
        cancellationToken.ThrowIfCancellationRequested();
        string html = RenderCapturePage(capture, run, cancellationToken);
        Write(sink, $"captures/{capture.Id}/report.html", html);
    }

    /// <inheritdoc />
    public void ExportRun(RunResult run, IOutputSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(sink);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_options.SelfContained)
        {
            var asset = PlotlyAsset.Instance;
            using (var s = sink.Create(asset.RelativePath)) s.Write(asset.Bytes);
            if (asset.License is not null)
            {
                using var l = sink.Create(asset.RelativePath + ".LICENSE.txt");
                l.Write(asset.License);
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
        Write(sink, "index.html", RenderIndexPage(run, cancellationToken));
        if (Index(run).Pivots)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Write(sink, RunIndex.PivotPage, RenderPivotPage(run, cancellationToken));
        }
    }

    /// <summary>Parses the templates and renders the sample's capture page and index page (discarded).</summary>
    public void WarmUp(RunResult sample, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sample);
        _ = RenderCapturePage(sample.Captures[0], sample, cancellationToken);
        _ = RenderIndexPage(sample, cancellationToken);
    }

    private RunIndex Index(RunResult run) => _indexes.GetValue(run, r => new RunIndex(r, _options.MaxTableRows));


    /// <param name="zoneLabel">The zone with every offset in force over the page's packets (TimeFormat.ZoneLabel).</param>
    private ScriptObject Globals(RunResult run, HtmlReportOptions options, string title, string zoneLabel) =>
        Globals(run.Info.ToolVersion, run.Info.GeneratedUtc, options, title, zoneLabel);

    private ScriptObject Globals(string toolVersion, DateTimeOffset generatedUtc, HtmlReportOptions options, string title, string zoneLabel)
    {
        var g = new ScriptObject
        {
            ["report"] = new
            {
                title,
                tool_version = toolVersion,
                generated = TimeFormat.DisplaySeconds(generatedUtc.ToUnixTimeSeconds(), options.TimeZone),
                zone = zoneLabel,
                top = N(options.Top),
                max_table_rows = N(_options.MaxTableRows),
            },
        };
        return g;
    }

    /// <param name="withHistory">The run has a history or watchlists: history.css joins the page styles. Without them
    /// it does not, so a run without history and watchlists keeps the page bytes it had before the history existed.</param>
    /// <param name="withPlotly">The page has charts: plotly.js is loaded (inline or from assets/). A page without charts
    /// (the diff page) loads no script but the page's own.</param>
    private string RenderPage(string bodyTemplate, ScriptObject globals, HtmlReportOptions options, string rootPrefix, bool withHistory,
        CancellationToken cancellationToken, bool withPlotly = true)
    {
        string body = _templates.Render(bodyTemplate, globals, _options.RenderTimeLimit, cancellationToken);
        string css = Stylesheet("report.css");
        if (withHistory) css += "\n" + Stylesheet("history.css");
        string boot = _templates.GetText("charts.js");
        if (boot.Contains("</script", StringComparison.OrdinalIgnoreCase))
            throw new TemplateRenderException("charts.js", "charts.js must not contain '</script'.");
        string tables = _templates.GetText("tables.js");
        if (tables.Contains("</script", StringComparison.OrdinalIgnoreCase))
            throw new TemplateRenderException("tables.js", "tables.js must not contain '</script'.");

        var asset = PlotlyAsset.Instance;
        string plotlyTag;
        string plotlySource;
        if (!withPlotly)
        {
            plotlyTag = "";
            plotlySource = "";
        }
        else if (options.SelfContained)
        {
            plotlyTag = "<script>" + asset.Text + "</script>";
            plotlySource = asset.CspHash;
        }
        else
        {
            plotlyTag = $"<script src=\"{rootPrefix}{asset.RelativePath}\"></script>";
            // file:// pages: Chromium and Firefox treat a file: script next to the page as 'self'.
            plotlySource = "'self'";
        }
        string csp = $"default-src 'none'; script-src {(plotlySource.Length > 0 ? plotlySource + " " : "")}{HtmlSafety.CspHash(boot)} {HtmlSafety.CspHash(tables)}; " +
                     "style-src 'unsafe-inline'; img-src data:; font-src 'none'; connect-src 'none'; " +
                     "object-src 'none'; base-uri 'none'; form-action 'none'";

        var layout = new ScriptObject();
        foreach (var kv in globals) layout[kv.Key] = kv.Value;
        layout["csp"] = csp;
        layout["css_raw"] = css;
        layout["body_raw"] = body;
        layout["plotly_raw"] = plotlyTag;
        layout["boot_raw"] = "<script>" + boot + "</script>\n<script>" + tables + "</script>";
        return _templates.Render("layout.html", layout, _options.RenderTimeLimit, cancellationToken);
    }

    private string Stylesheet(string name)
    {
        string css = _templates.GetText(name);
        if (css.Contains("</style", StringComparison.OrdinalIgnoreCase))
            throw new TemplateRenderException(name, name + " must not contain '</style'.");
        return css;
    }

    private static TableColumn Col(string label, bool numeric = false, bool mono = false, bool optional = false, bool address = false) =>
        new(label, numeric, mono, optional, address);

    private static object TableModel(string id, string caption, IReadOnlyList<TableColumn> columns, HtmlRows rows, int total, string truncatedNote) => new
    {
        id,
        caption,
        columns,
        rows_raw = rows.ToString(),
        shown = N(rows.Count),
        total = N(total),
        truncated_note = truncatedNote,
    };

    private static string FullListHint(HtmlLinks f, string csvName) =>
        (f.HasFlag(HtmlLinks.Json), f.HasFlag(HtmlLinks.Csv)) switch
        {
            (true, true) => $"analysis.json and {csvName} hold them all.",
            (true, false) => "analysis.json holds them all.",
            (false, true) => $"{csvName} holds them all.",
            _ => "Write the JSON or CSV output to get them all.",
        };

    private static object Fact(string label, string value, bool mono = false) => new { label, value, mono };

    private static object IssueRow(CaptureIssue i) => new
    {
        severity = i.Severity == IssueSeverity.Error ? "error" : "warning",
        code = i.Code,
        message = HtmlSafety.Visible(i.Message),
        byte_offset = i.ByteOffset is long o ? N(o) : "–",
        packet_index = i.PacketIndex is long p ? N(p) : "–",
    };

    private static string IssueCount(IReadOnlyList<CaptureIssue> issues)
    {
        int errors = issues.Count(i => i.Severity == IssueSeverity.Error);
        int warnings = issues.Count - errors;
        return issues.Count == 0 ? "none" : $"{Names.Count(errors, "error")}, {Names.Count(warnings, "warning")}";
    }

    private static string DistinctCount(int count, DistinctLimit limit) =>
        limit.Exceeded ? $"more than {N(limit.MaxDistinct)}" : N(count);

    private static void Write(IOutputSink sink, string path, string text)
    {
        using var stream = sink.Create(path);
        byte[] bytes = Utf8.GetBytes(text);
        stream.Write(bytes);
    }
}
