using System.CommandLine;
using System.Globalization;
using PcapViz.Analysis;
using PcapViz.Export;
using PcapViz.Discovery;
using PcapViz.Model;
using PcapViz.Orchestration;
using PcapViz.Rendering.Html;
using PcapViz.Rendering.Pdf;
using PcapViz.ScaleOut;

namespace PcapViz.Cli;

/// <summary>The outputs the user selected (--format); the CLI builds only these exporters.</summary>
[Flags]
internal enum OutputFormats
{
    None = 0,
    Json = 1,
    Csv = 2,
    Html = 4,
    Pdf = 8,
    /// <summary>indicators.stix.json: written only when named, never by 'all'.</summary>
    Stix = 16,
    /// <summary>indicators.misp.json: written only when named, never by 'all'.</summary>
    Misp = 32,
    All = Json | Csv | Html | Pdf,
}

/// <summary>How results are shown: each exporter gets the part it owns.</summary>
internal sealed record RenderChoices(int Top, TimeZoneInfo TimeZone, OutputFormats Formats, PaperSize Paper, bool SelfContainedHtml, RunPdfDetail RunPdf = RunPdfDetail.Auto,
    bool TicketPerCapture = false);

/// <summary>The validated options of a report run, whether from the command line or from a plan.</summary>
/// <param name="ManifestOptions">The options as manifest.json (and a plan) lists them, in a fixed order.</param>
internal sealed record ReportSettings(
    AnalysisOptions Analysis,
    RenderChoices Render,
    string? TemplateDirectory,
    IReadOnlyList<string> Includes,
    IReadOnlyList<string> Excludes,
    FailPolicy FailOn,
    IReadOnlyList<KeyValuePair<string, string>> ManifestOptions)
{
    /// <summary>True when the run signs manifest.json (--sign-key): the PDF exporter's ticket says so.</summary>
    public bool ManifestSigned { get; init; }

    public RunRequest ToRequest(IReadOnlyList<string> roots, string output, string toolVersion, DateTimeOffset generated)
    {
        return new RunRequest(roots, output, Analysis, Exporters(), toolVersion, generated, ManifestOptions)
        {
            Includes = Includes,
            Excludes = Excludes,
            FailOn = FailOn,
        };
    }

    /// <summary>Only the selected exporters, each with the options it owns.</summary>
    public IReadOnlyList<IReportExporter> Exporters()
    {
        var f = Render.Formats;
        var exporters = new List<IReportExporter>();
        if (f.HasFlag(OutputFormats.Json)) exporters.Add(new AnalysisJsonExporter());
        if (f.HasFlag(OutputFormats.Csv)) exporters.Add(new CsvExporter());
        if (f.HasFlag(OutputFormats.Html))
        {
            var links = (f.HasFlag(OutputFormats.Pdf) ? HtmlLinks.Pdf : HtmlLinks.None) |
                        (f.HasFlag(OutputFormats.Json) ? HtmlLinks.Json : HtmlLinks.None) |
                        (f.HasFlag(OutputFormats.Csv) ? HtmlLinks.Csv : HtmlLinks.None);
            exporters.Add(new HtmlReportExporter(new HtmlReportOptions(TemplateDirectory)
            {
                Top = Render.Top, TimeZone = Render.TimeZone, SelfContained = Render.SelfContainedHtml, Links = links,
            }));
        }
        if (f.HasFlag(OutputFormats.Pdf))
            exporters.Add(new PdfReportExporter(new PdfReportOptions(Render.Top, Render.Paper)
            {
                TimeZone = Render.TimeZone, RunDetail = Render.RunPdf, TicketPerCapture = Render.TicketPerCapture, ManifestSigned = ManifestSigned,
            }));
        if (f.HasFlag(OutputFormats.Stix)) exporters.Add(new StixExporter());
        if (f.HasFlag(OutputFormats.Misp)) exporters.Add(new MispExporter());
        return exporters;
    }

    /// <summary>
    /// The settings a plan fixes, parsed by the same rules as the command line; the manifest lists the plan's own
    /// option values, so a shard and the merge write what a report run with those options writes.
    /// </summary>
    public static ReportSettings? FromPlan(ShardPlan plan, List<string> errors)
    {
        string Get(string name)
        {
            string? value = plan.Option(name);
            if (value is null) errors.Add($"the plan has no option '{name}'.");
            return value ?? "";
        }
        int before = errors.Count;
        string bin = Get("bin"), distinct = Get("maxDistinct"), top = Get("top"), zone = Get("timezone"), format = Get("format"),
            paper = Get("paper"), selfContained = Get("selfContainedHtml"), failOn = Get("failOn");
        if (errors.Count > before) return null;
        // Plans written before --run-pdf existed have no such option: they get the default, as a report run would.
        string runPdf = plan.Option("runPdf") ?? "auto";
        bool ticketPerCapture = plan.Option("ticketPerCapture") == "true";
        int topValue = int.TryParse(top, NumberStyles.None, CultureInfo.InvariantCulture, out int t) ? t : -1;
        int distinctValue = int.TryParse(distinct, NumberStyles.None, CultureInfo.InvariantCulture, out int d) ? d : -1;
        var settings = ReportOptionSet.Build(bin, topValue, zone, format, paper, selfContained == "true", plan.TemplatesDirectory,
            plan.Includes.ToArray(), plan.Excludes.ToArray(), failOn, distinctValue, errors, runPdf, ticketPerCapture);
        if (errors.Count > before) return null;
        return settings! with { ManifestOptions = plan.Options };
    }
}

/// <summary>The analysis and rendering options shared by `report` and `plan`, validated all at once.</summary>
internal sealed class ReportOptionSet
{
    private readonly Option<string[]> _include = new("--include") { Description = "Glob of files to take from directories (repeatable), matched against the relative path or the file name: '*.pcap', 'site-a/**'.", AllowMultipleArgumentsPerToken = false };
    private readonly Option<string[]> _exclude = new("--exclude") { Description = "Glob of files to leave out (repeatable); wins over --include." };
    private readonly Option<string> _bin = new("--bin") { Description = "Traffic bin width: whole seconds, or 'auto' (2 s, widened up to 1 d so there are at most 3,600 bins).", DefaultValueFactory = _ => "auto" };
    private readonly Option<int> _top = new("--top") { Description = "Entries shown in charts and PDF tables.", DefaultValueFactory = _ => 20 };
    private readonly Option<string> _timeZone = new("--timezone") { Description = "IANA time zone for times in HTML and PDF (data files are always UTC).", DefaultValueFactory = _ => "UTC" };
    private readonly Option<string> _formats = new("--format") { Description = "Outputs to write, comma-separated: html,pdf,json,csv (or 'all', which is these four), and the threat-intelligence exports written only when named: stix (indicators.stix.json, a STIX 2.1 bundle) and misp (indicators.misp.json, a MISP event). Example: all,stix,misp.", DefaultValueFactory = _ => "all" };
    private readonly Option<string> _paper = new("--paper") { Description = "PDF paper size: a4 or letter.", DefaultValueFactory = _ => "a4" };
    private readonly Option<string> _runPdf = new("--run-pdf")
    {
        Description = $"What the run PDF (report.pdf) holds: 'summary' (a table of every capture, full sections only for failed or partial captures and those with issues, watchlist hits, signals or warnings), 'full' (every capture in full) or 'auto' (summary above {PdfReportOptions.DefaultSummaryThreshold} captures, else full). Each capture's own PDF is always full.",
        DefaultValueFactory = _ => "auto",
    };
    private readonly Option<bool> _ticketPerCapture = new("--ticket-per-capture") { Description = "Also write the one-page ticket summary of each capture (captures/<id>/ticket.pdf); the run's ticket.pdf is written whenever PDFs are." };
    private readonly Option<bool> _selfContained = new("--self-contained-html") { Description = "Inline plotly.js into every HTML page (single files to attach to tickets) instead of writing assets/." };
    private readonly Option<string?> _templates = new("--templates") { Description = "Directory of Scriban templates overriding any of the built-in ones (see templates/ in the source)." };
    private readonly Option<int> _jobs = new("--jobs", "-j") { Description = "Captures processed at once.", DefaultValueFactory = _ => Environment.ProcessorCount };
    private readonly Option<string> _failOn = new("--fail-on") { Description = "What makes the exit code non-zero, a comma list: error (a capture failed or was cut short: 2), warning (any issue: 2), watchlist (a watchlist entry was hit: 4), beacon (a pair scored as a beacon in a capture or over the run: 5), or never; the highest code wins; watchlist and beacon alone keep error.", DefaultValueFactory = _ => "error" };
    private readonly Option<int> _maxDistinct = new("--max-distinct") { Description = "Distinct addresses / names each analysis tracks exactly; past it the lightest are counted as 'other' and the report says so.", DefaultValueFactory = _ => AnalysisOptions.DefaultMaxDistinct };
    private readonly Option<bool> _quiet = new("--quiet", "-q") { Description = "Print only errors." };
    private readonly Option<bool> _verbose = new("--verbose", "-v") { Description = "Print every capture's issues as well." };
    private bool _withJobs;

    public void AddTo(Command command, bool withJobs)
    {
        _withJobs = withJobs;
        foreach (Option o in new Option[] { _include, _exclude, _bin, _top, _timeZone, _formats, _paper, _runPdf, _ticketPerCapture, _selfContained, _templates })
            command.Options.Add(o);
        if (withJobs) command.Options.Add(_jobs);
        foreach (Option o in new Option[] { _failOn, _maxDistinct, _quiet, _verbose })
            command.Options.Add(o);
    }

    /// <summary>The options given on the command line that a plan fixes (a shard may not change them).</summary>
    public IEnumerable<string> FixedByPlan(ParseResult parse) =>
        new Option[] { _include, _exclude, _bin, _top, _timeZone, _formats, _paper, _runPdf, _ticketPerCapture, _selfContained, _templates, _maxDistinct }
            .Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name);

    public bool FailOnGiven(ParseResult parse) => parse.GetResult(_failOn) is { Implicit: false };

    public FailPolicy FailOn(ParseResult parse, List<string> errors) => ParseFailOn(parse.GetValue(_failOn)!, errors);

    public int Jobs(ParseResult parse, List<string> errors)
    {
        int jobs = parse.GetValue(_jobs);
        if (_withJobs && jobs is < 1 or > 256) errors.Add($"--jobs: {jobs} is outside 1..256.");
        return jobs;
    }

    public Verbosity Verbosity(ParseResult parse, List<string> errors)
    {
        if (parse.GetValue(_quiet) && parse.GetValue(_verbose)) errors.Add("--quiet and --verbose exclude each other.");
        return parse.GetValue(_quiet) ? Cli.Verbosity.Quiet : parse.GetValue(_verbose) ? Cli.Verbosity.Verbose : Cli.Verbosity.Normal;
    }

    public ReportSettings? Parse(ParseResult parse, List<string> errors) => Build(
        parse.GetValue(_bin)!, parse.GetValue(_top), parse.GetValue(_timeZone)!, parse.GetValue(_formats)!, parse.GetValue(_paper)!,
        parse.GetValue(_selfContained), parse.GetValue(_templates), parse.GetValue(_include) ?? [], parse.GetValue(_exclude) ?? [],
        parse.GetValue(_failOn)!, parse.GetValue(_maxDistinct), errors, parse.GetValue(_runPdf)!, parse.GetValue(_ticketPerCapture));

    public static ReportSettings? Build(string binText, int topValue, string zoneText, string formatText, string paperText, bool selfContained,
        string? templateDir, string[] include, string[] exclude, string failOnText, int distinct, List<string> errors, string runPdfText = "auto",
        bool ticketPerCapture = false)
    {
        int before = errors.Count;
        int? binSeconds = null;
        if (!binText.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            if (int.TryParse(binText, NumberStyles.None, CultureInfo.InvariantCulture, out int b) && b > 0 && b <= 31_536_000) binSeconds = b;
            else errors.Add($"--bin: '{binText}' is neither 'auto' nor a whole number of seconds from 1 to 31536000.");
        }
        if (topValue is < 1 or > 1000) errors.Add($"--top: {topValue} is outside 1..1000.");
        TimeZoneInfo? zone = null;
        try { zone = zoneText is "UTC" or "utc" or "Etc/UTC" ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(zoneText); }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException) { errors.Add($"--timezone: '{zoneText}' is not a known IANA time zone{Suggestions.Hint(zoneText, TimeZoneInfo.GetSystemTimeZones().Select(z => z.Id)) ?? " (for example Europe/Berlin)."}"); }
        var outputs = ParseFormats(formatText, errors);
        PaperSize paperSize = PaperSize.A4;
        switch (paperText.ToLowerInvariant())
        {
            case "a4": break;
            case "letter": paperSize = PaperSize.Letter; break;
            default: errors.Add($"--paper: '{paperText}' is neither a4 nor letter{Suggestions.Hint(paperText, ["a4", "letter"]) ?? "."}"); break;
        }
        RunPdfDetail runPdf = RunPdfDetail.Auto;
        switch (runPdfText.ToLowerInvariant())
        {
            case "auto": break;
            case "summary": runPdf = RunPdfDetail.Summary; break;
            case "full": runPdf = RunPdfDetail.Full; break;
            default: errors.Add($"--run-pdf: '{runPdfText}' is not summary, full or auto{Suggestions.Hint(runPdfText, ["summary", "full", "auto"]) ?? "."}"); break;
        }
        if (templateDir is not null && !Directory.Exists(templateDir)) errors.Add($"--templates: directory '{templateDir}' does not exist.");
        var policy = ParseFailOn(failOnText, errors);
        if (distinct is < 10 or > 50_000_000) errors.Add($"--max-distinct: {distinct} is outside 10..50000000.");
        foreach (var (option, pattern) in include.Select(p => ("--include", p)).Concat(exclude.Select(p => ("--exclude", p))))
            if (!Glob.TryParse(pattern, out _, out string? globError)) errors.Add($"{option}: {Terminal.Safe(globError!)}");
        if (ticketPerCapture && !outputs.HasFlag(OutputFormats.Pdf)) errors.Add("--ticket-per-capture: the tickets are PDFs; --format names no pdf (add pdf, or all).");
        if (errors.Count > before) return null;

        var analysis = new AnalysisOptions(binSeconds, distinct);
        var render = new RenderChoices(topValue, zone!, outputs, paperSize, selfContained, runPdf, ticketPerCapture);
        var manifestOptions = new List<KeyValuePair<string, string>>
        {
            new("bin", binSeconds?.ToString(CultureInfo.InvariantCulture) ?? "auto"),
            new("maxDistinct", distinct.ToString(CultureInfo.InvariantCulture)),
            new("top", topValue.ToString(CultureInfo.InvariantCulture)),
            new("timezone", zone == TimeZoneInfo.Utc ? "UTC" : zone!.Id),
            new("format", FormatList(outputs)),
            new("paper", paperSize == PaperSize.A4 ? "a4" : "letter"),
            new("runPdf", runPdf.ToString().ToLowerInvariant()),
            new("selfContainedHtml", render.SelfContainedHtml ? "true" : "false"),
            new("templates", templateDir is null ? "built-in" : "custom"),
            new("include", string.Join(';', include)),
            new("exclude", string.Join(';', exclude)),
            new("failOn", FailOnText(policy)),
        };
        // Listed only when given, so the manifests of runs without it stay as they were (and the render key still tells them apart).
        if (ticketPerCapture) manifestOptions.Insert(manifestOptions.FindIndex(o => o.Key == "runPdf") + 1, new("ticketPerCapture", "true"));
        return new ReportSettings(analysis, render, templateDir, include, exclude, policy, manifestOptions);
    }

    /// <summary>
    /// A comma list of error, warning, never, watchlist and beacon; watchlist or beacon without error or warning
    /// keep "error" as well (as watchlist always did); never stands alone.
    /// </summary>
    public static FailPolicy ParseFailOn(string text, List<string> errors)
    {
        string[] words = ["error", "warning", "never", "watchlist", "beacon"];
        var policy = FailPolicy.Never;
        bool never = false;
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            errors.Add("--fail-on: give one or more of error, warning, never, watchlist, beacon (comma-separated).");
            return FailPolicy.Error;
        }
        foreach (string part in parts)
        {
            switch (part.ToLowerInvariant())
            {
                case "error": policy |= FailPolicy.Error; break;
                case "warning": policy |= FailPolicy.Warning; break;
                case "never": never = true; break;
                case "watchlist": policy |= FailPolicy.Watchlist; break;
                case "beacon": policy |= FailPolicy.Beacon; break;
                default:
                    errors.Add($"--fail-on: '{part}' is not error, warning, never, watchlist or beacon{Suggestions.Hint(part, words) ?? "."}");
                    return FailPolicy.Error;
            }
        }
        if (never)
        {
            if (parts.Length > 1) errors.Add("--fail-on: never cannot be combined with other values.");
            return FailPolicy.Never;
        }
        if ((policy & (FailPolicy.Error | FailPolicy.Warning)) == 0) policy |= FailPolicy.Error;
        return policy;
    }

    /// <summary>The policy as the manifest and the shard plan write it: "error", "warning,watchlist,beacon", "never".</summary>
    public static string FailOnText(FailPolicy policy)
    {
        if (policy == FailPolicy.Never) return "never";
        var words = new List<string>();
        if (policy.HasFlag(FailPolicy.Warning)) words.Add("warning");
        else if (policy.HasFlag(FailPolicy.Error)) words.Add("error");
        if (policy.HasFlag(FailPolicy.Watchlist)) words.Add("watchlist");
        if (policy.HasFlag(FailPolicy.Beacon)) words.Add("beacon");
        return string.Join(",", words);
    }

    private static OutputFormats ParseFormats(string text, List<string> errors)
    {
        var result = OutputFormats.None;
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (part.ToLowerInvariant())
            {
                case "all": result |= OutputFormats.All; break;
                case "html": result |= OutputFormats.Html; break;
                case "pdf": result |= OutputFormats.Pdf; break;
                case "json": result |= OutputFormats.Json; break;
                case "csv": result |= OutputFormats.Csv; break;
                case "stix": result |= OutputFormats.Stix; break;
                case "misp": result |= OutputFormats.Misp; break;
                default: errors.Add($"--format: '{part}' is not one of html, pdf, json, csv, stix, misp, all{Suggestions.Hint(part, ["html", "pdf", "json", "csv", "stix", "misp", "all"]) ?? "."}"); break;
            }
        }
        if (result == OutputFormats.None) errors.Add("--format: name at least one of html, pdf, json, csv, stix, misp.");
        return result;
    }

    private static string FormatList(OutputFormats formats) => string.Join(',',
        new[] { (OutputFormats.Html, "html"), (OutputFormats.Pdf, "pdf"), (OutputFormats.Json, "json"), (OutputFormats.Csv, "csv"),
               (OutputFormats.Stix, "stix"), (OutputFormats.Misp, "misp") }
            .Where(f => (formats & f.Item1) != 0).Select(f => f.Item2));
}
