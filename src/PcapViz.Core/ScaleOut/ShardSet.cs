using PcapViz.Reading;
using System.Text.Json;
using PcapViz.Export;
using PcapViz.Bundle;

namespace PcapViz.ScaleOut;

/// <summary>One shard directory, read and checked against the plan.</summary>
public sealed record ShardDirectory(
    string Directory,
    int Index,
    IReadOnlyList<ManifestCapture> Captures,
    IReadOnlyDictionary<string, ManifestOutput> Files,
    IReadOnlyList<ExporterFailure> ExporterFailures)
{
    /// <summary>A short name for messages: the directory as given.</summary>
    internal string Name => Directory;
}

/// <summary>
/// The shards of one plan, checked before anything is merged: every shard 0..N-1 present once, each made from
/// this plan (same SHA-256) by the same PcapViz version, holding exactly the inputs the plan gave it, and every
/// file its manifest lists present with its size and nothing unlisted. File contents are checked against their
/// SHA-256 as the merge reads and copies them. Every problem is reported at once, naming the shard.
/// </summary>
public static class ShardSet
{
    /// <summary>Reads the shard <paramref name="directories"/> and the plan (<paramref name="planPath"/>, or without it the one the shards were made from) and checks them; any error means nothing may be merged, and the plan or shards may then be null or incomplete.</summary>
    public static (ShardPlan? Plan, IReadOnlyList<ShardDirectory> Shards, IReadOnlyList<string> Errors) Load(
        IReadOnlyList<string> directories, string? planPath)
    {
        ArgumentNullException.ThrowIfNull(directories);
        var errors = new List<string>();
        ShardPlan? plan = null;
        if (planPath is not null)
        {
            try
            {
                plan = ShardPlan.Read(planPath);
            }
            catch (InvalidDataException ex)
            {
                errors.Add(ex.Message);
                return (null, [], errors);
            }
        }

        // Each shard's own idea of its plan and index, before the full check.
        var heads = new List<(string Dir, string PlanSha, int Index, int Count, string Tool, string PlanPath)>();
        foreach (string dir in directories)
        {
            string shardFile = Path.Combine(dir, ShardRun.ShardFile);
            if (!System.IO.Directory.Exists(dir)) { errors.Add($"{dir}: does not exist."); continue; }
            if (!File.Exists(shardFile)) { errors.Add($"{dir}: not a PcapViz shard (no {ShardRun.ShardFile}; was it written by 'pcapviz report --plan ... --shard K'?)."); continue; }
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(shardFile));
                var root = doc.RootElement;
                if (root.GetProperty("kind").GetString() != "pcapviz-shard") throw new InvalidDataException("\"kind\" is not pcapviz-shard");
                heads.Add((dir, root.GetProperty("planSha256").GetString()!, root.GetProperty("shard").GetInt32(),
                    root.GetProperty("shardCount").GetInt32(), ShardRun.ToolVersionOf(root),
                    root.GetProperty("planPath").GetString()!));
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or InvalidDataException or IOException)
            {
                errors.Add($"{dir}: {ShardRun.ShardFile} cannot be read ({ex.Message}).");
            }
        }

        if (plan is null)
        {
            // Without --plan, the plan is the one the shards carry; when they disagree, the most common one.
            var groups = heads.GroupBy(h => h.PlanSha).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
            if (groups.Count == 0)
            {
                if (errors.Count == 0) errors.Add("No shard directories given.");
                return (null, [], errors);
            }
            if (groups.Count > 1 && groups[0].Count() == groups[1].Count())
            {
                errors.Add("The shards were made from different plans in equal numbers; name the plan with --plan: " +
                    string.Join("; ", groups.Select(g => $"plan {g.Key[..12]}: {string.Join(", ", g.Select(h => h.Dir))}")));
                return (null, [], errors);
            }
            // The plan where the shards read it (they record its path); it must still be the plan they were made from.
            var first = groups[0].First();
            try
            {
                plan = ShardPlan.Read(first.PlanPath);
            }
            catch (InvalidDataException ex)
            {
                errors.Add($"{ex.Message} (the plan the shards were made from; name it with --plan)");
                return (null, [], errors);
            }
            if (plan.Sha256 != first.PlanSha)
            {
                errors.Add($"The plan at '{first.PlanPath}' is not the one the shards were made from (it changed since); name their plan with --plan.");
                return (null, [], errors);
            }
        }

        string planSha = plan.Sha256;
        var byIndex = new Dictionary<int, string>();
        var accepted = new List<(string Dir, int Index)>();
        foreach (var h in heads)
        {
            if (h.PlanSha != planSha)
            {
                errors.Add($"{h.Dir}: foreign shard: it was made from plan {h.PlanSha[..Math.Min(12, h.PlanSha.Length)]}…, not from this plan {planSha[..12]}….");
                continue;
            }
            if (h.Tool != plan.ToolVersion)
            {
                errors.Add($"{h.Dir}: written by PcapViz {h.Tool}, but the plan is for {plan.ToolVersion}; every shard and the merge must run the same version.");
                continue;
            }
            if (h.Index < 0 || h.Index >= plan.ShardCount || h.Count != plan.ShardCount)
            {
                errors.Add($"{h.Dir}: altered shard: it claims shard {h.Index} of {h.Count}, the plan has {plan.ShardCount}.");
                continue;
            }
            if (byIndex.TryGetValue(h.Index, out string? first))
            {
                errors.Add($"{h.Dir}: duplicate shard: shard {h.Index} is also {first}.");
                continue;
            }
            byIndex[h.Index] = h.Dir;
            accepted.Add((h.Dir, h.Index));
        }
        for (int k = 0; k < plan.ShardCount; k++)
            if (!byIndex.ContainsKey(k) && !heads.Any(h => h.Index == k && h.PlanSha == planSha))
                errors.Add($"shard {k} of {plan.ShardCount} is missing (run 'pcapviz report --plan ... --shard {k}' and name its directory).");

        var byShard = plan.InputsByShard();
        var shards = new List<ShardDirectory>();
        foreach (var (dir, index) in accepted.OrderBy(a => a.Index))
        {
            var shard = ReadShard(dir, index, errors);
            if (shard is null) continue;
            var expected = byShard[index];
            var got = shard.Captures.Select(c => c.Path).ToList();
            if (!expected.Select(i => i.Path).SequenceEqual(got, StringComparer.Ordinal))
            {
                var lacking = expected.Select(i => i.Path).Except(got, StringComparer.Ordinal).Take(3).ToList();
                var extra = got.Except(expected.Select(i => i.Path), StringComparer.Ordinal).Take(3).ToList();
                errors.Add($"{dir}: altered shard: its inputs are not the ones the plan gives shard {index}" +
                    (lacking.Count > 0 ? $"; lacking {string.Join(", ", lacking)}" : "") +
                    (extra.Count > 0 ? $"; not in the plan for it {string.Join(", ", extra)}" : "") + ".");
                continue;
            }
            shards.Add(shard);
        }
        return (plan, shards, errors);
    }

    private static ShardDirectory? ReadShard(string dir, int index, List<string> errors)
    {
        string root = Path.GetFullPath(dir);
        string manifestPath = Path.Combine(root, ManifestWriter.FileName);
        if (!File.Exists(manifestPath))
        {
            errors.Add($"{dir}: incomplete shard: no {ManifestWriter.FileName}.");
            return null;
        }
        BundleManifest? manifest;
        string? error;
        try
        {
            manifest = ManifestReader.TryParse(File.ReadAllBytes(manifestPath), out error);
        }
        catch (IOException ex)
        {
            (manifest, error) = (null, ex.Message);
        }
        if (manifest is null)
        {
            errors.Add($"{dir}: {ManifestWriter.FileName} cannot be read ({error}).");
            return null;
        }
        var files = new Dictionary<string, ManifestOutput>(StringComparer.Ordinal);
        foreach (var f in manifest.Outputs) files[f.Path] = f;
        var captures = manifest.Inputs;

        int before = errors.Count;
        foreach (var f in files.Values)
        {
            string full = Path.Combine(root, f.Path.Replace('/', Path.DirectorySeparatorChar));
            if (!File.Exists(full)) errors.Add($"{dir}: incomplete shard: {f.Path} is missing.");
            else if (new FileInfo(full).Length != f.SizeBytes) errors.Add($"{dir}: altered shard: {f.Path} has {new FileInfo(full).Length} bytes, its manifest says {f.SizeBytes}.");
        }
        foreach (string full in System.IO.Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(root, full).Replace(Path.DirectorySeparatorChar, '/');
            if (relative != ManifestWriter.FileName && !files.ContainsKey(relative))
                errors.Add($"{dir}: altered shard: {relative} is not listed in its manifest.");
        }
        if (!files.ContainsKey(ShardRun.ShardFile)) errors.Add($"{dir}: altered shard: its manifest does not list {ShardRun.ShardFile}.");
        foreach (var c in captures)
            if (!files.ContainsKey($"captures/{c.Id}/{AnalysisJsonExporter.FileName}"))
                errors.Add($"{dir}: incomplete shard: {c.Path} has no analysis.json.");
        if (errors.Count > before) return null;

        // shard.json was read before; check it is the one the manifest lists.
        string sha = FileSha256.Of(Path.Combine(root, ShardRun.ShardFile));
        if (sha != files[ShardRun.ShardFile].Sha256) errors.Add($"{dir}: altered shard: {ShardRun.ShardFile} does not match its SHA-256 in the manifest.");
        return errors.Count > before ? null : new ShardDirectory(dir, index, captures, files, manifest.ExporterFailures);
    }
}
