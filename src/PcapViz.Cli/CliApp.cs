using System.CommandLine;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using PcapViz.Export;
using PcapViz.Model;
using PcapViz.Bundle;
using PcapViz.Orchestration;
using PcapViz.Rendering.Html;
using PcapViz.Rendering.Pdf;

namespace PcapViz.Cli;

/// <summary>Parses the command line, validates every option up front, wires the run and returns the exit code.</summary>
public static class CliApp
{
    public static string ToolVersion { get; } =
        typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    private const string ExitCodeHelp = """
        Exit codes:
          0    every capture was analysed cleanly and the bundle was written (see --fail-on)
          1    usage error or fatal error; nothing new was written, a previous bundle is left as it was
          2    the bundle was written, but a capture had errors (or warnings, with --fail-on warning),
               or `verify` found a missing, altered or unlisted file
          130  interrupted (Ctrl+C, SIGTERM); a previous bundle is left as it was
        """;

    private const string ReportHelpEpilogue = $"""
        Bundle:
          <out>/index.html, report.pdf, manifest.json, assets/
          <out>/captures/<id>/report.html, report.pdf, analysis.json, source_ips.csv, dns_queries.csv, traffic.csv
          <out>/cache/ (with --incremental)

        Environment:
          SOURCE_DATE_EPOCH  generation time shown in the reports (seconds since 1970), for reproducible bundles

        {ExitCodeHelp}
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand($"""
            PcapViz {ToolVersion}: turns a directory of pcap/pcapng captures (plain or gzip) into a report bundle:
            source-IP occurrence, DNS lookups and bytes over time, as HTML, PDF, JSON and CSV.

            {ExitCodeHelp}
            """);
        root.Subcommands.Add(ReportCommand(stdout, stderr));
        root.Subcommands.Add(VerifyCommand(stdout, stderr));
        var config = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is null)
        {
            foreach (var e in parse.Errors) stderr.WriteLine($"pcapviz: {e.Message}");
            return ExitCodes.Fatal;
        }
        int code = parse.Invoke(config);
        if (parse.CommandResult.Command.Name == "report" && args.Any(a => a is "-h" or "--help" or "-?"))
            stdout.WriteLine(ReportHelpEpilogue);
        // System.CommandLine reports parse errors with exit code 1, which is our usage-error code too.
        return code;
    }

    private static Command ReportCommand(TextWriter stdout, TextWriter stderr)
    {
        var inputs = new Argument<string[]>("inputs")
        {
            Description = "Capture files and/or directories (walked recursively; in directories, files are recognised by content).",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string>("--output", "-o") { Description = "Bundle directory to write (replaced atomically at the end of the run).", Required = true };
        var include = new Option<string[]>("--include") { Description = "Glob of files to take from directories (repeatable), matched against the relative path or the file name: '*.pcap', 'site-a/**'.", AllowMultipleArgumentsPerToken = false };
        var exclude = new Option<string[]>("--exclude") { Description = "Glob of files to leave out (repeatable); wins over --include." };
        var bin = new Option<string>("--bin") { Description = "Traffic bin width: whole seconds, or 'auto' (2 s, widened up to 1 d so there are at most 3,600 bins).", DefaultValueFactory = _ => "auto" };
        var top = new Option<int>("--top") { Description = "Entries shown in charts and PDF tables.", DefaultValueFactory = _ => 20 };
        var timeZone = new Option<string>("--timezone") { Description = "IANA time zone for times in HTML and PDF (data files are always UTC).", DefaultValueFactory = _ => "UTC" };
        var formats = new Option<string>("--format") { Description = "Outputs to write, comma-separated: html,pdf,json,csv (or 'all').", DefaultValueFactory = _ => "all" };
        var paper = new Option<string>("--paper") { Description = "PDF paper size: a4 or letter.", DefaultValueFactory = _ => "a4" };
        var selfContained = new Option<bool>("--self-contained-html") { Description = "Inline plotly.js into every HTML page (single files to attach to tickets) instead of writing assets/." };
        var templates = new Option<string?>("--templates") { Description = "Directory of Scriban templates overriding any of the built-in ones (see templates/ in the source)." };
        var jobs = new Option<int>("--jobs", "-j") { Description = "Captures processed at once.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var incremental = new Option<bool>("--incremental") { Description = "Keep a cache in <out>/cache/ and reuse a capture's results from it when its path, size, modification time, SHA-256 and the analysis options are unchanged." };
        var failOn = new Option<string>("--fail-on") { Description = "Which captures make the exit code 2: error (failed or cut short), warning (any issue) or never.", DefaultValueFactory = _ => "error" };
        var maxDistinct = new Option<int>("--max-distinct") { Description = "Distinct addresses / names each analysis tracks exactly; past it the lightest are counted as 'other' and the report says so.", DefaultValueFactory = _ => AnalysisOptions.DefaultMaxDistinct };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only errors." };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Print every capture's issues as well." };

        var command = new Command("report", "Analyse captures and write the report bundle (HTML, PDF, JSON, CSV, manifest.json).")
        {
            inputs, output, include, exclude, bin, top, timeZone, formats, paper, selfContained, templates, jobs,
            incremental, failOn, maxDistinct, quiet, verbose,
        };

        command.SetAction(parse =>
        {
            var errors = new List<string>();
            int? binSeconds = null;
            string binText = parse.GetValue(bin)!;
            if (!binText.Equals("auto", StringComparison.OrdinalIgnoreCase))
            {
                if (int.TryParse(binText, NumberStyles.None, CultureInfo.InvariantCulture, out int b) && b > 0 && b <= 31_536_000) binSeconds = b;
                else errors.Add($"--bin: '{binText}' is neither 'auto' nor a whole number of seconds from 1 to 31536000.");
            }
            int topValue = parse.GetValue(top);
            if (topValue is < 1 or > 1000) errors.Add($"--top: {topValue} is outside 1..1000.");
            TimeZoneInfo? zone = null;
            string zoneText = parse.GetValue(timeZone)!;
            try { zone = zoneText is "UTC" or "utc" or "Etc/UTC" ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(zoneText); }
            catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException) { errors.Add($"--timezone: '{zoneText}' is not a known IANA time zone (for example Europe/Berlin)."); }
            var outputs = ParseFormats(parse.GetValue(formats)!, errors);
            PaperSize paperSize = PaperSize.A4;
            switch (parse.GetValue(paper)!.ToLowerInvariant())
            {
                case "a4": break;
                case "letter": paperSize = PaperSize.Letter; break;
                default: errors.Add($"--paper: '{parse.GetValue(paper)}' is neither a4 nor letter."); break;
            }
            string? templateDir = parse.GetValue(templates);
            if (templateDir is not null && !Directory.Exists(templateDir)) errors.Add($"--templates: directory '{templateDir}' does not exist.");
            int jobCount = parse.GetValue(jobs);
            if (jobCount is < 1 or > 256) errors.Add($"--jobs: {jobCount} is outside 1..256.");
            FailPolicy policy = FailPolicy.Error;
            switch (parse.GetValue(failOn)!.ToLowerInvariant())
            {
                case "error": break;
                case "warning": policy = FailPolicy.Warning; break;
                case "never": policy = FailPolicy.Never; break;
                default: errors.Add($"--fail-on: '{parse.GetValue(failOn)}' is not error, warning or never."); break;
            }
            int distinct = parse.GetValue(maxDistinct);
            if (distinct is < 10 or > 50_000_000) errors.Add($"--max-distinct: {distinct} is outside 10..50000000.");
            if (parse.GetValue(quiet) && parse.GetValue(verbose)) errors.Add("--quiet and --verbose exclude each other.");
            foreach (string input in parse.GetValue(inputs) ?? [])
                if (!File.Exists(input) && !Directory.Exists(input)) errors.Add($"input '{input}' does not exist.");
            var generated = GenerationTime(errors);
            if (errors.Count > 0)
            {
                foreach (string e in errors) stderr.WriteLine($"pcapviz: {e}");
                stderr.WriteLine("Run 'pcapviz report --help' for the options.");
                return ExitCodes.Fatal;
            }

            var analysis = new AnalysisOptions(binSeconds, distinct);
            var render = new RenderOptions(topValue, zone!, outputs, paperSize, parse.GetValue(selfContained));
            var manifestOptions = new List<KeyValuePair<string, string>>
            {
                new("bin", binSeconds?.ToString(CultureInfo.InvariantCulture) ?? "auto"),
                new("maxDistinct", distinct.ToString(CultureInfo.InvariantCulture)),
                new("top", topValue.ToString(CultureInfo.InvariantCulture)),
                new("timezone", zone == TimeZoneInfo.Utc ? "UTC" : zone!.Id),
                new("format", FormatList(outputs)),
                new("paper", paperSize == PaperSize.A4 ? "a4" : "letter"),
                new("selfContainedHtml", render.SelfContainedHtml ? "true" : "false"),
                new("templates", templateDir is null ? "built-in" : "custom"),
                new("include", string.Join(';', parse.GetValue(include) ?? [])),
                new("exclude", string.Join(';', parse.GetValue(exclude) ?? [])),
                new("failOn", policy.ToString().ToLowerInvariant()),
            };
            IReportExporter[] exporters =
            [
                new AnalysisJsonExporter(),
                new CsvExporter(),
                new HtmlReportExporter(new HtmlReportOptions(templateDir)),
                new PdfReportExporter(),
            ];
            var request = new RunRequest(parse.GetValue(inputs)!, parse.GetValue(output)!, analysis, render, exporters, ToolVersion, generated, manifestOptions)
            {
                Includes = parse.GetValue(include) ?? [],
                Excludes = parse.GetValue(exclude) ?? [],
                Jobs = jobCount,
                Incremental = parse.GetValue(incremental),
                FailOn = policy,
            };
            var verbosity = parse.GetValue(quiet) ? Verbosity.Quiet : parse.GetValue(verbose) ? Verbosity.Verbose : Verbosity.Normal;
            return ReportExecution.Execute(request, verbosity, stdout, stderr);
        });
        return command;
    }

    private static Command VerifyCommand(TextWriter stdout, TextWriter stderr)
    {
        var bundle = new Argument<string>("bundle") { Description = "Bundle directory (the one holding manifest.json)." };
        var command = new Command("verify", $"""
            Re-hash every file listed in <bundle>/manifest.json and report any that is missing, altered or unlisted.
            Exit codes: 0 intact, 2 a file is missing, altered or unlisted, 1 no readable manifest.
            """) { bundle };
        command.SetAction(parse =>
        {
            var report = BundleVerifier.Verify(parse.GetValue(bundle)!);
            if (report.Error is not null)
            {
                stderr.WriteLine($"pcapviz: {Terminal.Safe(report.Error)}");
                return ExitCodes.Fatal;
            }
            foreach (var p in report.Problems)
                stdout.WriteLine($"{p.Kind.ToString().ToLowerInvariant(),-9} {Terminal.Safe(p.Path)}: {p.Detail}");
            stdout.WriteLine(report.Intact
                ? $"intact: {report.FilesChecked} files match manifest.json"
                : $"NOT intact: {report.Problems.Count} problem(s) among {report.FilesChecked} listed files");
            return report.Intact ? ExitCodes.Success : ExitCodes.CapturesWithIssues;
        });
        return command;
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
                default: errors.Add($"--format: '{part}' is not one of html, pdf, json, csv, all."); break;
            }
        }
        if (result == OutputFormats.None) errors.Add("--format: name at least one of html, pdf, json, csv.");
        return result;
    }

    private static string FormatList(OutputFormats formats) => string.Join(',',
        new[] { (OutputFormats.Html, "html"), (OutputFormats.Pdf, "pdf"), (OutputFormats.Json, "json"), (OutputFormats.Csv, "csv") }
            .Where(f => (formats & f.Item1) != 0).Select(f => f.Item2));

    /// <summary>SOURCE_DATE_EPOCH (reproducible-builds.org) when set, else now.</summary>
    internal static DateTimeOffset GenerationTime(List<string> errors)
    {
        string? epoch = Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH");
        if (string.IsNullOrEmpty(epoch)) return DateTimeOffset.UtcNow;
        if (long.TryParse(epoch, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds) && seconds <= 253402300799)
            return DateTimeOffset.FromUnixTimeSeconds(seconds);
        errors.Add($"SOURCE_DATE_EPOCH='{epoch}' is not a number of seconds since 1970.");
        return DateTimeOffset.UnixEpoch;
    }
}
