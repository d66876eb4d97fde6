using PcapViz.Analysis;
using PcapViz.Discovery;
using System.Globalization;
using System.Text.Json;
using PcapViz.Export;
using PcapViz.Model;
using PcapViz.Reading;

namespace PcapViz.Bundle;

/// <summary>
/// The bundle's <c>cache/</c> folder: for every capture, its analysis JSON and the key it was computed under
/// (path, size, modification time, SHA-256, analysis options, schema and tool version). A capture is reused only
/// when all of them match.
/// </summary>
internal sealed class IncrementalCache
{
    public const string Folder = "cache";
    public const string IndexFile = "cache/index.json";

    private readonly Dictionary<string, Entry> _entries;
    private readonly PreviousBundle? _bundle;

    internal sealed record Entry(string Path, string Id, long Size, long MtimeTicks, string Sha256, string OptionsKey, string ToolVersion);

    private IncrementalCache(PreviousBundle? bundle, Dictionary<string, Entry> entries)
    {
        _bundle = bundle;
        _entries = entries;
    }

    public static string OptionsKey(AnalysisOptions options) =>
        string.Create(CultureInfo.InvariantCulture, $"schema={AnalysisJsonExporter.SchemaVersion};bin={options.BinSeconds?.ToString(CultureInfo.InvariantCulture) ?? "auto"};maxDistinct={options.MaxDistinct};psl={options.PublicSuffixes.Version};geoip={options.GeoIp.Key}{(options.BeaconIgnore.IsDefault ? "" : $";beaconIgnore={options.BeaconIgnore.Key}")}");

    /// <summary>
    /// Loads the cache of the bundle being replaced. Its index and entries are used only as the old manifest lists
    /// them (same SHA-256): an absent, unreadable or edited cache is simply empty (with a warning when edited).
    /// </summary>
    internal static IncrementalCache Load(PreviousBundle bundle, Action<string> warn)
    {
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        if (bundle.Manifest is null || !bundle.Manifest.OutputsByPath.ContainsKey(IndexFile)) return new IncrementalCache(bundle, entries);
        byte[]? index = bundle.TryReadListed(IndexFile);
        if (index is null)
        {
            warn($"The incremental cache {IndexFile} does not match the old manifest.json (altered or missing); every capture is analysed again.");
            return new IncrementalCache(bundle, entries);
        }
        try
        {
            foreach (var entry in ReadIndex(index)) entries[entry.Path] = entry;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            // Listed with its hash, so written by a PcapViz run, but of another shape (another version): not used.
            warn($"The incremental cache {IndexFile} cannot be read ({ex.Message}); every capture is analysed again.");
            entries.Clear();
        }
        return new IncrementalCache(bundle, entries);
    }

    /// <summary>The entries of an index.json of schema version 3 (the tool named once, <c>tool.version</c>) or 2 (each
    /// entry's <c>toolVersion</c>). Throws JsonException, KeyNotFoundException or InvalidOperationException on any other shape.</summary>
    internal static List<Entry> ReadIndex(byte[] index)
    {
        using var doc = JsonDocument.Parse(index);
        var root = doc.RootElement;
        string? tool = root.GetProperty("schemaVersion").GetInt32() switch
        {
            IndexSchemaVersion => root.GetProperty("tool").GetProperty("version").GetString()!,
            2 => null,
            int v => throw new InvalidOperationException($"schemaVersion {v.ToString(CultureInfo.InvariantCulture)} is not one this PcapViz reads"),
        };
        var entries = new List<Entry>();
        foreach (var e in root.GetProperty("captures").EnumerateArray())
        {
            entries.Add(new Entry(e.GetProperty("path").GetString()!, e.GetProperty("id").GetString()!,
                e.GetProperty("sizeBytes").GetInt64(), e.GetProperty("mtimeTicks").GetInt64(),
                e.GetProperty("sha256").GetString()!, e.GetProperty("options").GetString()!, tool ?? e.GetProperty("toolVersion").GetString()!));
        }
        return entries;
    }

    public static IncrementalCache Empty { get; } = new(null, []);

    /// <summary>
    /// The cached result for this file, or null. Cheap checks (size, time, options) come first; the file is
    /// hashed only when they all match, and the cached result is used only with the SHA-256 the old manifest lists.
    /// </summary>
    public CaptureResult? TryReuse(DiscoveredInput input, string id, string optionsKey, string toolVersion, CancellationToken cancellationToken)
    {
        if (_bundle is null || !_entries.TryGetValue(input.RelativePath, out var entry)) return null;
        var info = new FileInfo(input.FullPath);
        if (entry.Id != id || entry.Size != info.Length || entry.MtimeTicks != info.LastWriteTimeUtc.Ticks ||
            entry.OptionsKey != optionsKey || entry.ToolVersion != toolVersion)
            return null;
        byte[]? cached = _bundle.TryReadListed($"{Folder}/{id}.json");
        if (cached is null) return null;
        string sha = FileSha256.Of(input.FullPath);
        cancellationToken.ThrowIfCancellationRequested();
        if (sha != entry.Sha256) return null;
        try
        {
            using var stream = new MemoryStream(cached, writable: false);
            var capture = new CaptureInput(input.RelativePath, input.FullPath, info.Length, sha, new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero));
            return AnalysisJsonReader.Read(stream, capture);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or InvalidDataException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Writes cache/&lt;id&gt;.json for every capture and cache/index.json into the new bundle.</summary>
    /// <param name="renderKey">What the rendered files depend on (null: they may not be carried over).</param>
    /// <param name="runKey">What the run-level files depend on.</param>
    public static void Write(IOutputSink sink, IReadOnlyList<CaptureResult> captures, string optionsKey, string toolVersion,
        string? renderKey = null, string? runKey = null)
    {
        foreach (var c in captures)
        {
            using var stream = sink.Create($"{Folder}/{c.Id}.json");
            AnalysisJsonExporter.Write(stream, c, toolVersion);
        }
        using var index = sink.Create(IndexFile);
        JsonOut.WriteDocument(index, w =>
        {
            w.WriteNumber("schemaVersion", IndexSchemaVersion);
            w.WriteTool(toolVersion);
            if (renderKey is not null) w.WriteString("renderKey", renderKey);
            if (renderKey is not null && runKey is not null) w.WriteString("runKey", runKey);
            w.WriteObjects("captures", captures, (w, c) =>
            {
                w.WriteString("path", c.Input.Path);
                w.WriteString("id", c.Id);
                w.WriteNumber("sizeBytes", c.Input.SizeBytes);
                w.WriteNumber("mtimeTicks", c.Input.LastWriteUtc.UtcTicks);
                w.WriteString("sha256", c.Input.Sha256);
                w.WriteString("options", optionsKey);
            });
        });
    }

    /// <summary>cache/index.json's schema: 3 names the tool once (<c>tool</c>, as every JSON file does) and ends with a
    /// newline like them; 2 (which borrowed analysis.json's number) had <c>toolVersion</c> in each entry, and is still read.</summary>
    internal const int IndexSchemaVersion = 3;
}
