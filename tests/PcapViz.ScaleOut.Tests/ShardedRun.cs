namespace PcapViz.Tests;

/// <summary>Runs plan → every shard → merge in-process, the way a cluster would run them one per node.</summary>
internal static class ShardedRun
{
    public static string Plan(string dir, IReadOnlyList<string> roots, int shards, params string[] options)
    {
        string plan = Path.Combine(dir, "plan.json");
        var r = Cli.Run(["plan", .. roots, "--shards", shards.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", plan, "-q", .. options]);
        Assert.True(r.ExitCode == 0, r.ToString());
        return plan;
    }

    public static string Shard(string dir, string plan, int k)
    {
        string output = Path.Combine(dir, $"shard-{k}");
        var r = Cli.Run("report", "--plan", plan, "--shard", k.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", output, "-q", "--fail-on", "never");
        Assert.True(r.ExitCode == 0, r.ToString());
        return output;
    }

    /// <summary>Plans, runs every shard and merges into dir/merged; returns the merge's result.</summary>
    public static CliResult Run(string dir, IReadOnlyList<string> roots, int shards, params string[] options)
    {
        string plan = Plan(dir, roots, shards, options);
        var shardDirs = Enumerable.Range(0, shards).Select(k => Shard(dir, plan, k)).ToList();
        return Cli.Run(["merge", .. shardDirs, "-o", Path.Combine(dir, "merged"), "-q"]);
    }
}
