using PcapViz.Generator;

namespace PcapViz.History.Tests;

/// <summary>`pcapviz history show|first-seen|prune|vacuum` on a real two-night history: output and exit codes.</summary>
public sealed class HistoryCommandTests
{
    [Fact]
    public void HistoryCommands_OnTwoNights_ShowFindPruneAndVacuum()
    {
        using var t = new TempDirectory("pcapviz-history-");
        string all = t.Dir("all");
        SampleCaptures.WriteAll(all);
        string first = t.Dir("first");
        string office = Directory.GetFiles(all).Single(f => f.EndsWith("office-lan.pcap", StringComparison.Ordinal));
        File.Copy(office, Path.Combine(first, Path.GetFileName(office)));
        string db = t.File("nightly.db");
        Assert.Equal(0, Cli.RunAt("1709251200", "report", first, "-o", t.File("out1"), "--history", db, "--format", "json", "-q").ExitCode);
        Assert.Equal(0, Cli.RunAt("1709337600", "report", all, "-o", t.File("out2"), "--history", db, "--format", "json", "-q").ExitCode);

        var show = Cli.Run("history", "show", db);
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains("2 runs (2024-03-01T00:00:00Z to 2024-03-02T00:00:00Z)", show.Stdout, StringComparison.Ordinal);

        // 10.20.0.53 is in the branch-office capture, which only night 2 had.
        var found = Cli.Run("history", "first-seen", db, "10.20.0.53");
        Assert.True(found.ExitCode == 0, found.ToString());
        Assert.Contains("address 10.20.0.53", found.Stdout, StringComparison.Ordinal);
        Assert.Contains("first seen: run of 2024-03-02T00:00:00Z", found.Stdout, StringComparison.Ordinal);
        var missing = Cli.Run("history", "first-seen", db, "never-seen.example");
        Assert.True(missing.ExitCode == 2, missing.ToString());
        Assert.Contains("not in the history", missing.Stdout, StringComparison.Ordinal);

        // Keep one day before 2024-03-02T00:00:01Z: night 1 (2024-03-01T00:00:00Z) is older and goes.
        var volumesBefore = Sql.Rows(db, "SELECT indicator_id, volume FROM run_indicator WHERE run_id = 2 ORDER BY indicator_id");
        Assert.NotEmpty(volumesBefore);
        Assert.NotEqual(["0"], Sql.Rows(db, "SELECT count(*) FROM run_indicator WHERE run_id = 1"));
        var prune = Cli.RunAt("1709337601", "history", "prune", db, "--keep", "1d");
        Assert.True(prune.ExitCode == 0, prune.ToString());
        Assert.Contains("Pruned 1 run, ", prune.Stdout, StringComparison.Ordinal);
        Assert.Equal(["2024-03-02T00:00:00Z"], Sql.Rows(db, "SELECT run_utc FROM run"));
        // The office capture was in night 2 as well: its addresses stay, now first seen in night 2.
        Assert.Equal(["0"], Sql.Rows(db, "SELECT count(*) FROM indicator WHERE first_seen_run_id NOT IN (SELECT run_id FROM run)"));
        // The pruned run's volumes go with it; night 2's stay as they were.
        Assert.Equal(["0"], Sql.Rows(db, "SELECT count(*) FROM run_indicator WHERE run_id NOT IN (SELECT run_id FROM run)"));
        Assert.Equal(volumesBefore, Sql.Rows(db, "SELECT indicator_id, volume FROM run_indicator WHERE run_id = 2 ORDER BY indicator_id"));

        var vacuum = Cli.Run("history", "vacuum", db);
        Assert.True(vacuum.ExitCode == 0, vacuum.ToString());
        Assert.Equal("ok", Sql.IntegrityCheck(db));
        Assert.True(!File.Exists(db + "-wal") || new FileInfo(db + "-wal").Length == 0, "the write-ahead log was not folded in");

        var absent = Cli.Run("history", "show", t.File("absent.db"));
        Assert.True(absent.ExitCode == 1, absent.ToString());
        Assert.Contains("absent.db", absent.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(t.File("absent.db")));
    }
}
