using System.Diagnostics;
using System.Text.Json;
using PcapViz.Generator;

namespace PcapViz.History.Tests;

/// <summary>`pcapviz report --history/--watchlist` end to end: real captures, real database files, the bundle read back.</summary>
public sealed class EndToEndTests
{
    private static JsonElement Json(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return doc.RootElement.Clone();
    }

    /// <summary>Per capture id: its addresses, names, registered domains and DNS responses (with a question, and of
    /// those NXDOMAIN), read from the bundle's analysis.json files (not from the history code).</summary>
    private static Dictionary<string, (string Path, HashSet<string> Addresses, HashSet<string> Names, HashSet<string> Domains, long Responses, long Nxdomain)> Indicators(string bundle)
    {
        var result = new Dictionary<string, (string, HashSet<string>, HashSet<string>, HashSet<string>, long, long)>(StringComparer.Ordinal);
        foreach (string file in Directory.EnumerateFiles(Path.Combine(bundle, "captures"), "analysis.json", SearchOption.AllDirectories))
        {
            var j = Json(file);
            var responses = j.GetProperty("dnsResponses");
            long nxdomain = responses.GetProperty("responseCodes").TryGetProperty("NXDOMAIN", out var nx) ? nx.GetInt64() : 0;
            result[j.GetProperty("id").GetString()!] = (j.GetProperty("input").GetProperty("path").GetString()!,
                j.GetProperty("sourceIps").EnumerateArray().Select(e => e.GetProperty("address").GetString()!).ToHashSet(StringComparer.Ordinal),
                j.GetProperty("dnsQueries").EnumerateArray().Select(e => e.GetProperty("name").GetString()!).ToHashSet(StringComparer.Ordinal),
                j.GetProperty("dnsDomains").EnumerateArray().Select(e => e.GetProperty("domain").GetString()!).ToHashSet(StringComparer.Ordinal),
                responses.GetProperty("withQuestion").GetInt64(), nxdomain);
        }
        return result;
    }

    [Fact]
    public void Report_CorpusSplitInTwo_SecondNightNewIsExactlyWhatTheSecondHalfAdds()
    {
        string? corpus = TestEnvironment.SharedDirectory("corpus");
        TestEnvironment.Require(corpus is not null, "../shared/corpus not found beside the checkout.");
        using var t = new TempDirectory("pcapviz-history-");
        var files = Directory.GetFiles(corpus).Where(f => !f.EndsWith(".md", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
        Assert.True(files.Length >= 10, "the corpus is too small to split");
        string night1 = t.Dir("night1"), night2 = t.Dir("night2");
        for (int i = 0; i < files.Length; i++)
        {
            if (i < files.Length / 2) File.Copy(files[i], Path.Combine(night1, Path.GetFileName(files[i])));
            File.Copy(files[i], Path.Combine(night2, Path.GetFileName(files[i])));
        }
        string db = t.File("history.db");
        var first = Cli.RunAt("1709251200", "report", night1, "-o", t.File("out1"), "--history", db, "--format", "json", "-q", "--fail-on", "never");
        Assert.True(first.ExitCode == 0, first.ToString());
        var second = Cli.RunAt("1709337600", "report", night2, "-o", t.File("out2"), "--history", db, "--format", "json", "-q", "--fail-on", "never");
        Assert.True(second.ExitCode == 0, second.ToString());

        var nightA = Indicators(t.File("out1"));
        var nightB = Indicators(t.File("out2"));
        var seenA = (Addresses: nightA.Values.SelectMany(c => c.Addresses).ToHashSet(StringComparer.Ordinal), Names: nightA.Values.SelectMany(c => c.Names).ToHashSet(StringComparer.Ordinal));
        var expectedAddresses = nightB.Values.SelectMany(c => c.Addresses).Where(a => !seenA.Addresses.Contains(a)).Distinct().Order(StringComparer.Ordinal).ToList();
        var expectedNames = nightB.Values.SelectMany(c => c.Names).Where(n => !seenA.Names.Contains(n)).Distinct().Order(StringComparer.Ordinal).ToList();
        var seenDomains = nightA.Values.SelectMany(c => c.Domains).ToHashSet(StringComparer.Ordinal);
        var expectedDomains = nightB.Values.SelectMany(c => c.Domains).Where(d => !seenDomains.Contains(d)).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(expectedAddresses);
        Assert.NotEmpty(expectedNames);
        Assert.NotEmpty(expectedDomains);

        var history = Json(Path.Combine(t.File("out2"), "history.json"));
        Assert.Equal(1, history.GetProperty("runsBefore").GetInt32());
        var newAddresses = history.GetProperty("new").GetProperty("addresses").EnumerateArray().ToList();
        var newNames = history.GetProperty("new").GetProperty("names").EnumerateArray().ToList();
        Assert.Equal(expectedAddresses, newAddresses.Select(e => e.GetProperty("value").GetString()));
        Assert.Equal(expectedNames, newNames.Select(e => e.GetProperty("value").GetString()));
        Assert.Equal(expectedDomains, history.GetProperty("new").GetProperty("domains").EnumerateArray().Select(e => e.GetProperty("value").GetString()));
        // The trend's NXDOMAIN share of each night: its NXDOMAIN responses over its responses carrying a question.
        static double Share(Dictionary<string, (string, HashSet<string>, HashSet<string>, HashSet<string>, long Responses, long Nxdomain)> night) =>
            night.Values.Sum(c => c.Nxdomain) / (double)night.Values.Sum(c => c.Responses);
        var trend = history.GetProperty("trend").EnumerateArray().ToList();
        Assert.Equal(["counted", "counted"], trend.Select(p => p.GetProperty("nxdomainStatus").GetString()));
        Assert.Equal(Share(nightA), trend[0].GetProperty("nxdomainShare").GetDouble(), 12);
        Assert.Equal(Share(nightB), trend[1].GetProperty("nxdomainShare").GetDouble(), 12);
        Assert.True(Share(nightB) > 0, "the corpus has NXDOMAIN responses");
        // Each entry names exactly the captures of night 2 that hold it.
        foreach (var e in newNames)
        {
            string name = e.GetProperty("value").GetString()!;
            var expectedIds = nightB.Where(c => c.Value.Names.Contains(name)).Select(c => c.Key).Order(StringComparer.Ordinal);
            Assert.Equal(expectedIds, e.GetProperty("captures").EnumerateArray().Select(c => c.GetProperty("id").GetString()).Order(StringComparer.Ordinal));
        }
        // history.json is part of the bundle: listed in the manifest, and the bundle verifies.
        Assert.Contains(Json(Path.Combine(t.File("out2"), "manifest.json")).GetProperty("outputs").EnumerateArray(), o => o.GetProperty("path").GetString() == "history.json");
        Assert.Equal(0, Cli.Run("verify", t.File("out2")).ExitCode);

        // The night run again: the same news, and the database does not change.
        string dump = Sql.Dump(db);
        var again = Cli.RunAt("1709337600", "report", night2, "-o", t.File("out2"), "--history", db, "--format", "json", "-q", "--fail-on", "never");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(dump, Sql.Dump(db));
        var rerun = Json(Path.Combine(t.File("out2"), "history.json"));
        Assert.True(rerun.GetProperty("rerun").GetBoolean());
        Assert.Equal(expectedNames, rerun.GetProperty("new").GetProperty("names").EnumerateArray().Select(e => e.GetProperty("value").GetString()));
    }

    [Fact]
    public void Report_WatchlistWithoutHistory_HitsInAnalysisJsonAndHistoryJson_FailOnWatchlistExitsFour()
    {
        using var t = new TempDirectory("pcapviz-history-");
        string input = t.Dir("in");
        SampleCaptures.WriteAll(input);
        string list = t.File("list.txt");
        File.WriteAllText(list, "# ours\nin-addr.arpa <img src=x onerror=alert(1)> \"reverse\" lookups\n10.0.0.0/8 =HYPERLINK(\"x\")\n300.1.1.1\n");
        var run = Cli.Run("report", input, "-o", t.File("out"), "--watchlist", list, "--fail-on", "watchlist", "--format", "json");
        Assert.True(run.ExitCode == 4, run.ToString());
        Assert.Contains("line 4: '300.1.1.1' is not a valid IPv4 or IPv6 address", run.Stderr, StringComparison.Ordinal);

        var history = Json(Path.Combine(t.File("out"), "history.json"));
        Assert.Equal(JsonValueKind.Null, history.GetProperty("database").ValueKind);
        var hits = history.GetProperty("watchlistHits").EnumerateArray().ToList();
        Assert.Contains(hits, h => h.GetProperty("kind").GetString() == "name" && h.GetProperty("value").GetString()!.EndsWith(".in-addr.arpa", StringComparison.Ordinal)
                                   && h.GetProperty("label").GetString() == "<img src=x onerror=alert(1)> \"reverse\" lookups" && h.GetProperty("line").GetInt32() == 2);
        Assert.Contains(hits, h => h.GetProperty("kind").GetString() == "address" && h.GetProperty("entry").GetString() == "10.0.0.0/8");
        Assert.Single(history.GetProperty("watchlistProblems").EnumerateArray());
        // Escaped in the JSON text itself (safe to paste into HTML).
        string raw = File.ReadAllText(Path.Combine(t.File("out"), "history.json"));
        Assert.DoesNotContain("<img", raw, StringComparison.Ordinal);
        Assert.Contains("\\u003Cimg", raw, StringComparison.Ordinal);

        // Each capture's analysis.json lists its own hits (and every hit of the run is in some capture).
        int perCapture = 0;
        foreach (string file in Directory.EnumerateFiles(Path.Combine(t.File("out"), "captures"), "analysis.json", SearchOption.AllDirectories))
        {
            var j = Json(file);
            string id = j.GetProperty("id").GetString()!;
            var own = j.GetProperty("watchlistHits").EnumerateArray().ToList();
            Assert.All(own, h => Assert.Contains(h.GetProperty("captures").EnumerateArray(), c => c.GetProperty("id").GetString() == id));
            perCapture += own.Count;
        }
        Assert.True(perCapture >= hits.Count, $"{perCapture} per-capture hits for {hits.Count} run hits");

        // Without --fail-on watchlist the same run exits 0; without watchlists there is no watchlistHits at all.
        Assert.Equal(0, Cli.Run("report", input, "-o", t.File("out2"), "--watchlist", list, "--format", "json", "-q").ExitCode);
        Assert.Equal(0, Cli.Run("report", input, "-o", t.File("out3"), "--format", "json", "-q").ExitCode);
        Assert.False(File.Exists(Path.Combine(t.File("out3"), "history.json")));
        var plain = Directory.EnumerateFiles(Path.Combine(t.File("out3"), "captures"), "analysis.json", SearchOption.AllDirectories).First();
        Assert.False(Json(plain).TryGetProperty("watchlistHits", out _));
    }

    [Fact]
    public void Report_UnreadableWatchlistOrBadOptions_UsageErrorBeforeAnyWork()
    {
        using var t = new TempDirectory("pcapviz-history-");
        string input = t.Dir("in");
        SampleCaptures.WriteAll(input);
        var r = Cli.Run("report", input, "-o", t.File("out"), "--watchlist", t.File("missing.txt"), "--new-window", "30x", "--fail-on", "watchlist");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--watchlist: '" + t.File("missing.txt") + "' cannot be read", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("--new-window: '30x' is not a number of days", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("--new-window needs --history", r.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(t.File("out")));
    }

    [Fact]
    public async Task Report_KilledAtSeveralPoints_HistoryStaysIntactAndUnchanged()
    {
        using var t = new TempDirectory("pcapviz-history-");
        string samples = t.Dir("samples");
        SampleCaptures.WriteAll(samples);
        string big = t.Dir("big");
        for (int i = 1; i <= 3; i++)
            SyntheticTraffic.WriteFile(Path.Combine(big, $"synthetic-{i}.pcap"), new SyntheticTrafficOptions { Packets = 100_000, Seed = (ulong)i });
        string db = t.File("history.db");
        Assert.Equal(0, Cli.Run("report", samples, "-o", t.File("out"), "--history", db, "--format", "json", "-q").ExitCode);

        // Kill points chosen by what the run has reached (its log lines), not by a clock, so machine load cannot move
        // them: before the lock, with the lock held while analysing, mid-analysis, after the analyses (rendering),
        // and a little later (writing the bundle, swapping it in).
        string before = Sql.Dump(db);
        long runs = Sql.Count(db, "run");
        int killed = 0;
        var points = new (string? Line, int DelayMs)[] { (null, 0), ("bytes to read", 0), ("[1/3]", 0), ("[3/3]", 0), ("[3/3]", 300), ("[3/3]", 900) };
        foreach (var (line, delay) in points)
        {
            using var child = Cli.Start("1709337600", "report", big, "-o", t.File("out"), "--history", db, "-v");
            var waited = Stopwatch.StartNew();
            while (line is not null && !child.Stderr.Contains(line, StringComparison.Ordinal) && !child.HasExited && waited.Elapsed < TimeSpan.FromMinutes(3))
                await Task.Delay(10, TestContext.Current.CancellationToken);
            if (delay > 0) await Task.Delay(delay, TestContext.Current.CancellationToken);
            if (!child.HasExited)
            {
                child.Kill();
                killed++;
                Assert.Equal("ok", Sql.IntegrityCheck(db));
                Assert.Equal(before, Sql.Dump(db));
                Assert.Equal(runs, Sql.Count(db, "run"));
            }
            else
            {
                // Finished before the kill: then the run is recorded completely (once, however often it finishes).
                Assert.True(child.ExitCode == 0, child.Stderr);
                Assert.Equal("ok", Sql.IntegrityCheck(db));
                before = Sql.Dump(db);
                runs = Sql.Count(db, "run");
                Assert.Equal(2, runs);
            }
        }
        Assert.True(killed >= 4, $"only {killed} of 6 runs were still going when killed");
        // And the next run records normally.
        Assert.Equal(0, Cli.RunAt("1709337600", "report", big, "-o", t.File("out"), "--history", db, "--format", "json", "-q").ExitCode);
        Assert.Equal(2, Sql.Count(db, "run"));
    }

    [Fact]
    public void Report_WhileAnotherRunHoldsTheHistory_FailsClearlyAndWritesNothing()
    {
        using var t = new TempDirectory("pcapviz-history-");
        string samples = t.Dir("samples");
        SampleCaptures.WriteAll(samples);
        string db = t.File("history.db");
        Assert.Equal(0, Cli.Run("report", samples, "-o", t.File("first"), "--history", db, "--format", "json", "-q").ExitCode);
        string before = Sql.Dump(db);

        // Another run's hold on the history, taken the way a run takes it (BEGIN IMMEDIATE through HistoryDatabase),
        // held by the test itself for as long as the second run lasts: nothing to race.
        using (var holder = HistoryDatabase.Open(db, TimeSpan.FromSeconds(1)))
        using (holder.BeginRun())
        {
            var second = Cli.RunAt("1709424000", "report", samples, "-o", t.File("second"), "--history", db, "--history-wait", "1", "--format", "json");
            Assert.True(second.ExitCode == 1, second.ToString());
            Assert.Contains("is in use by another run", second.Stderr, StringComparison.Ordinal);
            Assert.False(Directory.Exists(t.File("second")));
        }
        Assert.Equal(before, Sql.Dump(db));

        // Released, the same run goes through and is recorded.
        var third = Cli.RunAt("1709424000", "report", samples, "-o", t.File("second"), "--history", db, "--history-wait", "1", "--format", "json", "-q");
        Assert.True(third.ExitCode == 0, third.ToString());
        Assert.True(Directory.Exists(t.File("second")));
        Assert.Equal(1, Sql.Count(db, "run")); // the same captures: one run, recorded once (a night run again)
    }
}
