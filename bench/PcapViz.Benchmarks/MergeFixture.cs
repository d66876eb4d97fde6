using System.Diagnostics;
using System.Globalization;
using PcapViz.Analysis;
using PcapViz.Export;
using PcapViz.Orchestration;
using PcapViz.ScaleOut;

namespace PcapViz.Benchmarks;

/// <summary>
/// Writes every shard of a plan in this one process (what N nodes would do with `pcapviz report --plan --shard K`),
/// so that bench/merge-cost.sh can time `pcapviz merge` over 1,000 shards without starting 1,000 processes.
/// JSON and CSV only (the exporters of PcapViz.Core): the plan must ask for --format json,csv.
/// </summary>
internal static class MergeFixture
{
    public static int Run(string planPath, string work)
    {
        var plan = ShardPlan.Read(planPath);
        string bin = plan.Option("bin") ?? "auto";
        var analysis = new AnalysisOptions(bin == "auto" ? null : int.Parse(bin, CultureInfo.InvariantCulture),
            int.Parse(plan.Option("maxDistinct") ?? "200000", CultureInfo.InvariantCulture));
        if (plan.Option("format") != "json,csv")
        {
            Console.Error.WriteLine("merge-fixture: plan the run with --format json,csv");
            return 1;
        }
        var request = new RunRequest(plan.Roots, work, analysis, [new AnalysisJsonExporter(), new CsvExporter()],
            plan.ToolVersion, plan.GeneratedUtc, plan.Options) { Jobs = Environment.ProcessorCount, FailOn = FailPolicy.Never };
        var clock = Stopwatch.StartNew();
        for (int k = 0; k < plan.ShardCount; k++)
        {
            var outcome = new ReportRunner(ShardRun.ForShard(request with { OutputDirectory = Path.Combine(work, $"shard-{k}") }, plan, k, planPath)).Run();
            if (outcome.ExitCode != ExitCodes.Success)
            {
                Console.Error.WriteLine($"shard {k}: exit {outcome.ExitCode} {string.Join("; ", outcome.FatalErrors)}");
                return 1;
            }
        }
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {plan.ShardCount} shards in {clock.Elapsed.TotalSeconds:F1} s"));
        return 0;
    }
}
