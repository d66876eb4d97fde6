using System.Text.Json;
using PcapViz.Model;

namespace PcapViz.Export;

/// <summary>
/// Writes <c>history.json</c> at the bundle root (docs/history.md; docs/schema/history.schema.json): what is new since the history began,
/// the watchlist hits and the trend, each entry naming the captures (<c>id</c>) it was seen in. Deterministic:
/// every list arrives sorted from <see cref="RunHistory"/>, numbers and times are invariant.
/// </summary>
internal static class HistoryJsonWriter
{
    public const string FileName = "history.json";
    /// <summary>4: <c>new.serverNames</c> and <c>new.ja4</c>, <c>baselines.minVolume.requests</c>, and watchlist hits of kinds
    /// <c>server-name</c>, <c>ja4</c> and <c>ja3</c>. 3: <c>baselines</c> (indicators far above their own baseline). 2: <c>tool</c> (name and version) as in
    /// every JSON file PcapViz writes, and each trend point's <c>nxdomainStatus</c>; 1 had neither.</summary>
    public const int SchemaVersion = 4;

    public static void Write(Stream stream, RunHistory history, string toolVersion)
    {
        ArgumentNullException.ThrowIfNull(history);
        JsonOut.WriteDocument(stream, w =>
        {
            w.WriteNumber("schemaVersion", SchemaVersion);
            w.WriteTool(toolVersion);
            w.WriteStringOrNull("database", history.Database);
            w.WriteNumber("runsBefore", history.RunsBefore);
            w.WriteStringOrNull("historyBeganUtc",
                history.HistoryBeganUtc is { } began ? TimeFormat.IsoUtcSeconds(began.ToUnixTimeSeconds()) : null);
            w.WriteNumberOrNull("newWindowDays", history.NewWindowDays);
            w.WriteBoolean("rerun", history.Rerun);

            w.WriteStartObject("new");
            WriteNew(w, "names", history.NewNames);
            WriteNew(w, "domains", history.NewDomains);
            WriteNew(w, "addresses", history.NewAddresses);
            WriteNew(w, "serverNames", history.NewServerNames);
            WriteNew(w, "ja4", history.NewJa4);
            w.WriteEndObject();

            w.WriteBoolean("watchlistsChecked", history.WatchlistsChecked);
            w.WriteNumber("watchlistEntries", history.WatchlistEntries);
            WriteHits(w, "watchlistHits", history.WatchlistHits);
            w.WriteObjects("watchlistProblems", history.WatchlistProblems, static (w, p) =>
            {
                w.WriteString("list", p.List);
                w.WriteNumber("line", p.Line);
                w.WriteString("message", p.Message);
            });

            w.WriteObjects("trend", history.Trend, static (w, t) =>
            {
                w.WriteString("runUtc", TimeFormat.IsoUtcSeconds(t.RunUtc.ToUnixTimeSeconds()));
                w.WriteBoolean("tonight", t.Tonight);
                w.WriteNumber("captures", t.Captures);
                w.WriteNumber("failedCaptures", t.FailedCaptures);
                w.WriteNumber("packets", t.Packets);
                w.WriteNumber("ipBytes", t.IpBytes);
                w.WriteNumber("distinctSources", t.DistinctSources);
                w.WriteNumber("distinctNames", t.DistinctNames);
                w.WriteNumberOrNull("nxdomainShare", t.NxdomainShare);
                w.WriteString("nxdomainStatus", t.NxdomainStatus);
            });
            w.WriteObjects("deviations", history.Deviations, static (w, d) =>
            {
                w.WriteString("metric", d.Metric);
                w.WriteNumber("tonight", d.Tonight);
                w.WriteNumber("median", d.Median);
                w.WriteNumberOrNull("ratio", d.Ratio is double r ? Math.Round(r, 4) : null);
            });
            WriteBaselines(w, history);
            w.WriteObjects("beacons", history.Beacons, static (w, b) =>
            {
                w.WriteString("transport", Names.OfIpProtocol(b.Protocol));
                w.WriteString("client", b.Client);
                w.WriteString("server", b.Server);
                w.WriteNumber("port", b.Port);
                w.WriteNumber("seen", b.Nights.Seen);
                w.WriteNumber("runs", b.Nights.Runs);
            });
        });
    }

    /// <summary>The <c>baselines</c> object: the settings, how many indicators were judged, and those far above their baseline.</summary>
    private static void WriteBaselines(Utf8JsonWriter w, RunHistory history)
    {
        if (history.Baseline is not { } b)
        {
            w.WriteNull("baselines");
            return;
        }
        w.WriteStartObject("baselines");
        w.WriteNumber("runs", b.Runs);
        w.WriteNumber("minRuns", BaselineSettings.MinRuns);
        w.WriteNumber("ratio", b.Ratio);
        w.WriteStartObject("minVolume");
        w.WriteNumber(IndicatorVolumes.Name(VolumeUnit.Bytes), b.MinBytes);
        w.WriteNumber(IndicatorVolumes.Name(VolumeUnit.Queries), b.MinQueries);
        w.WriteNumber(IndicatorVolumes.Name(VolumeUnit.Requests), b.MinRequests);
        w.WriteEndObject();
        w.WriteNumber("judged", history.BaselineJudged);
        w.WriteObjects("above", history.AboveBaseline, static (w, d) =>
        {
            w.WriteString("kind", JsonNames.Of(d.Kind));
            w.WriteString("value", d.Value);
            w.WriteString("unit", IndicatorVolumes.Name(d.Unit));
            w.WriteNumber("volume", d.Volume);
            w.WriteNumber("median", d.Median);
            w.WriteNumber("ratio", Math.Round(d.Ratio, 4));
            w.WriteObjects("history", d.History, static (w, p) =>
            {
                w.WriteString("runUtc", TimeFormat.IsoUtcSeconds(p.RunUtc.ToUnixTimeSeconds()));
                w.WriteBoolean("tonight", p.Tonight);
                w.WriteNumber("volume", p.Volume);
            });
            WriteCaptures(w, d.Captures);
        });
        w.WriteEndObject();
    }

    /// <summary>The <c>watchlistHits</c> array (history.json and each analysis.json).</summary>
    internal static void WriteHits(Utf8JsonWriter w, string property, IEnumerable<WatchlistHit> hits) =>
        w.WriteObjects(property, hits, static (w, h) =>
        {
            w.WriteString("kind", JsonNames.Of(h.Kind));
            w.WriteString("value", h.Value);
            w.WriteString("entry", h.Entry);
            w.WriteString("label", h.Label);
            w.WriteString("list", h.List);
            w.WriteNumber("line", h.Line);
            w.WriteNumber("count", h.Count);
            WriteCaptures(w, h.Captures);
        });

    private static void WriteNew(Utf8JsonWriter w, string property, IReadOnlyList<NewIndicator> items) =>
        w.WriteObjects(property, items, static (w, n) =>
        {
            w.WriteString("value", n.Value);
            w.WriteNumber("count", n.Count);
            WriteCaptures(w, n.Captures);
        });

    private static void WriteCaptures(Utf8JsonWriter w, IReadOnlyList<IndicatorSighting> captures) =>
        w.WriteObjects("captures", captures, static (w, c) =>
        {
            w.WriteString("id", c.CaptureId);
            w.WriteStringOrNull("firstPacketUtc", c.FirstPacketEpochNanos is long first ? TimeFormat.IsoUtcMicros(first) : null);
        });
}
