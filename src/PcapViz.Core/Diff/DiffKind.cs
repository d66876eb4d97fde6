using System.Globalization;
using System.Text.Json;
using PcapViz.Pseudonymisation;

namespace PcapViz.Diff;

/// <summary>A count an indicator carries in analysis.json, summed over a bundle's captures.</summary>
/// <param name="Name">Its name in diff.json (and, for a plain field, in analysis.json).</param>
/// <param name="Label">Its column heading in the page and PDF.</param>
/// <param name="Unit">One of it in running text ("query"; bytes are shown in IEC units).</param>
/// <param name="Units">Several of it in running text ("queries").</param>
/// <param name="IsBytes">Shown in IEC units in sentences.</param>
/// <param name="Fields">The analysis.json members added up (absent members count 0).</param>
public sealed record DiffMeasure(string Name, string Label, string Unit, string Units, bool IsBytes, IReadOnlyList<string> Fields)
{
    internal static DiffMeasure Field(string name, string label, string unit, string? units = null, bool isBytes = false) =>
        new(name, label, unit, units ?? unit + "s", isBytes, [name]);

    internal long Read(JsonElement entry)
    {
        long sum = 0;
        foreach (string field in Fields)
        {
            if (!entry.TryGetProperty(field, out var v)) continue;
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long n) || n < 0)
                throw new InvalidDataException($"'{field}' is not a whole number of at least 0");
            sum = checked(sum + n);
        }
        return sum;
    }
}

/// <summary>
/// One kind of indicator `pcapviz diff` compares: the analysis.json array that lists it, how an entry is named, and
/// what it counts, the first measure being the one that ranks (bytes for addresses, queries for names). Adding a kind
/// is one line in <see cref="All"/>; a kind whose array a bundle's analysis.json does not have (an older schema) is
/// reported as not compared rather than as everything having appeared.
/// </summary>
/// <param name="Name">Its member in diff.json.</param>
/// <param name="Title">Heading ("Source addresses").</param>
/// <param name="Singular">One of them, in sentences ("source address").</param>
/// <param name="Plural">Several of them, in sentences.</param>
/// <param name="Array">The array of analysis.json.</param>
/// <param name="Limit">The member of analysis.json <c>limits</c> that bounds it (an exceeded limit means some entries were only counted as "other"; registered domains come from the names, so the names' limit bounds them); null when none.</param>
/// <param name="Key">The entry's value as shown and compared; null when the entry has no such member (a shape this version does not know).</param>
/// <param name="KeyMembers">The analysis.json members <paramref name="Key"/> reads, for messages.</param>
public sealed record DiffKind(
    string Name, string Title, string Singular, string Plural, string Array, string? Limit,
    Func<JsonElement, string?> Key, string KeyMembers, IReadOnlyList<DiffMeasure> Measures)
{
    /// <summary>The measure that ranks appeared, disappeared and changed entries.</summary>
    public DiffMeasure Ranking => Measures[0];

    /// <summary>
    /// The entry's value with its addresses and names replaced by their pseudonyms (`diff --pseudonymise`), as
    /// `report --pseudonymise` writes them: null for a kind whose values hold neither (services).
    /// </summary>
    internal Func<JsonElement, Pseudonymiser, string?>? PseudonymisedKey { get; init; }

    /// <summary>The entry's value as shown and compared, pseudonymised under <paramref name="pseudonymiser"/> when one is given.</summary>
    internal string? KeyOf(JsonElement entry, Pseudonymiser? pseudonymiser) =>
        pseudonymiser is not null && PseudonymisedKey is { } pseudonymised ? pseudonymised(entry, pseudonymiser) : Key(entry);

    private static readonly DiffMeasure IpBytes = DiffMeasure.Field("ipBytes", "IP bytes", "IP byte", isBytes: true);
    private static readonly DiffMeasure Packets = DiffMeasure.Field("packets", "Packets", "packet");
    private static readonly DiffMeasure Queries = DiffMeasure.Field("queries", "Queries", "query", "queries");
    private static readonly DiffMeasure Connections = DiffMeasure.Field("connections", "Connections", "connection");

    /// <summary>Every kind, in the order the outputs show them. Server names, services and conversations come with
    /// analysis.json schemaVersion 3; bundles without them compare the rest.</summary>
    public static IReadOnlyList<DiffKind> All { get; } =
    [
        new("sourceIps", "Source addresses", "source address", "source addresses", "sourceIps", "sourceIps", Str("address"), "address", [IpBytes, Packets])
            { PseudonymisedKey = Mapped(Str("address"), static (p, v) => p.Address(v)) },
        new("names", "Query names", "query name", "query names", "dnsQueries", "dnsQueries", Str("name"), "name", [Queries])
            { PseudonymisedKey = Mapped(Str("name"), static (p, v) => p.Name(v)) },
        new("registeredDomains", "Registered domains", "registered domain", "registered domains", "dnsDomains", "dnsQueries", Str("domain"), "domain",
            [Queries, DiffMeasure.Field("responses", "Responses", "response"), DiffMeasure.Field("nxdomain", "NXDOMAIN", "NXDOMAIN response")])
            { PseudonymisedKey = Mapped(Str("domain"), static (p, v) => p.Name(v)) },
        new("serverNames", "Server names", "server name", "server names", "serverNames", "serverNames", Str("serverName", "name"), "serverName or name", [Connections, IpBytes])
            { PseudonymisedKey = Mapped(Str("serverName", "name"), static (p, v) => p.Host(v)) },
        new("services", "Services", "service", "services", "services", null, Service, "transport, port, name",
            [new("ipBytes", "IP bytes", "IP byte", "IP bytes", true, ["ipBytesToServer", "ipBytesFromServer"]), DiffMeasure.Field("flows", "Flows", "flow"),
             DiffMeasure.Field("clients", "Clients", "client")]),
        new("conversations", "Conversations", "conversation", "conversations", "conversations", "conversations", Conversation, "protocol, addressA, portA, addressB, portB",
            [new("ipBytes", "IP bytes", "IP byte", "IP bytes", true, ["ipBytesAToB", "ipBytesBToA"]), new("packets", "Packets", "packet", "packets", false, ["packetsAToB", "packetsBToA"])])
            { PseudonymisedKey = PseudonymisedConversation },
    ];

    private static Func<JsonElement, Pseudonymiser, string?> Mapped(Func<JsonElement, string?> key, Func<Pseudonymiser, string, string> map) =>
        (e, p) => key(e) is { } value ? map(p, value) : null;

    /// <summary>The first of <paramref name="members"/> that the entry has as a string.</summary>
    private static Func<JsonElement, string?> Str(params string[] members) => e =>
    {
        foreach (string m in members)
            if (e.TryGetProperty(m, out var v) && v.ValueKind == JsonValueKind.String) return v.GetString();
        return null;
    };

    /// <summary>"tcp/443 (https)", or "udp/5000" for a port the registry subset does not name.</summary>
    private static string? Service(JsonElement e)
    {
        string? transport = Str("transport")(e);
        if (transport is null || !e.TryGetProperty("port", out var p) || p.ValueKind != JsonValueKind.Number || !p.TryGetInt32(out int port)) return null;
        string? name = Str("name")(e);
        return $"{transport}/{port.ToString(CultureInfo.InvariantCulture)}" + (name is null ? "" : $" ({name})");
    }

    /// <summary>"tcp 10.0.0.1:51000 ↔ 192.0.2.7:443" ("[2001:db8::1]:443" for IPv6).</summary>
    private static string? Conversation(JsonElement e)
    {
        string? protocol = Str("protocol")(e), a = Str("addressA")(e), b = Str("addressB")(e);
        if (protocol is null || a is null || b is null) return null;
        return $"{protocol} {Endpoint(a, Port(e, "portA"))} ↔ {Endpoint(b, Port(e, "portB"))}";
    }

    /// <summary>
    /// As <see cref="Conversation(JsonElement)"/> with both addresses pseudonymised and the endpoints put in the order of
    /// the pseudonyms, as `report --pseudonymise` lists the flow (ResultPseudonymiser.Conversations).
    /// </summary>
    private static string? PseudonymisedConversation(JsonElement e, Pseudonymiser pseudonymiser)
    {
        string? protocol = Str("protocol")(e), a = Str("addressA")(e), b = Str("addressB")(e);
        if (protocol is null || a is null || b is null) return null;
        string pa = pseudonymiser.Address(a), pb = pseudonymiser.Address(b);
        int portA = Port(e, "portA"), portB = Port(e, "portB");
        return ResultPseudonymiser.CompareAddresses(pa, pb) > 0
            ? $"{protocol} {Endpoint(pb, portB)} ↔ {Endpoint(pa, portA)}"
            : $"{protocol} {Endpoint(pa, portA)} ↔ {Endpoint(pb, portB)}";
    }

    private static int Port(JsonElement e, string member) =>
        e.TryGetProperty(member, out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetInt32(out int port) ? port : 0;

    private static string Endpoint(string address, int port)
    {
        string host = address.Contains(':', StringComparison.Ordinal) ? "[" + address + "]" : address;
        return port > 0 ? host + ":" + port.ToString(CultureInfo.InvariantCulture) : host;
    }
}
