using System.Security.Cryptography;
using System.Text.Json;
using PcapViz.Export;
using PcapViz.Model;
using PcapViz.Discovery;

namespace PcapViz.ScaleOut;

/// <summary>One input of a plan: where it is, how big it was when planned, and which shard reads it.</summary>
/// <param name="Path">Path relative to its input root, '/'-separated (the path the bundle shows; unique in the run).</param>
/// <param name="FullPath">Absolute path on the machine that planned (nodes must see the inputs under the same path).</param>
public sealed record PlannedInput(string Path, string FullPath, long SizeBytes, int Shard);

/// <summary>Where the per-capture pages (HTML, PDF, CSV) are rendered.</summary>
public enum CapturePages
{
    /// <summary>On the nodes, by each shard (the default: the work is spread).</summary>
    Shards,
    /// <summary>By the merge, from the shards' analysis.json (shards then write only analysis.json).</summary>
    Merge,
}

/// <summary>
/// `pcapviz plan`: the inputs of one run, discovered exactly as `pcapviz report` discovers them, split into N
/// shards of whole files balanced by size, with every option of the run and the generation time, so that each
/// shard and the merge make the bytes a single-machine run would make. The plan carries its own SHA-256.
/// </summary>
public sealed record ShardPlan(
    string ToolVersion,
    DateTimeOffset GeneratedUtc,
    IReadOnlyList<string> Roots,
    // The run's options as manifest.json lists them (name, value; fixed order).
    IReadOnlyList<KeyValuePair<string, string>> Options,
    IReadOnlyList<string> Includes,
    IReadOnlyList<string> Excludes,
    // Absolute path of the --templates directory, or null for the built-in templates.
    string? TemplatesDirectory,
    CapturePages CapturePages,
    int ShardCount,
    // Sorted by path (ordinal), as a report run orders its captures.
    IReadOnlyList<PlannedInput> Inputs,
    IReadOnlyList<SkippedInput> Skipped)
{
    internal const int SchemaVersion = 1;
    /// <summary>Largest --shards a plan may have.</summary>
    public const int MaxShards = 100_000;

    /// <summary>SHA-256 of the plan's canonical JSON without the sha256 field (what shards record and merge checks).</summary>
    /// <remarks>Computed on each call (the plan is small); callers keep the value.</remarks>
    public string Sha256 => ComputeSha256(ToolVersion, GeneratedUtc, Roots, Options, Includes, Excludes, TemplatesDirectory, CapturePages, ShardCount, Inputs, Skipped);

    /// <summary>The value of the report option <paramref name="name"/> as the plan records it (its manifest key, e.g. "runPdf"); null when not recorded.</summary>
    public string? Option(string name) => Options.FirstOrDefault(o => o.Key == name).Value;

    /// <summary>The inputs shard <paramref name="index"/> reads, sorted by path.</summary>
    internal IReadOnlyList<PlannedInput> InputsOf(int index) => Inputs.Where(i => i.Shard == index).ToList();

    /// <summary>Inputs per shard index (each list sorted by path).</summary>
    public IReadOnlyList<IReadOnlyList<PlannedInput>> InputsByShard()
    {
        var lists = Enumerable.Range(0, ShardCount).Select(_ => new List<PlannedInput>()).ToArray();
        foreach (var input in Inputs) lists[input.Shard].Add(input);
        return lists;
    }

    /// <summary>
    /// Assigns whole files to <paramref name="shardCount"/> shards: largest file first (ties by path, ordinal), each to
    /// the shard with the fewest bytes so far (ties: the lowest index). Deterministic for the same inputs.
    /// </summary>
    public static IReadOnlyList<PlannedInput> Balance(IReadOnlyList<DiscoveredInput> inputs, int shardCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        var load = new long[shardCount];
        var count = new int[shardCount];
        var assigned = new List<PlannedInput>(inputs.Count);
        foreach (var input in inputs.OrderByDescending(i => i.SizeBytes).ThenBy(i => i.RelativePath, StringComparer.Ordinal))
        {
            int best = 0;
            for (int k = 1; k < shardCount; k++)
                if (load[k] < load[best] || (load[k] == load[best] && count[k] < count[best])) best = k;
            load[best] += input.SizeBytes;
            count[best]++;
            assigned.Add(new PlannedInput(input.RelativePath, input.FullPath, input.SizeBytes, best));
        }
        return assigned.OrderBy(i => i.Path, StringComparer.Ordinal).ToList();
    }

    internal void Write(Stream stream) => WriteJson(stream, new ShardPlanBody(ToolVersion, GeneratedUtc, Roots, Options, Includes, Excludes,
        TemplatesDirectory, CapturePages, ShardCount, Inputs, Skipped), Sha256);

    /// <summary>The plan as plan.json holds it: canonical UTF-8 JSON with its sha256 field.</summary>
    public byte[] ToBytes()
    {
        using var buffer = new MemoryStream();
        Write(buffer);
        return buffer.ToArray();
    }

    /// <summary>Reads a plan and checks its SHA-256; a plan edited by hand (or cut short) is refused with the reason.</summary>
    public static ShardPlan Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"The plan '{path}' cannot be read: {ex.Message}", ex);
        }
        return Parse(bytes, path);
    }

    internal static ShardPlan Parse(ReadOnlySpan<byte> bytes, string name)
    {
        ShardPlan plan;
        string recorded;
        try
        {
            var reader = new Utf8JsonReader(bytes);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (!root.TryGetProperty("kind", out var kind) || kind.GetString() != "pcapviz-plan")
                throw new InvalidDataException($"'{name}' is not a PcapViz plan (no \"kind\": \"pcapviz-plan\").");
            int schema = root.GetProperty("schemaVersion").GetInt32();
            if (schema != SchemaVersion)
                throw new InvalidDataException($"The plan '{name}' has schemaVersion {schema}; this PcapViz reads {SchemaVersion}.");
            var options = root.GetProperty("options").EnumerateObject().Select(p => new KeyValuePair<string, string>(p.Name, p.Value.GetString()!)).ToList();
            var inputs = root.GetProperty("inputs").EnumerateArray().Select(e => new PlannedInput(
                e.GetProperty("path").GetString()!, e.GetProperty("fullPath").GetString()!,
                e.GetProperty("sizeBytes").GetInt64(), e.GetProperty("shard").GetInt32())).ToList();
            var skipped = root.GetProperty("skipped").EnumerateArray().Select(e => new SkippedInput(
                e.GetProperty("path").GetString()!, e.GetProperty("reason").GetString()!, e.GetProperty("problem").GetBoolean())).ToList();
            var templates = root.GetProperty("templatesDirectory");
            plan = new ShardPlan(
                root.GetProperty("tool").GetProperty("version").GetString()!,
                DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("generatedEpochSeconds").GetInt64()),
                root.GetProperty("roots").EnumerateArray().Select(e => e.GetString()!).ToList(),
                options,
                root.GetProperty("include").EnumerateArray().Select(e => e.GetString()!).ToList(),
                root.GetProperty("exclude").EnumerateArray().Select(e => e.GetString()!).ToList(),
                templates.ValueKind == JsonValueKind.Null ? null : templates.GetString(),
                root.GetProperty("capturePages").GetString() switch
                {
                    "shards" => CapturePages.Shards,
                    "merge" => CapturePages.Merge,
                    var other => throw new InvalidDataException($"The plan '{name}' names capturePages '{other}' (shards or merge)."),
                },
                root.GetProperty("shardCount").GetInt32(),
                inputs,
                skipped);
            recorded = root.GetProperty("sha256").GetString()!;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new InvalidDataException($"The plan '{name}' is not a readable PcapViz plan: {ex.Message}", ex);
        }
        if (plan.ShardCount is < 1 or > MaxShards)
            throw new InvalidDataException($"The plan '{name}' has {plan.ShardCount} shards (1..{MaxShards}).");
        if (plan.Inputs.FirstOrDefault(i => i.Shard < 0 || i.Shard >= plan.ShardCount) is { } stray)
            throw new InvalidDataException($"The plan '{name}' puts '{stray.Path}' in shard {stray.Shard}, outside 0..{plan.ShardCount - 1}.");
        if (!string.Equals(recorded, plan.Sha256, StringComparison.Ordinal))
            throw new InvalidDataException($"The plan '{name}' was altered after it was made: its recorded SHA-256 {recorded} does not match its content ({plan.Sha256}). Make a new plan with 'pcapviz plan'.");
        return plan;
    }

    private static string ComputeSha256(string toolVersion, DateTimeOffset generatedUtc, IReadOnlyList<string> roots,
        IReadOnlyList<KeyValuePair<string, string>> options, IReadOnlyList<string> includes, IReadOnlyList<string> excludes,
        string? templates, CapturePages pages, int shardCount, IReadOnlyList<PlannedInput> inputs, IReadOnlyList<SkippedInput> skipped)
    {
        var body = new ShardPlanBody(toolVersion, generatedUtc, roots, options, includes, excludes, templates, pages, shardCount, inputs, skipped);
        using var buffer = new MemoryStream();
        WriteJson(buffer, body, sha: null);
        return Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
    }

    private sealed record ShardPlanBody(string ToolVersion, DateTimeOffset GeneratedUtc, IReadOnlyList<string> Roots,
        IReadOnlyList<KeyValuePair<string, string>> Options, IReadOnlyList<string> Includes, IReadOnlyList<string> Excludes,
        string? TemplatesDirectory, CapturePages CapturePages, int ShardCount, IReadOnlyList<PlannedInput> Inputs, IReadOnlyList<SkippedInput> Skipped);

    private static void WriteJson(Stream stream, ShardPlanBody plan, string? sha) =>
        JsonOut.WriteDocument(stream, w =>
        {
            w.WriteString("kind", "pcapviz-plan");
            w.WriteNumber("schemaVersion", SchemaVersion);
            w.WriteTool(plan.ToolVersion);
            w.WriteString("generatedUtc", TimeFormat.IsoUtcSeconds(plan.GeneratedUtc.ToUnixTimeSeconds()));
            w.WriteNumber("generatedEpochSeconds", plan.GeneratedUtc.ToUnixTimeSeconds());
            w.WriteStrings("roots", plan.Roots);
            w.WriteStringMembers("options", plan.Options);
            w.WriteStrings("include", plan.Includes);
            w.WriteStrings("exclude", plan.Excludes);
            w.WriteStringOrNull("templatesDirectory", plan.TemplatesDirectory);
            w.WriteString("capturePages", plan.CapturePages == CapturePages.Merge ? "merge" : "shards");
            w.WriteNumber("shardCount", plan.ShardCount);
            var counts = new int[plan.ShardCount];
            var bytes = new long[plan.ShardCount];
            foreach (var input in plan.Inputs)
            {
                counts[input.Shard]++;
                bytes[input.Shard] += input.SizeBytes;
            }
            w.WriteObjects("shards", Enumerable.Range(0, plan.ShardCount), (w, k) =>
            {
                w.WriteNumber("index", k);
                w.WriteNumber("inputs", counts[k]);
                w.WriteNumber("sizeBytes", bytes[k]);
            });
            w.WriteObjects("inputs", plan.Inputs, static (w, input) =>
            {
                w.WriteString("path", input.Path);
                w.WriteString("fullPath", input.FullPath);
                w.WriteNumber("sizeBytes", input.SizeBytes);
                w.WriteNumber("shard", input.Shard);
            });
            w.WriteSkipped(plan.Skipped);
            if (sha is not null) w.WriteString("sha256", sha);
        });
}
