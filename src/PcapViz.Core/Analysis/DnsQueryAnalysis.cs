using System.Buffers.Binary;
using System.Runtime.InteropServices;
using PcapViz.Decoding;
using PcapViz.Model;

namespace PcapViz.Analysis;

/// <summary>
/// Counts the first question name of every DNS query (QR = 0) on UDP/TCP 53 (dns), UDP 5353 (mdns) and UDP 5355
/// (llmnr), with its query type; matches every response to its first question's name (response codes) and hands
/// its answers to <see cref="Responses"/>. Over TCP every complete length-prefixed message in the segment counts.
/// A name becomes a string only the first time it is counted.
/// </summary>
internal sealed class DnsQueryAnalysis(int maxDistinct = AnalysisOptions.DefaultMaxDistinct)
{
    private const ushort DnsPort = Ports.Dns;
    private const ushort MdnsPort = Ports.Mdns;
    private const ushort LlmnrPort = Ports.Llmnr;

    private readonly Dictionary<string, NameStats>[] _counts =
        [new(StringComparer.Ordinal), new(StringComparer.Ordinal), new(StringComparer.Ordinal)];
    // Scratch for one message at a time (an analysis is used by one thread): a stackalloc of these on every message
    // zeroed 4 KB per DNS packet, the largest single cost of the pass (bench/RESULTS.md, issue 22).
    private readonly char[] _name = new char[DnsNameWalker.MaxPresentationLength];
    private readonly DnsAnswerRecord[] _answers = new DnsAnswerRecord[DnsResponseParser.MaxAnswers];
    private long _otherQueries;
    private long _maxUndercount;
    private bool _exceeded;

    public int MaxDistinct { get; } = Math.Max(2, maxDistinct);

    /// <summary>Passive DNS and response totals from the responses this analysis reads.</summary>
    public DnsResponseAnalysis Responses { get; } = new(maxDistinct);

    /// <summary>DNS messages on a DNS port that could not be parsed.</summary>
    public long Malformed { get; private set; }

    public int DistinctCount => _counts[0].Count + _counts[1].Count + _counts[2].Count;

    /// <summary>Which DNS flavour a transport/port pair carries, or null.</summary>
    public static DnsProtocol? Classify(TransportProtocol transport, ushort sourcePort, ushort destinationPort)
    {
        if (transport == TransportProtocol.Udp)
        {
            if (destinationPort == DnsPort || sourcePort == DnsPort) return DnsProtocol.Dns;
            if (destinationPort == MdnsPort || sourcePort == MdnsPort) return DnsProtocol.Mdns;
            if (destinationPort == LlmnrPort || sourcePort == LlmnrPort) return DnsProtocol.Llmnr;
        }
        else if (transport == TransportProtocol.Tcp && (destinationPort == DnsPort || sourcePort == DnsPort))
        {
            return DnsProtocol.Dns;
        }
        return null;
    }

    /// <summary>
    /// One packet on its own, without reassembly (every complete length-prefixed message in a TCP segment).
    /// <see cref="CaptureAnalysis"/> reassembles TCP streams and IP fragments and calls
    /// <see cref="Observe(ReadOnlySpan{byte}, DnsProtocol, ReadOnlySpan{byte})"/> for each whole message instead.
    /// </summary>
    public void Observe(ref PacketView view)
    {
        if (view.Transport == TransportProtocol.None) return;
        if (Classify(view.Transport, view.SourcePort, view.DestinationPort) is not DnsProtocol protocol) return;
        Span<char> name = _name;
        if (view.Transport == TransportProtocol.Udp)
        {
            ObserveMessage(view.Payload, protocol, name, view.DestinationAddress);
            return;
        }
        var stream = view.Payload;
        while (stream.Length >= 2)
        {
            int length = BinaryPrimitives.ReadUInt16BigEndian(stream);
            if (stream.Length - 2 < length) break; // the rest of this message is in a later segment
            ObserveMessage(stream.Slice(2, length), protocol, name, view.DestinationAddress);
            stream = stream[(2 + length)..];
        }
    }

    /// <summary>
    /// One whole DNS message (a UDP payload, a message of a TCP stream, a reassembled datagram's payload): a query's
    /// first question (name and type), or a response (its code under its first question's name, its answers as
    /// address→name pairs). <paramref name="receiver"/> is the outermost destination address of the packet that
    /// carried it, or completed it when reassembled (the client, for a response); empty when unknown.
    /// </summary>
    public void Observe(ReadOnlySpan<byte> message, DnsProtocol protocol, ReadOnlySpan<byte> receiver)
    {
        if (message.IsEmpty) return;
        ObserveMessage(message, protocol, _name, receiver);
    }

    private void ObserveMessage(ReadOnlySpan<byte> message, DnsProtocol protocol, Span<char> name, ReadOnlySpan<byte> receiver)
    {
        if (message.IsEmpty) return;
        switch (DnsMessageParser.Parse(message, name, out int length))
        {
            case DnsParseStatus.Query:
                Add(protocol, name[..length], 1, DnsResponseParser.FirstQuestionType(message));
                break;
            case DnsParseStatus.Malformed:
                Malformed++;
                break;
            case DnsParseStatus.Response:
                ObserveResponse(message, protocol, name, receiver);
                break;
        }
    }

    private void ObserveResponse(ReadOnlySpan<byte> message, DnsProtocol protocol, Span<char> name, ReadOnlySpan<byte> receiver)
    {
        Span<DnsAnswerRecord> answers = _answers;
        if (DnsResponseParser.Parse(message, answers, out var info) != DnsResponseStatus.Response)
        {
            Responses.CountMalformed();
            return;
        }
        int length = 0;
        bool withQuestion = info.QuestionOffset >= 0 && DnsNameWalker.TryRead(message, info.QuestionOffset, name, out length);
        if (withQuestion) AddResponse(protocol, name[..length], (ushort)info.ResponseCode);
        Responses.CountResponse(info.ResponseCode, withQuestion, receiver);
        if (info.AnswerCount > 0) Responses.ObserveAnswers(message, answers[..info.AnswerCount], name);
    }

    private void Add(DnsProtocol protocol, ReadOnlySpan<char> name, long count, ushort type)
    {
        // One hash lookup; the name becomes a string only when it is added.
        var lookup = _counts[(int)protocol].GetAlternateLookup<ReadOnlySpan<char>>();
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(lookup, name, out bool exists);
        slot ??= new NameStats();
        slot.Queries += count;
        slot.AddType(type, count);
        if (!exists && DistinctCount > MaxDistinct) Prune();
    }

    private void AddResponse(DnsProtocol protocol, ReadOnlySpan<char> name, ushort code)
    {
        var lookup = _counts[(int)protocol].GetAlternateLookup<ReadOnlySpan<char>>();
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(lookup, name, out bool exists);
        slot ??= new NameStats();
        slot.AddCode(code, 1);
        if (!exists && DistinctCount > MaxDistinct) Prune();
    }

    private void Add(DnsProtocol protocol, string name, NameStats stats)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_counts[(int)protocol], name, out bool exists);
        slot ??= new NameStats();
        slot.AddAll(stats);
        if (!exists && DistinctCount > MaxDistinct) Prune();
    }

    /// <summary>Adds a finished result's entries (run totals over captures, some of them reused from a cache).</summary>
    public void Merge(DnsQueryResult result)
    {
        foreach (var entry in result.Entries)
        {
            var stats = new NameStats { Queries = entry.Queries };
            foreach (var t in entry.QueryTypes) stats.AddType(DnsCodes.ParseType(t.Name), t.Count);
            foreach (var c in entry.ResponseCodes) stats.AddCode((ushort)DnsCodes.ParseResponseCode(c.Name), c.Count);
            Add(entry.Protocol, entry.Name, stats);
        }
        _otherQueries += result.Limit.OtherPackets;
        _maxUndercount += result.Limit.MaxUndercount;
        _exceeded |= result.Limit.Exceeded;
    }

    public void Merge(DnsQueryAnalysis other)
    {
        for (int p = 0; p < _counts.Length; p++)
            foreach (var (name, stats) in other._counts[p]) Add((DnsProtocol)p, name, stats);
        _otherQueries += other._otherQueries;
        _maxUndercount += other._maxUndercount;
        _exceeded |= other._exceeded;
        Malformed += other.Malformed;
        Responses.Merge(other.Responses);
    }

    private void Prune()
    {
        _exceeded = true;
        // A name can be folded away in several folds and come back: its loss is the sum over folds.
        _maxUndercount += DistinctFold.FoldLighterHalf(Sorted(), MaxDistinct, static e => e.Stats.Queries, e =>
        {
            _otherQueries += e.Stats.Queries;
            _counts[(int)e.Protocol].Remove(e.Name);
        });
    }

    private List<(DnsProtocol Protocol, string Name, NameStats Stats)> Sorted()
    {
        var all = new List<(DnsProtocol, string, NameStats)>(DistinctCount);
        for (int p = 0; p < _counts.Length; p++)
            foreach (var (name, stats) in _counts[p]) all.Add(((DnsProtocol)p, name, stats));
        all.Sort(static (a, b) => b.Item3.Queries != a.Item3.Queries ? b.Item3.Queries.CompareTo(a.Item3.Queries)
            : string.CompareOrdinal(a.Item2, b.Item2) is var c && c != 0 ? c : a.Item1.CompareTo(b.Item1));
        return all;
    }

    /// <summary>Lets go of every counted name (once <see cref="ToResult"/> holds them); the responses' state stays.</summary>
    internal void ReleaseNames()
    {
        foreach (var table in _counts)
        {
            table.Clear();
            table.TrimExcess();
        }
    }

    public DnsQueryResult ToResult()
    {
        // Most names were asked one way and answered one way ({A: 1}, {NOERROR: 1}): such a tally is one shared list,
        // not a list per name (a capture of 200,000 names held 200,000 copies of the same two lists).
        var single = new Dictionary<(bool Code, ushort Key, long Count), ValueList<NamedCount>>();
        var entries = Sorted().Select(e => new DnsQueryEntry(e.Name, e.Protocol, e.Stats.Queries)
        {
            QueryTypes = Tally(e.Stats.Types, false, single),
            ResponseCodes = Tally(e.Stats.Codes, true, single),
        }).ToArray();
        return new DnsQueryResult(entries, new DistinctLimit(MaxDistinct, _exceeded, _otherQueries, 0, _maxUndercount));
    }

    private static string TallyName(bool code, ushort key) => code ? DnsCodes.ResponseCodeName(key) : DnsCodes.TypeName(key);

    private static ValueList<NamedCount> Tally(SmallTally? tally, bool code, Dictionary<(bool, ushort, long), ValueList<NamedCount>> single)
    {
        if (tally is null || tally.Count == 0) return ValueList<NamedCount>.Empty;
        if (tally.Count == 1)
        {
            var (key, count) = tally.Items().First();
            ref var shared = ref CollectionsMarshal.GetValueRefOrAddDefault(single, (code, key, count), out _);
            return shared ??= new ValueList<NamedCount>([new NamedCount(TallyName(code, key), count)]);
        }
        Func<ushort, string> name = key => TallyName(code, key);
        var list = tally.Items().Select(i => new NamedCount(name(i.Key), i.Count)).ToList();
        list.Sort(static (a, b) => b.Count != a.Count ? b.Count.CompareTo(a.Count) : string.CompareOrdinal(a.Name, b.Name));
        return new ValueList<NamedCount>(list);
    }
}
