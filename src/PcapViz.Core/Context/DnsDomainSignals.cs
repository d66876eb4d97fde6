using PcapViz.Model;

namespace PcapViz.Context;

/// <summary>
/// Groups query names by registered domain and decides each domain's signals. Every threshold is a named constant
/// here and explained in docs/analysis.md ("Signals"). Signals are not computed for local-scope domains
/// (<see cref="RegisteredDomains.IsLocalScope"/>): their names never reach the public DNS.
/// </summary>
public static class DnsDomainSignals
{
    /// <summary>many-distinct-names: at least this many distinct names under the domain …</summary>
    internal const int ManyNamesMin = 100;
    /// <summary>… and at least this share of its queries each asked a name of its own (distinct names / queries).</summary>
    internal const double ManyNamesPerQueryMin = 0.5;
    /// <summary>long-labels: a label (left of the registered domain) of at least this many octets …</summary>
    internal const int LongLabelOctets = 40;
    /// <summary>… in at least this many distinct names.</summary>
    internal const int LongLabelNamesMin = 3;
    /// <summary>high-entropy: the part left of the registered domain is measured when it has at least this many characters (dots not counted) …</summary>
    internal const int EntropyMinLength = 24;
    /// <summary>… in at least this many distinct names …</summary>
    internal const int EntropyNamesMin = 10;
    /// <summary>… and their mean Shannon entropy is at least this many bits per character.</summary>
    internal const double EntropyBitsMin = 4.0;
    /// <summary>txt-heavy: at least this many TXT or NULL queries …</summary>
    internal const int TxtQueriesMin = 10;
    /// <summary>… making at least this share of the domain's queries.</summary>
    internal const double TxtShareMin = 0.5;
    /// <summary>nxdomain-heavy: at least this many responses …</summary>
    internal const int NxResponsesMin = 10;
    /// <summary>… of which at least this share said NXDOMAIN.</summary>
    internal const double NxShareMin = 0.5;

    /// <summary>The registered domains of <paramref name="entries"/> (which carry their registered domain), most queried first.</summary>
    internal static IReadOnlyList<DnsDomainEntry> Build(IReadOnlyList<DnsQueryEntry> entries)
    {
        var groups = new Dictionary<string, Accumulator>(StringComparer.Ordinal);
        // A name has one registered domain, so a name seen before (over another protocol) was seen under this one:
        // one set for all, sized once, instead of a set per domain grown by doubling (a tunnel's 200,000 names).
        var names = new HashSet<string>(entries.Count, StringComparer.Ordinal);
        foreach (var e in entries)
        {
            if (!groups.TryGetValue(e.RegisteredDomain, out var acc)) groups[e.RegisteredDomain] = acc = new Accumulator(e.RegisteredDomain);
            acc.Add(e, names.Add(e.Name));
        }
        var list = groups.Values.Select(a => a.ToEntry()).ToList();
        list.Sort(static (a, b) => b.Queries != a.Queries ? b.Queries.CompareTo(a.Queries) : string.CompareOrdinal(a.Domain, b.Domain));
        return list;
    }

    /// <summary>The domains with at least one signal, strongest first (most signals, then most distinct names, queries, name).</summary>
    public static IReadOnlyList<DnsDomainEntry> WithSignals(IEnumerable<DnsDomainEntry> domains)
    {
        var list = domains.Where(d => d.Signals.Count > 0).ToList();
        list.Sort(static (a, b) => b.Signals.Count != a.Signals.Count ? b.Signals.Count.CompareTo(a.Signals.Count)
            : b.DistinctNames != a.DistinctNames ? b.DistinctNames.CompareTo(a.DistinctNames)
            : b.Queries != a.Queries ? b.Queries.CompareTo(a.Queries) : string.CompareOrdinal(a.Domain, b.Domain));
        return list;
    }

    /// <summary>Shannon entropy in bits per character of <paramref name="text"/>, dots left out.</summary>
    internal static double Entropy(ReadOnlySpan<char> text, out int length)
    {
        Span<int> counts = stackalloc int[128];
        Dictionary<char, int>? other = null; // only for names with characters beyond ASCII
        length = 0;
        foreach (char c in text)
        {
            if (c == '.') continue;
            length++;
            if (c < 128) counts[c]++;
            else
            {
                other ??= [];
                other[c] = other.GetValueOrDefault(c) + 1;
            }
        }
        if (length == 0) return 0;
        double h = 0;
        foreach (int n in counts)
            if (n > 0) h -= n / (double)length * Math.Log2(n / (double)length);
        if (other is not null)
            foreach (int n in other.Values) h -= n / (double)length * Math.Log2(n / (double)length);
        return h;
    }

    /// <summary>Octets of the longest label of <paramref name="part"/> (presentation form: \DDD is one octet).</summary>
    internal static int LongestLabel(ReadOnlySpan<char> part)
    {
        int best = 0, current = 0;
        for (int i = 0; i < part.Length; i++)
        {
            if (part[i] == '.')
            {
                best = Math.Max(best, current);
                current = 0;
                continue;
            }
            if (part[i] == '\\' && i + 3 < part.Length + 0 && char.IsAsciiDigit(part[i + 1])) i += 3;
            current++;
        }
        return Math.Max(best, current);
    }

    private sealed class Accumulator(string domain)
    {
        private long _queries, _responses, _nx, _txt;
        private int _names, _maxLabel, _longLabelNames, _measured;
        private double _entropySum;

        /// <summary>Adds an entry; <paramref name="newName"/>: its name was not seen before (over another protocol).</summary>
        public void Add(DnsQueryEntry e, bool newName)
        {
            _queries += e.Queries;
            foreach (var c in e.ResponseCodes)
            {
                _responses += c.Count;
                if (c.Name == "NXDOMAIN") _nx += c.Count;
            }
            foreach (var t in e.QueryTypes)
                if (t.Name is "TXT" or "NULL") _txt += t.Count;
            if (!newName) return; // the same name over another protocol: measured once
            _names++;
            var part = Subdomain(e.Name);
            int longest = LongestLabel(part);
            _maxLabel = Math.Max(_maxLabel, longest);
            if (longest >= LongLabelOctets) _longLabelNames++;
            double h = Entropy(part, out int length);
            if (length >= EntropyMinLength)
            {
                _measured++;
                _entropySum += h;
            }
        }

        private ReadOnlySpan<char> Subdomain(string name) =>
            name.Length > domain.Length && name.EndsWith(domain, StringComparison.Ordinal) && name[name.Length - domain.Length - 1] == '.'
                ? name.AsSpan(0, name.Length - domain.Length - 1) : [];

        public DnsDomainEntry ToEntry()
        {
            double meanEntropy = _measured == 0 ? 0 : Math.Round(_entropySum / _measured, 3, MidpointRounding.AwayFromZero);
            var signals = new List<string>();
            if (!RegisteredDomains.IsLocalScope(domain))
            {
                if (_names >= ManyNamesMin && (_queries == 0 || _names >= ManyNamesPerQueryMin * _queries))
                    signals.Add(DnsSignals.ManyDistinctNames);
                if (_longLabelNames >= LongLabelNamesMin) signals.Add(DnsSignals.LongLabels);
                if (_measured >= EntropyNamesMin && meanEntropy >= EntropyBitsMin) signals.Add(DnsSignals.HighEntropy);
                if (_txt >= TxtQueriesMin && _txt >= TxtShareMin * _queries) signals.Add(DnsSignals.TxtHeavy);
                if (_responses >= NxResponsesMin && DnsShares.Nxdomain(_nx, _responses) >= NxShareMin) signals.Add(DnsSignals.NxDomainHeavy);
            }
            return new DnsDomainEntry(domain, _queries, _names, _responses, _nx, _txt, _maxLabel, _longLabelNames,
                meanEntropy, new ValueList<string>(signals));
        }
    }
}
