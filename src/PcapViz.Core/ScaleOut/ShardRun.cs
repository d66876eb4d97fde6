using PcapViz.Export;
using PcapViz.Model;
using PcapViz.Discovery;
using PcapViz.Orchestration;

namespace PcapViz.ScaleOut;

/// <summary>
/// `pcapviz report --plan plan.json --shard K`: the report run of shard K's inputs only. The shard directory is a
/// bundle of its own (manifest.json lists every file with its SHA-256, so `pcapviz verify` checks it) holding the
/// captures' analysis.json (always: the merge reads it), their pages (when the plan renders pages on the shards),
/// and <c>shard.json</c>, which ties the shard to the plan. Everything the bytes depend on comes
/// from the plan (options, roots, generation time), so a retried shard writes the same bytes. The shard records
/// the plan's SHA-256 and path rather than a copy (a plan of 20,000 inputs is 3.6 MB; 1,000 copies cost 3.6 GB).
/// </summary>
public static class ShardRun
{
    internal const string ShardFile = "shard.json";

    /// <summary>
    /// The shard index from the command line, else from SLURM_ARRAY_TASK_ID (Slurm job arrays), else from
    /// JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs); null with an error when none is usable.
    /// </summary>
    public static int? ResolveIndex(int? given, int shardCount, Func<string, string?> environment, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(errors);
        int? index = given;
        string source = "--shard";
        if (index is null)
        {
            foreach (string name in new[] { "SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX" })
            {
                string? text = environment(name);
                if (string.IsNullOrEmpty(text)) continue;
                source = name;
                if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int k)) index = k;
                else
                {
                    errors.Add($"{name}='{text}' is not a shard index.");
                    return null;
                }
                break;
            }
        }
        if (index is null)
        {
            errors.Add("--shard: no shard index given, and neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set.");
            return null;
        }
        if (index < 0 || index >= shardCount)
        {
            errors.Add($"{source}: shard {index} is outside the plan's shards 0..{shardCount - 1}.");
            return null;
        }
        return index;
    }

    /// <summary>Turns a report request built from the plan's options into the request for shard <paramref name="index"/>.</summary>
    /// <param name="planPath">Where the plan is (recorded, so that `pcapviz merge` without --plan finds it).</param>
    public static RunRequest ForShard(RunRequest fromPlan, ShardPlan plan, int index, string planPath)
    {
        ArgumentNullException.ThrowIfNull(fromPlan);
        ArgumentNullException.ThrowIfNull(plan);
        var mine = plan.InputsOf(index);
        var discovered = new DiscoveryResult(mine.Select(i => new DiscoveredInput(i.FullPath, i.Path, i.SizeBytes)).ToList(), [], []);
        string planSha = plan.Sha256;
        string planFull = Path.GetFullPath(planPath);
        // Each capture's pages (when rendered on the shards) and always its analysis.json, which the merge reads.
        var exporters = plan.CapturePages == CapturePages.Shards ? fromPlan.Exporters.ToList() : [];
        if (!exporters.Any(e => e is AnalysisJsonExporter)) exporters.Add(new AnalysisJsonExporter());
        return fromPlan with
        {
            Exporters = exporters,
            Discovered = discovered,
            RunOutputs = false,
            AllowEmpty = true, // more shards than captures: a shard may have none
            Incremental = false,
            ExtraOutputs = (sink, run) =>
            {
                using var shard = sink.Create(ShardFile);
                WriteShardFile(shard, planSha, planFull, index, plan.ShardCount, run);
            },
        };
    }

    /// <summary>shard.json's schema: 2 names the tool as every JSON file does (<c>tool</c>: name and version); 1 had
    /// <c>toolVersion</c> (still read by <see cref="ShardSet"/>).</summary>
    internal const int ShardFileSchemaVersion = 2;

    /// <summary>The version of PcapViz that wrote a shard.json of either schema version.</summary>
    internal static string ToolVersionOf(System.Text.Json.JsonElement root) =>
        root.GetProperty("schemaVersion").GetInt32() switch
        {
            1 => root.GetProperty("toolVersion").GetString()!,
            ShardFileSchemaVersion => root.GetProperty("tool").GetProperty("version").GetString()!,
            int v => throw new InvalidDataException($"schemaVersion {v.ToString(System.Globalization.CultureInfo.InvariantCulture)} is not one this PcapViz reads (1 or {ShardFileSchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)})"),
        };

    private static void WriteShardFile(Stream stream, string planSha, string planPath, int index, int shardCount, RunResult run)
    {
        JsonOut.WriteDocument(stream, w =>
        {
            w.WriteString("kind", "pcapviz-shard");
            w.WriteNumber("schemaVersion", ShardFileSchemaVersion);
            w.WriteString("planSha256", planSha);
            w.WriteString("planPath", planPath);
            w.WriteNumber("shard", index);
            w.WriteNumber("shardCount", shardCount);
            w.WriteTool(run.Info.ToolVersion);
            w.WriteStrings("inputs", run.Captures.Select(c => c.Input.Path));
        });
    }
}
