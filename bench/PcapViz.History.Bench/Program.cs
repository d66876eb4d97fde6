using System.Diagnostics;
using System.Globalization;
using System.Text;
using PcapViz.Analysis;
using PcapViz.Cli;
using PcapViz.Discovery;
using PcapViz.Generator;
using PcapViz.History;
using PcapViz.Model;
using PcapViz.Orchestration;

// History measurements (printed as Markdown):
//  1. watchlist of 100,000 entries: parse time, and lookups per second for names and addresses;
//  2. 365 simulated nights into one history database: time of the history step (recall + record) per night,
//     night 1 against night 365, and the database size; recall judges every known indicator against its baseline
//     (minimum volumes of 1, the worst case), and the baseline query alone is timed on 2,000 of tonight's indicators;
//  3. a real `pcapviz report` of the sample captures with and without that 365-night history: the overhead.
// Usage: pcapviz-history-bench [nights=365] [workdir]
var inv = CultureInfo.InvariantCulture;
int nights = args.Length > 0 ? int.Parse(args[0], inv) : 365;
string work = args.Length > 1 ? args[1] : Path.Combine(Path.GetTempPath(), "pcapviz-history-bench");
if (Directory.Exists(work)) Directory.Delete(work, true);
Directory.CreateDirectory(work);
var rng = new Random(20240301);
var sb = new StringBuilder();
void Out(string line)
{
    Console.WriteLine(line);
    sb.AppendLine(line);
}

Out($"# History and watchlists benchmark ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
Out("");

// 1. Watchlist of 100,000 entries.
var list = new StringBuilder();
for (int i = 0; i < 60_000; i++) list.Append(CultureInfo.InvariantCulture, $"bad{i}.example{i % 97}.test label {i}\n");
for (int i = 0; i < 25_000; i++) list.Append(CultureInfo.InvariantCulture, $"10.{i / 250 % 256}.{i % 250}.{i % 251} host {i}\n");
for (int i = 0; i < 10_000; i++) list.Append(CultureInfo.InvariantCulture, $"172.{16 + i % 16}.{i % 256}.0/{20 + i % 9}\n");
for (int i = 0; i < 5_000; i++) list.Append(CultureInfo.InvariantCulture, $"2001:db8:{i:x}::/{48 + i % 17}\n");
byte[] listBytes = Encoding.UTF8.GetBytes(list.ToString());
var sw = Stopwatch.StartNew();
var watchlist = Watchlist.Parse(new MemoryStream(listBytes), "bench.txt");
double parseMs = sw.Elapsed.TotalMilliseconds;
var names = Enumerable.Range(0, 1_000_000).Select(i => i % 10 == 0 ? $"www.cdn.bad{i % 60_000}.example{i % 60_000 % 97}.test" : $"host{i}.a.b.c.some-domain{i % 1000}.example").ToArray();
var addresses = Enumerable.Range(0, 1_000_000).Select(i => i % 2 == 0 ? $"10.{i % 256}.{i / 256 % 256}.{i % 251}" : $"2001:db8:{i % 6000:x}::{i % 65536:x}").ToArray();
var matches = new List<WatchlistEntry>();
long found = 0;
sw.Restart();
foreach (string n in names) { matches.Clear(); watchlist.MatchName(n, matches); found += matches.Count; }
double nameNs = sw.Elapsed.TotalNanoseconds / names.Length;
sw.Restart();
foreach (string a in addresses) { matches.Clear(); watchlist.MatchAddress(a, matches); found += matches.Count; }
double addressNs = sw.Elapsed.TotalNanoseconds / addresses.Length;
Out("## Watchlist matching");
Out("");
Out("| watchlist | parse | name lookup | address lookup | hits found |");
Out("|---|---|---|---|---|");
Out(string.Create(inv, $"| {watchlist.Count:N0} entries ({listBytes.Length / 1024:N0} KiB; 60k domains, 25k addresses, 10k IPv4 + 5k IPv6 ranges of 9–17 prefix lengths) | {parseMs:N0} ms | {nameNs:N0} ns (1 M names of 4–7 labels) | {addressNs:N0} ns (1 M, half IPv6) | {found:N0} |"));
Out("");

// 2. 365 simulated nights.
// Each night: 4 captures, 400 addresses and 1,500 names each, drawn from a slowly growing population
// (after the first nights about 5–6 % of a night's indicators are new), plus one capture of the night before again (same bytes).
string db = Path.Combine(work, "history.db");
var timings = new List<(int Night, double RecallMs, double RecordMs, int Indicators, int New, int Judged, int Above)>();
var baselineReads = new List<(int Night, int Indicators, double MicrosEach, double RowsEach)>();
var everyIndicator = new BaselineSettings(MinBytes: 1, MinQueries: 1);
CaptureResult? carried = null;
int population = 20_000;
for (int night = 1; night <= nights; night++)
{
    population += 150;
    var captures = new List<CaptureResult>();
    for (int c = 0; c < 4; c++)
    {
        var addr = Enumerable.Range(0, 400).Select(_ => Pick(rng, population)).Distinct().Select(k => $"10.{k >> 16 & 255}.{k >> 8 & 255}.{k & 255}").ToArray();
        var nm = Enumerable.Range(0, 1500).Select(_ => Pick(rng, population * 3)).Distinct().Select(k => $"h{k}.d{k % 5000}.example").ToArray();
        captures.Add(Capture($"night{night:D3}/c{c}.pcap", addr, nm, 1_709_251_200L + night * 86_400L));
    }
    if (carried is not null) captures.Add(carried with { Id = CaptureIds.For("again/" + carried.Input.Path), Input = carried.Input with { Path = "again/" + carried.Input.Path } });
    carried = captures[0];
    var run = Run(1_709_251_200L + night * 86_400L + 3600, captures);
    using var h = HistoryDatabase.Open(db, TimeSpan.FromSeconds(30));
    sw.Restart();
    using var tx = h.BeginRun();
    var memory = tx.Recall(run, "history.db", null, 30, everyIndicator);
    double recall = sw.Elapsed.TotalMilliseconds;
    sw.Restart();
    tx.Record(run);
    double record = sw.Elapsed.TotalMilliseconds;
    int indicators = captures.Sum(c => c.SourceIps.Entries.Count + c.DnsQueries.Entries.Count);
    timings.Add((night, recall, record, indicators, memory.NewCount, memory.BaselineJudged, memory.AboveBaseline.Count));
    if (night is 1 or 2 or 30 || night % 73 == 0 || night == nights) baselineReads.Add(BaselineReads(db, night));
}
long dbBytes = new FileInfo(db).Length + (File.Exists(db + "-wal") ? new FileInfo(db + "-wal").Length : 0);
Out($"## {nights} simulated nights");
Out("");
Out("Each night: 4 captures of about 400 addresses and 1,500 names (drawn from a population that grows by 150 a night), plus one capture of the night before again (same SHA-256, not counted twice).");
Out("");
Out("| night | indicators tonight | new | judged against their baseline (listed) | recall (read: new, trend, baselines) | record (one transaction) |");
Out("|---|---|---|---|---|---|");
foreach (var t in timings.Where(t => t.Night is 1 or 2 or 30 || t.Night % 73 == 0 || t.Night == nights).DistinctBy(t => t.Night))
    Out(string.Create(inv, $"| {t.Night} | {t.Indicators:N0} | {t.New:N0} | {t.Judged:N0} ({t.Above:N0}) | {t.RecallMs:N0} ms | {t.RecordMs:N0} ms |"));
double Median(IEnumerable<double> v) { var s = v.Order().ToList(); return s[s.Count / 2]; }
var firstTen = timings.Take(10).ToList();
var lastTen = timings.TakeLast(10).ToList();
Out(string.Create(inv, $"| median nights 1–10 | | | | {Median(firstTen.Select(t => t.RecallMs)):N0} ms | {Median(firstTen.Select(t => t.RecordMs)):N0} ms |"));
Out(string.Create(inv, $"| median nights {nights - 9}–{nights} | | | | {Median(lastTen.Select(t => t.RecallMs)):N0} ms | {Median(lastTen.Select(t => t.RecordMs)):N0} ms |"));
Out("");
Out("Baseline query alone (`RunTransaction.BaselineSql`, the last 30 runs of one indicator), on up to 2,000 indicators of the night just recorded, read-only connection, median of 5 passes:");
Out("");
Out("| night | indicators | per indicator | rows read per indicator |");
Out("|---|---|---|---|");
foreach (var b in baselineReads)
    Out(string.Create(inv, $"| {b.Night} | {b.Indicators:N0} | {b.MicrosEach:N1} µs | {b.RowsEach:N1} |"));
Out("");
Out(string.Create(inv, $"Database after {nights} nights: {dbBytes:N0} bytes ({dbBytes / 1048576.0:0.0} MiB), {Sql(db, "SELECT count(*) FROM run")} runs, {Sql(db, "SELECT count(*) FROM capture")} captures, {Sql(db, "SELECT count(*) FROM indicator")} indicators, {Sql(db, "SELECT count(*) FROM capture_indicator")} capture-indicator rows."));
Out("");

// 3. A real report of the sample captures: without memory, with a fresh history, with the 365-night history.
string samples = Path.Combine(work, "samples");
SampleCaptures.WriteAll(samples);
// The three set-ups take turns (plain, fresh, 365, plain, ...) after one warm-up round, so tiered JIT and the load
// of the machine fall on each alike; each run gets its own copy of the database, deleted afterwards.
var setups = new (string Label, bool History, bool Full)[] { ("plain", false, false), ("fresh", true, false), ("365", true, true) };
var reportTimes = setups.ToDictionary(x => x.Label, _ => new List<double>());
const int Rounds = 6;
for (int round = 0; round < Rounds; round++)
{
    foreach (var (label, history, fullDb) in setups)
    {
        string out1 = Path.Combine(work, "out-" + label);
        string copy = Path.Combine(work, $"h-{label}.db");
        foreach (string f in new[] { copy, copy + "-wal", copy + "-shm" }) if (File.Exists(f)) File.Delete(f);
        if (fullDb)
        {
            File.Copy(db, copy, true);
            // Put the copy on disk before timing: else the run's first fsync writes the whole fresh copy (~0.5 GB),
            // which a nightly database that has been on disk since last night never does.
            using (var fs = new FileStream(copy, FileMode.Open, FileAccess.ReadWrite)) fs.Flush(flushToDisk: true);
        }
        var argv = new List<string> { "report", samples, "-o", out1, "--format", "json,html", "-q", "-j", "1" };
        if (history) argv.AddRange(["--history", copy]);
        Environment.SetEnvironmentVariable("SOURCE_DATE_EPOCH", (1_709_251_200L + (nights + 1) * 86_400L).ToString(inv));
        var s = Stopwatch.StartNew();
        int code = CliApp.Run(argv.ToArray(), TextWriter.Null, TextWriter.Null);
        double ms = s.Elapsed.TotalMilliseconds;
        if (code != 0) throw new InvalidOperationException($"report exited {code}");
        if (round > 0) reportTimes[label].Add(ms);
        foreach (string f in new[] { copy, copy + "-wal", copy + "-shm" }) if (File.Exists(f)) File.Delete(f);
    }
}
double plain = Median(reportTimes["plain"]);
double fresh = Median(reportTimes["fresh"]);
double full = Median(reportTimes["365"]);
Out(string.Create(inv, $"## Overhead on a real run (the {Directory.GetFiles(samples).Length} sample captures, json+html, 1 job; median of {Rounds - 1} interleaved rounds after a warm-up round)"));
Out("");
Out("| run | wall time | overhead |");
Out("|---|---|---|");
Out(string.Create(inv, $"| without --history | {plain:N0} ms | |"));
Out(string.Create(inv, $"| --history, empty database | {fresh:N0} ms | {fresh - plain:+#,0;-#,0;0} ms |"));
Out(string.Create(inv, $"| --history, after {nights} nights | {full:N0} ms | {full - plain:+#,0;-#,0;0} ms |"));
File.WriteAllText(Path.Combine(work, "RESULTS.md"), sb.ToString());
return 0;

static int Pick(Random rng, int population) => (int)(population * Math.Pow(rng.NextDouble(), 1.6));

static CaptureResult Capture(string path, string[] addresses, string[] names, long epoch)
{
    string sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(path + epoch.ToString(CultureInfo.InvariantCulture))));
    var sources = addresses.Select((a, i) => new SourceIpEntry(a, 4, 100 - i % 90, 10_000)).ToList();
    var queries = names.Select((n, i) => new DnsQueryEntry(n, DnsProtocol.Dns, 1 + i % 7)).ToList();
    long packets = sources.Sum(s => s.Packets);
    var summary = new CaptureSummary(packets, packets, 0, packets * 120, packets * 100, epoch * 1_000_000_000, (epoch + 3600) * 1_000_000_000, 0, 0);
    return new CaptureResult(CaptureIds.For(path), new CaptureInput(path, "/" + path, 1_000_000, sha, DateTimeOffset.UnixEpoch), CaptureStatus.Ok, null, summary,
        new SourceIpResult(sources, DistinctLimit.NotExceeded(200_000)), new DnsQueryResult(queries, DistinctLimit.NotExceeded(200_000)), TrafficResult.Empty, []);
}

static RunResult Run(long epoch, List<CaptureResult> captures)
{
    var options = new AnalysisOptions();
    var sorted = captures.OrderBy(c => c.Input.Path, StringComparer.Ordinal).ToList();
    var (totals, sources, dns, traffic) = RunTotals.Build(sorted, options);
    return new RunResult(new RunInfo("bench", DateTimeOffset.FromUnixTimeSeconds(epoch), ["/bench"], []), options.Settings, sorted, totals, sources, dns, traffic, []);
}

// Times the baseline query for up to 2,000 indicators of the last recorded run (median of 5 passes).
static (int Night, int Indicators, double MicrosEach, double RowsEach) BaselineReads(string db, int night)
{
    using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Pooling=False;Mode=ReadOnly");
    c.Open();
    var ids = new List<long>();
    using (var q = c.CreateCommand())
    {
        q.CommandText = "SELECT indicator_id FROM run_indicator WHERE run_id = (SELECT max(run_id) FROM run) LIMIT 2000";
        using var r = q.ExecuteReader();
        while (r.Read()) ids.Add(r.GetInt64(0));
    }
    using var cmd = c.CreateCommand();
    cmd.CommandText = RunTransaction.BaselineSql;
    var id = cmd.Parameters.Add("$id", Microsoft.Data.Sqlite.SqliteType.Integer);
    cmd.Parameters.AddWithValue("$before", long.MaxValue);
    cmd.Parameters.AddWithValue("$n", 30);
    cmd.Prepare();
    var passes = new List<double>();
    long rows = 0;
    for (int pass = 0; pass < 5; pass++)
    {
        rows = 0;
        var sw = Stopwatch.StartNew();
        foreach (long i in ids)
        {
            id.Value = i;
            using var r = cmd.ExecuteReader();
            while (r.Read()) rows++;
        }
        passes.Add(sw.Elapsed.TotalMicroseconds / Math.Max(1, ids.Count));
    }
    passes.Sort();
    return (night, ids.Count, passes[2], (double)rows / Math.Max(1, ids.Count));
}

static string Sql(string db, string sql)
{
    using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Pooling=False;Mode=ReadOnly");
    c.Open();
    using var cmd = c.CreateCommand();
    cmd.CommandText = sql;
    return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture).ToString("N0", CultureInfo.InvariantCulture);
}
