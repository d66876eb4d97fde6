using System.Globalization;
using System.Text.Json;
using PcapViz.Model;

namespace PcapViz.Export;

/// <summary>
/// Writes <c>indicators.stix.json</c> at the bundle root (<c>--format stix</c>; docs/output.md): a STIX 2.1 bundle with an
/// <c>identity</c> for the tool, one <c>observed-data</c> per finding (<see cref="ThreatFindings"/>) referring to its
/// <c>ipv4-addr</c>/<c>ipv6-addr</c> (with a <c>network-traffic</c> from or to it) or <c>domain-name</c> objects, and one
/// <c>report</c> tying them to the run. Every id is a UUIDv5: observables in the namespace STIX gives for them (§2.9, over
/// their id-contributing properties), the other objects in PcapViz's namespace over their own content, so the same
/// inputs, options and generation time give the same bytes.
/// </summary>
public sealed class StixExporter() : IndicatorsExporter("stix", FileName, Write)
{
    internal const string FileName = "indicators.stix.json";

    /// <summary>The tool's identity is the same object in every file, whatever the run: its created time is fixed.</summary>
    private const string IdentityCreated = "2024-01-01T00:00:00.000Z";

    /// <summary>A STIX object: its type, its id and the members after <c>type</c>, <c>spec_version</c> and <c>id</c>.</summary>
    private sealed record StixObject(string Type, string Id, Action<Utf8JsonWriter> Members);

    internal static void Write(Stream stream, RunResult run, IReadOnlyList<ThreatFinding> findings)
    {
        string created = Millis(run.Info.GeneratedUtc);
        var identity = Sdo("identity", w =>
        {
            w.WriteString("created", IdentityCreated);
            w.WriteString("modified", IdentityCreated);
            w.WriteString("name", "PcapViz");
            w.WriteString("description", "PcapViz turns packet captures into report bundles; it produced the objects that name it.");
            w.WriteString("identity_class", "system");
        });

        var observables = new SortedDictionary<string, StixObject>(StringComparer.Ordinal);
        var observed = new List<StixObject>();
        int leftOut = 0;
        string newScope = run.History?.NewScope() ?? "never seen before";
        foreach (var f in findings)
        {
            var refs = Observables(f);
            if (refs.Count == 0) { leftOut++; continue; }
            foreach (var o in refs) observables.TryAdd(o.Id, o);
            long first = f.FirstPacketEpochNanos ?? run.Info.GeneratedUtc.ToUnixTimeMilliseconds() * 1_000_000;
            long last = f.LastPacketEpochNanos ?? first;
            observed.Add(Sdo("observed-data", w =>
            {
                w.WriteString("created_by_ref", identity.Id);
                w.WriteString("created", created);
                w.WriteString("modified", created);
                w.WriteString("first_observed", MicrosFloor(first));
                w.WriteString("last_observed", MicrosCeiling(Math.Max(first, last)));
                w.WriteNumber("number_observed", Math.Clamp(f.Count, 1, 999_999_999));
                w.WriteStrings("object_refs", refs.Select(o => o.Id));
                w.WriteStrings("labels", Labels(f));
                w.WriteString("x_pcapviz_indicator_kind", JsonNames.Of(f.Kind));
                w.WriteString("x_pcapviz_reason", f.Reason(newScope));
                if (f.Hits.Count > 0)
                    w.WriteObjects("x_pcapviz_watchlist_hits", f.Hits, static (w, h) =>
                    {
                        w.WriteString("entry", h.Entry);
                        w.WriteString("label", h.Label);
                        w.WriteString("list", h.List);
                        w.WriteNumber("line", h.Line);
                    });
                if (f.Signals.Count > 0) w.WriteStrings("x_pcapviz_dns_signals", f.Signals);
                if (f.CaptureIds.Count > 0) w.WriteStrings("x_pcapviz_captures", f.CaptureIds);
            }));
        }
        observed.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));

        var reportRefs = observed.Select(o => o.Id).Concat(observables.Keys).ToList();
        if (reportRefs.Count == 0) reportRefs.Add(identity.Id); // object_refs may not be empty: a quiet night refers to its producer.
        var inputs = run.Captures.Where(c => c.Input.Sha256.Length > 0).ToList();
        var report = Sdo("report", w =>
        {
            w.WriteString("created_by_ref", identity.Id);
            w.WriteString("created", created);
            w.WriteString("modified", created);
            w.WriteString("name", $"PcapViz run {TimeFormat.IsoUtcSeconds(run.Info.GeneratedUtc.ToUnixTimeSeconds())}");
            w.WriteString("description", Describe(run, findings.Count - leftOut, leftOut));
            w.WriteStrings("report_types", ["observed-data"]);
            w.WriteString("published", created);
            w.WriteStrings("object_refs", reportRefs);
            w.WriteString("x_pcapviz_tool_version", run.Info.ToolVersion);
            if (inputs.Count > 0)
                w.WriteObjects("x_pcapviz_captures", inputs, static (w, c) =>
                {
                    w.WriteString("id", c.Id);
                    w.WriteString("path", c.Input.Path);
                    w.WriteString("sha256", c.Input.Sha256);
                });
            if (leftOut > 0) w.WriteNumber("x_pcapviz_left_out", leftOut);
        });

        JsonOut.WriteDocument(stream, w =>
        {
            w.WriteString("type", "bundle");
            w.WriteString("id", "bundle--" + Uuid5.Text(Uuid5.Create(Uuid5.PcapVizNamespace, report.Id)));
            w.WriteStartArray("objects");
            foreach (var o in new[] { identity, report }.Concat(observed).Concat(observables.Values))
            {
                w.WriteStartObject();
                w.WriteString("type", o.Type);
                w.WriteString("spec_version", "2.1");
                w.WriteString("id", o.Id);
                o.Members(w);
                w.WriteEndObject();
                if (w.BytesPending >= JsonOut.FlushBytes) w.Flush();
            }
            w.WriteEndArray();
        });
    }

    /// <summary>"3 captures; 5 findings (2 watchlist hits, 1 new registered domain, 2 registered domains with DNS signals)".</summary>
    private static string Describe(RunResult run, int exported, int leftOut)
    {
        string text = $"{Names.Count(run.Captures.Count, "capture")} analysed by PcapViz {run.Info.ToolVersion}; " +
            $"{Names.Count(exported, "finding")} exported (watchlist hits, new registered domains, registered domains with DNS signals).";
        if (leftOut > 0)
            text += $" {Names.Count(leftOut, "finding")} left out: not a host name STIX accepts (escaped bytes, '_' or an empty label), or a JA3/JA4 client fingerprint, which STIX has no object for; the MISP export and history.json list them.";
        return text;
    }

    private static IEnumerable<string> Labels(ThreatFinding f)
    {
        if (f.IsWatchlistHit) yield return "watchlist-hit";
        if (f.IsNew) yield return "new-registered-domain";
        if (f.Signals.Count > 0) yield return "dns-signal";
    }

    /// <summary>The observables of a finding: the address and a network-traffic from (or to) it, or the domain name; none when STIX cannot hold the value.</summary>
    private static List<StixObject> Observables(ThreatFinding f)
    {
        if (f.Kind == IndicatorKind.Address)
        {
            string type = f.Value.Contains(':', StringComparison.Ordinal) ? "ipv6-addr" : "ipv4-addr";
            string value = type == "ipv6-addr" ? HexOnly(f.Value) : f.Value;
            var address = Sco(type, "{\"value\":" + JcsString(value) + "}", w => w.WriteString("value", value));
            string protocol = type == "ipv6-addr" ? "ipv6" : "ipv4";
            string end = f.IsSource ? "src_ref" : "dst_ref";
            // JCS (RFC 8785) orders members by name: dst_ref < protocols < src_ref.
            string contributing = f.IsSource
                ? "{\"protocols\":[\"" + protocol + "\"],\"src_ref\":" + JcsString(address.Id) + "}"
                : "{\"dst_ref\":" + JcsString(address.Id) + ",\"protocols\":[\"" + protocol + "\"]}";
            var traffic = Sco("network-traffic", contributing, w =>
            {
                w.WriteString(end, address.Id);
                w.WriteStrings("protocols", [protocol]);
            });
            return [address, traffic];
        }
        if (f.Kind is IndicatorKind.Ja3 or IndicatorKind.Ja4 || !ThreatFindings.IsHostName(f.Value, allowUnderscore: false)) return [];
        return [Sco("domain-name", "{\"value\":" + JcsString(f.Value) + "}", w => w.WriteString("value", f.Value))];
    }

    /// <summary>
    /// An IPv4-mapped IPv6 address with its last 32 bits in hex (<c>::ffff:c000:207</c> for <c>::ffff:192.0.2.7</c>): the same
    /// address, in the one form the STIX schema's IPv6 pattern accepts (its dotted-quad branch is broken). Others as they are.
    /// </summary>
    internal static string HexOnly(string ipv6)
    {
        int lastColon = ipv6.LastIndexOf(':');
        if (!ipv6.Contains('.', StringComparison.Ordinal) || !System.Net.IPAddress.TryParse(ipv6[(lastColon + 1)..], out var v4)) return ipv6;
        byte[] b = v4.GetAddressBytes();
        return ipv6[..(lastColon + 1)] + ((b[0] << 8) | b[1]).ToString("x", CultureInfo.InvariantCulture) + ":" +
            ((b[2] << 8) | b[3]).ToString("x", CultureInfo.InvariantCulture);
    }

    /// <summary>A domain object: its id is the UUIDv5 of its type and members, written compactly, in PcapViz's namespace.</summary>
    private static StixObject Sdo(string type, Action<Utf8JsonWriter> members) =>
        new(type, type + "--" + Uuid5.OfContent(w =>
        {
            w.WriteString("type", type);
            members(w);
        }), members);

    /// <summary>An observable: its id is the UUIDv5 of its id-contributing properties in JCS form, in STIX's namespace (§2.9).</summary>
    private static StixObject Sco(string type, string contributingJcs, Action<Utf8JsonWriter> members) =>
        new(type, type + "--" + Uuid5.Text(Uuid5.Create(Uuid5.StixObservableNamespace, contributingJcs)), members);

    /// <summary>A JSON string as JCS writes it: quotes, backslash and control characters escaped, everything else as is.</summary>
    private static string JcsString(string value)
    {
        var sb = new System.Text.StringBuilder(value.Length + 2).Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>STIX's created/modified/published: UTC with exactly milliseconds.</summary>
    internal static string Millis(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>A packet time with microseconds, rounded down (the window starts no later than the first packet).</summary>
    internal static string MicrosFloor(long epochNanos) => TimeFormat.IsoUtcMicros(epochNanos - Mod(epochNanos, 1000));

    /// <summary>A packet time with microseconds, rounded up (the window ends no earlier than the last packet).</summary>
    internal static string MicrosCeiling(long epochNanos)
    {
        long rest = Mod(epochNanos, 1000);
        return TimeFormat.IsoUtcMicros(rest == 0 ? epochNanos : epochNanos - rest + 1000);
    }

    private static long Mod(long value, long by) => ((value % by) + by) % by;
}
