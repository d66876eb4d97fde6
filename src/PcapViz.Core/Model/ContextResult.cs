using System.Collections;

namespace PcapViz.Model;

/// <summary>An immutable list compared by its items (so results holding lists compare by value).</summary>
public sealed class ValueList<T> : IReadOnlyList<T>, IEquatable<ValueList<T>>
{
    private readonly T[] _items;

    internal ValueList(IEnumerable<T> items) => _items = [.. items];

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000:Do not declare static members on generic types",
        Justification = "One shared empty instance per element type, read as ValueList<string>.Empty like ImmutableArray<T>.Empty; there is no type argument to infer.")]
    internal static ValueList<T> Empty { get; } = new([]);

    /// <summary>Number of items.</summary>
    public int Count => _items.Length;

    /// <summary>The item at <paramref name="index"/> (0-based).</summary>
    public T this[int index] => _items[index];

    /// <summary>The items in their order.</summary>
    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    /// <summary>True when <paramref name="other"/> holds equal items in the same order.</summary>
    public bool Equals(ValueList<T>? other) => other is not null && _items.AsSpan().SequenceEqual(other._items, EqualityComparer<T>.Default);

    /// <summary>True when <paramref name="obj"/> is a <see cref="ValueList{T}"/> with equal items in the same order.</summary>
    public override bool Equals(object? obj) => Equals(obj as ValueList<T>);

    /// <summary>A hash of the items in order, consistent with <see cref="Equals(ValueList{T})"/>.</summary>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in _items) hash.Add(item);
        return hash.ToHashCode();
    }

    /// <summary>The items as "[a, b, c]" (for messages and debugging).</summary>
    public override string ToString() => "[" + string.Join(", ", _items) + "]";
}

/// <summary>A count under a name (a DNS type such as <c>AAAA</c>, a response code such as <c>NXDOMAIN</c>).</summary>
public readonly record struct NamedCount(string Name, long Count);

/// <summary>One address→name pair of passive DNS: an A/AAAA answer (directly or through a CNAME chain) gave
/// <paramref name="Address"/> for <paramref name="Name"/> <paramref name="Answers"/> times.</summary>
public sealed record AddressNameEntry(string Address, int Version, string Name, long Answers);

/// <summary>Every address→name pair seen in responses, most answered first; bounded like the other analyses.</summary>
public sealed record AddressNameResult(IReadOnlyList<AddressNameEntry> Entries, DistinctLimit Limit)
{
    internal static AddressNameResult Empty(int maxDistinct) => new([], DistinctLimit.NotExceeded(maxDistinct));
}

/// <summary>DNS responses received by one address (the response's outermost destination), and how many said NXDOMAIN.</summary>
public sealed record DnsClientEntry(string Address, int Version, long Responses, long NxDomain)
{
    /// <summary>NXDOMAIN among the responses this address received (<see cref="DnsShares.Nxdomain"/>).</summary>
    public double? NxDomainShare => DnsShares.Nxdomain(NxDomain, Responses);
}

/// <summary>Every address that received DNS responses, with its NXDOMAIN count; bounded like the other analyses.</summary>
/// <param name="Entries">The receiving addresses kept.</param>
/// <param name="Limit">What <c>--max-distinct</c> folded into "other", if anything.</param>
public sealed record DnsClientResult(IReadOnlyList<DnsClientEntry> Entries, DistinctLimit Limit)
{
    internal static DnsClientResult Empty(int maxDistinct) => new([], DistinctLimit.NotExceeded(maxDistinct));
}

/// <summary>Every DNS/mDNS/LLMNR response of a capture.</summary>
/// <param name="Responses">Responses read (header, questions and answer section valid).</param>
/// <param name="WithQuestion">Of those, responses carrying a question (matched to a query name).</param>
/// <param name="Malformed">Responses that could not be read (not counted anywhere else).</param>
/// <param name="ResponseCodes">Responses with a question, by response code (most first).</param>
public sealed record DnsResponseTotals(long Responses, long WithQuestion, long Malformed, ValueList<NamedCount> ResponseCodes)
{
    internal static DnsResponseTotals Empty { get; } = new(0, 0, 0, ValueList<NamedCount>.Empty);

    /// <summary>Responses with a question whose response code is NXDOMAIN (3: the name does not exist).</summary>
    public long NxDomain => ResponseCodes.Where(c => c.Name == "NXDOMAIN").Sum(c => c.Count);

    /// <summary>NXDOMAIN among the responses with a question (<see cref="DnsShares.Nxdomain"/>); null when there is none.</summary>
    public double? NxDomainShare => DnsShares.Nxdomain(NxDomain, WithQuestion);
}

/// <summary>Query names grouped by registered domain, with the measures behind each signal.</summary>
/// <param name="Domain">The registered domain (eTLD+1, see docs/analysis.md for names without one).</param>
/// <param name="Queries">Queries of every name under it.</param>
/// <param name="DistinctNames">Distinct query names under it (over all protocols).</param>
/// <param name="Responses">Responses matched to those names.</param>
/// <param name="NxDomain">Of those, NXDOMAIN.</param>
/// <param name="TxtNullQueries">Queries of type TXT or NULL.</param>
/// <param name="MaxLabelLength">Longest label (octets) left of the registered domain.</param>
/// <param name="LongLabelNames">Distinct names with a label of at least the long-label threshold.</param>
/// <param name="MeanEntropy">Mean Shannon entropy (bits per character) of the part left of the registered domain, over names where that part is long enough to measure (0 when none is).</param>
/// <param name="Signals">Signal names (<see cref="DnsSignals"/>), strongest first.</param>
public sealed record DnsDomainEntry(
    string Domain, long Queries, int DistinctNames, long Responses, long NxDomain, long TxtNullQueries,
    int MaxLabelLength, int LongLabelNames, double MeanEntropy, ValueList<string> Signals)
{
    /// <summary>NXDOMAIN among the responses to names under this domain (<see cref="DnsShares.Nxdomain"/>).</summary>
    public double? NxDomainShare => DnsShares.Nxdomain(NxDomain, Responses);
}

/// <summary>Which shipped and user data the context was computed with (so a report says what it relied on).</summary>
/// <param name="PublicSuffixList">Version of the Public Suffix List used for registered domains.</param>
/// <param name="AddressRegistry">Version (date) of the IANA special-purpose registries used for address classes.</param>
/// <param name="GeoIp">One description per --geoip database (type and build date), empty without.</param>
public sealed record ContextFacts(string PublicSuffixList, string AddressRegistry, ValueList<string> GeoIp)
{
    internal static ContextFacts None { get; } = new("", "", ValueList<string>.Empty);
}

/// <summary>What stands behind the counts: passive DNS, how lookups ended, registered domains with signals.</summary>
public sealed record ContextResult(
    DnsResponseTotals Responses,
    AddressNameResult Answers,
    DnsClientResult Clients,
    IReadOnlyList<DnsDomainEntry> Domains,
    ContextFacts Facts)
{
    internal static ContextResult Empty { get; } = new(DnsResponseTotals.Empty, AddressNameResult.Empty(AnalysisSettings.DefaultMaxDistinct),
        DnsClientResult.Empty(AnalysisSettings.DefaultMaxDistinct), [], ContextFacts.None);

    /// <summary>Entries held (answers, clients, domains): what the memory taken grows with.</summary>
    internal long Weight => Answers.Entries.Count + Clients.Entries.Count + Domains.Count;
}

/// <summary>The one spelling of each signal, with its plain-words explanation.</summary>
public static class DnsSignals
{
    /// <summary>Many different names under the domain, most looked up once (as DNS tunnelling makes).</summary>
    public const string ManyDistinctNames = "many-distinct-names";
    /// <summary>Names under the domain with very long labels, as encoded data has.</summary>
    public const string LongLabels = "long-labels";
    /// <summary>The parts in front of the domain look random (high character entropy).</summary>
    public const string HighEntropy = "high-entropy";
    /// <summary>Most queries ask for TXT or NULL records, which carry arbitrary data.</summary>
    public const string TxtHeavy = "txt-heavy";
    /// <summary>Most answers were NXDOMAIN, as for algorithmically generated names (DGA) or probing.</summary>
    public const string NxDomainHeavy = "nxdomain-heavy";

    /// <summary>Every signal in the order they are listed.</summary>
    internal static IReadOnlyList<string> All { get; } = [ManyDistinctNames, LongLabels, HighEntropy, TxtHeavy, NxDomainHeavy];

    /// <summary>What <paramref name="signal"/> means, in plain words for pages and PDFs; an unknown signal comes back as it is.</summary>
    public static string Explain(string signal) => signal switch
    {
        ManyDistinctNames => "many different names were looked up under this one domain, most of them once: data can be smuggled out inside names (DNS tunnelling)",
        LongLabels => "names under it carry very long labels, as encoded data does; ordinary host names are short words",
        HighEntropy => "the parts in front of the domain look random (high character entropy), like encoded data or machine-generated names",
        TxtHeavy => "most lookups ask for TXT or NULL records, which carry arbitrary data back: typical of tunnels, rare for browsing",
        NxDomainHeavy => "most answers said the name does not exist (NXDOMAIN): typical of algorithmically generated names (DGA) or of probing",
        _ => signal,
    };

    internal static bool IsKnown(string signal) => All.Contains(signal);
}
