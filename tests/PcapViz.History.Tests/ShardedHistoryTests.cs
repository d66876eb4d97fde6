using System.Text.Json;
using PcapViz.Generator;

namespace PcapViz.History.Tests;

/// <summary>
/// Scale-out with a history: only `pcapviz merge` reads and writes the database, and two nights run as plan + shards
/// + merge leave the same database rows and the same bundle bytes as two single-machine `report --history` nights.
/// </summary>
public sealed class ShardedHistoryTests
{
    private const string Night1 = "1709251200";
    private const string Night2 = "1709337600";

    /// <summary>Night 1 sees half of the samples, night 2 all of them (so night 2 has news), with one watchlist.</summary>
    private static (string Night1, string Night2, string Watchlist) Inputs(TempDirectory t)
    {
        string all = t.Dir("samples");
        SampleCaptures.WriteAll(all);
        var files = Directory.GetFiles(all).Order(StringComparer.Ordinal).ToArray();
        Assert.True(files.Length >= 4, "too few sample captures to split over two nights");
        string n1 = t.Dir("night1"), n2 = t.Dir("night2");
        for (int i = 0; i < files.Length; i++)
        {
            if (i < files.Length / 2) File.Copy(files[i], Path.Combine(n1, Path.GetFileName(files[i])));
            File.Copy(files[i], Path.Combine(n2, Path.GetFileName(files[i])));
        }
        string list = t.File("watch.txt");
        File.WriteAllText(list, "# test list\nin-addr.arpa reverse lookups\n10.0.0.0/8 private\n");
        return (n1, n2, list);
    }

    private static void DeleteDatabase(string db)
    {
        foreach (string f in new[] { db, db + "-wal", db + "-shm" })
            if (File.Exists(f)) File.Delete(f);
    }

    private static SortedDictionary<string, byte[]> Snapshot(string bundle) =>
        new(Directory.EnumerateFiles(bundle, "*", SearchOption.AllDirectories)
                .ToDictionary(f => Path.GetRelativePath(bundle, f).Replace('\\', '/'), File.ReadAllBytes, StringComparer.Ordinal),
            StringComparer.Ordinal);

    private static CliResult Sharded(TempDirectory t, string name, string input, string epoch, int shards, params string[] memory)
    {
        string dir = t.Dir(name);
        string plan = Path.Combine(dir, "plan.json");
        var p = Cli.RunAt(epoch, "plan", input, "--shards", shards.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", plan, "-q");
        Assert.True(p.ExitCode == 0, p.ToString());
        var shardDirs = new List<string>();
        for (int k = 0; k < shards; k++)
        {
            string output = Path.Combine(dir, $"shard-{k}");
            var s = Cli.RunAt(epoch, "report", "--plan", plan, "--shard", k.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", output, "-q", "--fail-on", "never");
            Assert.True(s.ExitCode == 0, s.ToString());
            shardDirs.Add(output);
        }
        return Cli.RunAt(epoch, ["merge", .. shardDirs, "-o", Path.Combine(dir, "merged"), "-q", .. memory]);
    }

    [Fact]
    public void PlanShardMerge_TwoNights_SameHistoryRowsAndBundleAsSingleMachine()
    {
        using var t = new TempDirectory("pcapviz-history-");
        var (n1, n2, list) = Inputs(t);
        // The same database path in both halves: history.json names the database as given.
        string db = t.File("history.db");
        string[] memory = ["--history", db, "--watchlist", list];

        var s1 = Cli.RunAt(Night1, ["report", n1, "-o", t.File("single1"), "-q", .. memory]);
        Assert.True(s1.ExitCode == 0, s1.ToString());
        var s2 = Cli.RunAt(Night2, ["report", n2, "-o", t.File("single2"), "-q", .. memory]);
        Assert.True(s2.ExitCode == 0, s2.ToString());
        string singleRows = Sql.Dump(db);
        Assert.Equal(2, Sql.Count(db, "run"));
        DeleteDatabase(db);

        var m1 = Sharded(t, "cluster1", n1, Night1, 2, memory);
        Assert.True(m1.ExitCode == 0, m1.ToString());
        var m2 = Sharded(t, "cluster2", n2, Night2, 3, memory);
        Assert.True(m2.ExitCode == 0, m2.ToString());
        Assert.Equal("ok", Sql.IntegrityCheck(db));
        Assert.Equal(singleRows, Sql.Dump(db));

        // Night 2 has something to show (else the comparison below proves little): news and watchlist hits.
        using (var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(t.File("single2"), "history.json"))))
        {
            var h = doc.RootElement;
            Assert.Equal(1, h.GetProperty("runsBefore").GetInt32());
            Assert.NotEqual(0, h.GetProperty("new").GetProperty("names").GetArrayLength());
            Assert.NotEqual(0, h.GetProperty("watchlistHits").GetArrayLength());
        }
        // Capture pages and analysis.json carry the markers and hits in both (the merge renders them itself).
        var single = Snapshot(t.File("single2"));
        var merged = Snapshot(Path.Combine(t.File("cluster2"), "merged"));
        Assert.Contains(single, kv => kv.Key.EndsWith("/report.html", StringComparison.Ordinal) && System.Text.Encoding.UTF8.GetString(kv.Value).Contains("id=\"watchlist-hits\"", StringComparison.Ordinal));
        Assert.Equal(single.Keys, merged.Keys);
        foreach (var (path, bytes) in single)
            Assert.True(bytes.AsSpan().SequenceEqual(merged[path]), $"{path} differs between the single-machine and the merged bundle");
    }

    [Fact]
    public void ShardOfAPlan_WithHistoryOrWatchlist_IsRefusedAndTheDatabaseNotCreated()
    {
        using var t = new TempDirectory("pcapviz-history-");
        var (n1, _, list) = Inputs(t);
        string plan = t.File("plan.json");
        Assert.Equal(0, Cli.Run("plan", n1, "--shards", "2", "-o", plan, "-q").ExitCode);
        string db = t.File("history.db");
        var r = Cli.Run("report", "--plan", plan, "--shard", "0", "-o", t.File("shard-0"), "--history", db, "--watchlist", list);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("a shard does not read or write the history", r.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(db));
        Assert.False(Directory.Exists(t.File("shard-0")));
    }

    [Fact]
    public void MergeAndReport_OutputAndHistoryBothHeld_TakeTheOutputLockFirst()
    {
        using var t = new TempDirectory("pcapviz-history-");
        var (n1, _, _) = Inputs(t);
        string dir = t.Dir("cluster");
        string plan = Path.Combine(dir, "plan.json");
        Assert.Equal(0, Cli.RunAt(Cli.Epoch, "plan", n1, "--shards", "2", "-o", plan, "-q").ExitCode);
        string[] shards = [Path.Combine(dir, "shard-0"), Path.Combine(dir, "shard-1")];
        for (int k = 0; k < 2; k++)
            Assert.Equal(0, Cli.RunAt(Cli.Epoch, "report", "--plan", plan, "--shard", k.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", shards[k], "-q", "--fail-on", "never").ExitCode);
        string db = t.File("history.db");
        string merged = Path.Combine(dir, "merged"), single = t.File("single");

        // Another run holds both the output (its bundle lock) and the history (its write transaction), each taken the
        // way a run takes it, in this process. A run that took the history first would wait for it and then name the
        // history; taking the output first (the documented order), both commands stop at the output and never touch
        // the history.
        using (var history = HistoryDatabase.Open(db, TimeSpan.FromSeconds(1)))
        using (history.BeginRun())
        using (var heldMerged = PcapViz.Bundle.BundleTransaction.TryBegin(merged, out string? error1))
        using (var heldSingle = PcapViz.Bundle.BundleTransaction.TryBegin(single, out string? error2))
        {
            Assert.True(heldMerged is not null && heldSingle is not null, error1 + error2);
            var merge = Cli.RunAt(Cli.Epoch, ["merge", .. shards, "-o", merged, "--history", db, "--history-wait", "1", "-q"]);
            var report = Cli.RunAt(Cli.Epoch, "report", n1, "-o", single, "--history", db, "--history-wait", "1", "-q");
            foreach (var r in new[] { merge, report })
            {
                Assert.True(r.ExitCode == 1, r.ToString());
                Assert.Contains("Another pcapviz run is writing", r.Stderr, StringComparison.Ordinal);
                Assert.DoesNotContain("History database", r.Stderr, StringComparison.Ordinal);
            }
        }
        // Released, the merge goes through and records the night.
        var free = Cli.RunAt(Cli.Epoch, ["merge", .. shards, "-o", merged, "--history", db, "--history-wait", "1", "-q"]);
        Assert.True(free.ExitCode == 0, free.ToString());
        Assert.Equal(1, Sql.Count(db, "run"));
    }
}
