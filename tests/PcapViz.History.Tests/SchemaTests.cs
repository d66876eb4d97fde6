using System.Text.Json;
using PcapViz.Generator;

namespace PcapViz.History.Tests;

/// <summary>
/// Every JSON file of bundles written with a history, and of a plan + shards + merge, matches its schema in
/// docs/schema (history.json, manifest.json with a chain, cache/index.json, the plan, shard.json, analysis.json
/// with watchlist hits). The runs are built so that the optional parts are present, else the check proves little.
/// </summary>
public sealed class SchemaTests
{
    private const string Night1 = "1709251200";
    private const string Night2 = "1709337600";

    /// <summary>Night 1 sees half of the samples, night 2 all of them; a watchlist with hits and one bad line.</summary>
    private static (string Night1, string Night2, string Watchlist) Inputs(TempDirectory t)
    {
        string all = t.Dir("samples");
        SampleCaptures.WriteAll(all);
        var files = Directory.GetFiles(all).Order(StringComparer.Ordinal).ToArray();
        string n1 = t.Dir("night1"), n2 = t.Dir("night2");
        for (int i = 0; i < files.Length; i++)
        {
            if (i < files.Length / 2) File.Copy(files[i], Path.Combine(n1, Path.GetFileName(files[i])));
            File.Copy(files[i], Path.Combine(n2, Path.GetFileName(files[i])));
        }
        string list = t.File("watch.txt");
        File.WriteAllText(list, "# test list\nin-addr.arpa reverse lookups\n10.0.0.0/8 private\n10.0.0.0/33\n");
        return (n1, n2, list);
    }

    [Fact]
    public void ReportWithHistory_TwoNightsChainedAndIncremental_EveryJsonFileMatchesItsSchema()
    {
        using var t = new TempDirectory("pcapviz-schema-history-");
        var (n1, n2, list) = Inputs(t);
        string db = t.File("history.db");
        string first = t.File("night1-bundle"), second = t.File("night2-bundle");

        var r1 = Cli.RunAt(Night1, "report", n1, "-o", first, "-q", "--history", db, "--watchlist", list, "--incremental", "--format", "json,csv");
        Assert.True(r1.ExitCode == 0, r1.ToString());
        var r2 = Cli.RunAt(Night2, "report", n2, "-o", second, "-q", "--history", db, "--watchlist", list, "--incremental", "--format", "json,csv",
            "--new-window", "30d", "--chain", Path.Combine(first, "manifest.json"));
        Assert.True(r2.ExitCode == 0, r2.ToString());

        foreach (string bundle in new[] { first, second })
        {
            var checkedFiles = BundleSchemas.AssertValid(bundle);
            Assert.Contains("history.json", checkedFiles);
            Assert.Contains("cache/index.json", checkedFiles);
        }

        // The optional members were there to be checked.
        using var history = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(second, "history.json")));
        var h = history.RootElement;
        Assert.Equal(JsonValueKind.String, h.GetProperty("historyBeganUtc").ValueKind);
        Assert.Equal(30, h.GetProperty("newWindowDays").GetInt32());
        Assert.NotEqual(0, h.GetProperty("new").GetProperty("names").GetArrayLength());
        Assert.NotEqual(0, h.GetProperty("watchlistHits").GetArrayLength());
        Assert.NotEqual(0, h.GetProperty("watchlistProblems").GetArrayLength());
        Assert.Equal(2, h.GetProperty("trend").GetArrayLength());
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(second, "manifest.json")));
        Assert.True(manifest.RootElement.TryGetProperty("chain", out _), "the second night's manifest has no chain");
        Assert.Contains(Directory.GetFiles(Path.Combine(second, "captures"), "analysis.json", SearchOption.AllDirectories),
            f => File.ReadAllText(f).Contains("\"watchlistHits\"", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("shards")]
    [InlineData("merge")]
    public void PlanShardsAndMerge_WithHistory_PlanShardAndMergedBundleMatchTheirSchemas(string capturePages)
    {
        using var t = new TempDirectory("pcapviz-schema-shards-");
        var (_, n2, list) = Inputs(t);
        string plan = t.File("plan.json");
        var p = Cli.RunAt(Night1, "plan", n2, "--shards", "2", "--capture-pages", capturePages, "-o", plan, "-q");
        Assert.True(p.ExitCode == 0, p.ToString());
        JsonSchemaAssert.Valid(BundleSchemas.Plan, plan);

        var shards = new List<string>();
        for (int k = 0; k < 2; k++)
        {
            string shard = t.File($"shard-{k}");
            var s = Cli.RunAt(Night1, "report", "--plan", plan, "--shard", k.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", shard, "-q", "--fail-on", "never");
            Assert.True(s.ExitCode == 0, s.ToString());
            var checkedFiles = BundleSchemas.AssertValid(shard);
            Assert.Contains("shard.json", checkedFiles);
            Assert.Contains("manifest.json", checkedFiles);
            shards.Add(shard);
        }

        string merged = t.File("merged");
        var m = Cli.RunAt(Night1, ["merge", .. shards, "-o", merged, "-q", "--history", t.File("history.db"), "--watchlist", list]);
        Assert.True(m.ExitCode == 0, m.ToString());
        var mergedFiles = BundleSchemas.AssertValid(merged);
        Assert.Contains("history.json", mergedFiles);
        Assert.Equal(Directory.GetFiles(n2).Length, mergedFiles.Count(f => f.EndsWith("/analysis.json", StringComparison.Ordinal)));
    }
}
