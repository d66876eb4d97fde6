using System.Text.Json;
using PcapViz.Discovery;
using PcapViz.ScaleOut;

namespace PcapViz.Tests;

/// <summary>The plan (balance, record, own hash), the shard (index from the scheduler, idempotence) and the merge's checks.</summary>
public sealed class PlanAndShardTests
{
    private static DiscoveredInput Input(string path, long size) => new("/data/" + path, path, size);

    [Fact]
    public void Balance_LargestFirstToLightestShard_TiesByPathAndLowestIndex()
    {
        // Sizes 9, 7, 6, 5, 5, 2 over 3 shards: 9→0, 7→1, 6→2, 5(a)→2 (6<7), 5(b)→1 (7<11... 12 vs 9 vs 11), 2→0.
        var inputs = new[] { Input("f.pcap", 2), Input("b.pcap", 5), Input("a.pcap", 5), Input("c.pcap", 6), Input("d.pcap", 7), Input("e.pcap", 9) };
        var plan = ShardPlan.Balance(inputs, 3);
        Assert.Equal(["a.pcap", "b.pcap", "c.pcap", "d.pcap", "e.pcap", "f.pcap"], plan.Select(p => p.Path));
        var shardOf = plan.ToDictionary(p => p.Path, p => p.Shard);
        Assert.Equal(0, shardOf["e.pcap"]);
        Assert.Equal(1, shardOf["d.pcap"]);
        Assert.Equal(2, shardOf["c.pcap"]);
        Assert.Equal(2, shardOf["a.pcap"]); // 6 is the lightest; a before b by path
        Assert.Equal(1, shardOf["b.pcap"]); // loads 9, 7, 11: shard 1
        Assert.Equal(0, shardOf["f.pcap"]); // loads 9, 12, 11
        // The input order does not matter.
        Assert.Equal(plan, ShardPlan.Balance(inputs.Reverse().ToArray(), 3));
    }

    [Fact]
    public void Balance_MoreShardsThanFiles_LeavesShardsEmpty()
    {
        var plan = ShardPlan.Balance([Input("a.pcap", 1), Input("b.pcap", 1)], 5);
        Assert.Equal([0, 1], plan.Select(p => p.Shard));
    }

    [Fact]
    public void Plan_RecordsEveryInputSizeOptionsAndItsOwnSha256()
    {
        using var t = new TempDir();
        string input = t.Dir("in");
        var names = Captures.Samples(input);
        File.WriteAllText(Path.Combine(input, "readme.txt"), "not a capture");
        string plan = ShardedRun.Plan(t.Root, [input], 2, "--exclude", "home-*", "--top", "7", "--run-pdf", "full");
        using var doc = JsonDocument.Parse(File.ReadAllBytes(plan));
        var root = doc.RootElement;
        var inputs = root.GetProperty("inputs").EnumerateArray().ToList();
        var expected = names.Select(Path.GetFileName).Where(n => !n!.StartsWith("home-", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, inputs.Select(i => i.GetProperty("path").GetString()));
        Assert.All(inputs, i => Assert.Equal(new FileInfo(Path.Combine(input, i.GetProperty("path").GetString()!)).Length, i.GetProperty("sizeBytes").GetInt64()));
        Assert.Equal("7", root.GetProperty("options").GetProperty("top").GetString());
        Assert.Equal("home-*", root.GetProperty("options").GetProperty("exclude").GetString());
        Assert.Equal("full", root.GetProperty("options").GetProperty("runPdf").GetString());
        Assert.Equal("readme.txt", root.GetProperty("skipped")[0].GetProperty("path").GetString());
        Assert.Equal(long.Parse(Cli.Epoch, System.Globalization.CultureInfo.InvariantCulture), root.GetProperty("generatedEpochSeconds").GetInt64());
        // The SHA-256 covers the plan without its own field: recomputed independently here.
        string text = File.ReadAllText(plan);
        string sha = root.GetProperty("sha256").GetString()!;
        string body = text.Replace($",\n  \"sha256\": \"{sha}\"", "", StringComparison.Ordinal);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(body))), sha);
    }

    [Fact]
    public void Shard_EditedPlan_IsRefusedNamingThePlan()
    {
        using var t = new TempDir();
        string input = t.Dir("in");
        Captures.Samples(input);
        string plan = ShardedRun.Plan(t.Root, [input], 2);
        File.WriteAllText(plan, File.ReadAllText(plan).Replace("\"top\": \"20\"", "\"top\": \"21\"", StringComparison.Ordinal));
        var r = Cli.Run("report", "--plan", plan, "--shard", "0", "-o", t["s0"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("was altered after it was made", r.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(t["s0"]));
    }

    [Fact]
    public void Shard_IndexFromSlurmOrKubernetesEnvironment()
    {
        var errors = new List<string>();
        Assert.Equal(2, ShardRun.ResolveIndex(null, 4, n => n == "SLURM_ARRAY_TASK_ID" ? "2" : null, errors));
        Assert.Equal(3, ShardRun.ResolveIndex(null, 4, n => n == "JOB_COMPLETION_INDEX" ? "3" : null, errors));
        Assert.Equal(1, ShardRun.ResolveIndex(1, 4, _ => "3", errors));
        Assert.Empty(errors);
        Assert.Null(ShardRun.ResolveIndex(null, 4, _ => null, errors));
        Assert.Contains("SLURM_ARRAY_TASK_ID", errors[^1], StringComparison.Ordinal);
        Assert.Null(ShardRun.ResolveIndex(null, 4, n => n == "SLURM_ARRAY_TASK_ID" ? "4" : null, errors));
        Assert.Contains("outside the plan's shards 0..3", errors[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Shard_FromEnvironmentVariable_RetriedShardWritesTheSameBytes_AndVerifies()
    {
        using var t = new TempDir();
        string input = t.Dir("in");
        Captures.Samples(input);
        string plan = ShardedRun.Plan(t.Root, [input], 2);
        Environment.SetEnvironmentVariable("JOB_COMPLETION_INDEX", "1");
        CliResult first, again;
        try
        {
            first = Cli.Run("report", "--plan", plan, "-o", t["s1"], "-q");
            var before = Bundle.Snapshot(t["s1"]);
            again = Cli.Run("report", "--plan", plan, "-o", t["s1"], "-q");
            Bundle.AssertIdentical(before, Bundle.Snapshot(t["s1"]));
        }
        finally
        {
            Environment.SetEnvironmentVariable("JOB_COMPLETION_INDEX", null);
        }
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(again.ExitCode == 0, again.ToString());
        using var shard = JsonDocument.Parse(File.ReadAllBytes(t[Path.Combine("s1", "shard.json")]));
        Assert.Equal(1, shard.RootElement.GetProperty("shard").GetInt32());
        var verify = Cli.Run("verify", t["s1"]);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.False(File.Exists(t[Path.Combine("s1", "index.html")])); // the merge writes the run pages
    }

    [Fact]
    public void Shard_OptionsThatThePlanFixes_AreRefused()
    {
        using var t = new TempDir();
        string input = t.Dir("in");
        Captures.Samples(input);
        string plan = ShardedRun.Plan(t.Root, [input], 2);
        var r = Cli.Run("report", input, "--plan", plan, "--shard", "0", "-o", t["s0"], "--top", "3", "--bin", "60", "--run-pdf", "full");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("the plan names the inputs", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("--top is fixed by the plan", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("--bin is fixed by the plan", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("--run-pdf is fixed by the plan", r.Stderr, StringComparison.Ordinal);
    }

    /// <summary>Plans 3 shards over the samples and runs them; returns (plan, shard dirs).</summary>
    private static (string Plan, string[] Shards) ThreeShards(TempDir t)
    {
        string input = t.Dir("in");
        Captures.Samples(input);
        string plan = ShardedRun.Plan(t.Root, [input], 3);
        return (plan, Enumerable.Range(0, 3).Select(k => ShardedRun.Shard(t.Root, plan, k)).ToArray());
    }

    private static CliResult MergeFails(TempDir t, params string[] shards)
    {
        var r = Cli.Run(["merge", .. shards, "-o", t["merged"]]);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.False(Directory.Exists(t["merged"]), "nothing may be written when a shard is wrong");
        return r;
    }

    [Fact]
    public void Merge_MissingShard_IsAnErrorNamingIt()
    {
        using var t = new TempDir();
        var (_, shards) = ThreeShards(t);
        var r = MergeFails(t, shards[0], shards[2]);
        Assert.Contains("shard 1 of 3 is missing", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Merge_DuplicateShard_IsAnErrorNamingBoth()
    {
        using var t = new TempDir();
        var (_, shards) = ThreeShards(t);
        string copy = t.Dir("copy-of-2");
        foreach (string f in Directory.EnumerateFiles(shards[2], "*", SearchOption.AllDirectories))
        {
            string to = Path.Combine(copy, Path.GetRelativePath(shards[2], f));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(f, to);
        }
        var r = MergeFails(t, shards[0], shards[1], shards[2], copy);
        Assert.Contains($"{copy}: duplicate shard: shard 2 is also {shards[2]}", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Merge_ShardOfAnotherPlan_IsForeign()
    {
        using var t = new TempDir();
        var (plan, shards) = ThreeShards(t);
        // The same inputs planned again with another option: another plan.
        string otherPlan = ShardedRun.Plan(t.Dir("third"), [t["in"]], 3, "--top", "9");
        string foreign = ShardedRun.Shard(t["third"], otherPlan, 1);
        var r = MergeFails(t, "--plan", plan, shards[0], foreign, shards[2]);
        Assert.Contains($"{foreign}: foreign shard", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("shard 1 of 3 is missing", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Merge_AlteredFileInShard_IsAnErrorNamingShardAndFile()
    {
        using var t = new TempDir();
        var (_, shards) = ThreeShards(t);
        string json = Directory.EnumerateFiles(shards[1], "analysis.json", SearchOption.AllDirectories).First();
        File.AppendAllText(json, "\n");
        var r = MergeFails(t, shards);
        Assert.Contains($"{shards[1]}: altered shard: captures/", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("analysis.json", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Merge_PageChangedInShardWithSameSize_IsCaughtByItsHash()
    {
        using var t = new TempDir();
        var (_, shards) = ThreeShards(t);
        string page = Directory.EnumerateFiles(shards[0], "report.html", SearchOption.AllDirectories).First();
        byte[] bytes = File.ReadAllBytes(page);
        bytes[bytes.Length / 2] ^= 0x20;
        File.WriteAllBytes(page, bytes);
        var r = MergeFails(t, shards);
        Assert.Contains($"{shards[0]}: altered shard: captures/", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("report.html does not match its SHA-256", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Merge_WithoutPlanOption_PlanChangedSinceTheShards_IsRefused()
    {
        using var t = new TempDir();
        var (plan, shards) = ThreeShards(t);
        // The shards record where their plan is; a new plan written over it is not theirs.
        ShardedRun.Plan(t.Root, [t["in"]], 3, "--top", "9");
        var r = MergeFails(t, shards);
        Assert.Contains($"The plan at '{plan}' is not the one the shards were made from", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Merge_UnlistedFileOrNotAShard_AreErrors()
    {
        using var t = new TempDir();
        var (_, shards) = ThreeShards(t);
        File.WriteAllText(Path.Combine(shards[2], "extra.txt"), "x");
        string notShard = t.Dir("empty");
        var r = MergeFails(t, shards[0], shards[1], shards[2], notShard);
        Assert.Contains($"{shards[2]}: altered shard: extra.txt is not listed in its manifest", r.Stderr, StringComparison.Ordinal);
        Assert.Contains($"{notShard}: not a PcapViz shard", r.Stderr, StringComparison.Ordinal);
    }
}
