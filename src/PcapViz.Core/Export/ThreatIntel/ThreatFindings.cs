using PcapViz.Model;

namespace PcapViz.Export;

/// <summary>
/// One indicator worth handing to a threat-intelligence platform, with every reason PcapViz has for it: the watchlist
/// entries it hit, whether it is new since the history began, the DNS signals of its registered domain. STIX and MISP
/// print the same findings (one view model, two printers).
/// </summary>
/// <param name="Kind">Address, query name (a host name), registered domain, server name (a host name), or a JA3/JA4 client fingerprint (watchlist hits only).</param>
/// <param name="Value">The indicator as PcapViz prints it (canonical address, presentation-form name): untrusted text from a capture.</param>
/// <param name="Hits">The watchlist entries it matched, in the order of <see cref="RunHistory.WatchlistHits"/>.</param>
/// <param name="IsNew">A registered domain never seen before (history news).</param>
/// <param name="Signals">DNS signal names (<see cref="DnsSignals"/>) in any capture, in their listed order.</param>
/// <param name="CaptureIds">The captures it was seen in (for a signal: the captures where the signal fired), sorted.</param>
/// <param name="Count">Packets (addresses), queries (names, domains) or requests (server names, fingerprints) over those captures; the largest of the counts its reasons give.</param>
/// <param name="FirstPacketEpochNanos">First packet of those captures (the finest time PcapViz keeps per indicator); null when none has one.</param>
/// <param name="LastPacketEpochNanos">Last packet of those captures.</param>
/// <param name="IsSource">For an address: it was a source address in the run (else it was only seen as a destination).</param>
internal sealed record ThreatFinding(
    IndicatorKind Kind, string Value, IReadOnlyList<WatchlistHit> Hits, bool IsNew, IReadOnlyList<string> Signals,
    IReadOnlyList<string> CaptureIds, long Count, long? FirstPacketEpochNanos, long? LastPacketEpochNanos, bool IsSource)
{
    public bool IsWatchlistHit => Hits.Count > 0;

    /// <summary>Why it is exported, in one line: "watchlist lists/ours.txt:2 evil.example (C2 domain); new since the history began; DNS signals: high-entropy".</summary>
    public string Reason(string newScope)
    {
        var parts = new List<string>();
        foreach (var h in Hits)
            parts.Add($"watchlist {h.List}:{h.Line.ToString(System.Globalization.CultureInfo.InvariantCulture)} {h.Entry}" + (h.Label.Length > 0 ? $" ({h.Label})" : ""));
        if (IsNew) parts.Add("new: " + newScope);
        if (Signals.Count > 0) parts.Add("DNS signals: " + string.Join(", ", Signals));
        return string.Join("; ", parts);
    }
}

/// <summary>The findings of a run, sorted (kind, then value, ordinal), and what could not be exported.</summary>
internal static class ThreatFindings
{
    /// <summary>
    /// Watchlist hits (addresses, names, domains), new registered domains (history news; none without --history) and
    /// registered domains with DNS signals in any capture. Reading the signals reads each capture's context (back from
    /// disk for a capture whose result waits there), once per export.
    /// </summary>
    public static IReadOnlyList<ThreatFinding> Build(RunResult run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var builders = new Dictionary<(IndicatorKind, string), Builder>();
        Builder Get(IndicatorKind kind, string value)
        {
            if (!builders.TryGetValue((kind, value), out var b)) builders[(kind, value)] = b = new Builder(kind, value);
            return b;
        }

        if (run.History is { } memory)
        {
            foreach (var hit in memory.WatchlistHits)
            {
                var b = Get(hit.Kind, hit.Value);
                b.Hits.Add(hit);
                b.Count = Math.Max(b.Count, hit.Count);
                foreach (var c in hit.Captures) b.Captures.Add(c.CaptureId);
            }
            foreach (var n in memory.NewDomains)
            {
                var b = Get(IndicatorKind.Domain, n.Value);
                b.IsNew = true;
                b.Count = Math.Max(b.Count, n.Count);
                foreach (var c in n.Captures) b.Captures.Add(c.CaptureId);
            }
        }

        var signalQueries = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var capture in run.Captures)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (capture.Status == CaptureStatus.Failed) continue;
            foreach (var d in capture.Context.Domains)
            {
                if (d.Signals.Count == 0) continue;
                var b = Get(IndicatorKind.Domain, d.Domain);
                foreach (string s in d.Signals) b.Signals.Add(s);
                b.Captures.Add(capture.Id);
                signalQueries[d.Domain] = signalQueries.GetValueOrDefault(d.Domain) + d.Queries;
            }
        }
        foreach (var (domain, queries) in signalQueries)
        {
            var b = builders[(IndicatorKind.Domain, domain)];
            b.Count = Math.Max(b.Count, queries);
        }

        var summaries = run.Captures.ToDictionary(c => c.Id, c => c.Summary, StringComparer.Ordinal);
        var sources = run.SourceIps.Entries.Select(e => e.Address).ToHashSet(StringComparer.Ordinal);
        return builders.Values
            .OrderBy(b => b.Kind).ThenBy(b => b.Value, StringComparer.Ordinal)
            .Select(b =>
            {
                var ids = b.Captures.Order(StringComparer.Ordinal).ToList();
                long? first = null, last = null;
                foreach (string id in ids)
                {
                    if (!summaries.TryGetValue(id, out var s)) continue;
                    if (s.FirstPacketEpochNanos is long f) first = first is null ? f : Math.Min(first.Value, f);
                    if (s.LastPacketEpochNanos is long l) last = last is null ? l : Math.Max(last.Value, l);
                }
                // Watchlist addresses are matched against source addresses; past --max-distinct the run totals may have
                // folded the address away, and it is still a source.
                bool isSource = b.Kind == IndicatorKind.Address && (sources.Contains(b.Value) || run.SourceIps.Limit.Exceeded);
                var signals = DnsSignals.All.Where(b.Signals.Contains).Concat(b.Signals.Where(s => !DnsSignals.IsKnown(s)).Order(StringComparer.Ordinal)).ToList();
                return new ThreatFinding(b.Kind, b.Value, b.Hits, b.IsNew, signals, ids, b.Count, first, last, isSource);
            })
            .ToList();
    }

    /// <summary>
    /// A host name both STIX (<c>domain-name</c>, format idn-hostname) and MISP (<c>domain</c>, <c>hostname</c>) accept:
    /// at most 253 characters, labels of 1 to 63 letters, digits and inner hyphens; <paramref name="allowUnderscore"/>
    /// also lets labels hold '_' (service names such as <c>_ldap._tcp</c>). Names with escaped bytes (<c>\DDD</c>) or the
    /// root never are.
    /// </summary>
    public static bool IsHostName(string value, bool allowUnderscore)
    {
        if (value.Length is 0 or > 253) return false;
        foreach (string label in value.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-') return false;
            foreach (char c in label)
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || (allowUnderscore && c == '_'))) return false;
        }
        return true;
    }

    private sealed class Builder(IndicatorKind kind, string value)
    {
        public IndicatorKind Kind { get; } = kind;
        public string Value { get; } = value;
        public List<WatchlistHit> Hits { get; } = [];
        public bool IsNew { get; set; }
        public HashSet<string> Signals { get; } = new(StringComparer.Ordinal);
        public HashSet<string> Captures { get; } = new(StringComparer.Ordinal);
        public long Count { get; set; }
    }
}
