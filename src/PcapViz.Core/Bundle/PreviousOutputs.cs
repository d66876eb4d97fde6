using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PcapViz.Model;

namespace PcapViz.Bundle;

/// <summary>
/// The rendered files of the bundle an incremental run replaces. A capture whose results are reused keeps its
/// rendered files (HTML, PDF, CSV, JSON) when they were made by the same tool version with the same options; the
/// run-level files (index, run PDF, assets) are kept when, in addition, the set of captures and skipped files is
/// unchanged. Every carried file is checked against the old manifest's SHA-256 as it is copied.
/// Carried-over pages keep the generation time of the run that rendered them.
/// </summary>
internal sealed class PreviousOutputs
{
    private readonly string? _bundle;
    private readonly Dictionary<string, string> _sha = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _byCapture = new(StringComparer.Ordinal);

    private PreviousOutputs(string? bundle) => _bundle = bundle;

    public static PreviousOutputs None { get; } = new(null);

    /// <summary>The run key the previous bundle was rendered under (null when unknown).</summary>
    public string? PreviousRunKey { get; private set; }

    /// <summary>What the rendered files depend on besides the captures: tool version, every option, and whether the
    /// manifest is signed (the ticket summaries say so).</summary>
    public static string? RenderKey(string toolVersion, bool signed, IReadOnlyList<KeyValuePair<string, string>> options)
    {
        if (options.Any(o => o.Key == "templates" && o.Value != "built-in")) return null; // template files can change unseen
        var text = new StringBuilder(toolVersion);
        if (signed) text.Append("\nsigned");
        foreach (var (key, value) in options) text.Append('\n').Append(key).Append('=').Append(value);
        return Digest(text.ToString());
    }

    /// <summary>What the run-level files depend on: the render key, every capture and every skipped file.</summary>
    public static string RunKey(string renderKey, RunResult run)
    {
        var text = new StringBuilder(renderKey);
        foreach (var c in run.Captures) text.Append('\n').Append(c.Input.Path).Append('\t').Append(c.Input.Sha256).Append('\t').Append(c.Status);
        foreach (var s in run.Skipped) text.Append("\nskipped\t").Append(s.Path).Append('\t').Append(s.Reason);
        return Digest(text.ToString());
    }

    private static string Digest(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>The rendered files of <paramref name="bundle"/>, when it was rendered under <paramref name="renderKey"/>.</summary>
    public static PreviousOutputs Load(PreviousBundle bundle, string renderKey)
    {
        if (bundle.Directory is null || bundle.Manifest is null) return None;
        byte[]? index = bundle.TryReadListed(IncrementalCache.IndexFile);
        if (index is null) return None;
        var previous = new PreviousOutputs(bundle.Directory);
        try
        {
            using var doc = JsonDocument.Parse(index);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("renderKey", out var key) ||
                key.ValueKind != JsonValueKind.String || key.GetString() != renderKey)
                return None;
            previous.PreviousRunKey = root.TryGetProperty("runKey", out var run) && run.ValueKind == JsonValueKind.String ? run.GetString() : null;
        }
        catch (JsonException)
        {
            return None;
        }
        foreach (var o in bundle.Manifest.Outputs) previous._sha[o.Path] = o.Sha256;
        foreach (var i in bundle.Manifest.Inputs) previous._byCapture[i.Id] = [.. i.Outputs];
        return previous;
    }

    /// <summary>Copies the capture's rendered files into the new bundle; false (nothing kept) when any is missing or altered.</summary>
    public bool TryCarryCapture(string id, DirectorySink sink)
    {
        if (_bundle is null || !_byCapture.TryGetValue(id, out var paths) || paths.Count == 0) return false;
        return TryCarry(paths, sink);
    }

    /// <summary>Copies the run-level files (everything outside captures/ and cache/, but the manifest).</summary>
    public bool TryCarryRun(DirectorySink sink)
    {
        if (_bundle is null) return false;
        var paths = _sha.Keys.Where(p => !p.StartsWith("captures/", StringComparison.Ordinal) &&
                                         !p.StartsWith(IncrementalCache.Folder + "/", StringComparison.Ordinal)).ToList();
        return paths.Count > 0 && TryCarry(paths, sink);
    }

    /// <summary>All of <paramref name="paths"/> or none: a file that is missing or altered undoes the copies made so far.</summary>
    private bool TryCarry(List<string> paths, DirectorySink sink)
    {
        var scope = sink.Scope();
        foreach (string path in paths)
        {
            if (path.Split('/').Any(p => p is "" or "." or "..") || !_sha.TryGetValue(path, out string? sha) ||
                !scope.TryCopy(Path.Combine(_bundle!, path.Replace('/', Path.DirectorySeparatorChar)), path, sha))
            {
                scope.Discard(); // the files are rendered afresh
                return false;
            }
        }
        return true;
    }
}
