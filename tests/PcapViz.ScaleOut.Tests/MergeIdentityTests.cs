namespace PcapViz.Tests;

/// <summary>
/// The promise of docs/scale-out.md: plan + shards + merge write the bytes `pcapviz report` writes on
/// one machine for the same inputs and options (SOURCE_DATE_EPOCH fixes the generation time in both).
/// </summary>
public sealed class MergeIdentityTests
{
    /// <summary>The samples plus a file that is not a capture (skipped) and a capture cut short (partial, exit 2).</summary>
    private static string SamplesWithOddFiles(TempDir t)
    {
        string input = t.Dir("in");
        Captures.Samples(input);
        File.WriteAllText(Path.Combine(input, "notes.txt"), "not a capture\n");
        byte[] whole = File.ReadAllBytes(Path.Combine(input, "office-lan.pcap"));
        Directory.CreateDirectory(Path.Combine(input, "sub"));
        File.WriteAllBytes(Path.Combine(input, "sub", "cut.pcap"), whole[..(whole.Length / 2)]);
        return input;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void Merge_SamplesInNShards_IsByteIdenticalToSingleMachineRun(int shards)
    {
        using var t = new TempDir();
        string input = SamplesWithOddFiles(t);
        var single = Cli.Run("report", input, "-o", t["single"], "-q");
        Assert.True(single.ExitCode == 2, single.ToString()); // the capture cut short
        var merged = ShardedRun.Run(t.Dir("cluster"), [input], shards);
        Assert.True(merged.ExitCode == single.ExitCode, merged.ToString());

        var expected = Bundle.Snapshot(t["single"]);
        Assert.Contains("report.pdf", expected.Keys);
        Assert.Contains("index.html", expected.Keys);
        // Every sample capture plus the one cut short.
        Assert.Equal(PcapViz.Generator.SampleCaptures.FileNames.Count + 1, expected.Keys.Count(k => k.EndsWith("/analysis.json", StringComparison.Ordinal)));
        Bundle.AssertIdentical(expected, Bundle.Snapshot(t[Path.Combine("cluster", "merged")]));
    }

    [Theory]
    [InlineData("shards", "html,pdf,csv", "auto", true)]
    [InlineData("merge", "all", "full", true)]
    [InlineData("merge", "json,pdf", "summary", false)]
    public void Merge_PagesAtShardsOrMerge_AnyFormats_IsByteIdenticalToSingleMachineRun(string pages, string formats, string runPdf, bool tickets)
    {
        using var t = new TempDir();
        string input = SamplesWithOddFiles(t);
        string[] options = ["--format", formats, "--paper", "letter", "--timezone", "Europe/Berlin", "--top", "5", "--run-pdf", runPdf, .. tickets ? ["--ticket-per-capture"] : Array.Empty<string>()];
        var single = Cli.Run(["report", input, "-o", t["single"], "-q", .. options]);
        Assert.True(single.ExitCode == 2, single.ToString());
        var merged = ShardedRun.Run(t.Dir("cluster"), [input], 3, ["--capture-pages", pages, .. options]);
        Assert.True(merged.ExitCode == 2, merged.ToString());
        var expected = Bundle.Snapshot(t["single"]);
        // The run's ticket always; each capture's with --ticket-per-capture, whether the shards or the merge render it.
        Assert.Equal(tickets ? PcapViz.Generator.SampleCaptures.FileNames.Count + 2 : 1, expected.Keys.Count(k => k.EndsWith("ticket.pdf", StringComparison.Ordinal)));
        // Shards always keep analysis.json for the merge; the bundle has it only when JSON was asked for.
        Assert.Equal(formats is "all" or "json,pdf", expected.Keys.Any(k => k.EndsWith("/analysis.json", StringComparison.Ordinal)));
        Bundle.AssertIdentical(expected, Bundle.Snapshot(t[Path.Combine("cluster", "merged")]));
    }

    [Fact]
    public void Merge_ShardsAndMergeWithResultsWaitingOnDisk_IsByteIdenticalToSingleMachineRun()
    {
        using var t = new TempDir();
        string input = SamplesWithOddFiles(t);
        var single = Cli.Run("report", input, "-o", t["single"], "-q");
        Assert.True(single.ExitCode == 2, single.ToString());

        string cluster = t.Dir("cluster");
        string plan = ShardedRun.Plan(cluster, [input], 2);
        var shards = new List<string>();
        for (int k = 0; k < 2; k++)
        {
            string shard = Path.Combine(cluster, $"shard-{k}");
            var r = Cli.Run("report", "--plan", plan, "--shard", k.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", shard, "-q", "--fail-on", "never", "--results-in-memory", "0");
            Assert.True(r.ExitCode == 0, r.ToString());
            shards.Add(shard);
        }
        var merged = Cli.Run(["merge", .. shards, "-o", Path.Combine(cluster, "merged"), "-v", "--results-in-memory", "0"]);
        Assert.True(merged.ExitCode == 2, merged.ToString());
        Assert.Contains("captures' results waited on disk beside the output (--results-in-memory 0)", merged.Stderr + merged.Stdout, StringComparison.Ordinal);

        Bundle.AssertIdentical(Bundle.Snapshot(t["single"]), Bundle.Snapshot(Path.Combine(cluster, "merged")));
        // No spill directory is left beside any output.
        Assert.Empty(Directory.GetDirectories(cluster, ".*"));
        Assert.Empty(Directory.GetDirectories(t.Root, ".*"));
    }

    private static readonly Lock CorpusLock = new();
    private static (string Dir, SortedDictionary<string, byte[]> Bundle, int Exit)? _corpusSingle;

    /// <summary>One single-machine run over the corpus, shared by the theory rows.</summary>
    private static (SortedDictionary<string, byte[]> Bundle, int Exit) CorpusSingle(string corpus)
    {
        lock (CorpusLock)
        {
            if (_corpusSingle is null)
            {
                string dir = Path.Combine(Path.GetTempPath(), "pcapviz-scaleout-single-" + Environment.ProcessId);
                if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
                var r = Cli.Run("report", corpus, "-o", dir, "-q");
                Assert.True(r.ExitCode is 0 or 2, r.ToString());
                _corpusSingle = (dir, Bundle.Snapshot(dir), r.ExitCode);
                Directory.Delete(dir, recursive: true);
            }
            return (_corpusSingle.Value.Bundle, _corpusSingle.Value.Exit);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void Merge_CorpusInNShards_IsByteIdenticalToSingleMachineRun(int shards)
    {
        string corpus = Repo.RequireCorpus();
        var (expected, exit) = CorpusSingle(corpus);
        using var t = new TempDir();
        var merged = ShardedRun.Run(t.Root, [corpus], shards);
        Assert.True(merged.ExitCode == exit, merged.ToString());
        Assert.True(expected.Keys.Count(k => k.EndsWith("/analysis.json", StringComparison.Ordinal)) >= 70);
        Bundle.AssertIdentical(expected, Bundle.Snapshot(t["merged"]));
    }

    [Fact]
    public void Merge_ABeaconSplitAcrossTwoShards_WritesTheBeaconsJsonOfOneRun_WhateverTheJobsAndMemory()
    {
        using var t = new TempDir();
        string input = t.Dir("night");
        // Twelve minutes of a beacon at a minute, cut after six: each file holds fewer connections than a capture scores.
        PcapViz.Generator.BeaconTraffic.WriteSplit(Path.Combine(input, "a.pcap"), Path.Combine(input, "b.pcap"), 0.1,
            PcapViz.Generator.BeaconPattern.Regular, hours: 0.2, intervalSeconds: 60, seed: 5);
        var single = Cli.Run("report", input, "-o", t["single"], "-q", "--format", "json", "--jobs", "1");
        Assert.True(single.ExitCode == 0, single.ToString());
        byte[] expected = File.ReadAllBytes(Path.Combine(t["single"], "beacons.json"));
        using (var doc = System.Text.Json.JsonDocument.Parse(expected))
        {
            var pair = Assert.Single(doc.RootElement.GetProperty("beacons").EnumerateArray(), b => b.GetProperty("server").GetString() == "203.0.113.80");
            Assert.True(pair.GetProperty("flagged").GetBoolean());
            Assert.Equal(2, pair.GetProperty("captures").GetInt32());
        }
        BundleSchemas.AssertValid(t["single"]);

        // Two shards (one file each), the merge's results on disk: the same bytes.
        var merged = ShardedRun.Run(t.Dir("cluster"), [input], 2, "--format", "json");
        Assert.True(merged.ExitCode == 0, merged.ToString());
        Assert.Equal(expected, File.ReadAllBytes(Path.Combine(t["cluster"], "merged", "beacons.json")));
        var onDisk = Cli.Run("report", input, "-o", t["spilled"], "-q", "--format", "json", "--jobs", "2", "--results-in-memory", "0");
        Assert.True(onDisk.ExitCode == 0, onDisk.ToString());
        Assert.Equal(expected, File.ReadAllBytes(Path.Combine(t["spilled"], "beacons.json")));
        Bundle.AssertIdentical(Bundle.Snapshot(t["single"]), Bundle.Snapshot(t["spilled"]));
        // --fail-on beacon sees the run's beacon, though no capture flags one.
        var failing = Cli.Run("report", input, "-o", t["failing"], "-q", "--format", "json", "--fail-on", "beacon");
        Assert.True(failing.ExitCode == 5, failing.ToString());
    }
}
