using System.CommandLine;
using System.Globalization;
using System.Reflection;
using PcapViz.Model;
using PcapViz.Bundle;
using PcapViz.Discovery;
using PcapViz.Orchestration;
using PcapViz.Pseudonymisation;
using PcapViz.ScaleOut;
using PcapViz.Slicing;

namespace PcapViz.Cli;

/// <summary>Parses the command line, validates every option up front, wires the run and returns the exit code.</summary>
public static class CliApp
{
    /// <summary>The version `--version` prints and the manifest records: the assembly's informational version (the
    /// project's Version, without a source revision), "0.0.0" when the attribute is missing.</summary>
    public static string ToolVersion { get; } =
        typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    private const string ExitCodeHelp = """
        Exit codes:
          0    every capture was analysed cleanly and the bundle was written (see --fail-on)
          1    usage error or fatal error; nothing new was written, a previous bundle is left as it was
          2    the bundle was written, but a capture had errors (or warnings, with --fail-on warning),
               or `verify` found a missing, altered or unlisted file, a bad signature or a broken chain,
               or `diff` wrote its bundle but a capture of either bundle failed or was read only in part
          3    no capture was found in the inputs; a previous bundle is left as it was (see --allow-empty)
          4    with --fail-on watchlist: the bundle was written and a watchlist entry was hit
          5    with --fail-on beacon: the bundle was written and a client-server pair scored as a beacon (in a capture or over the run)
               (several apply: the highest code wins, e.g. --fail-on error,watchlist,beacon)
          130  interrupted (Ctrl+C, SIGTERM); a previous bundle is left as it was
        """;

    private const string ReportHelpEpilogue = $"""
        Bundle:
          <out>/index.html, report.pdf, ticket.pdf (one page), manifest.json, assets/
          <out>/captures/<id>/report.html, report.pdf, analysis.json, source_ips.csv, dns_queries.csv, dns_domains.csv,
                              server_names.csv, traffic.csv, conversations.csv
          <out>/captures/<id>/ticket.pdf (with --ticket-per-capture)
          <out>/slices/<id>/beacon-<n>.pcapng, watch-<n>.pcapng (with --slices)
          <out>/cache/ (with --incremental), manifest.json.sig (with --sign-key)

        Guarantees:
          The output is checked before any work: never '/', a mount point, a symbolic link or a file; an existing
          directory is replaced only when it is a PcapViz bundle holding nothing its manifest does not list.
          Any failed output or write (disk full, I/O error, template error) fails the run (exit 1) and the
          previous bundle stays as it was.

        Environment:
          SOURCE_DATE_EPOCH  generation time shown in the reports (seconds since 1970), for reproducible bundles

        {ExitCodeHelp}
        """;

    /// <summary>Runs one command line as `pcapviz` would, writing to <paramref name="stdout"/> and
    /// <paramref name="stderr"/> instead of the console; returns the process exit code (see the exit codes above and
    /// README).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = Root(stdout, stderr);
        var config = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };
        var parse = root.Parse(args);
        // An option or command that does not exist is named as such, with the closest valid one, before anything runs
        // (System.CommandLine would take a mistyped option after `report` for an input path).
        var unknown = Suggestions.ForUnknownTokens(parse);
        if (unknown.Count > 0)
        {
            foreach (string message in unknown) stderr.WriteLine($"pcapviz: {message}");
            stderr.WriteLine($"Run '{CommandPath(parse.CommandResult)} --help' for the options.");
            return ExitCodes.Fatal;
        }
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

    /// <summary>Every command and option of `pcapviz` (tests walk it to check how each option parses).</summary>
    internal static RootCommand Root(TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand($"""
            PcapViz {ToolVersion}: turns a directory of pcap/pcapng captures (plain or gzip) into a report bundle:
            source-IP occurrence, DNS lookups and bytes over time, as HTML, PDF, JSON and CSV.

            {ExitCodeHelp}
            """);
        root.Subcommands.Add(ReportCommand(stdout, stderr));
        root.Subcommands.Add(VerifyCommand(stdout, stderr));
        root.Subcommands.Add(PlanCommand(stdout, stderr));
        root.Subcommands.Add(MergeCommand(stdout, stderr));
        root.Subcommands.Add(SliceCommand.Create(stdout, stderr));
        root.Subcommands.Add(DiffCommand.Create(stdout, stderr));
        root.Subcommands.Add(HistoryCli.HistoryCommand(stdout, stderr));
        return root;
    }

    /// <summary>"pcapviz", "pcapviz report", "pcapviz history show": the command the parse ended in.</summary>
    private static string CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new List<string>();
        for (var r = result; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
            names.Add(r.Parent is null ? "pcapviz" : r.Command.Name);
        names.Reverse();
        return string.Join(' ', names);
    }

    private static Command ReportCommand(TextWriter stdout, TextWriter stderr)
    {
        var inputs = new Argument<string[]>("inputs")
        {
            Description = "Capture files and/or directories (walked recursively; in directories, files are recognised by content). Not with --plan.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var output = new Option<string>("--output", "-o") { Description = "Bundle directory to write (replaced atomically at the end of the run).", Required = true };
        var set = new ReportOptionSet();
        var incremental = new Option<bool>("--incremental") { Description = "Keep a cache in <out>/cache/ and reuse a capture's results from it when its path, size, modification time, SHA-256 and the analysis options are unchanged." };
        var plan = new Option<string?>("--plan") { Description = "Analyse one shard of a plan made by 'pcapviz plan' (the plan fixes inputs and options); the output is a shard for 'pcapviz merge'." };
        var shard = new Option<int?>("--shard") { Description = "Shard index 0..N-1 (default: SLURM_ARRAY_TASK_ID, else JOB_COMPLETION_INDEX)." };
        var followExternal = new Option<bool>("--follow-external-links") { Description = "Read symbolic links in input directories whose target lies outside the input root (skipped with a note otherwise)." };
        var allowEmpty = new Option<bool>("--allow-empty") { Description = "Write a bundle even when the inputs hold no capture (else exit 3 and the previous bundle stays)." };
        var signKey = new Option<string?>("--sign-key") { Description = "ECDSA P-256 private key (PEM) that signs manifest.json (detached signature manifest.json.sig); with --incremental, only a previous bundle signed with this key is reused." };
        var chain = new Option<string?>("--chain") { Description = "The previous night's manifest.json: its SHA-256 is recorded in the new manifest, so `verify --chain` detects a removed or rewritten night." };
        var publicSuffixList = new Option<string?>("--public-suffix-list") { Description = "Public Suffix List file (publicsuffix.org format) for registered domains instead of the copy shipped with PcapViz. Not with --plan." };
        var geoIp = new Option<string[]>("--geoip") { Description = "MaxMind DB file (.mmdb) for country and ASN of each address (repeatable: a country and an ASN database). Off by default. Not with --plan." };
        var beaconIgnore = new Option<string?>("--beacon-ignore") { Description = "File of traffic never scored as a beacon, added to the default list: one rule a line, 'transport/port' (udp/123), 'transport/port@server' (tcp/443@10.0.0.0/8) or a server address or network alone; '#' comments. Not with --plan." };
        var beaconIgnoreDefaults = new Option<string>("--beacon-ignore-defaults") { Description = "'off' scores the traffic the default list leaves out (NTP, mDNS, SSDP, LLMNR, NetBIOS, DHCP, DNS to a local resolver); 'on' (default) keeps it out. Not with --plan.", DefaultValueFactory = _ => "on" };
        var resultsInMemory = new ResultsInMemoryOption();
        var slices = new Option<bool>("--slices")
        {
            Description = $"Also write into the bundle a packet slice (pcapng, as 'pcapviz slice' writes it) for every beacon scored {BeaconEntry.Threshold.ToString("0.0", CultureInfo.InvariantCulture)} or more and every watchlist hit of each capture: slices/<capture-id>/beacon-<n>.pcapng and watch-<n>.pcapng, at most {RunSlices.DefaultMaxPerCapture} per capture (beacons first), listed in the manifest and linked from the pages. With --pseudonymise, the slices' packets are rewritten with the bundle's pseudonyms (addresses, link-layer addresses; payload past the transport header removed), as 'pcapviz slice --pseudonymise' writes them. Not with --plan.",
        };
        var maxSliceBytes = new Option<long>("--max-slice-bytes")
        {
            Description = "With --slices: bound on each slice's packet blocks in bytes; the packet that would pass it and all after it are left out, and the slice and the page say so. Default 104857600 (100 MiB).",
            DefaultValueFactory = _ => SliceSelection.DefaultMaxBytes,
        };

        var command = new Command("report", "Analyse captures and write the report bundle (HTML, PDF, JSON, CSV, manifest.json).")
        {
            inputs, output,
        };
        set.AddTo(command, withJobs: true);
        command.Options.Add(publicSuffixList);
        command.Options.Add(geoIp);
        command.Options.Add(beaconIgnore);
        command.Options.Add(beaconIgnoreDefaults);
        command.Options.Add(incremental);
        command.Options.Add(plan);
        command.Options.Add(shard);
        command.Options.Add(followExternal);
        foreach (var option in HistoryCli.ReportOptions) command.Options.Add(option);
        command.Options.Add(allowEmpty);
        resultsInMemory.AddTo(command);
        command.Options.Add(signKey);
        command.Options.Add(chain);
        command.Options.Add(PseudonymiseOption.Key);
        command.Options.Add(slices);
        command.Options.Add(maxSliceBytes);

        command.SetAction(parse =>
        {
            var errors = new List<string>();
            string? planPath = parse.GetValue(plan);
            var sliceOptions = SliceCommand.ReportSlices(parse, slices, maxSliceBytes, errors);
            if (sliceOptions is not null && planPath is not null)
                errors.Add("--slices: a shard does not write slices (the merge, which writes the bundle, has no captures); run 'pcapviz slice' on the merged bundle.");
            var verbosity = set.Verbosity(parse, errors);
            int jobCount = set.Jobs(parse, errors);
            if (planPath is not null && HistoryCli.Given(parse))
                errors.Add("--plan: a shard does not read or write the history or watchlists; give --history/--watchlist to 'pcapviz merge', the one step that writes the history.");
            if (planPath is not null && parse.GetValue(PseudonymiseOption.Key) is not null)
                errors.Add("--plan: shards keep the original values (like the captures, they stay inside); give --pseudonymise to 'pcapviz merge', which writes the bundle to share.");
            if (planPath is not null && (parse.GetResult(beaconIgnore) is { Implicit: false } || parse.GetResult(beaconIgnoreDefaults) is { Implicit: false }))
                errors.Add("--plan: --beacon-ignore and --beacon-ignore-defaults do not apply to a shard (a sharded run uses the default list).");
            if (planPath is not null)
                return RunShard(parse, set, planPath, parse.GetValue(shard), parse.GetValue(inputs) ?? [], parse.GetValue(output)!,
                    parse.GetValue(incremental), jobCount, verbosity, errors, stdout, stderr);
            if (parse.GetValue(shard) is not null) errors.Add("--shard needs --plan.");
            var roots = parse.GetValue(inputs) ?? [];
            if (roots.Length == 0) errors.Add("name at least one input file or directory.");
            foreach (string input in roots)
                if (!File.Exists(input) && !Directory.Exists(input)) errors.Add($"input '{input}' does not exist.");
            if (OutputPreflight.Check(parse.GetValue(output)!) is { } outputError) errors.Add(outputError);
            var settings = set.Parse(parse, errors);
            long memoryBudget = resultsInMemory.Budget(parse, errors, stderr);
            ManifestSigner? signer = null;
            if (parse.GetValue(signKey) is { } keyPath)
            {
                signer = ManifestSigner.TryLoad(keyPath, out string? keyError);
                if (signer is null) errors.Add($"--sign-key: {keyError}");
            }
            string? chainSha = null;
            if (parse.GetValue(chain) is { } chainPath)
            {
                var previousManifest = ManifestReader.TryLoad(chainPath, out byte[]? chainBytes, out string? chainError);
                if (previousManifest is null) errors.Add($"--chain: '{chainPath}' {(chainBytes is null ? chainError : $"is not a PcapViz manifest ({chainError})")}.");
                else chainSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(chainBytes!));
            }
            var generated = GenerationTime(errors);
            var historyOptions = new List<KeyValuePair<string, string>>();
            var history = HistoryCli.Build(parse, errors, historyOptions);
            if (settings is not null && settings.FailOn.HasFlag(FailPolicy.Watchlist) && (parse.GetValue(HistoryCli.Watchlists) ?? []).Length == 0)
                errors.Add("--fail-on watchlist needs at least one --watchlist.");
            var suffixes = Context.PublicSuffixList.Embedded;
            if (parse.GetValue(publicSuffixList) is { } pslPath)
            {
                try { suffixes = Context.PublicSuffixList.Load(pslPath); }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
                { errors.Add($"--public-suffix-list: {ex.Message}"); }
            }
            var ignoreList = BeaconIgnoreOption(parse.GetValue(beaconIgnore), parse.GetValue(beaconIgnoreDefaults)!, errors);
            var pseudonymOptions = new List<KeyValuePair<string, string>>();
            var pseudonymiser = PseudonymiseOption.Build(parse, errors, pseudonymOptions, suffixes);
            if (pseudonymiser is not null && parse.GetValue(incremental))
                errors.Add("--incremental: a pseudonymised bundle keeps no cache (reusing a capture's results needs its original addresses and names, which a bundle for sharing must not hold); leave out one of them.");
            string[] geoIpPaths = parse.GetValue(geoIp) ?? [];
            var geoIpDatabases = Context.GeoIpDatabases.None;
            if (geoIpPaths.Length > 0 && errors.Count == 0)
            {
                try { geoIpDatabases = Context.GeoIpDatabases.Open(geoIpPaths); }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
                { errors.Add($"--geoip: {ex.Message}"); }
            }
            if (errors.Count > 0)
            {
                signer?.Dispose();
                pseudonymiser?.Dispose();
                return UsageErrors(errors, "report", stderr);
            }
            using var ownedPseudonymiser = pseudonymiser;

            bool external = parse.GetValue(followExternal);
            using var ownedGeoIp = geoIpDatabases;
            var contextOptions = new List<KeyValuePair<string, string>>();
            if (parse.GetValue(publicSuffixList) is not null) contextOptions.Add(new("publicSuffixList", suffixes.Version));
            if (geoIpPaths.Length > 0) contextOptions.Add(new("geoip", string.Join(';', geoIpDatabases.Descriptions)));
            if (!ignoreList.IsDefault) contextOptions.Add(new("beaconIgnore", ignoreList.Key));
            IReadOnlyList<KeyValuePair<string, string>> manifestOptions = [.. settings!.ManifestOptions, .. contextOptions, .. historyOptions, .. pseudonymOptions];
            if (external) manifestOptions = [.. manifestOptions, new("followExternalLinks", "true")];
            if (sliceOptions is not null)
                manifestOptions = [.. manifestOptions, new("slices", "true"), new("maxSliceBytes", sliceOptions.MaxBytes.ToString(CultureInfo.InvariantCulture))];
            var request = (settings with { ManifestOptions = manifestOptions, ManifestSigned = signer is not null }).ToRequest(roots, parse.GetValue(output)!, ToolVersion, generated);
            request = request with
            {
                Analysis = request.Analysis with { PublicSuffixes = suffixes, GeoIp = geoIpDatabases, BeaconIgnore = ignoreList },
                Jobs = jobCount,
                Incremental = parse.GetValue(incremental),
                FollowExternalLinks = external,
                OptionsForManifest = manifestOptions,
                History = history,
                AllowEmpty = parse.GetValue(allowEmpty),
                MemoryBudget = memoryBudget,
                Signer = signer,
                ChainPreviousSha256 = chainSha,
                Pseudonymiser = pseudonymiser is null ? null : new ResultPseudonymiser(pseudonymiser),
                Slices = sliceOptions,
            };
            using (signer) return ReportExecution.Execute(request, verbosity, stdout, stderr);
        });
        return command;
    }

    /// <summary>The list of --beacon-ignore and --beacon-ignore-defaults; the default list (and an error) when a value is bad.</summary>
    private static Analysis.BeaconIgnoreList BeaconIgnoreOption(string? file, string defaults, List<string> errors)
    {
        bool on = true;
        switch (defaults.ToLowerInvariant())
        {
            case "on": break;
            case "off": on = false; break;
            default: errors.Add($"--beacon-ignore-defaults: '{Terminal.Safe(defaults)}' is neither on nor off."); break;
        }
        if (file is null) return Analysis.BeaconIgnoreList.Of(on, []);
        try
        {
            return Analysis.BeaconIgnoreList.Load(file, on);
        }
        catch (Analysis.BeaconIgnoreException ex)
        {
            errors.Add($"--beacon-ignore: {ex.Message}");
            return Analysis.BeaconIgnoreList.Default;
        }
    }

    private static int RunShard(ParseResult parse, ReportOptionSet set, string planPath, int? shardGiven, string[] roots, string output,
        bool incremental, int jobs, Verbosity verbosity, List<string> errors, TextWriter stdout, TextWriter stderr)
    {
        if (roots.Length > 0) errors.Add("--plan: the plan names the inputs; give no inputs on the command line.");
        if (incremental) errors.Add("--plan: --incremental does not apply to a shard.");
        if (OutputPreflight.Check(output) is { } outputError) errors.Add(outputError);
        foreach (string name in set.FixedByPlan(parse)) errors.Add($"--plan: {name} is fixed by the plan; give it to 'pcapviz plan'.");
        ShardPlan? plan = null;
        try
        {
            plan = ShardPlan.Read(planPath);
        }
        catch (InvalidDataException ex)
        {
            errors.Add(ex.Message);
        }
        int? index = plan is null ? null : ShardRun.ResolveIndex(shardGiven, plan.ShardCount, Environment.GetEnvironmentVariable, errors);
        ReportSettings? settings = plan is null ? null : ReportSettings.FromPlan(plan, errors);
        if (plan is not null && plan.ToolVersion != ToolVersion)
            errors.Add($"--plan: the plan was made by PcapViz {plan.ToolVersion}; this is {ToolVersion}. Every shard and the merge must run the version that planned.");
        if (errors.Count > 0) return UsageErrors(errors, "report", stderr);
        var request = settings!.ToRequest(plan!.Roots, output, ToolVersion, plan.GeneratedUtc) with { Jobs = jobs };
        if (set.FailOnGiven(parse)) request = request with { FailOn = set.FailOn(parse, errors) };
        return ReportExecution.Execute(ShardRun.ForShard(request, plan, index!.Value, planPath), verbosity, stdout, stderr);
    }

    private static Command PlanCommand(TextWriter stdout, TextWriter stderr)
    {
        var inputs = new Argument<string[]>("inputs")
        {
            Description = "Capture files and/or directories, exactly as 'pcapviz report' takes them.",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string>("--output", "-o") { Description = "The plan file to write (JSON).", Required = true };
        var shards = new Option<int>("--shards") { Description = "Number of shards (whole files, balanced by size).", Required = true };
        var pages = new Option<string>("--capture-pages") { Description = "Where each capture's pages are rendered: 'shards' (on the nodes) or 'merge'.", DefaultValueFactory = _ => "shards" };
        var set = new ReportOptionSet();
        var command = new Command("plan", """
            Split the inputs of a report run into N shards for a cluster: discovers the inputs as 'pcapviz report' does,
            assigns whole files to shards balanced by size (largest first), and records every input (path, size), the
            options and the generation time (SOURCE_DATE_EPOCH or now) with the plan's SHA-256. Then run
            'pcapviz report --plan plan.json --shard K -o shard-K' for every K, and 'pcapviz merge shard-*/ -o <bundle>'.
            """) { inputs, output, shards, pages };
        set.AddTo(command, withJobs: false);
        command.SetAction(parse =>
        {
            var errors = new List<string>();
            var roots = parse.GetValue(inputs) ?? [];
            foreach (string input in roots)
                if (!File.Exists(input) && !Directory.Exists(input)) errors.Add($"input '{input}' does not exist.");
            int count = parse.GetValue(shards);
            if (count is < 1 or > ShardPlan.MaxShards) errors.Add($"--shards: {count} is outside 1..{ShardPlan.MaxShards}.");
            CapturePages where = CapturePages.Shards;
            switch (parse.GetValue(pages)!.ToLowerInvariant())
            {
                case "shards": break;
                case "merge": where = CapturePages.Merge; break;
                default: errors.Add($"--capture-pages: '{parse.GetValue(pages)}' is neither shards nor merge."); break;
            }
            var settings = set.Parse(parse, errors);
            var verbosity = set.Verbosity(parse, errors);
            var generated = GenerationTime(errors);
            if (errors.Count > 0) return UsageErrors(errors, "plan", stderr);

            var discovery = new InputDiscovery(settings!.Includes, settings.Excludes).Discover(roots);
            if (discovery.Errors.Count > 0)
            {
                foreach (string e in discovery.Errors) stderr.WriteLine($"pcapviz: {Terminal.Safe(e)}");
                return ExitCodes.Fatal;
            }
            var plan = new ShardPlan(ToolVersion, DateTimeOffset.FromUnixTimeSeconds(generated.ToUnixTimeSeconds()), roots, settings.ManifestOptions,
                settings.Includes, settings.Excludes, settings.TemplateDirectory is null ? null : Path.GetFullPath(settings.TemplateDirectory),
                where, count, ShardPlan.Balance(discovery.Inputs, count), discovery.Skipped);
            string target = parse.GetValue(output)!;
            try
            {
                string full = Path.GetFullPath(target);
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                string temp = full + ".partial";
                File.WriteAllBytes(temp, plan.ToBytes());
                File.Move(temp, full, overwrite: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"pcapviz: cannot write the plan '{Terminal.Safe(target)}': {Terminal.Safe(ex.Message)}");
                return ExitCodes.Fatal;
            }
            if (verbosity != Verbosity.Quiet)
            {
                var byShard = plan.InputsByShard();
                stdout.WriteLine(Invariant.Text(
                    $"Wrote {Terminal.Safe(Path.GetFullPath(target))}: {Names.Count(plan.Inputs.Count, "capture")} ({Names.Count(plan.Inputs.Sum(i => i.SizeBytes), "byte")}) in {Names.Count(count, "shard")}, largest {Names.Count(byShard.Max(s => s.Sum(i => i.SizeBytes)), "byte")}; {Names.Count(plan.Skipped.Count, "file")} skipped; plan SHA-256 {plan.Sha256}."));
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// <c>--results-in-memory</c>, and its old name <c>--memory-entries</c>: hidden, still read for one release, with a
    /// warning (it bounded the same thing, but "memory" also meant the history database).
    /// </summary>
    private sealed class ResultsInMemoryOption
    {
        private readonly Option<long?> _option = new("--results-in-memory")
        {
            Description = "Entries of finished capture results (addresses, names, bins, answers) held in memory at once; further results wait on disk beside the output, in a compact form, until the pages need them. Bounds what a run of many captures holds beyond the captures being analysed (docs/output.md, \"Memory\"). The output is the same. Default " + CaptureSpill.DefaultBudget.ToString("N0", CultureInfo.InvariantCulture) + ".",
        };

        private readonly Option<long?> _oldName = new("--memory-entries") { Hidden = true };

        public void AddTo(Command command)
        {
            command.Options.Add(_option);
            command.Options.Add(_oldName);
        }

        public long Budget(ParseResult parse, List<string> errors, TextWriter stderr)
        {
            long? budget = parse.GetValue(_option);
            if (parse.GetValue(_oldName) is long old)
            {
                if (budget is not null) errors.Add("--memory-entries is the old name of --results-in-memory: give one of them.");
                else stderr.WriteLine("pcapviz: warning: --memory-entries is now --results-in-memory; the old name will be removed in the next release.");
                budget ??= old;
            }
            if (budget < 0) errors.Add("--results-in-memory: must not be negative.");
            return budget ?? CaptureSpill.DefaultBudget;
        }
    }

    private static Command MergeCommand(TextWriter stdout, TextWriter stderr)
    {
        var shards = new Argument<string[]>("shards") { Description = "The shard directories written by 'pcapviz report --plan ... --shard K'.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "Bundle directory to write (replaced atomically at the end).", Required = true };
        var plan = new Option<string?>("--plan") { Description = "The plan the shards must come from (default: the plan the shards carry)." };
        var jobs = new Option<int>("--jobs", "-j") { Description = "Files processed at once.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var failOn = new Option<string?>("--fail-on") { Description = "Override the plan's --fail-on for this exit code: a comma list of error, warning, watchlist, beacon, or never." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only errors." };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Print every capture's issues as well." };
        var resultsInMemory = new ResultsInMemoryOption();
        var command = new Command("merge", """
            Check every shard of a plan (missing, duplicate, foreign or altered shards are errors naming the shard) and
            combine them into one bundle, byte for byte the one 'pcapviz report' writes for the same inputs and options.
            """) { shards, output, plan, jobs, failOn, quiet, verbose };
        resultsInMemory.AddTo(command);
        foreach (var option in HistoryCli.ReportOptions) command.Options.Add(option);
        command.Options.Add(PseudonymiseOption.Key);
        command.SetAction(parse =>
        {
            var errors = new List<string>();
            var historyOptions = new List<KeyValuePair<string, string>>();
            var history = HistoryCli.Build(parse, errors, historyOptions);
            using var pseudonymiser = PseudonymiseOption.Build(parse, errors, historyOptions);
            int jobCount = parse.GetValue(jobs);
            if (jobCount is < 1 or > 256) errors.Add($"--jobs: {jobCount} is outside 1..256.");
            if (parse.GetValue(quiet) && parse.GetValue(verbose)) errors.Add("--quiet and --verbose exclude each other.");
            FailPolicy? policy = parse.GetValue(failOn) is { } f ? ReportOptionSet.ParseFailOn(f, errors) : null;
            if (OutputPreflight.Check(parse.GetValue(output)!) is { } outputError) errors.Add(outputError);
            long memoryBudget = resultsInMemory.Budget(parse, errors, stderr);
            if (errors.Count > 0) return UsageErrors(errors, "merge", stderr);
            var (loaded, dirs, loadErrors) = ShardSet.Load(parse.GetValue(shards)!, parse.GetValue(plan));
            errors.AddRange(loadErrors);
            ReportSettings? settings = loaded is null ? null : ReportSettings.FromPlan(loaded, errors);
            if (loaded is not null && loaded.ToolVersion != ToolVersion)
                errors.Add($"the plan was made by PcapViz {loaded.ToolVersion}; this is {ToolVersion}. Merge with the version that planned.");
            if (errors.Count > 0)
            {
                foreach (string e in errors) stderr.WriteLine($"pcapviz: {Terminal.Safe(e)}");
                stderr.WriteLine($"pcapviz: nothing was merged ({Names.Count(errors.Count, "problem")}).");
                return ExitCodes.Fatal;
            }
            // The history options join the plan's in manifest.json as a single-machine run lists them, so the merged
            // bundle is byte for byte the one `report --history` writes.
            var request = (settings! with { ManifestOptions = [.. settings.ManifestOptions, .. historyOptions] })
                .ToRequest(loaded!.Roots, parse.GetValue(output)!, ToolVersion, loaded.GeneratedUtc) with { Jobs = jobCount, MemoryBudget = memoryBudget };
            if (policy is not null) request = request with { FailOn = policy.Value };
            if (request.FailOn.HasFlag(FailPolicy.Watchlist) && (parse.GetValue(HistoryCli.Watchlists) ?? []).Length == 0)
            {
                stderr.WriteLine("pcapviz: --fail-on watchlist needs at least one --watchlist.");
                return ExitCodes.Fatal;
            }
            request = request with { History = history, Pseudonymiser = pseudonymiser is null ? null : new ResultPseudonymiser(pseudonymiser) };
            var verbosity = parse.GetValue(quiet) ? Verbosity.Quiet : parse.GetValue(verbose) ? Verbosity.Verbose : Verbosity.Normal;
            return ReportExecution.Merge(new MergeRequest(loaded, dirs, request), verbosity, stdout, stderr);
        });
        return command;
    }

    private static int UsageErrors(List<string> errors, string command, TextWriter stderr)
    {
        foreach (string e in errors) stderr.WriteLine($"pcapviz: {Terminal.Safe(e)}");
        stderr.WriteLine($"Run 'pcapviz {command} --help' for the options.");
        return ExitCodes.Fatal;
    }

    private static Command VerifyCommand(TextWriter stdout, TextWriter stderr)
    {
        var bundle = new Argument<string[]>("bundle") { Description = "Bundle directory (the one holding manifest.json); with --chain, several, oldest first. With --inputs or --recompute (and no --chain), the input roots may follow the bundle, when the captures are not where the manifest's roots point.", Arity = ArgumentArity.OneOrMore };
        var key = new Option<string?>("--key") { Description = "ECDSA P-256 public key (PEM) whose signature manifest.json.sig must carry." };
        var chain = new Option<bool>("--chain") { Description = "The bundles are one archived series, oldest first: each must record (report --chain) the manifest before it, so a removed or rewritten night is detected." };
        // --inputs takes no value, so `verify --inputs B` and `verify B --inputs` mean the same (with an optional value it
        // took B as an input root and then missed the bundle); input roots, when given, are the positionals after the bundle.
        var inputs = new Option<bool>("--inputs") { Description = "Re-hash the original captures against the manifest: found where the manifest's roots point, or under the roots given after the bundle (relative to the current directory)." };
        var recompute = new Option<bool>("--recompute") { Description = "Analyse the original captures again and compare every data file (analysis.json, CSV) byte for byte. Implies finding the inputs as --inputs does." };
        var jobs = new Option<int>("--jobs", "-j") { Description = "Captures analysed at once with --recompute.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("verify", $"""
            Re-hash every file listed in <bundle>/manifest.json and report any that is missing, altered or unlisted
            (symbolic links are never followed, FIFOs and devices never opened); check the signature, the chain of
            nights, the original captures and a recomputation when asked.
            Exit codes: 0 intact, 2 a problem was found (file, signature, chain, input or recomputed file),
            1 no readable manifest, a bad key or a usage error.
            """) { bundle, key, chain, inputs, recompute, jobs };
        command.SetAction(parse =>
        {
            var bundles = parse.GetValue(bundle) ?? [];
            bool isChain = parse.GetValue(chain);
            bool checkInputs = parse.GetValue(inputs);
            bool recomputeAll = parse.GetValue(recompute);
            string[] givenRoots = [];
            if (bundles.Length > 1 && !isChain)
            {
                if (!checkInputs && !recomputeAll)
                {
                    stderr.WriteLine("pcapviz: verify takes one bundle (several only with --chain; input roots only with --inputs or --recompute).");
                    return ExitCodes.Fatal;
                }
                (bundles, givenRoots) = (bundles[..1], bundles[1..]);
            }
            string? keyError = null;
            using var publicKey = parse.GetValue(key) is { } keyPath ? ManifestSignature.TryLoadKey(keyPath, out keyError) : null;
            if (keyError is not null)
            {
                stderr.WriteLine($"pcapviz: --key: {Terminal.Safe(keyError)}");
                return ExitCodes.Fatal;
            }
            var reports = isChain
                ? BundleVerifier.VerifyChain(bundles, publicKey)
                : [(bundles[0], BundleVerifier.Verify(bundles[0], publicKey))];
            bool fatal = false, intact = true;
            foreach (var (path, first) in reports)
            {
                var report = first;
                if (report.Error is not null)
                {
                    stderr.WriteLine($"pcapviz: {Terminal.Safe(report.Error)}");
                    fatal = true;
                    continue;
                }
                var problems = report.Problems.ToList();
                if (checkInputs || recomputeAll)
                {
                    var roots = givenRoots.Length > 0 ? givenRoots : report.Manifest!.Roots;
                    if (checkInputs) problems.AddRange(BundleEvidence.VerifyInputs(report.Manifest!, roots));
                    if (recomputeAll) problems.AddRange(BundleEvidence.Recompute(Path.GetFullPath(path), report.Manifest!, roots, ToolVersion, Math.Clamp(parse.GetValue(jobs), 1, 256)));
                }
                string prefix = reports.Count > 1 ? $"{Terminal.Safe(path)}: " : "";
                foreach (var p in problems)
                    stdout.WriteLine($"{prefix}{p.Kind.ToString().ToLowerInvariant(),-9} {Terminal.Safe(p.Path)}: {Terminal.Safe(p.Detail)}");
                foreach (string note in report.Notes) stdout.WriteLine($"{prefix}{note}");
                if (checkInputs && problems.All(p => p.Kind != VerifyProblemKind.Input)) stdout.WriteLine($"{prefix}inputs: {Names.Count(report.Manifest!.Inputs.Count, "capture")} {(report.Manifest!.Inputs.Count == 1 ? "matches" : "match")} manifest.json");
                if (recomputeAll && problems.All(p => p.Kind != VerifyProblemKind.Recomputed)) stdout.WriteLine($"{prefix}recomputed: every data file is identical");
                stdout.WriteLine(problems.Count == 0
                    ? $"{prefix}intact: {Names.Count(report.FilesChecked, "file")} {(report.FilesChecked == 1 ? "matches" : "match")} manifest.json"
                    : $"{prefix}NOT intact: {Names.Count(problems.Count, "problem")} among {Names.Count(report.FilesChecked, "listed file")}");
                intact &= problems.Count == 0;
            }
            return fatal ? ExitCodes.Fatal : intact ? ExitCodes.Success : ExitCodes.CapturesWithIssues;
        });
        return command;
    }

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
