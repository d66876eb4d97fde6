namespace PcapViz.Tests;

/// <summary>
/// A run holds at most --results-in-memory entries of finished results in memory; the rest wait on disk beside the
/// output until the pages and the run totals need them (issue 10: memory bounded whatever the number of captures).
/// Which results wait on disk must never show in the output.
/// </summary>
public sealed class MemoryBudgetTests
{
    /// <summary>The samples, a copy of one under another name (pivots across captures) and a capture cut short.</summary>
    private static string Inputs(TempDir t)
    {
        string input = t.Dir("in");
        Captures.Samples(input);
        byte[] whole = File.ReadAllBytes(Path.Combine(input, "office-lan.pcap"));
        Directory.CreateDirectory(Path.Combine(input, "sub"));
        File.WriteAllBytes(Path.Combine(input, "sub", "office-lan-copy.pcap"), whole);
        File.WriteAllBytes(Path.Combine(input, "sub", "cut.pcap"), whole[..(whole.Length / 2)]);
        return input;
    }

    [Theory]
    [InlineData("0")]      // every result waits on disk
    [InlineData("3000")]   // some do: which ones depends on the order the captures finish
    public void Report_ResultsWaitingOnDisk_WritesTheSameBundleAsResultsHeldInMemory(string budget)
    {
        using var t = new TempDir();
        string input = Inputs(t);
        string watchlist = t["watch.txt"];
        File.WriteAllText(watchlist, "example.com  a watched domain\n10.0.0.0/8  the office\n");

        var held = Cli.Run("report", input, "-o", t["held"], "-j", "2", "--watchlist", watchlist);
        Assert.True(held.ExitCode == 2, held.ToString()); // the capture cut short
        Assert.DoesNotContain("waited on disk", held.Stderr + held.Stdout, StringComparison.Ordinal);

        var spilled = Cli.Run("report", input, "-o", t["spilled"], "-j", "2", "--watchlist", watchlist, "--results-in-memory", budget, "--verbose");
        Assert.True(spilled.ExitCode == 2, spilled.ToString());
        Assert.Matches(@"\d+ captures?'s? results waited on disk beside the output \(--results-in-memory " + budget + @"\)", spilled.Stderr + spilled.Stdout);

        var expected = Bundle.Snapshot(t["held"]);
        Assert.Contains("pivot.html", expected.Keys);
        Assert.Contains("report.pdf", expected.Keys);
        Bundle.AssertIdentical(expected, Bundle.Snapshot(t["spilled"]));
        // The spill directory went with the run.
        Assert.Empty(Directory.GetDirectories(t.Root, ".*", SearchOption.TopDirectoryOnly));
    }

    [Fact]
    public void Report_SpillOfAKilledRun_IsRemovedByTheNextRun_ALiveRunsIsLeftAlone()
    {
        using var t = new TempDir();
        string input = t.Dir("in");
        Captures.Tiny(Path.Combine(input, "a.pcap"));
        int gone = Enumerable.Range(4_000_000, 1000).First(pid => !Directory.Exists($"/proc/{pid}"));
        string stale = t.Dir($".out.spill-{gone}");
        File.WriteAllText(Path.Combine(stale, "x-pcap.json"), "{}");
        string live = t.Dir(".out.spill-1"); // pid 1 always exists: a merge still reading its shards
        File.WriteAllText(Path.Combine(live, "y-pcap.json"), "{}");

        var r = Cli.Run("report", input, "-o", t["out"], "-q");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.False(Directory.Exists(stale));
        Assert.True(File.Exists(Path.Combine(live, "y-pcap.json")));
    }

    [Fact]
    public void Report_NegativeResultsInMemory_IsAUsageErrorBeforeAnyWork()
    {
        using var t = new TempDir();
        string input = t.Dir("in");
        Captures.Tiny(Path.Combine(input, "a.pcap"));
        var r = Cli.Run("report", input, "-o", t["out"], "--results-in-memory", "-5");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--results-in-memory: must not be negative.", r.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(t["out"]));
    }

    [Fact]
    public void Report_OldOptionName_StillBoundsTheResultsAndWarns()
    {
        using var t = new TempDir();
        string input = t.Dir("in");
        Captures.Samples(input);

        var r = Cli.Run("report", input, "-o", t["out"], "--memory-entries", "0", "--verbose");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("--memory-entries is now --results-in-memory", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("waited on disk beside the output (--results-in-memory 0)", r.Stderr + r.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("--memory-entries", Cli.Run("report", "--help").Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_BothNamesOfTheOption_IsAUsageError()
    {
        using var t = new TempDir();
        string input = t.Dir("in");
        Captures.Tiny(Path.Combine(input, "a.pcap"));
        var r = Cli.Run("report", input, "-o", t["out"], "--memory-entries", "0", "--results-in-memory", "5");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("give one of them", r.Stderr, StringComparison.Ordinal);
    }
}
