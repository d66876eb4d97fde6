using PcapViz.Model;

namespace PcapViz.History;

/// <summary>
/// The indicators of one capture that the history and the watchlists look at, with their counts: every source address
/// (packets), every query name (queries, summed over DNS, mDNS and LLMNR), every registered domain (queries), every
/// server name (TLS and QUIC ClientHellos and HTTP requests naming it, summed over the three sources) and every JA4
/// client fingerprint (ClientHellos). Each also carries its volume, what its baseline measures
/// (<see cref="IndicatorVolumes.Unit"/>): IP bytes for addresses, queries for names and domains, requests for server
/// names and fingerprints. Sorted by kind, then value (ordinal), so everything built from them is deterministic.
/// </summary>
internal static class Indicators
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
        var application = details.Application;
        foreach (var (name, count) in Summed(application.ServerNames.Select(e => (ServerName(e.ServerName), e.Count))))
            result.Add((IndicatorKind.ServerName, name, count, count));
        foreach (var (ja4, hellos) in Summed(application.TlsClients.Select(e => (e.Ja4, e.Hellos))))
            result.Add((IndicatorKind.Ja4, ja4, hellos, hellos));
        result.Sort((a, b) => a.Item1 != b.Item1 ? a.Item1.CompareTo(b.Item1) : string.CompareOrdinal(a.Item2, b.Item2));
        return result;
    }

    /// <summary>The JA3 fingerprints of a capture with their ClientHellos (watchlists match them; the history does not record them).</summary>
    public static IReadOnlyList<(string Ja3, long Hellos)> Ja3Of(CaptureResult capture)
    {
        ArgumentNullException.ThrowIfNull(capture);
        return [.. Summed(capture.Details.Application.TlsClients.Select(e => (e.Ja3, e.Hellos))).OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => (e.Key, e.Value))];
    }

    /// <summary>A server name as the history and watchlists compare it: ASCII letters lower-cased, without a trailing dot
    /// (the analyses keep TLS, QUIC and HTTP names as sent). Anything else is kept as it is, and escaped where shown.</summary>
    public static string ServerName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string n = name.Length > 1 && name.EndsWith('.') ? name[..^1] : name;
        return string.Create(n.Length, n, static (span, text) =>
        {
            for (int i = 0; i < text.Length; i++) span[i] = char.IsAsciiLetterUpper(text[i]) ? (char)(text[i] + 32) : text[i];
        });
    }

    /// <summary>Each non-empty value once, with its counts summed (a name seen over TLS and HTTP, a JA4 under two JA3s).</summary>
    private static Dictionary<string, long> Summed(IEnumerable<(string Value, long Count)> items)
    {
        var sums = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (value, count) in items)
            if (value.Length > 0) sums[value] = sums.GetValueOrDefault(value) + count;
        return sums;
    }
}
