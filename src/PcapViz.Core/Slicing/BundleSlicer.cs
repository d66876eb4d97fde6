using System.Security.Cryptography;
using System.Text.Json;
using PcapViz.Bundle;
using PcapViz.Orchestration;
using PcapViz.Pseudonymisation;

namespace PcapViz.Slicing;

/// <summary>How `pcapviz slice` ended; <see cref="SliceExitCodes"/> maps each to the exit code.</summary>
public enum SliceStatus
{
    /// <summary>The slice holds every packet of every matching flow.</summary>
    Complete,
    /// <summary>A slice was written, but a capture could not be read to its end or the size bound was reached.</summary>
    Incomplete,
    /// <summary>No packet matched: no file was written.</summary>
    NothingMatched,
    /// <summary>A capture the manifest lists is missing or its SHA-256 differs: nothing was written.</summary>
    InputsChanged,
    /// <summary>The bundle cannot be sliced (no readable manifest, a pseudonymised bundle) or the output cannot be written.</summary>
    Failed,
}

/// <summary>Exit codes of `pcapviz slice` (README, "Packet slices").</summary>
public static class SliceExitCodes
{
    /// <summary>0: <see cref="SliceStatus.Complete"/>.</summary>
    public const int Complete = 0;
    /// <summary>1: <see cref="SliceStatus.Failed"/>, or a usage error.</summary>
    public const int Failed = 1;
    /// <summary>2: <see cref="SliceStatus.InputsChanged"/>.</summary>
    public const int InputsChanged = 2;
    /// <summary>3: <see cref="SliceStatus.NothingMatched"/>.</summary>
    public const int NothingMatched = 3;
    /// <summary>4: <see cref="SliceStatus.Incomplete"/>.</summary>
    public const int Incomplete = 4;

    /// <summary>The exit code of <paramref name="status"/>.</summary>
    public static int For(SliceStatus status) => status switch
    {
        SliceStatus.Complete => Complete,
        SliceStatus.Incomplete => Incomplete,
        SliceStatus.NothingMatched => NothingMatched,
        SliceStatus.InputsChanged => InputsChanged,
        _ => Failed,
    };
}

/// <summary>A slice of a bundle's captures: where they are (empty: where the manifest's roots point), what to cut, where to write.</summary>
public sealed record BundleSliceRequest(string Bundle, SliceSelection Selection, string Output, string ToolVersion)
{
    /// <summary>Where to find the captures (the paths after the bundle on the command line); empty: the roots the manifest records.</summary>
    public IReadOnlyList<string> Roots { get; init; } = [];

    /// <summary>
    /// For a pseudonymised bundle: the pseudonyms under its key (`slice --pseudonymise KEYFILE`), checked against the
    /// manifest's key id; the indicators are pseudonyms and the packets are written rewritten. Null for a plain bundle.
    /// </summary>
    public SlicePseudonymisation? Pseudonymisation { get; init; }
}

/// <param name="Status">How it ended.</param>
/// <param name="Result">What was written (null when nothing was).</param>
/// <param name="Errors">Why nothing was written (each naming the file), for <see cref="SliceStatus.InputsChanged"/> and <see cref="SliceStatus.Failed"/>.</param>
public sealed record BundleSliceOutcome(SliceStatus Status, SliceResult? Result, IReadOnlyList<string> Errors);

/// <summary>
/// `pcapviz slice`: reads the bundle's manifest, refuses a pseudonymised bundle without its key (and a key that is not
/// the bundle's, by the manifest's key id), finds the captures the manifest lists
/// as `verify --inputs` does and checks every SHA-256 before reading any packet, then writes the slice
/// (<see cref="PacketSlicer"/>) to a file beside the output that replaces it only when complete.
/// </summary>
public static class BundleSlicer
{
    /// <summary>Cuts the slice <paramref name="request"/> asks for; every failure is an outcome (status and errors naming the file), not an exception.</summary>
    public static BundleSliceOutcome Run(BundleSliceRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        string manifestPath = Path.Combine(request.Bundle, ManifestWriter.FileName);
        var manifest = ManifestReader.TryLoad(manifestPath, out byte[]? bytes, out string? error);
        if (manifest is null)
            return Failed(bytes is null ? $"'{manifestPath}': {error}" : $"'{manifestPath}' is not a PcapViz manifest ({error}).");
        if (CheckKey(manifestPath, Pseudonymisation(bytes!), request.Pseudonymisation) is { } keyError) return Failed(keyError);

        var problems = new List<VerifyProblem>();
        var roots = request.Roots.Count > 0 ? request.Roots : manifest.Roots;
        var located = BundleEvidence.LocateInputs(manifest, manifest.Inputs, roots, problems, cancellationToken);
        if (problems.Count > 0)
            return new BundleSliceOutcome(SliceStatus.InputsChanged, null,
                [.. problems.Select(p => p.Path.Length == 0 ? p.Detail : $"capture '{p.Path}': {p.Detail}")]);

        string manifestSha = Convert.ToHexStringLower(SHA256.HashData(bytes!));
        var sources = located.Select(l => new SliceSource(l.Input.Path, l.FullPath, l.Input.Sha256)).ToList();
        string output = Path.GetFullPath(request.Output);
        string directory = Path.GetDirectoryName(output)!;
        string scratchPath = Path.Combine(directory, $".{Path.GetFileName(output)}.{Environment.ProcessId}.blocks");
        string partialPath = Path.Combine(directory, $".{Path.GetFileName(output)}.{Environment.ProcessId}.partial");
        try
        {
            Directory.CreateDirectory(directory);
            SliceResult result;
            using (var scratch = new FileStream(scratchPath, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose))
            using (var partial = new FileStream(partialPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                result = PacketSlicer.Write(sources, request.Selection, [$"PcapViz {request.ToolVersion} packet slice", $"bundle manifest SHA-256: {manifestSha}"],
                    request.ToolVersion, partial, scratch, request.Pseudonymisation, cancellationToken);
            }
            if (result.Packets == 0)
            {
                File.Delete(partialPath);
                return new BundleSliceOutcome(SliceStatus.NothingMatched, result, []);
            }
            File.Move(partialPath, output, overwrite: true);
            return new BundleSliceOutcome(result.Complete ? SliceStatus.Complete : SliceStatus.Incomplete, result, []);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(partialPath);
            return Failed($"cannot write the slice '{request.Output}': {ex.Message}");
        }
        catch
        {
            TryDelete(partialPath);
            throw;
        }
    }

    /// <summary>
    /// Why the bundle cannot be sliced with this key (or without one), or null. A pseudonymised bundle needs its key: the
    /// manifest's <c>keyId</c> (a keyed check value, HMAC-SHA256 of a fixed string under the key, never the key) must be
    /// the key file's and its <c>method</c> this version's pseudonyms; a plain bundle takes no key.
    /// </summary>
    private static string? CheckKey(string manifestPath, (string? Method, string? KeyId)? bundle, SlicePseudonymisation? given)
    {
        if (bundle is not { } how)
            return given is null ? null
                : $"'{manifestPath}' describes a bundle that is not pseudonymised: its indicators are the captures' own values. Leave out --pseudonymise.";
        if (given is null)
            return $"'{manifestPath}' describes a pseudonymised bundle: its addresses and names are pseudonyms, not the captures'. " +
                   "Give --pseudonymise KEYFILE with the key it was made with: the indicators are then read as pseudonyms and the packets are written with their addresses rewritten.";
        if (how.Method != Pseudonymiser.Method)
            return $"'{manifestPath}' was pseudonymised by another version of the pseudonyms ('{how.Method}'; this PcapViz makes '{Pseudonymiser.Method}'): its pseudonyms cannot be made again.";
        if (how.KeyId != given.Pseudonymiser.KeyId)
            return $"--pseudonymise: the key file is not the key '{manifestPath}' was made with (key id {given.Pseudonymiser.KeyId}; the bundle's is {how.KeyId ?? "not recorded"}): its pseudonyms would not be the bundle's.";
        return null;
    }

    /// <summary>The method and key id of a manifest's top-level <c>pseudonymisation</c> object; null when it has none (a plain bundle).</summary>
    internal static (string? Method, string? KeyId)? Pseudonymisation(ReadOnlySpan<byte> manifest)
    {
        try
        {
            var reader = new Utf8JsonReader(manifest, new JsonReaderOptions { MaxDepth = 16 });
            using var doc = JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind != JsonValueKind.Object ||
                !doc.RootElement.TryGetProperty("pseudonymisation", out var p) || p.ValueKind == JsonValueKind.Null) return null;
            return (Text(p, "method"), Text(p, "keyId"));
        }
        catch (JsonException)
        {
            return null; // the manifest reader reported it already
        }

        static string? Text(JsonElement o, string name) =>
            o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }

    private static BundleSliceOutcome Failed(string error) => new(SliceStatus.Failed, null, [error]);

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
    }
}
