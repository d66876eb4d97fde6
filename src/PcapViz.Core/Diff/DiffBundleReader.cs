using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using PcapViz.Bundle;
using PcapViz.Discovery;
using PcapViz.Model;
using PcapViz.Orchestration;

namespace PcapViz.Diff;

/// <summary>Why a bundle given to `pcapviz diff` cannot be compared: one line naming the directory or file and why.</summary>
internal sealed class DiffInputException(string message) : Exception(message);

/// <summary>What one side of a diff holds, per kind, summed over the bundle's captures.</summary>
internal sealed class KindTally
{
    public Dictionary<string, long[]> Values { get; } = new(StringComparer.Ordinal);

    /// <summary>Captures whose analysis.json lists this kind.</summary>
    public int Captures { get; set; }

    /// <summary>Set when an entry has a shape this version does not read: the kind is then not compared.</summary>
    public string? Unreadable { get; set; }

    /// <summary>A capture tracked more distinct entries than its limit allowed (the rest were only counted as "other").</summary>
    public bool LimitExceeded { get; set; }
}

/// <summary>One bundle of a diff: what it is, and its indicators summed over its captures.</summary>
/// <param name="Role">"old" or "new".</param>
/// <param name="Path">The directory as given on the command line.</param>
/// <param name="SchemaVersions">The analysis.json schema versions its captures were written with.</param>
public sealed record DiffSide(string Role, string Path, string ManifestSha256, string ToolVersion, string? GeneratedUtc,
    int Captures, int Ok, int Partial, int Failed, IReadOnlyList<int> SchemaVersions)
{
    internal IReadOnlyDictionary<string, KindTally> Tallies { get; init; } = new Dictionary<string, KindTally>();
}

/// <summary>
/// Reads a report bundle for `pcapviz diff`: its manifest.json (ManifestReader), then each capture's analysis.json
/// (or, for a bundle written without JSON but with --incremental, its cache entry), each only as the manifest lists it
/// with its SHA-256, so a diff never compares an altered file. Reads analysis.json schemaVersion 1 to
/// <see cref="NewestSchemaVersion"/>; the arrays each version has are summed, the others are left out.
/// </summary>
internal static class DiffBundleReader
{
    /// <summary>The newest analysis.json schema version read (3 adds conversations, services and server names).</summary>
    public const int NewestSchemaVersion = 3;

    /// <summary>Largest analysis.json read (one of 200,000 names and addresses is about 100 MB).</summary>
    public const long MaxAnalysisBytes = 1L << 30;

    /// <summary>A bundle whose manifest was read: the capture files to read next.</summary>
    internal sealed record Opened(string Role, string Path, string Root, BundleManifest Manifest, string ManifestSha256,
        IReadOnlyList<(string CapturePath, string File, long Size)> Files);

    public static Opened Open(string path, string role)
    {
        string root = System.IO.Path.GetFullPath(path);
        if (root.Length > 1) root = root.TrimEnd(System.IO.Path.DirectorySeparatorChar);
        string shown = Terminal.Safe(path);
        var (kind, _) = UnixFileSystem.Stat(root, followLinks: false);
        switch (kind)
        {
            case FileKind.Missing: throw new DiffInputException($"the {role} bundle '{shown}' does not exist.");
            case FileKind.SymbolicLink: throw new DiffInputException($"the {role} bundle '{shown}' is a symbolic link: it is not followed. Give the bundle directory itself.");
            case FileKind.Directory: break;
            default: throw new DiffInputException($"the {role} bundle '{shown}' is not a directory: a bundle is the directory `pcapviz report -o` writes.");
        }
        string manifestPath = System.IO.Path.Combine(root, ManifestWriter.FileName);
        var manifest = ManifestReader.TryLoad(manifestPath, out byte[]? bytes, out string? why);
        if (manifest is null)
        {
            throw new DiffInputException(bytes is null && why == "does not exist"
                ? $"the {role} bundle '{shown}' is not a PcapViz bundle: it holds no manifest.json (a bundle is the directory `pcapviz report -o` writes)."
                : bytes is null
                    ? $"the {role} bundle '{shown}' is not a readable PcapViz bundle: its manifest.json {Terminal.Safe(why ?? "")}."
                    : $"the {role} bundle '{shown}' is not a PcapViz bundle: its manifest.json is not a PcapViz manifest ({Terminal.Safe(why ?? "")}).");
        }
        if (manifest.IsDiff)
            throw new DiffInputException($"the {role} bundle '{shown}' is a diff bundle (written by `pcapviz diff`): diff compares two report bundles.");
        var files = new List<(string, string, long)>();
        foreach (var capture in manifest.Inputs)
        {
            string? file = new[] { $"captures/{capture.Id}/analysis.json", $"{IncrementalCache.Folder}/{capture.Id}.json" }
                .FirstOrDefault(f => manifest.OutputsByPath.ContainsKey(f) && f.Split('/').All(p => p is not ("" or "." or "..")));
            if (file is null)
            {
                throw new DiffInputException(
                    $"the {role} bundle '{shown}' holds no analysis.json for the capture '{Terminal.Safe(capture.Path)}' (its manifest lists neither captures/{Terminal.Safe(capture.Id)}/analysis.json nor a cache entry): it was written without the JSON output. Write it again with --format including json.");
            }
            files.Add((capture.Path, file, manifest.OutputsByPath[file].SizeBytes));
        }
        return new Opened(role, path, root, manifest, Convert.ToHexStringLower(SHA256.HashData(bytes!)), files);
    }

    /// <summary>Reads and sums every capture of <paramref name="bundle"/>.</summary>
    /// <param name="pseudonymiser">Replaces every address and name as it is read (`diff --pseudonymise`); null keeps them.</param>
    public static DiffSide Read(Opened bundle, IRunObserver observer, CancellationToken cancellationToken, Pseudonymisation.Pseudonymiser? pseudonymiser = null)
    {
        var tallies = DiffKind.All.ToDictionary(k => k.Name, _ => new KindTally(), StringComparer.Ordinal);
        int ok = 0, partial = 0, failed = 0;
        var versions = new SortedSet<int>();
        foreach (var (capturePath, file, size) in bundle.Files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string shownFile = $"{Terminal.Safe(bundle.Path)}/{file}";
            observer.CaptureStarted(shownFile, size);
            byte[] bytes = ReadListed(bundle, file, shownFile);
            string status;
            try
            {
                using var doc = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 64 });
                int version = ReadCapture(doc.RootElement, tallies, pseudonymiser, out status);
                versions.Add(version);
            }
            catch (JsonException ex)
            {
                throw new DiffInputException($"'{shownFile}' (capture '{Terminal.Safe(capturePath)}') is not valid JSON: {Terminal.Safe(ex.Message)}");
            }
            catch (InvalidDataException ex)
            {
                throw new DiffInputException($"'{shownFile}' (capture '{Terminal.Safe(capturePath)}') cannot be compared: {Terminal.Safe(ex.Message)}");
            }
            switch (status)
            {
                case "ok": ok++; break;
                case "partial": partial++; break;
                default: failed++; break;
            }
            observer.BytesRead(size);
            observer.InputRead(shownFile);
        }
        return new DiffSide(bundle.Role, bundle.Path, bundle.ManifestSha256, bundle.Manifest.ToolVersion, bundle.Manifest.GeneratedUtc,
            bundle.Files.Count, ok, partial, failed, versions.ToList())
        {
            Tallies = tallies,
        };
    }

    private static byte[] ReadListed(Opened bundle, string file, string shownFile)
    {
        var listed = bundle.Manifest.OutputsByPath[file];
        byte[]? bytes = ManifestReader.TryReadRegularFile(System.IO.Path.Combine(bundle.Root, file.Replace('/', System.IO.Path.DirectorySeparatorChar)), MaxAnalysisBytes, out string? why);
        if (bytes is null) throw new DiffInputException($"'{shownFile}' {Terminal.Safe(why ?? "cannot be read")}.");
        if (Convert.ToHexStringLower(SHA256.HashData(bytes)) != listed.Sha256)
            throw new DiffInputException($"'{shownFile}' does not have the SHA-256 the bundle's manifest.json lists: it was altered after the bundle was written (`pcapviz verify` tells more). Nothing was compared.");
        return bytes;
    }

    /// <summary>Adds one analysis.json to the tallies; returns its schema version. Throws InvalidDataException naming where it is wrong.</summary>
    private static int ReadCapture(JsonElement root, Dictionary<string, KindTally> tallies, Pseudonymisation.Pseudonymiser? pseudonymiser, out string status)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException("it is not a JSON object");
        if (!root.TryGetProperty("schemaVersion", out var v) || v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int version))
            throw new InvalidDataException("schemaVersion is missing or not a whole number");
        if (version is < 1 or > NewestSchemaVersion)
            throw new InvalidDataException($"it has schemaVersion {version.ToString(CultureInfo.InvariantCulture)}; this PcapViz reads versions 1 to {NewestSchemaVersion.ToString(CultureInfo.InvariantCulture)} (a newer PcapViz wrote it?)");
        status = root.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : "ok";
        JsonElement limits = root.TryGetProperty("limits", out var l) && l.ValueKind == JsonValueKind.Object ? l : default;
        foreach (var kind in DiffKind.All)
        {
            var tally = tallies[kind.Name];
            if (!root.TryGetProperty(kind.Array, out var array)) continue;
            if (array.ValueKind != JsonValueKind.Array) throw new InvalidDataException($"{kind.Array} is not an array");
            tally.Captures++;
            if (kind.Limit is not null && limits.ValueKind == JsonValueKind.Object && limits.TryGetProperty(kind.Limit, out var limit) &&
                limit.ValueKind == JsonValueKind.Object && limit.TryGetProperty("exceeded", out var exceeded) && exceeded.ValueKind == JsonValueKind.True)
                tally.LimitExceeded = true;
            if (tally.Unreadable is not null) continue;
            int index = 0;
            foreach (var entry in array.EnumerateArray())
            {
                string where = $"{kind.Array}[{index.ToString(CultureInfo.InvariantCulture)}]";
                index++;
                if (entry.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{where} is not an object");
                string? key = kind.KeyOf(entry, pseudonymiser);
                if (key is null)
                {
                    tally.Unreadable = $"{where} has no {kind.KeyMembers} (a shape of {kind.Array} this PcapViz does not read)";
                    break;
                }
                long[] counts = new long[kind.Measures.Count];
                for (int m = 0; m < counts.Length; m++)
                {
                    try { counts[m] = kind.Measures[m].Read(entry); }
                    catch (InvalidDataException ex) { throw new InvalidDataException($"{where}: {ex.Message}"); }
                    catch (OverflowException) { throw new InvalidDataException($"{where}: {kind.Measures[m].Name} overflows"); }
                }
                ref long[]? sum = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(tally.Values, key, out bool exists);
                if (!exists)
                {
                    sum = counts;
                    continue;
                }
                for (int m = 0; m < counts.Length; m++)
                {
                    try { sum![m] = checked(sum[m] + counts[m]); }
                    catch (OverflowException) { throw new InvalidDataException($"{where}: the sum of {kind.Measures[m].Name} overflows"); }
                }
            }
        }
        return version;
    }
}
