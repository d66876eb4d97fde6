using PcapViz.Generator;

namespace PcapViz.History.Tests;

/// <summary>--incremental with --history: reused captures are remembered like analysed ones, and the news is the same.</summary>
public sealed class IncrementalHistoryTests
{
    private static (string Dump, byte[] HistoryJson, byte[] Index) TwoNights(TempDirectory t, string name, string db, bool incremental)
    {
        string input = t.Dir(name + "-in");
        string output = t.File(name + "-out");
        string all = t.File("all");
        string office = Directory.GetFiles(all).Single(f => f.EndsWith("office-lan.pcap", StringComparison.Ordinal));
        File.Copy(office, Path.Combine(input, Path.GetFileName(office)));
        string[] extra = incremental ? ["--incremental"] : [];
        var first = Cli.RunAt("1709251200", ["report", input, "-o", output, "--history", db, "--format", "json,html", .. extra]);
        Assert.True(first.ExitCode == 0, first.ToString());
        // Night 2: the directory has grown to every sample; the office capture is unchanged.
        foreach (string f in Directory.GetFiles(all))
            if (!File.Exists(Path.Combine(input, Path.GetFileName(f)))) File.Copy(f, Path.Combine(input, Path.GetFileName(f)));
        var second = Cli.RunAt("1709337600", ["report", input, "-o", output, "--history", db, "--format", "json,html", .. extra]);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal(incremental, (second.Stdout + second.Stderr).Contains("1 reused", StringComparison.Ordinal));
        return (Sql.Dump(db), File.ReadAllBytes(Path.Combine(output, "history.json")), File.ReadAllBytes(Path.Combine(output, "index.html")));
    }

    [Fact]
    public void Incremental_TwoNights_SameHistoryRowsNewsAndPageAsFullRuns()
    {
        using var t = new TempDirectory("pcapviz-history-");
        SampleCaptures.WriteAll(t.Dir("all"));
        // The same database path for both (history.json names it); the input folders differ only in name.
        string db = t.File("history.db");
        var incremental = TwoNights(t, "night", db, incremental: true);
        foreach (string f in new[] { db, db + "-wal", db + "-shm" })
            if (File.Exists(f)) File.Delete(f);
        string renamed = t.File("night-in");
        Directory.Move(renamed, t.File("kept-in"));
        Directory.Move(t.File("night-out"), t.File("kept-out"));
        var full = TwoNights(t, "night", db, incremental: false);

        Assert.Equal(full.Dump, incremental.Dump);
        Assert.Equal(System.Text.Encoding.UTF8.GetString(full.HistoryJson), System.Text.Encoding.UTF8.GetString(incremental.HistoryJson));
        Assert.Contains("\"runsBefore\": 1", System.Text.Encoding.UTF8.GetString(incremental.HistoryJson), StringComparison.Ordinal);
        Assert.Equal(System.Text.Encoding.UTF8.GetString(full.Index), System.Text.Encoding.UTF8.GetString(incremental.Index));
    }
}
