using System.Globalization;
using System.Text.Json;
using PcapViz.Model;

namespace PcapViz.Export;

/// <summary>
/// Writes <c>indicators.misp.json</c> at the bundle root (<c>--format misp</c>; docs/output.md): one MISP event in the MISP
/// core format (<c>{"Event": {…}}</c>) whose attributes are the run's findings (<see cref="ThreatFindings"/>), typed
/// <c>ip-src</c>/<c>ip-dst</c>, <c>hostname</c> (query and server names), <c>domain</c>, <c>ja3-fingerprint-md5</c> or <c>text</c>
/// (a JA4 fingerprint, which MISP has no attribute type for) in the category "Network activity", flagged for IDS only when
/// they hit a watchlist, each with a comment saying why it is there. UUIDs are UUIDv5 in PcapViz's namespace over the
/// object's own content, so the same inputs, options and generation time give the same bytes.
/// </summary>
public sealed class MispExporter() : IndicatorsExporter("misp", FileName, Write)
{
    internal const string FileName = "indicators.misp.json";

    /// <summary>The MISP attribute type of a finding, or null when MISP would refuse the value (a name with escaped bytes, a single label).</summary>
    internal static string? AttributeType(ThreatFinding f) => f.Kind switch
    {
        IndicatorKind.Address => f.IsSource ? "ip-src" : "ip-dst",
        IndicatorKind.Name when IsMispHostName(f.Value) => "hostname",
        IndicatorKind.Domain when IsMispHostName(f.Value) => "domain",
        IndicatorKind.ServerName when IsMispHostName(f.Value) => "hostname",
        IndicatorKind.Ja3 => "ja3-fingerprint-md5",
        // MISP has no attribute type for JA4 (its ja4-plus object holds one as text): a text attribute whose comment says what it is.
        IndicatorKind.Ja4 => "text",
        _ => null,
    };

    /// <summary>The attribute's comment: what a text attribute holds, then why it is there.</summary>
    private static string Comment(ThreatFinding f, string newScope) =>
        (f.Kind == IndicatorKind.Ja4 ? "JA4 TLS client fingerprint; " : "") + f.Reason(newScope);

    private static bool IsMispHostName(string value) => value.Contains('.', StringComparison.Ordinal) && ThreatFindings.IsHostName(value, allowUnderscore: true);

    internal static void Write(Stream stream, RunResult run, IReadOnlyList<ThreatFinding> findings)
    {
        string timestamp = run.Info.GeneratedUtc.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        string newScope = run.History?.NewScope() ?? "never seen before";
        var attributes = new List<(string Type, string Value, string Uuid, Action<Utf8JsonWriter> Members)>();
        int leftOut = 0;
        foreach (var f in findings)
        {
            if (AttributeType(f) is not { } type) { leftOut++; continue; }
            Action<Utf8JsonWriter> members = w =>
            {
                w.WriteString("type", type);
                w.WriteString("category", "Network activity");
                w.WriteString("value", f.Value);
                w.WriteBoolean("to_ids", f.IsWatchlistHit);
                w.WriteString("comment", Comment(f, newScope));
                w.WriteString("distribution", "5"); // inherit the event's
                w.WriteString("timestamp", timestamp);
                w.WriteStringOrNull("first_seen", f.FirstPacketEpochNanos is long first ? StixExporter.MicrosFloor(first) : null);
                w.WriteStringOrNull("last_seen", f.LastPacketEpochNanos is long last ? StixExporter.MicrosCeiling(last) : null);
            };
            attributes.Add((type, f.Value, Uuid5.OfContent(members), members));
        }
        attributes.Sort((a, b) => string.CompareOrdinal(a.Type, b.Type) is int c and not 0 ? c : string.CompareOrdinal(a.Value, b.Value));

        // The night of the run: packet times of a capture may be anything (1970, 2106), the run's own date is not.
        var date = run.Info.GeneratedUtc;
        Action<Utf8JsonWriter> eventMembers = w =>
        {
            w.WriteString("info", Info(run, attributes.Count, leftOut));
            w.WriteString("date", date.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            w.WriteString("threat_level_id", "4"); // undefined: PcapViz reports what it saw, the analyst judges the threat
            w.WriteString("analysis", "0"); // initial: nobody has looked yet
            w.WriteString("distribution", "0"); // your organisation only, until someone decides otherwise
            w.WriteBoolean("published", false);
            w.WriteString("timestamp", timestamp);
            w.WriteString("publish_timestamp", "0");
            w.WriteString("attribute_count", attributes.Count.ToString(CultureInfo.InvariantCulture));
            w.WriteStartArray("Tag");
            w.WriteStartObject();
            w.WriteString("name", "tool:pcapviz");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteStartArray("Attribute");
            foreach (var a in attributes)
            {
                w.WriteStartObject();
                w.WriteString("uuid", a.Uuid);
                a.Members(w);
                w.WriteEndObject();
                if (w.BytesPending >= JsonOut.FlushBytes) w.Flush();
            }
            w.WriteEndArray();
        };
        string eventUuid = Uuid5.OfContent(eventMembers);
        JsonOut.WriteDocument(stream, w =>
        {
            w.WriteStartObject("Event");
            w.WriteString("uuid", eventUuid);
            eventMembers(w);
            w.WriteEndObject();
        });
    }

    /// <summary>"PcapViz run 2024-03-01T00:00:00Z: 3 captures, 5 attributes": one line, at most 256 characters.</summary>
    private static string Info(RunResult run, int attributes, int leftOut)
    {
        string text = $"PcapViz run {TimeFormat.IsoUtcSeconds(run.Info.GeneratedUtc.ToUnixTimeSeconds())}: {Names.Count(run.Captures.Count, "capture")}, " +
            $"{Names.Count(attributes, "attribute")} (watchlist hits, new registered domains, registered domains with DNS signals)";
        if (leftOut > 0) text += $", {Names.Count(leftOut, "name")} left out (not a host name MISP accepts)";
        return text;
    }
}
