using System.Text.Json;
using PcapViz.Model;

namespace PcapViz.Export;

/// <summary>
/// The context fields of analysis.json (schemaVersion 2): written by <see cref="AnalysisJsonExporter"/> and read
/// back, every one of them, by <see cref="AnalysisJsonReader"/> (the incremental cache and `merge` rely on it).
/// </summary>
internal static class ContextJson
{
    public static void WriteSourceContext(Utf8JsonWriter w, SourceIpEntry e, bool geoIp)
    {
        w.WriteString("addressClass", e.AddressClass);
        // schemaVersion 3: each name with its source (dns, tls, quic, http); version 2 wrote the names alone, all from DNS.
        w.WriteObjects("names", e.Names, static (w, n) =>
        {
            w.WriteString("name", n.Name);
            w.WriteString("source", n.Source);
        });
        w.WriteNumber("moreNames", e.MoreNames);
        if (!geoIp) return;
        w.WriteStringOrNull("country", e.Country);
        w.WriteNumberOrNull("asn", e.Asn);
        w.WriteStringOrNull("asOrg", e.AsOrg);
    }

    public static SourceIpEntry ReadSourceContext(JsonElement e, SourceIpEntry entry) => entry with
    {
        AddressClass = e.GetProperty("addressClass").GetString()!,
        Names = new ValueList<AddressName>(e.GetProperty("names").EnumerateArray().Select(n => n.ValueKind == JsonValueKind.String
            ? new AddressName(n.GetString()!, NameSources.Dns)
            : new AddressName(n.GetProperty("name").GetString()!, n.GetProperty("source").GetString()!))),
        MoreNames = e.GetProperty("moreNames").GetInt32(),
        Country = e.TryGetProperty("country", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null,
        Asn = e.TryGetProperty("asn", out var a) && a.ValueKind == JsonValueKind.Number ? a.GetInt64() : null,
        AsOrg = e.TryGetProperty("asOrg", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString() : null,
    };

    public static void WriteQueryContext(Utf8JsonWriter w, DnsQueryEntry e)
    {
        w.WriteString("registeredDomain", e.RegisteredDomain);
        WriteCounts(w, "queryTypes", e.QueryTypes);
        WriteCounts(w, "responseCodes", e.ResponseCodes);
    }

    public static DnsQueryEntry ReadQueryContext(JsonElement e, DnsQueryEntry entry) => entry with
    {
        RegisteredDomain = e.GetProperty("registeredDomain").GetString()!,
        QueryTypes = ReadCounts(e.GetProperty("queryTypes")),
        ResponseCodes = ReadCounts(e.GetProperty("responseCodes")),
    };

    /// <summary>dnsDomains, dnsResponses, dnsAnswers, dnsClients and contextData (before traffic).</summary>
    public static void WriteContext(Utf8JsonWriter w, ContextResult c)
    {
        w.WriteObjects("dnsDomains", c.Domains, static (w, d) =>
        {
            w.WriteString("domain", d.Domain);
            w.WriteNumber("queries", d.Queries);
            w.WriteNumber("distinctNames", d.DistinctNames);
            w.WriteNumber("responses", d.Responses);
            w.WriteNumber("nxdomain", d.NxDomain);
            w.WriteNumber("txtNullQueries", d.TxtNullQueries);
            w.WriteNumber("maxLabelLength", d.MaxLabelLength);
            w.WriteNumber("longLabelNames", d.LongLabelNames);
            w.WriteNumber("meanEntropy", d.MeanEntropy);
            w.WriteStrings("signals", d.Signals);
        });

        w.WriteStartObject("dnsResponses");
        w.WriteNumber("responses", c.Responses.Responses);
        w.WriteNumber("withQuestion", c.Responses.WithQuestion);
        w.WriteNumber("malformed", c.Responses.Malformed);
        w.WriteNumber("nxdomainShare", Math.Round(c.Responses.NxDomainShare ?? 0, 6, MidpointRounding.AwayFromZero)); // 0 without responses, as schemaVersion 2 wrote it
        WriteCounts(w, "responseCodes", c.Responses.ResponseCodes);
        w.WriteEndObject();

        w.WriteObjects("dnsAnswers", c.Answers.Entries, static (w, a) =>
        {
            w.WriteString("address", a.Address);
            w.WriteNumber("version", a.Version);
            w.WriteString("name", a.Name);
            w.WriteNumber("answers", a.Answers);
        });

        w.WriteObjects("dnsClients", c.Clients.Entries, static (w, a) =>
        {
            w.WriteString("address", a.Address);
            w.WriteNumber("version", a.Version);
            w.WriteNumber("responses", a.Responses);
            w.WriteNumber("nxdomain", a.NxDomain);
        });

        w.WriteStartObject("contextData");
        w.WriteString("publicSuffixList", c.Facts.PublicSuffixList);
        w.WriteString("addressRegistry", c.Facts.AddressRegistry);
        w.WriteStrings("geoip", c.Facts.GeoIp);
        w.WriteEndObject();
    }

    public static ContextResult ReadContext(JsonElement root, JsonElement limits)
    {
        var domains = root.GetProperty("dnsDomains").EnumerateArray().Select(d => new DnsDomainEntry(
            d.GetProperty("domain").GetString()!, d.GetProperty("queries").GetInt64(), d.GetProperty("distinctNames").GetInt32(),
            d.GetProperty("responses").GetInt64(), d.GetProperty("nxdomain").GetInt64(), d.GetProperty("txtNullQueries").GetInt64(),
            d.GetProperty("maxLabelLength").GetInt32(), d.GetProperty("longLabelNames").GetInt32(), d.GetProperty("meanEntropy").GetDouble(),
            new ValueList<string>(d.GetProperty("signals").EnumerateArray().Select(s => s.GetString()!)))).ToArray();
        var r = root.GetProperty("dnsResponses");
        var responses = new DnsResponseTotals(r.GetProperty("responses").GetInt64(), r.GetProperty("withQuestion").GetInt64(),
            r.GetProperty("malformed").GetInt64(), ReadCounts(r.GetProperty("responseCodes")));
        var answers = new AddressNameResult(root.GetProperty("dnsAnswers").EnumerateArray().Select(a => new AddressNameEntry(
                a.GetProperty("address").GetString()!, a.GetProperty("version").GetInt32(), a.GetProperty("name").GetString()!,
                a.GetProperty("answers").GetInt64())).ToArray(),
            AnalysisJsonReader.ReadLimit(limits.GetProperty("dnsAnswers")));
        var clients = new DnsClientResult(root.GetProperty("dnsClients").EnumerateArray().Select(a => new DnsClientEntry(
                a.GetProperty("address").GetString()!, a.GetProperty("version").GetInt32(), a.GetProperty("responses").GetInt64(),
                a.GetProperty("nxdomain").GetInt64())).ToArray(),
            AnalysisJsonReader.ReadLimit(limits.GetProperty("dnsClients")));
        var f = root.GetProperty("contextData");
        var facts = new ContextFacts(f.GetProperty("publicSuffixList").GetString()!, f.GetProperty("addressRegistry").GetString()!,
            new ValueList<string>(f.GetProperty("geoip").EnumerateArray().Select(g => g.GetString()!)));
        return new ContextResult(responses, answers, clients, domains, facts);
    }

    private static void WriteCounts(Utf8JsonWriter w, string property, IEnumerable<NamedCount> counts)
    {
        w.WriteStartObject(property);
        foreach (var c in counts) w.WriteNumber(c.Name, c.Count);
        w.WriteEndObject();
    }

    private static ValueList<NamedCount> ReadCounts(JsonElement e) =>
        new(e.EnumerateObject().Select(p => new NamedCount(p.Name, p.Value.GetInt64())));
}
