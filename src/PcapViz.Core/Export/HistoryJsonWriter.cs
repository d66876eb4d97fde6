using System.Text.Json;
using PcapViz.Model;

namespace PcapViz.Export;

/// <summary>
/// Writes <c>history.json</c> at the bundle root (DESIGN.md "Nightly memory"): what is new since the history began,
/// the watchlist hits and the trend, each entry naming the captures (<c>id</c>) it was seen in. Deterministic:
/// every list arrives sorted from <see cref="RunMemory"/>, numbers and times are invariant.
/// </summary>
internal static class HistoryJsonWriter
{
    public const string FileName = "history.json";
    public const int SchemaVersion = 1;

    public static void Write(Stream stream, RunMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        using var w = new Utf8JsonWriter(stream, AnalysisJsonExporter.WriterOptions);
        w.WriteStartObject();
        w.WriteNumber("schemaVersion", SchemaVersion);
        if (memory.Database is { } db) w.WriteString("database", db);
        else w.WriteNull("database");
        w.WriteNumber("runsBefore", memory.RunsBefore);
        if (memory.HistoryBeganUtc is { } began) w.WriteString("historyBeganUtc", TimeFormat.IsoUtcSeconds(began.ToUnixTimeSeconds()));
        else w.WriteNull("historyBeganUtc");
        if (memory.NewWindowDays is int days) w.WriteNumber("newWindowDays", days);
        else w.WriteNull("newWindowDays");
        w.WriteBoolean("rerun", memory.Rerun);

        w.WriteStartObject("new");
        WriteNew(w, "names", memory.NewNames);
        WriteNew(w, "domains", memory.NewDomains);
        WriteNew(w, "addresses", memory.NewAddresses);
        w.WriteEndObject();

        w.WriteBoolean("watchlistsChecked", memory.WatchlistsChecked);
        w.WriteNumber("watchlistEntries", memory.WatchlistEntries);
        WriteHits(w, "watchlistHits", memory.WatchlistHits);
        w.WriteStartArray("watchlistProblems");
        foreach (var p in memory.WatchlistProblems)
        {
            w.WriteStartObject();
            w.WriteString("list", p.List);
            w.WriteNumber("line", p.Line);
            w.WriteString("message", p.Message);
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteStartArray("trend");
        foreach (var t in memory.Trend)
        {
            w.WriteStartObject();
            w.WriteString("runUtc", TimeFormat.IsoUtcSeconds(t.RunUtc.ToUnixTimeSeconds()));
            w.WriteBoolean("tonight", t.Tonight);
            w.WriteNumber("captures", t.Captures);
            w.WriteNumber("failedCaptures", t.FailedCaptures);
            w.WriteNumber("packets", t.Packets);
            w.WriteNumber("ipBytes", t.IpBytes);
            w.WriteNumber("distinctSources", t.DistinctSources);
            w.WriteNumber("distinctNames", t.DistinctNames);
            if (t.NxdomainShare is double share) w.WriteNumber("nxdomainShare", share);
            else w.WriteNull("nxdomainShare");
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("deviations");
        foreach (var d in memory.Deviations)
        {
            w.WriteStartObject();
            w.WriteString("metric", d.Metric);
            w.WriteNumber("tonight", d.Tonight);
            w.WriteNumber("median", d.Median);
            if (d.Ratio is double r) w.WriteNumber("ratio", Math.Round(r, 4));
            else w.WriteNull("ratio");
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        stream.Write("\n"u8);
    }

    /// <summary>The <c>watchlistHits</c> array (history.json and each analysis.json).</summary>
    internal static void WriteHits(Utf8JsonWriter w, string property, IEnumerable<WatchlistHit> hits)
    {
        w.WriteStartArray(property);
        foreach (var h in hits)
        {
            w.WriteStartObject();
            w.WriteString("kind", JsonNames.Of(h.Kind));
            w.WriteString("value", h.Value);
            w.WriteString("entry", h.Entry);
            w.WriteString("label", h.Label);
            w.WriteString("list", h.List);
            w.WriteNumber("line", h.Line);
            w.WriteNumber("count", h.Count);
            WriteCaptures(w, h.Captures);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void WriteNew(Utf8JsonWriter w, string property, IReadOnlyList<NewIndicator> items)
    {
        w.WriteStartArray(property);
        foreach (var n in items)
        {
            w.WriteStartObject();
            w.WriteString("value", n.Value);
            w.WriteNumber("count", n.Count);
            WriteCaptures(w, n.Captures);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void WriteCaptures(Utf8JsonWriter w, IReadOnlyList<IndicatorSighting> captures)
    {
        w.WriteStartArray("captures");
        foreach (var c in captures)
        {
            w.WriteStartObject();
            w.WriteString("id", c.CaptureId);
            if (c.FirstPacketEpochNanos is long first) w.WriteString("firstPacketUtc", TimeFormat.IsoUtcMicros(first));
            else w.WriteNull("firstPacketUtc");
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}
