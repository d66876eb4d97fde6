using PcapViz.Model;

namespace PcapViz.History;

/// <summary>
/// The indicators of one capture that the history and the watchlists look at, with their counts: every source address
/// (packets), every query name (queries, summed over DNS, mDNS and LLMNR) and every registered domain (queries).
/// Sorted by kind, then value (ordinal), so everything built from them is deterministic.
/// </summary>
public static class Indicators
{
    public static IReadOnlyList<(IndicatorKind Kind, string Value, long Count)> Of(CaptureResult capture)
    {
        ArgumentNullException.ThrowIfNull(capture);
        var result = new List<(IndicatorKind, string, long)>(capture.SourceIps.Entries.Count + capture.DnsQueries.Entries.Count);
        foreach (var e in capture.SourceIps.Entries) result.Add((IndicatorKind.Address, e.Address, e.Packets));
        var names = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var e in capture.DnsQueries.Entries)
            names[e.Name] = names.GetValueOrDefault(e.Name) + e.Queries;
        foreach (var (name, count) in names) result.Add((IndicatorKind.Name, name, count));
        foreach (var (domain, count) in RegisteredDomains(capture)) result.Add((IndicatorKind.Domain, domain, count));
        result.Sort((a, b) => a.Item1 != b.Item1 ? a.Item1.CompareTo(b.Item1) : string.CompareOrdinal(a.Item2, b.Item2));
        return result;
    }

    /// <summary>Registered domains with their queries. Empty until the analysis groups names by registered domain.</summary>
    private static IEnumerable<(string Domain, long Queries)> RegisteredDomains(CaptureResult capture)
    {
        _ = capture;
        return [];
    }
}
