using System.Buffers.Binary;
using System.Runtime.InteropServices;
using PcapViz.Decoding;
using PcapViz.Model;

namespace PcapViz.Analysis;

/// <summary>
/// Counts the first question name of every DNS query (QR = 0) on UDP/TCP 53 (dns), UDP 5353 (mdns) and UDP 5355
/// (llmnr). Over TCP every complete length-prefixed message in the segment counts. A name becomes a string only
/// the first time it is counted.
/// </summary>
public sealed class DnsQueryAnalysis(int maxDistinct = AnalysisOptions.DefaultMaxDistinct)
{
    private const ushort DnsPort = Ports.Dns;
    private const ushort MdnsPort = Ports.Mdns;
    private const ushort LlmnrPort = Ports.Llmnr;

    private readonly Dictionary<string, long>[] _counts =
        [new(StringComparer.Ordinal), new(StringComparer.Ordinal), new(StringComparer.Ordinal)];
    private long _otherQueries;
    private long _maxUndercount;
    private bool _exceeded;

    public int MaxDistinct { get; } = Math.Max(2, maxDistinct);

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
    /// <see cref="Observe(ReadOnlySpan{byte}, DnsProtocol)"/> for each whole message instead.
    /// </summary>
    public void Observe(ref PacketView view)
    {
        if (view.Transport == TransportProtocol.None) return;
        if (Classify(view.Transport, view.SourcePort, view.DestinationPort) is not DnsProtocol protocol) return;
        Span<char> name = stackalloc char[DnsMessageParser.MaxPresentationLength];
        if (view.Transport == TransportProtocol.Udp)
        {
            ObserveMessage(view.Payload, protocol, name);
            return;
        }
        var stream = view.Payload;
        while (stream.Length >= 2)
        {
            int length = BinaryPrimitives.ReadUInt16BigEndian(stream);
            if (stream.Length - 2 < length) break; // the rest of this message is in a later segment
            ObserveMessage(stream.Slice(2, length), protocol, name);
            stream = stream[(2 + length)..];
        }
    }

    /// <summary>One whole DNS message (a UDP payload, a message of a TCP stream, a reassembled datagram's payload).</summary>
    public void Observe(ReadOnlySpan<byte> message, DnsProtocol protocol)
    {
        if (message.IsEmpty) return;
        Span<char> name = stackalloc char[DnsMessageParser.MaxPresentationLength];
        ObserveMessage(message, protocol, name);
    }

    private void ObserveMessage(ReadOnlySpan<byte> message, DnsProtocol protocol, Span<char> name)
    {
        if (message.IsEmpty) return;
        switch (DnsMessageParser.Parse(message, name, out int length))
        {
            case DnsParseStatus.Query:
                Add(protocol, name[..length], 1);
                break;
            case DnsParseStatus.Malformed:
                Malformed++;
                break;
        }
    }

    private void Add(DnsProtocol protocol, ReadOnlySpan<char> name, long count)
    {
        // One hash lookup; the name becomes a string only when it is added.
        var lookup = _counts[(int)protocol].GetAlternateLookup<ReadOnlySpan<char>>();
        ref long slot = ref CollectionsMarshal.GetValueRefOrAddDefault(lookup, name, out bool exists);
        slot += count;
        if (!exists && DistinctCount > MaxDistinct) Prune();
    }

    private void Add(DnsProtocol protocol, string name, long count)
    {
        ref long slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_counts[(int)protocol], name, out bool exists);
        slot += count;
        if (!exists && DistinctCount > MaxDistinct) Prune();
    }

    /// <summary>Adds a finished result's entries (run totals over captures, some of them reused from a cache).</summary>
    public void Merge(DnsQueryResult result)
    {
        foreach (var entry in result.Entries) Add(entry.Protocol, entry.Name, entry.Queries);
        _otherQueries += result.Limit.OtherPackets;
        _maxUndercount += result.Limit.MaxUndercount;
        _exceeded |= result.Limit.Exceeded;
    }

    public void Merge(DnsQueryAnalysis other)
    {
        for (int p = 0; p < _counts.Length; p++)
            foreach (var (name, count) in other._counts[p]) Add((DnsProtocol)p, name, count);
        _otherQueries += other._otherQueries;
        _maxUndercount += other._maxUndercount;
        _exceeded |= other._exceeded;
        Malformed += other.Malformed;
    }

    private void Prune()
    {
        _exceeded = true;
        var all = Sorted();
        long dropped = 0;
        for (int i = MaxDistinct / 2; i < all.Count; i++)
        {
            var (protocol, name, count) = all[i];
            _otherQueries += count;
            dropped = Math.Max(dropped, count);
            _counts[(int)protocol].Remove(name);
        }
        // A name can be folded away in several folds and come back: its loss is the sum over folds.
        _maxUndercount += dropped;
    }

    private List<(DnsProtocol Protocol, string Name, long Count)> Sorted()
    {
        var all = new List<(DnsProtocol, string, long)>(DistinctCount);
        for (int p = 0; p < _counts.Length; p++)
            foreach (var (name, count) in _counts[p]) all.Add(((DnsProtocol)p, name, count));
        all.Sort(static (a, b) => b.Item3 != a.Item3 ? b.Item3.CompareTo(a.Item3)
            : string.CompareOrdinal(a.Item2, b.Item2) is var c && c != 0 ? c : a.Item1.CompareTo(b.Item1));
        return all;
    }

    public DnsQueryResult ToResult()
    {
        var entries = Sorted().Select(e => new DnsQueryEntry(e.Name, e.Protocol, e.Count)).ToArray();
        return new DnsQueryResult(entries, new DistinctLimit(MaxDistinct, _exceeded, _otherQueries, 0, _maxUndercount));
    }
}
