using System.Text.Json;
using PcapViz.Discovery;

namespace PcapViz.Bundle;

/// <summary>An output file as manifest.json lists it.</summary>
public sealed record ManifestOutput(string Path, long SizeBytes, string Sha256);

/// <summary>An input capture as manifest.json lists it.</summary>
public sealed record ManifestCapture(string Path, string Id, long SizeBytes, string Sha256, IReadOnlyList<string> Outputs);

/// <summary>The parts of a manifest.json that ownership checks, verification and incremental runs rely on.</summary>
/// <param name="Roots">The input roots as given on the command line of the run that wrote it.</param>
/// <param name="PreviousManifestSha256">With --chain: SHA-256 of the previous night's manifest.json.</param>
public sealed record BundleManifest(
    string ToolVersion,
    IReadOnlyList<string> Roots,
    IReadOnlyList<ManifestCapture> Inputs,
    IReadOnlyList<ManifestOutput> Outputs,
    string? PreviousManifestSha256)
{
    /// <summary>The options of the run that wrote it (name → value, as manifest.json lists them).</summary>
    internal IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The exporters that failed in the run that wrote it (a shard's are carried into the merged bundle).</summary>
    internal IReadOnlyList<ExporterFailure> ExporterFailures { get; init; } = [];

    /// <summary>When the run that wrote it ran (<c>generatedUtc</c> as written; null when absent or not a string).</summary>
    public string? GeneratedUtc { get; init; }

    /// <summary>A diff bundle (`pcapviz diff`, its manifest has a <c>diff</c> member), not a report bundle.</summary>
    public bool IsDiff { get; init; }

    /// <summary>The listed outputs by path.</summary>
    internal IReadOnlyDictionary<string, ManifestOutput> OutputsByPath =>
        _byPath ??= Outputs.GroupBy(o => o.Path, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    private Dictionary<string, ManifestOutput>? _byPath;
}

/// <summary>
/// Reads manifest.json defensively: a manifest is evidence that may have been tampered with, so wrong types,
/// nulls, missing members and bytes that are not JSON are answered with a message, never an exception.
/// </summary>
public static class ManifestReader
{
    /// <summary>Most bytes of manifest.json read (a manifest of 20,000 captures is about 10 MB).</summary>
    internal const long MaxManifestBytes = 512L << 20;

    /// <summary>Parses <paramref name="bytes"/>; null and <paramref name="error"/> set when it is not a PcapViz manifest.</summary>
    internal static BundleManifest? TryParse(ReadOnlySpan<byte> bytes, out string? error)
    {
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = 16 });
            using var doc = JsonDocument.ParseValue(ref reader);
            return TryRead(doc.RootElement, out error);
        }
        catch (JsonException ex)
        {
            error = $"not valid JSON ({ex.Message})";
            return null;
        }
    }

    /// <summary>Reads the manifest at <paramref name="path"/> without following a symbolic link or opening anything but a regular file.</summary>
    public static BundleManifest? TryLoad(string path, out byte[]? bytes, out string? error)
    {
        bytes = TryReadRegularFile(path, MaxManifestBytes, out error);
        return bytes is null ? null : TryParse(bytes, out error);
    }

    /// <summary>
    /// The bytes of a regular file (never through a symbolic link, never a FIFO or device), or null with a reason.
    /// </summary>
    internal static byte[]? TryReadRegularFile(string path, long maxBytes, out string? error)
    {
        try
        {
            var (kind, size) = UnixFileSystem.Stat(path, followLinks: false);
            switch (kind)
            {
                case FileKind.Missing: error = "does not exist"; return null;
                case FileKind.SymbolicLink: error = "is a symbolic link (not followed)"; return null;
                case FileKind.Directory: error = "is a directory"; return null;
                case FileKind.Regular: break;
                default: error = "is not a regular file (a FIFO, socket or device is never opened)"; return null;
            }
            if (size > maxBytes) { error = $"is larger than {maxBytes} bytes"; return null; }
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            var bytes = new byte[Math.Min(stream.Length, maxBytes)];
            stream.ReadExactly(bytes);
            error = null;
            return bytes;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = $"cannot be read ({ex.Message})";
            return null;
        }
    }

    private static BundleManifest? TryRead(JsonElement root, out string? error)
    {
        error = null;
        if (root.ValueKind != JsonValueKind.Object) { error = "the manifest is not a JSON object"; return null; }
        if (!TryObject(root, "tool", out var tool, ref error) || !TryString(tool, "name", out string? name, ref error)) return null;
        if (name != "pcapviz") { error = $"tool.name is '{name}', not 'pcapviz': not a PcapViz manifest"; return null; }
        if (!TryString(tool, "version", out string? version, ref error)) return null;
        var roots = TryOptionalArray(root, "roots", out var rootsElement, ref error) ? TryStrings(rootsElement, "roots", ref error) : null;
        if (roots is null || !TryArray(root, "outputs", out var outputsElement, ref error)) return null;
        var outputs = TryObjects(outputsElement, "outputs", ReadOutput, ref error);
        var inputs = outputs is not null && TryOptionalArray(root, "inputs", out var inputsElement, ref error)
            ? TryObjects(inputsElement, "inputs", ReadInput, ref error) : null;
        if (outputs is null || inputs is null) return null;
        string? previous = null;
        if (root.TryGetProperty("chain", out var chain) && chain.ValueKind != JsonValueKind.Null)
        {
            if (chain.ValueKind != JsonValueKind.Object || !TryString(chain, "previousManifestSha256", out previous, ref error, "chain"))
            {
                error ??= "chain is not an object";
                return null;
            }
        }
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty("options", out var optionsElement) && optionsElement.ValueKind == JsonValueKind.Object)
            foreach (var o in optionsElement.EnumerateObject())
                if (o.Value.ValueKind == JsonValueKind.String) options[o.Name] = o.Value.GetString()!;
        var failures = TryOptionalArray(root, "exporterFailures", out var failuresElement, ref error)
            ? TryObjects(failuresElement, "exporterFailures", ReadFailure, ref error) : null;
        if (failures is null) return null;
        string? generated = root.TryGetProperty("generatedUtc", out var g) && g.ValueKind == JsonValueKind.String ? g.GetString() : null;
        bool isDiff = root.TryGetProperty("diff", out var diff) && diff.ValueKind == JsonValueKind.Object;
        return new BundleManifest(version!, roots, inputs, outputs, previous)
        {
            Options = options, ExporterFailures = failures, GeneratedUtc = generated, IsDiff = isDiff,
        };
    }

    private static ManifestOutput? ReadOutput(JsonElement o, string where, ref string? error) =>
        TryString(o, "path", out string? path, ref error, where) && TryInt64(o, "sizeBytes", out long size, ref error, where) &&
        TryString(o, "sha256", out string? sha, ref error, where)
            ? new ManifestOutput(path!, size, sha!)
            : null;

    private static ManifestCapture? ReadInput(JsonElement i, string where, ref string? error)
    {
        if (!TryString(i, "path", out string? path, ref error, where) || !TryString(i, "id", out string? id, ref error, where) ||
            !TryInt64(i, "sizeBytes", out long size, ref error, where) || !TryString(i, "sha256", out string? sha, ref error, where) ||
            !TryArray(i, "outputs", out var files, ref error, where))
            return null;
        var list = TryStrings(files, where + ".outputs", ref error);
        return list is null ? null : new ManifestCapture(path!, id!, size, sha!, list);
    }

    private static ExporterFailure? ReadFailure(JsonElement f, string where, ref string? error)
    {
        string? captureId = null;
        if (!TryString(f, "exporter", out string? exporter, ref error, where) || !TryString(f, "message", out string? message, ref error, where) ||
            (f.TryGetProperty("captureId", out var id) && id.ValueKind != JsonValueKind.Null && !TryString(f, "captureId", out captureId, ref error, where)))
            return null;
        return new ExporterFailure(exporter!, captureId, message!);
    }

    /// <summary>Reads one element of an array of objects; null, with <paramref name="error"/> set, when it is not as expected.</summary>
    /// <param name="where">The element's place for the error, such as <c>inputs[2]</c>.</param>
    private delegate T? ElementReader<T>(JsonElement element, string where, ref string? error) where T : class;

    /// <summary>Each object of <paramref name="array"/> read by <paramref name="read"/>; null at the first that is not an object or not as expected.</summary>
    private static List<T>? TryObjects<T>(JsonElement array, string name, ElementReader<T> read, ref string? error) where T : class
    {
        var list = new List<T>();
        if (array.ValueKind == JsonValueKind.Undefined) return list;
        int index = 0;
        foreach (var e in array.EnumerateArray())
        {
            string where = $"{name}[{index++}]";
            if (e.ValueKind != JsonValueKind.Object) { error = $"{where} is not an object"; return null; }
            if (read(e, where, ref error) is not { } item) return null;
            list.Add(item);
        }
        return list;
    }

    /// <summary>The strings of <paramref name="array"/>; null when one is not a string.</summary>
    private static List<string>? TryStrings(JsonElement array, string name, ref string? error)
    {
        var list = new List<string>();
        if (array.ValueKind == JsonValueKind.Undefined) return list;
        foreach (var s in array.EnumerateArray())
        {
            if (s.ValueKind != JsonValueKind.String) { error = $"{name} holds a value that is not a string"; return null; }
            list.Add(s.GetString()!);
        }
        return list;
    }

    /// <summary>
    /// An array that may be absent (then <paramref name="value"/> is undefined, which <see cref="TryObjects"/> and
    /// <see cref="TryStrings"/> read as empty); false, with <paramref name="error"/> set, when it is there but not an array.
    /// </summary>
    private static bool TryOptionalArray(JsonElement e, string name, out JsonElement value, ref string? error)
    {
        if (!e.TryGetProperty(name, out value) || value.ValueKind == JsonValueKind.Array) return true;
        error = $"{name} is not an array";
        return false;
    }

    private static bool TryObject(JsonElement e, string name, out JsonElement value, ref string? error)
    {
        if (e.TryGetProperty(name, out value) && value.ValueKind == JsonValueKind.Object) return true;
        error = $"{name} is missing or not an object";
        return false;
    }

    private static bool TryArray(JsonElement e, string name, out JsonElement value, ref string? error, string? where = null)
    {
        if (e.TryGetProperty(name, out value) && value.ValueKind == JsonValueKind.Array) return true;
        error = $"{Prefix(where)}{name} is missing or not an array";
        return false;
    }

    private static bool TryString(JsonElement e, string name, out string? value, ref string? error, string? where = null)
    {
        value = null;
        if (e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String)
        {
            value = v.GetString()!;
            return true;
        }
        error = $"{Prefix(where)}{name} is missing or not a string";
        return false;
    }

    private static bool TryInt64(JsonElement e, string name, out long value, ref string? error, string? where = null)
    {
        value = 0;
        if (e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out value) && value >= 0) return true;
        error = $"{Prefix(where)}{name} is missing or not a whole number";
        return false;
    }

    private static string Prefix(string? where) => where is null ? "" : where + ".";
}
