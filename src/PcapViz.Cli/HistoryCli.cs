using System.CommandLine;
using System.Globalization;
using PcapViz.History;
using PcapViz.Model;
using PcapViz.Orchestration;

namespace PcapViz.Cli;

/// <summary>The history options of `report` and the `history` command.</summary>
internal static class HistoryCli
{
    public static readonly Option<string?> History = new("--history") { Description = "History database (SQLite; created when missing): remembers every run, so the report shows what is new since the history began and the trend across runs." };
    public static readonly Option<string[]> Watchlists = new("--watchlist") { Description = "Watchlist file (repeatable): domains (their subdomains match too; checked against query names, registered domains and TLS/QUIC/HTTP server names), addresses, CIDR ranges and client fingerprints (ja3:<md5>, ja4:<fingerprint>), one per line, optional label after the entry, '#' comments. Works without --history." };
    public static readonly Option<string?> NewWindow = new("--new-window") { Description = "With --history: count as new only what no run of the last N days saw, for example 30d (default: since the history began)." };
    public static readonly Option<int> TrendRuns = new("--trend-runs") { Description = "With --history: runs shown in the trend, tonight included.", DefaultValueFactory = _ => NightlyHistoryOptions.DefaultTrendRuns };
    public static readonly Option<int> Wait = new("--history-wait") { Description = "Seconds to wait for another run holding the history database before failing.", DefaultValueFactory = _ => (int)NightlyHistoryOptions.DefaultWait.TotalSeconds };

    public static readonly Option<int> BaselineRuns = new("--baseline-runs") { Description = $"With --history: an indicator's baseline is the median of its volume over at most this many earlier runs in which it appeared (3..1000; an indicator with fewer than {BaselineSettings.MinRuns} such runs is not judged).", DefaultValueFactory = _ => BaselineSettings.DefaultRuns };
    public static readonly Option<double> BaselineRatio = new("--baseline-ratio") { Description = "With --history: list an indicator whose volume tonight is at least this many times its baseline (and at least the minimum volume).", DefaultValueFactory = _ => BaselineSettings.DefaultRatio };
    public static readonly Option<long> BaselineMinBytes = new("--baseline-min-bytes") { Description = "With --history: minimum IP bytes tonight for an address to be listed above its baseline.", DefaultValueFactory = _ => BaselineSettings.DefaultMinBytes };
    public static readonly Option<long> BaselineMinQueries = new("--baseline-min-queries") { Description = "With --history: minimum queries tonight for a name or registered domain to be listed above its baseline.", DefaultValueFactory = _ => BaselineSettings.DefaultMinQueries };
    public static readonly Option<long> BaselineMinRequests = new("--baseline-min-requests") { Description = "With --history: minimum requests (TLS/QUIC ClientHellos and HTTP requests) tonight for a server name or JA4 fingerprint to be listed above its baseline.", DefaultValueFactory = _ => BaselineSettings.DefaultMinRequests };

    public static readonly Option<int> BeaconNights = new("--beacon-nights") { Description = $"With --history: the run's beacons say in how many of the last N runs (tonight included, 2..1000) the history saw each pair beaconing.", DefaultValueFactory = _ => BaselineSettings.DefaultBeaconNights };

    public static IEnumerable<Option> ReportOptions => [History, Watchlists, NewWindow, TrendRuns, BaselineRuns, BaselineRatio, BaselineMinBytes, BaselineMinQueries, BaselineMinRequests, BeaconNights, Wait];

    /// <summary>Whether any history option was given explicitly.</summary>
    public static bool Given(ParseResult parse) => ReportOptions.Any(o => parse.GetResult(o) is { Implicit: false });

    /// <summary>Validates the history options; null when neither --history nor --watchlist was given.</summary>
    public static IRunHistory? Build(ParseResult parse, List<string> errors, List<KeyValuePair<string, string>> manifestOptions)
    {
        string? history = parse.GetValue(History);
        string[] lists = parse.GetValue(Watchlists) ?? [];
        int? windowDays = null;
        string? windowText = parse.GetValue(NewWindow);
        if (windowText is not null)
        {
            if (HistoryMaintenance.TryParseDays(windowText, out int d)) windowDays = d;
            else errors.Add($"--new-window: '{windowText}' is not a number of days such as 30d (1d to 36500d).");
            if (history is null) errors.Add("--new-window needs --history.");
        }
        int trend = parse.GetValue(TrendRuns);
        if (trend is < 2 or > 1000) errors.Add($"--trend-runs: {trend} is outside 2..1000.");
        var baseline = new BaselineSettings(parse.GetValue(BaselineRuns), parse.GetValue(BaselineRatio), parse.GetValue(BaselineMinBytes), parse.GetValue(BaselineMinQueries))
        {
            BeaconNights = parse.GetValue(BeaconNights),
            MinRequests = parse.GetValue(BaselineMinRequests),
        };
        if (baseline.BeaconNights is < 2 or > 1000) errors.Add($"--beacon-nights: {baseline.BeaconNights} is outside 2..1000.");
        if (parse.GetResult(BeaconNights) is { Implicit: false } && history is null) errors.Add("--beacon-nights needs --history.");
        if (baseline.Runs is < BaselineSettings.MinRuns or > 1000) errors.Add($"--baseline-runs: {baseline.Runs} is outside {BaselineSettings.MinRuns}..1000.");
        if (!double.IsFinite(baseline.Ratio) || baseline.Ratio is < 1 or > 1_000_000) errors.Add($"--baseline-ratio: {baseline.Ratio.ToString(CultureInfo.InvariantCulture)} is outside 1..1000000.");
        if (baseline.MinBytes < 1) errors.Add($"--baseline-min-bytes: {baseline.MinBytes} is not at least 1.");
        if (baseline.MinQueries < 1) errors.Add($"--baseline-min-queries: {baseline.MinQueries} is not at least 1.");
        if (baseline.MinRequests < 1) errors.Add($"--baseline-min-requests: {baseline.MinRequests} is not at least 1.");
        int wait = parse.GetValue(Wait);
        if (wait is < 1 or > 86_400) errors.Add($"--history-wait: {wait} is outside 1..86400 seconds.");
        if (history is not null && Directory.Exists(history)) errors.Add($"--history: '{history}' is a directory; name a database file.");
        if (history is not null && Path.GetDirectoryName(Path.GetFullPath(history)) is { } dir && !Directory.Exists(dir))
            errors.Add($"--history: the directory of '{history}' does not exist.");
        var loaded = new List<Watchlist>();
        foreach (string file in lists)
        {
            try
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
                loaded.Add(Watchlist.Parse(stream, file));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                errors.Add($"--watchlist: '{file}' cannot be read: {ex.Message}");
            }
        }
        if (history is null && lists.Length == 0) return null;
        manifestOptions.Add(new("history", history is null ? "" : Path.GetFileName(history)));
        manifestOptions.Add(new("watchlists", string.Join(';', lists.Select(Path.GetFileName))));
        manifestOptions.Add(new("newWindow", windowDays is int w ? w.ToString(CultureInfo.InvariantCulture) + "d" : ""));
        manifestOptions.Add(new("trendRuns", trend.ToString(CultureInfo.InvariantCulture)));
        if (history is not null)
        {
            manifestOptions.Add(new("baselineRuns", baseline.Runs.ToString(CultureInfo.InvariantCulture)));
            manifestOptions.Add(new("baselineRatio", baseline.Ratio.ToString("R", CultureInfo.InvariantCulture)));
            manifestOptions.Add(new("baselineMinBytes", baseline.MinBytes.ToString(CultureInfo.InvariantCulture)));
            manifestOptions.Add(new("baselineMinQueries", baseline.MinQueries.ToString(CultureInfo.InvariantCulture)));
            manifestOptions.Add(new("baselineMinRequests", baseline.MinRequests.ToString(CultureInfo.InvariantCulture)));
            manifestOptions.Add(new("beaconNights", baseline.BeaconNights.ToString(CultureInfo.InvariantCulture)));
        }
        return new NightlyHistory(new NightlyHistoryOptions(history, windowDays, trend, TimeSpan.FromSeconds(wait), baseline), Watchlist.Combine(loaded), lists.Length > 0);
    }

    public static Command HistoryCommand(TextWriter stdout, TextWriter stderr)
    {
        var command = new Command("history", """
            Look after a history database (--history of `report`).
            Exit codes: 0 done (first-seen: found), 1 usage or database error, 2 first-seen: not in the history.
            """);
        var db = new Argument<string>("database") { Description = "The history database file." };
        var wait = new Option<int>("--wait") { Description = "Seconds to wait for a run holding the database.", DefaultValueFactory = _ => 30 };

        var last = new Option<int>("--last") { Description = "Runs to list.", DefaultValueFactory = _ => 30 };
        var show = new Command("show", "Runs (newest last), captures and indicators held, file sizes.") { db, last, wait };
        show.SetAction(p => Guard(stderr, () =>
        {
            var o = HistoryMaintenance.Show(p.GetValue(db)!, Math.Clamp(p.GetValue(last), 1, 100_000), Seconds(p.GetValue(wait)));
            stdout.WriteLine($"{Terminal.Safe(o.Path)}: schema {o.SchemaVersion}, {Names.Count(o.FileBytes, "byte")} (+ {Names.Count(o.WalBytes, "byte")} write-ahead log)");
            stdout.WriteLine($"{Names.Count(o.Runs, "run")} ({Terminal.Safe(o.FirstRunUtc ?? "–")} to {Terminal.Safe(o.LastRunUtc ?? "–")}), {Names.Count(o.Captures, "distinct capture")}, " +
                             $"{Names.Count(o.Addresses, "address", "addresses")}, {Names.Count(o.Names, "name")}, {Names.Count(o.Domains, "registered domain")}, " +
                             $"{Names.Count(o.ServerNames, "server name")}, {Names.Count(o.Ja4, "JA4 fingerprint")}");
            if (o.LastRuns.Count > 0)
            {
                stdout.WriteLine($"{"run",6}  {"time (UTC)",-20}  {"captures",8}  {"failed",6}  {"packets",14}  {"IP bytes",16}  {"first seen",10}");
                foreach (var r in o.LastRuns)
                    stdout.WriteLine($"{N(r.RunId),6}  {Terminal.Safe(r.RunUtc),-20}  {N(r.Captures),8}  {N(r.FailedCaptures),6}  {N(r.Packets),14}  {N(r.IpBytes),16}  {N(r.NewIndicators),10}");
            }
            return ExitCodes.Success;
        }));

        var value = new Argument<string>("indicator") { Description = "An address, query name, registered domain, server name or JA4 fingerprint." };
        var firstSeen = new Command("first-seen", "When and where an address, name, domain, server name or JA4 fingerprint was first (and last) seen.") { db, value, wait };
        firstSeen.SetAction(p => Guard(stderr, () =>
        {
            var rows = HistoryMaintenance.FirstSeen(p.GetValue(db)!, p.GetValue(value)!, Seconds(p.GetValue(wait)));
            if (rows.Count == 0)
            {
                stdout.WriteLine($"{Terminal.Safe(p.GetValue(value)!)}: not in the history");
                return ExitCodes.CapturesWithIssues;
            }
            foreach (var r in rows)
            {
                stdout.WriteLine($"{Names.Of(r.Kind)} {Terminal.Safe(r.Value)}");
                stdout.WriteLine($"  first seen: run of {Terminal.Safe(r.FirstRunUtc)}, capture {Terminal.Safe(r.FirstCapturePath ?? "–")} (first packet {Terminal.Safe(r.FirstPacketUtc ?? "–")})");
                stdout.WriteLine($"  last seen:  run of {Terminal.Safe(r.LastRunUtc)} (last packet {Terminal.Safe(r.LastPacketUtc ?? "–")})");
                stdout.WriteLine($"  in {Names.Count(r.Captures, "distinct capture")}, {IndicatorVolumes.CountText(r.Kind, r.TotalCount)} in all");
            }
            return ExitCodes.Success;
        }));

        var keep = new Option<string>("--keep") { Description = "How much to keep, in days before now (or SOURCE_DATE_EPOCH), for example 90d.", Required = true };
        var prune = new Command("prune", "Forget runs older than --keep, and every capture and indicator only they held.") { db, keep, wait };
        prune.SetAction(p =>
        {
            if (!HistoryMaintenance.TryParseDays(p.GetValue(keep)!, out int days))
            {
                stderr.WriteLine($"pcapviz: --keep: '{Terminal.Safe(p.GetValue(keep)!)}' is not a number of days such as 90d.");
                return ExitCodes.Fatal;
            }
            var errors = new List<string>();
            var now = CliApp.GenerationTime(errors);
            if (errors.Count > 0)
            {
                foreach (var e in errors) stderr.WriteLine($"pcapviz: {e}");
                return ExitCodes.Fatal;
            }
            return Guard(stderr, () =>
            {
                var r = HistoryMaintenance.Prune(p.GetValue(db)!, days, now, Seconds(p.GetValue(wait)));
                stdout.WriteLine($"Pruned {Names.Count(r.Runs, "run")}, {Names.Count(r.Captures, "capture")} and {Names.Count(r.Indicators, "indicator")} older than {Names.Count(days, "day")} (run 'pcapviz history vacuum' to shrink the file).");
                return ExitCodes.Success;
            });
        });

        var vacuum = new Command("vacuum", "Fold the write-ahead log into the file and rebuild it compactly.") { db, wait };
        vacuum.SetAction(p => Guard(stderr, () =>
        {
            var (before, after) = HistoryMaintenance.Vacuum(p.GetValue(db)!, Seconds(p.GetValue(wait)));
            stdout.WriteLine($"{Terminal.Safe(p.GetValue(db)!)}: {N(before)} bytes before, {N(after)} bytes after.");
            return ExitCodes.Success;
        }));

        command.Subcommands.Add(show);
        command.Subcommands.Add(firstSeen);
        command.Subcommands.Add(prune);
        command.Subcommands.Add(vacuum);
        return command;
    }

    private static int Guard(TextWriter stderr, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (RunHistoryException ex)
        {
            stderr.WriteLine($"pcapviz: {Terminal.Safe(ex.Message)}");
            return ExitCodes.Fatal;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"pcapviz: {Terminal.Safe(ex.Message)}");
            return ExitCodes.Fatal;
        }
    }

    private static TimeSpan Seconds(int s) => TimeSpan.FromSeconds(Math.Clamp(s, 1, 86_400));

    private static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
}
