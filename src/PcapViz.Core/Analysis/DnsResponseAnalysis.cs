using System.Runtime.InteropServices;
using PcapViz.Decoding;
using PcapViz.Model;

namespace PcapViz.Analysis;

/// <summary>
/// What DNS/mDNS/LLMNR responses tell beyond the query names: address→name pairs from A/AAAA answers (and the
/// CNAME chains leading to them), responses and NXDOMAIN per receiving address, and response totals. Each table
/// is bounded by <c>maxDistinct</c> keys and folds its lightest half like the other analyses.
/// </summary>
public sealed class DnsResponseAnalysis(int maxDistinct = AnalysisOptions.DefaultMaxDistinct)
{
    /// <summary>Names taken from one address record's CNAME chain, its owner included (a longer chain is cut).</summary>
    internal const int MaxCnameDepth = 16;

    // name -> addresses it was answered with; the name is a string only from its first pair on.
    private readonly Dictionary<string, List<(AddressKey Address, long Answers)>> _answers = new(StringComparer.Ordinal);
    private readonly Dictionary<AddressKey, (long Responses, long NxDomain)> _clients = [];
    private readonly long[] _codes = new long[16];
    private long _responses, _withQuestion, _malformed;
    private int _pairs;
    private long _otherAnswers, _answersUndercount, _otherClientResponses, _clientsUndercount;
    private bool _answersExceeded, _clientsExceeded;

    internal int MaxDistinct { get; } = Math.Max(2, maxDistinct);

    internal long Malformed => _malformed;

    internal void CountMalformed() => _malformed++;

    /// <summary>Counts a read response: its code (when it has a question) and the address it was sent to.</summary>
    internal void CountResponse(int responseCode, bool withQuestion, ReadOnlySpan<byte> clientAddress)
    {
        _responses++;
        if (!withQuestion) return;
        _withQuestion++;
        _codes[responseCode & 0x0F]++;
        if (AddressKey.TryFrom(clientAddress, out var key))
            AddClient(key, 1, responseCode == DnsCodes.NxDomain ? 1 : 0);
    }

    /// <summary>Adds the pairs of one response's answer section.</summary>
    internal void ObserveAnswers(ReadOnlySpan<byte> message, ReadOnlySpan<DnsAnswerRecord> answers, Span<char> name)
    {
        Span<bool> used = stackalloc bool[answers.Length];
        Span<int> chain = stackalloc int[MaxCnameDepth + 1];
        Span<int> visited = stackalloc int[MaxCnameDepth + 1];
        for (int i = 0; i < answers.Length; i++)
        {
            var record = answers[i];
            int size = record.Type == DnsCodes.TypeA ? 4 : record.Type == DnsCodes.TypeAaaa ? 16 : 0;
            if (size == 0 || record.DataLength != size) continue;
            if (!AddressKey.TryFrom(message.Slice(record.DataOffset, size), out var address)) continue;
            // The owner, then every CNAME whose target is a name already on the chain (each record and each name once).
            used.Clear();
            int depth = 0, seen = 0;
            chain[depth++] = record.OwnerOffset;
            visited[seen++] = record.OwnerOffset;
            while (depth > 0)
            {
                int owner = chain[--depth];
                if (DnsNameWalker.TryRead(message, owner, name, out int length)) AddPair(name[..length], address);
                for (int c = 0; c < answers.Length && seen < visited.Length; c++)
                {
                    if (used[c] || answers[c].Type != DnsCodes.TypeCname) continue;
                    if (!DnsResponseParser.NamesEqual(message, answers[c].DataOffset, owner)) continue;
                    used[c] = true;
                    if (IsVisited(message, visited[..seen], answers[c].OwnerOffset)) continue;
                    visited[seen++] = answers[c].OwnerOffset;
                    chain[depth++] = answers[c].OwnerOffset;
                }
            }
        }
    }

    private static bool IsVisited(ReadOnlySpan<byte> message, ReadOnlySpan<int> visited, int owner)
    {
        foreach (int v in visited)
            if (DnsResponseParser.NamesEqual(message, v, owner)) return true;
        return false;
    }

    private void AddPair(ReadOnlySpan<char> name, AddressKey address)
    {
        var lookup = _answers.GetAlternateLookup<ReadOnlySpan<char>>();
        ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(lookup, name, out _);
        list ??= new List<(AddressKey, long)>(1);
        AddPair(list, address, 1);
    }

    private void AddPair(string name, AddressKey address, long answers)
    {
        ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(_answers, name, out _);
        list ??= new List<(AddressKey, long)>(1);
        AddPair(list, address, answers);
    }

    private void AddPair(List<(AddressKey Address, long Answers)> list, AddressKey address, long answers)
    {
        var span = CollectionsMarshal.AsSpan(list);
        for (int i = 0; i < span.Length; i++)
        {
            if (span[i].Address == address)
            {
                span[i].Answers += answers;
                return;
            }
        }
        list.Add((address, answers));
        if (++_pairs > MaxDistinct) PruneAnswers();
    }

    private void AddClient(AddressKey key, long responses, long nxDomain)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_clients, key, out bool exists);
        slot = (slot.Responses + responses, slot.NxDomain + nxDomain);
        if (!exists && _clients.Count > MaxDistinct) PruneClients();
    }

    internal void Merge(DnsResponseAnalysis other)
    {
        foreach (var (name, list) in other._answers)
            foreach (var (address, answers) in list) AddPair(name, address, answers);
        foreach (var (key, value) in other._clients) AddClient(key, value.Responses, value.NxDomain);
        for (int i = 0; i < _codes.Length; i++) _codes[i] += other._codes[i];
        _responses += other._responses;
        _withQuestion += other._withQuestion;
        _malformed += other._malformed;
        _otherAnswers += other._otherAnswers;
        _answersUndercount += other._answersUndercount;
        _answersExceeded |= other._answersExceeded;
        _otherClientResponses += other._otherClientResponses;
        _clientsUndercount += other._clientsUndercount;
        _clientsExceeded |= other._clientsExceeded;
    }

    /// <summary>Adds a finished result (run totals over captures, some of them reused from a cache).</summary>
    internal void Merge(ContextResult result)
    {
        foreach (var e in result.Answers.Entries) AddPair(e.Name, AddressKey.Parse(e.Address), e.Answers);
        foreach (var e in result.Clients.Entries) AddClient(AddressKey.Parse(e.Address), e.Responses, e.NxDomain);
        foreach (var c in result.Responses.ResponseCodes) _codes[DnsCodes.ParseResponseCode(c.Name)] += c.Count;
        _responses += result.Responses.Responses;
        _withQuestion += result.Responses.WithQuestion;
        _malformed += result.Responses.Malformed;
        _otherAnswers += result.Answers.Limit.OtherPackets;
        _answersUndercount += result.Answers.Limit.MaxUndercount;
        _answersExceeded |= result.Answers.Limit.Exceeded;
        _otherClientResponses += result.Clients.Limit.OtherPackets;
        _clientsUndercount += result.Clients.Limit.MaxUndercount;
        _clientsExceeded |= result.Clients.Limit.Exceeded;
    }


    private List<(AddressKey Address, string Name, long Answers)> PairKeys()
    {
        var all = new List<(AddressKey, string, long)>(_pairs);
        foreach (var (name, list) in _answers)
            foreach (var (address, answers) in list) all.Add((address, name, answers));
        all.Sort(static (a, b) => b.Item3 != a.Item3 ? b.Item3.CompareTo(a.Item3)
            : a.Item1.CompareTo(b.Item1) is var c && c != 0 ? c : string.CompareOrdinal(a.Item2, b.Item2));
        return all;
    }

    private void PruneAnswers()
    {
        _answersExceeded = true;
        _answersUndercount += DistinctFold.FoldLighterHalf(PairKeys(), MaxDistinct, static e => e.Answers, e =>
        {
            _otherAnswers += e.Answers;
            var list = _answers[e.Name];
            list.RemoveAll(p => p.Address == e.Address);
            if (list.Count == 0) _answers.Remove(e.Name);
            _pairs--;
        });
    }

    private List<(AddressKey Key, long Responses, long NxDomain)> SortedClients()
    {
        var all = _clients.Select(c => (c.Key, c.Value.Responses, c.Value.NxDomain)).ToList();
        all.Sort(static (a, b) => b.NxDomain != a.NxDomain ? b.NxDomain.CompareTo(a.NxDomain)
            : b.Responses != a.Responses ? b.Responses.CompareTo(a.Responses) : a.Key.CompareTo(b.Key));
        return all;
    }

    private void PruneClients()
    {
        _clientsExceeded = true;
        _clientsUndercount += DistinctFold.FoldLighterHalf(SortedClients(), MaxDistinct, static e => e.Responses, e =>
        {
            _otherClientResponses += e.Responses;
            _clients.Remove(e.Key);
        });
    }

    /// <summary>The response totals, pairs and clients (domains and facts are added by <see cref="Context.ContextBuilder"/>).</summary>
    internal (DnsResponseTotals Totals, AddressNameResult Answers, DnsClientResult Clients) ToResult()
    {
        var codes = new List<NamedCount>();
        for (int i = 0; i < _codes.Length; i++)
            if (_codes[i] > 0) codes.Add(new NamedCount(DnsCodes.ResponseCodeName(i), _codes[i]));
        codes.Sort(static (a, b) => b.Count != a.Count ? b.Count.CompareTo(a.Count) : string.CompareOrdinal(a.Name, b.Name));
        var totals = new DnsResponseTotals(_responses, _withQuestion, _malformed, new ValueList<NamedCount>(codes));
        var pairs = PairKeys().Select(p => new AddressNameEntry(p.Address.ToString(), p.Address.Version, p.Name, p.Answers)).ToArray();
        var clients = SortedClients().Select(c => new DnsClientEntry(c.Key.ToString(), c.Key.Version, c.Responses, c.NxDomain)).ToArray();
        return (totals,
            new AddressNameResult(pairs, new DistinctLimit(MaxDistinct, _answersExceeded, _otherAnswers, 0, _answersUndercount)),
            new DnsClientResult(clients, new DistinctLimit(MaxDistinct, _clientsExceeded, _otherClientResponses, 0, _clientsUndercount)));
    }
}
