using PcapViz.Orchestration;
using System.Security.Cryptography;
using System.Text.Json;

namespace PcapViz.Bundle;

public enum VerifyProblemKind { Missing, Altered, Unlisted }

public sealed record VerifyProblem(VerifyProblemKind Kind, string Path, string Detail);

/// <summary>The result of checking a bundle against its manifest.</summary>
/// <param name="Error">Set when the manifest itself cannot be read (then nothing was checked).</param>
public sealed record VerifyReport(int FilesChecked, IReadOnlyList<VerifyProblem> Problems, string? Error)
{
    public bool Intact => Error is null && Problems.Count == 0;
}

/// <summary>`pcapviz verify`: re-hashes every file listed in manifest.json and reports missing, altered and unlisted files.</summary>
public static class BundleVerifier
{
    public static VerifyReport Verify(string bundle)
    {
        string root = Path.GetFullPath(bundle);
        string manifestPath = Path.Combine(root, ManifestWriter.FileName);
        if (!File.Exists(manifestPath))
            return new VerifyReport(0, [], $"'{manifestPath}' does not exist: this is not a PcapViz bundle.");
        var listed = new Dictionary<string, (long Size, string Sha256)>(StringComparer.Ordinal);
        try
        {
            using var stream = File.OpenRead(manifestPath);
            using var doc = JsonDocument.Parse(stream);
            foreach (var o in doc.RootElement.GetProperty("outputs").EnumerateArray())
                listed[o.GetProperty("path").GetString()!] = (o.GetProperty("sizeBytes").GetInt64(), o.GetProperty("sha256").GetString()!);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or IOException)
        {
            return new VerifyReport(0, [], $"'{manifestPath}' cannot be read as a manifest: {ex.Message}");
        }

        var problems = new List<VerifyProblem>();
        foreach (var (path, (size, sha)) in listed.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            string full = Path.Combine(root, path.Replace('/', Path.DirectorySeparatorChar));
            if (path.Split('/').Any(p => p is "" or "." or "..") || !File.Exists(full))
            {
                problems.Add(new VerifyProblem(VerifyProblemKind.Missing, path, "listed in the manifest but not in the bundle"));
                continue;
            }
            using var stream = File.OpenRead(full);
            string actual = Convert.ToHexStringLower(SHA256.HashData(stream));
            if (actual != sha || stream.Length != size)
                problems.Add(new VerifyProblem(VerifyProblemKind.Altered, path, $"SHA-256 is {actual}, the manifest says {sha}"));
        }
        foreach (string file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string relative = Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/');
            if (relative != ManifestWriter.FileName && !listed.ContainsKey(relative))
                problems.Add(new VerifyProblem(VerifyProblemKind.Unlisted, relative, "in the bundle but not listed in the manifest"));
        }
        return new VerifyReport(listed.Count, problems, null);
    }
}
