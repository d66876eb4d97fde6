using System.CommandLine;
using System.Globalization;
using PcapViz.Analysis;
using PcapViz.Diff;
using PcapViz.Model;
using PcapViz.Orchestration;

namespace PcapViz.Cli;

/// <summary>`pcapviz diff OLD NEW -o OUT`: what appeared, disappeared and changed between two report bundles.</summary>
internal static class DiffCommand
{
    internal const string ExitCodeHelp = """
        Exit codes:
          0    the diff bundle was written
          1    usage error, a bundle that is not a readable PcapViz report bundle (named, with the reason), an
               analysis.json altered since its bundle was written, or an output that is not ours to replace or
               could not be written; nothing new was written and a previous diff bundle is left as it was
          2    the diff bundle was written, but a capture of either bundle failed or was read only in part, so
               its counts are incomplete
          130  interrupted (Ctrl+C, SIGTERM); a previous diff bundle is left as it was
        """;

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var oldBundle = new Argument<string>("old") { Description = "The older report bundle (the directory `pcapviz report -o` wrote; analysis.json schemaVersion 1 to 3)." };
        var newBundle = new Argument<string>("new") { Description = "The newer report bundle." };
        var output = new Option<string>("--output", "-o") { Description = "Diff bundle directory to write (diff.html, diff.pdf, diff.json, manifest.json; replaced atomically, and only when it is a PcapViz bundle).", Required = true };
        var top = new Option<int>("--top") { Description = "Entries per table in the PDF.", DefaultValueFactory = _ => 20 };
        var zone = new Option<string>("--timezone") { Description = "IANA time zone for the generation time on the page.", DefaultValueFactory = _ => "UTC" };
        var paper = new Option<string>("--paper") { Description = "PDF paper size: a4 or letter.", DefaultValueFactory = _ => "a4" };
        var templates = new Option<string?>("--templates") { Description = "Directory of Scriban templates overriding the built-in ones (diff.html and the partials)." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only errors." };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Also print each analysis.json as its reading starts (every one read is listed without it too, unless --quiet)." };
        var command = new Command("diff", $"""
            Compare two report bundles, each summed over its captures: the source addresses, query names and
            registered domains (and server names, services and conversations when both bundles list them) that
            appeared, disappeared and changed most, with both sides' counts, ranked by bytes (addresses) or queries
            (names, domains). Writes diff.html and diff.pdf (a "what changed" box at the top), diff.json (every entry)
            and manifest.json (`pcapviz verify` checks it). The same two bundles give the same diff.json and diff.pdf.

            {ExitCodeHelp}
            """) { oldBundle, newBundle, output, top, zone, paper, templates, PseudonymiseOption.Key, quiet, verbose };
        command.SetAction(parse =>
        {
            var errors = new List<string>();
            if (parse.GetValue(quiet) && parse.GetValue(verbose)) errors.Add("--quiet and --verbose exclude each other.");
            var verbosity = parse.GetValue(quiet) ? Verbosity.Quiet : parse.GetValue(verbose) ? Verbosity.Verbose : Verbosity.Normal;
            string target = parse.GetValue(output)!;
            if (OutputPreflight.Check(target) is { } outputError) errors.Add(outputError);
            // The rendering options are checked by the rules `report` uses; the diff writes its page, PDF and JSON always.
            var settings = ReportOptionSet.Build("auto", parse.GetValue(top), parse.GetValue(zone)!, "html,pdf", parse.GetValue(paper)!, false,
                parse.GetValue(templates), [], [], "error", AnalysisOptions.DefaultMaxDistinct, errors);
            var generated = CliApp.GenerationTime(errors);
            var pseudonymOptions = new List<KeyValuePair<string, string>>();
            using var pseudonymiser = PseudonymiseOption.Build(parse, errors, pseudonymOptions);
            if (errors.Count > 0)
            {
                foreach (string e in errors) stderr.WriteLine($"pcapviz: {Terminal.Safe(e)}");
                stderr.WriteLine("Run 'pcapviz diff --help' for the options.");
                return ExitCodes.Fatal;
            }
            var options = settings!.ManifestOptions.Where(o => o.Key is "top" or "timezone" or "paper" or "templates").Concat(pseudonymOptions).ToList();
            var request = new DiffRequest(parse.GetValue(oldBundle)!, parse.GetValue(newBundle)!, target, CliApp.ToolVersion, generated,
                settings.Exporters().OfType<IDiffExporter>().ToList(), options) { Pseudonymiser = pseudonymiser };
            return ReportExecution.Execute(verbosity, stderr, (observer, token) => new DiffRunner(request, observer).Run(token), outcome =>
            {
                if (outcome.Diff is { } diff && verbosity != Verbosity.Quiet) stdout.WriteLine(Summary(diff, target));
                return outcome.ExitCode;
            });
        });
        return command;
    }

    /// <summary>"Wrote out: 12 appeared, 3 disappeared, 40 changed (source addresses 5/1/20, …)." or "… no changes."</summary>
    internal static string Summary(BundleDiff diff, string target)
    {
        string bundle = Terminal.Safe(Path.GetFullPath(target));
        var compared = diff.Kinds.Where(k => k.Compared).ToList();
        if (!diff.HasChanges) return $"Wrote {bundle}: no changes between the two bundles.";
        string perKind = string.Join(", ", compared.Where(k => k.HasChanges).Select(k =>
            string.Create(CultureInfo.InvariantCulture, $"{k.Kind.Plural} +{k.Appeared.Count:N0} -{k.Disappeared.Count:N0} ~{k.Changed.Count:N0}")));
        return $"Wrote {bundle}: {Names.Count(compared.Sum(k => k.Appeared.Count), "appeared", "appeared")}, {Names.Count(compared.Sum(k => k.Disappeared.Count), "disappeared", "disappeared")}, {Names.Count(compared.Sum(k => k.Changed.Count), "changed", "changed")} ({perKind}).";
    }
}
