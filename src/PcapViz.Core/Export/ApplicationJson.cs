using System.Text.Json;
using PcapViz.Model;

namespace PcapViz.Export;

/// <summary>
/// The application-layer fields of analysis.json (schemaVersion 3): serverNames, tlsClients, tlsServers, certificates,
/// httpRequests, serverAddressNames and applicationCounters, with their limits; written by
/// <see cref="AnalysisJsonExporter"/> and read back, every one, by <see cref="AnalysisJsonReader"/>.
/// </summary>
internal static class ApplicationJson
{
    public static void Write(Utf8JsonWriter w, ApplicationResult a)
    {
        w.WriteObjects("serverNames", a.ServerNames, static (w, e) =>
        {
            w.WriteString("serverName", e.ServerName);
            w.WriteString("source", e.Source);
            w.WriteNumber("count", e.Count);
            WriteSet(w, "clients", e.Clients);
            WriteSet(w, "servers", e.Servers);
        });
        w.WriteObjects("tlsClients", a.TlsClients, static (w, e) =>
        {
            w.WriteString("ja3", e.Ja3);
            w.WriteString("ja4", e.Ja4);
            w.WriteNumber("hellos", e.Hellos);
            WriteSet(w, "serverNames", e.ServerNames);
            WriteSet(w, "alpn", e.Alpn);
            WriteSet(w, "versions", e.Versions);
            WriteSet(w, "clients", e.Clients);
        });
        w.WriteObjects("tlsServers", a.TlsServers, static (w, e) =>
        {
            w.WriteString("ja3s", e.Ja3S);
            w.WriteString("version", e.Version);
            w.WriteString("cipher", e.Cipher);
            w.WriteNumber("hellos", e.Hellos);
            WriteSet(w, "serverNames", e.ServerNames);
            WriteSet(w, "servers", e.Servers);
        });
        w.WriteObjects("certificates", a.Certificates, static (w, e) =>
        {
            w.WriteString("sha256", e.Sha256);
            w.WriteBoolean("parsed", e.Parsed);
            w.WriteString("subject", e.Subject);
            w.WriteString("issuer", e.Issuer);
            w.WriteStrings("subjectAltNames", e.SubjectAltNames);
            w.WriteString("notBeforeUtc", e.NotBeforeUtc);
            w.WriteString("notAfterUtc", e.NotAfterUtc);
            w.WriteNumber("seen", e.Seen);
            w.WriteStrings("signals", e.Signals);
            WriteSet(w, "serverNames", e.ServerNames);
            WriteSet(w, "servers", e.Servers);
        });
        w.WriteObjects("httpRequests", a.HttpRequests, static (w, e) =>
        {
            w.WriteString("host", e.Host);
            w.WriteString("method", e.Method);
            w.WriteString("path", e.Path);
            w.WriteString("userAgent", e.UserAgent);
            w.WriteNumber("requests", e.Requests);
            w.WriteStartObject("statuses");
            foreach (var c in e.Statuses) w.WriteNumber(c.Name, c.Count);
            w.WriteEndObject();
            WriteSet(w, "clients", e.Clients);
        });
        w.WriteObjects("serverAddressNames", a.AddressNames, static (w, e) =>
        {
            w.WriteString("address", e.Address);
            w.WriteNumber("version", e.Version);
            w.WriteString("name", e.Name);
            w.WriteString("source", e.Source);
            w.WriteNumber("count", e.Count);
        });
        w.WriteStartObject("applicationCounters");
        w.WriteNumber("connections", a.Counters.Connections);
        w.WriteNumber("notTracked", a.Counters.NotTracked);
        w.WriteNumber("cutAtLimit", a.Counters.CutAtLimit);
        w.WriteNumber("gaps", a.Counters.Gaps);
        w.WriteEndObject();
    }

    /// <summary>The limits of the application lists, inside the "limits" object.</summary>
    public static void WriteLimits(Utf8JsonWriter w, ApplicationResult a)
    {
        foreach (var (name, limit) in a.Limits) AnalysisJsonExporter.WriteLimit(w, name, limit);
    }

    /// <summary>"<paramref name="name"/>": [the members], "<paramref name="name"/>Complete": whether every member is listed.</summary>
    private static void WriteSet(Utf8JsonWriter w, string name, BoundedSet set)
    {
        w.WriteStrings(name, set.Items);
        w.WriteBoolean(name + "Complete", set.Complete);
    }

    private static BoundedSet ReadSet(JsonElement e, string name) =>
        new(Strings(e.GetProperty(name)), e.GetProperty(name + "Complete").GetBoolean());

    private static ValueList<string> Strings(JsonElement e) => new(e.EnumerateArray().Select(s => s.GetString()!));

    /// <summary>Reads the fields back; a file before schemaVersion 3 has none and reads as empty.</summary>
    public static ApplicationResult Read(JsonElement root, JsonElement limits)
    {
        if (!root.TryGetProperty("serverNames", out var serverNames)) return ApplicationResult.Empty();
        DistinctLimit Limit(string name) => AnalysisJsonReader.ReadLimit(limits.GetProperty(name));
        var c = root.GetProperty("applicationCounters");
        return new ApplicationResult(
            serverNames.EnumerateArray().Select(e => new ServerNameEntry(e.GetProperty("serverName").GetString()!, e.GetProperty("source").GetString()!,
                e.GetProperty("count").GetInt64(), ReadSet(e, "clients"), ReadSet(e, "servers"))).ToArray(),
            Limit("serverNames"),
            root.GetProperty("tlsClients").EnumerateArray().Select(e => new TlsClientEntry(e.GetProperty("ja3").GetString()!, e.GetProperty("ja4").GetString()!,
                e.GetProperty("hellos").GetInt64(), ReadSet(e, "clients"))
            {
                ServerNames = ReadSet(e, "serverNames"), Alpn = ReadSet(e, "alpn"), Versions = ReadSet(e, "versions"),
            }).ToArray(),
            Limit("tlsClients"),
            root.GetProperty("tlsServers").EnumerateArray().Select(e => new TlsServerEntry(e.GetProperty("ja3s").GetString()!, e.GetProperty("version").GetString()!,
                e.GetProperty("cipher").GetString()!, e.GetProperty("hellos").GetInt64(), ReadSet(e, "servers"))
            {
                ServerNames = ReadSet(e, "serverNames"),
            }).ToArray(),
            Limit("tlsServers"),
            root.GetProperty("certificates").EnumerateArray().Select(e => new CertificateEntry(e.GetProperty("sha256").GetString()!, e.GetProperty("parsed").GetBoolean(),
                e.GetProperty("subject").GetString()!, e.GetProperty("issuer").GetString()!, Strings(e.GetProperty("subjectAltNames")),
                e.GetProperty("notBeforeUtc").GetString()!, e.GetProperty("notAfterUtc").GetString()!, e.GetProperty("seen").GetInt64(),
                Strings(e.GetProperty("signals")))
            {
                ServerNames = ReadSet(e, "serverNames"), Servers = ReadSet(e, "servers"),
            }).ToArray(),
            Limit("certificates"),
            root.GetProperty("httpRequests").EnumerateArray().Select(e => new HttpRequestEntry(e.GetProperty("host").GetString()!, e.GetProperty("method").GetString()!,
                e.GetProperty("path").GetString()!, e.GetProperty("userAgent").GetString()!, e.GetProperty("requests").GetInt64(), ReadSet(e, "clients"))
            {
                Statuses = new ValueList<NamedCount>(e.GetProperty("statuses").EnumerateObject().Select(p => new NamedCount(p.Name, p.Value.GetInt64()))),
            }).ToArray(),
            Limit("httpRequests"),
            root.GetProperty("serverAddressNames").EnumerateArray().Select(e => new ServerAddressName(e.GetProperty("address").GetString()!,
                e.GetProperty("version").GetInt32(), e.GetProperty("name").GetString()!, e.GetProperty("source").GetString()!, e.GetProperty("count").GetInt64())).ToArray(),
            Limit("serverAddressNames"))
        {
            Counters = new ApplicationCounters(c.GetProperty("connections").GetInt64(), c.GetProperty("notTracked").GetInt64(),
                c.GetProperty("cutAtLimit").GetInt64(), c.GetProperty("gaps").GetInt64()),
        };
    }
}
