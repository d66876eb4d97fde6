using PcapViz.Model;

namespace PcapViz.History;

/// <summary>
/// The indicators of one capture that the history and the watchlists look at, with their counts: every source address
/// (packets), every query name (queries, summed over DNS, mDNS and LLMNR) and every registered domain (queries).
/// Each also carries its volume, what its baseline measures (<see cref="IndicatorVolumes.Unit"/>): IP bytes for
/// addresses, queries for names and domains. Sorted by kind, then value (ordinal), so everything built from them is
/// deterministic.
/// </summary>
public static class Indicators
{
    public static IReadOnlyList<(IndicatorKind Kind, string Value, long Count, long Volume)> Of(CaptureResult capture)
    {
        ArgumentNullException.ThrowIfNull(capture);
        var details = capture.Details; // read back once when the capture is spilled
        var result = new List<(IndicatorKind, string, long, long)>(details.SourceIps.Entries.Count + details.DnsQueries.Entries.Count + details.Context.Domains.Count);
        foreach (var e in details.SourceIps.Entries) result.Add((IndicatorKind.Address, e.Address, e.Packets, e.IpBytes));
        var names = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var e in details.DnsQueries.Entries)
            names[e.Name] = names.GetValueOrDefault(e.Name) + e.Queries;
        foreach (var (name, count) in names) result.Add((IndicatorKind.Name, name, count, count));
        // Registered domains as the capture's context groups its query names (eTLD+1 by the Public Suffix List the run used).
        foreach (var d in details.Context.Domains) result.Add((IndicatorKind.Domain, d.Domain, d.Queries, d.Queries));
        result.Sort((a, b) => a.Item1 != b.Item1 ? a.Item1.CompareTo(b.Item1) : string.CompareOrdinal(a.Item2, b.Item2));
        return result;
    }
}
