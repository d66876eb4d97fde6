using PcapViz.Analysis;
using PcapViz.Model;

namespace PcapViz.Context;

/// <summary>
/// Turns the mergeable DNS state into the context shown next to the counts: names and classes (and, with
/// --geoip, country and ASN) for each source address, registered domains for each query name, the domains with
/// their signals. Everything here is derived from the results alone, so merged results give the same context as
/// one pass (docs/analysis.md, "Context").
/// </summary>
public static class ContextBuilder
{
    /// <summary>Names listed per address (the rest are counted in <see cref="SourceIpEntry.MoreNames"/>).</summary>
    public const int MaxNamesPerAddress = 10;

    internal static (SourceIpResult SourceIps, DnsQueryResult Dns, ContextResult Context) Build(
        SourceIpResult sources, DnsQueryResult dns, DnsResponseAnalysis responses, ApplicationResult application, AnalysisOptions options)
    {
        var (totals, answers, clients) = responses.ToResult();
        var names = NamesByAddress(answers.Entries, application.AddressNames);
        var enrichedSources = new SourceIpResult(sources.Entries.Select(e => Enrich(e, names, options.GeoIp)).ToArray(), sources.Limit);
        // One string per registered domain, shared by every name under it (not a substring per name).
        var domains = new Dictionary<string, string>(StringComparer.Ordinal);
        var enrichedDns = new DnsQueryResult(dns.Entries.Select(e => e with
        {
            RegisteredDomain = Shared(domains, RegisteredDomains.Of(e.Name, options.PublicSuffixes)),
        }).ToArray(), dns.Limit);
        var facts = new ContextFacts(options.PublicSuffixes.Version, AddressClasses.Version, new ValueList<string>(options.GeoIp.Descriptions));
        var context = new ContextResult(totals, answers, clients, DnsDomainSignals.Build(enrichedDns.Entries), facts);
        return (enrichedSources, enrichedDns, context);
    }

    private static string Shared(Dictionary<string, string> strings, string value)
    {
        ref var shared = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(strings, value, out _);
        return shared ??= value;
    }

    /// <summary>
    /// For each address, its names from every source (DNS answers; TLS, QUIC and HTTP names of connections to it),
    /// most seen first (then by name and source), at most <see cref="MaxNamesPerAddress"/>, and how many more.
    /// </summary>
    internal static Dictionary<string, (ValueList<AddressName> Names, int More)> NamesByAddress(
        IEnumerable<AddressNameEntry> pairs, IEnumerable<ServerAddressName>? serverNames = null)
    {
        var all = pairs.Select(p => (p.Address, Name: new AddressName(p.Name, NameSources.Dns), Count: p.Answers))
            .Concat((serverNames ?? []).Select(p => (p.Address, Name: new AddressName(p.Name, p.Source), p.Count)));
        var result = new Dictionary<string, (ValueList<AddressName>, int)>(StringComparer.Ordinal);
        foreach (var group in all.GroupBy(p => p.Address, StringComparer.Ordinal))
        {
            var ordered = group.OrderByDescending(p => p.Count).ThenBy(p => p.Name.Name, StringComparer.Ordinal)
                .ThenBy(p => p.Name.Source, StringComparer.Ordinal).ToList();
            result[group.Key] = (new ValueList<AddressName>(ordered.Take(MaxNamesPerAddress).Select(p => p.Name)),
                Math.Max(0, ordered.Count - MaxNamesPerAddress));
        }
        return result;
    }

    private static SourceIpEntry Enrich(SourceIpEntry e, Dictionary<string, (ValueList<AddressName> Names, int More)> names, GeoIpDatabases geoIp)
    {
        var (list, more) = names.TryGetValue(e.Address, out var n) ? n : (ValueList<AddressName>.Empty, 0);
        var geo = geoIp.Lookup(e.Address);
        return e with
        {
            AddressClass = AddressClasses.Of(e.Address),
            Names = list,
            MoreNames = more,
            Country = geo.Country,
            Asn = geo.Asn,
            AsOrg = geo.AsOrg,
        };
    }
}
