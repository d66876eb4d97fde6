using System.Buffers.Binary;
using System.Runtime.InteropServices;
using PcapViz.Decoding;
using PcapViz.Model;
using PcapViz.Protocols.Flows;

namespace PcapViz.Analysis;

/// <summary>
/// A bidirectional flow's key: the outermost IP header's addresses and transport ports in Community ID order (A
/// before B), protocol and IP version. Addresses are 16-byte values (IPv4 in the low 32 bits), so the key is a
/// fixed 40 bytes and a dictionary holds it without an object.
/// </summary>
internal readonly record struct FlowKey(ulong AHigh, ulong ALow, ulong BHigh, ulong BLow, ushort PortA, ushort PortB, byte Protocol, byte Version)
{
    /// <summary>The deterministic tie-break of every ordering of flows: version, A, B, ports, protocol.</summary>
    public static int Compare(in FlowKey x, in FlowKey y)
    {
        int c = x.Version.CompareTo(y.Version);
        if (c == 0) c = x.AHigh.CompareTo(y.AHigh);
        if (c == 0) c = x.ALow.CompareTo(y.ALow);
        if (c == 0) c = x.BHigh.CompareTo(y.BHigh);
        if (c == 0) c = x.BLow.CompareTo(y.BLow);
        if (c == 0) c = x.PortA.CompareTo(y.PortA);
        if (c == 0) c = x.PortB.CompareTo(y.PortB);
        if (c == 0) c = x.Protocol.CompareTo(y.Protocol);
        return c;
    }
}

/// <summary>What one flow counted: updated in place, one per key, no object.</summary>
internal struct FlowState
{
    public long PacketsAToB, IpBytesAToB, PacketsBToA, IpBytesBToA;
    public long First, Last;
    public TcpFlagsSeen Flags;
    // ICMP only: one packet's type and code and its direction, from which the Community ID is computed at the end
    // (every packet of an ICMP flow gives the same one).
    public byte IcmpType, IcmpCode;
    public bool IcmpFromA;

    public readonly long Packets => PacketsAToB + PacketsBToA;

    public void Add(in FlowState other)
    {
        PacketsAToB += other.PacketsAToB;
        IpBytesAToB += other.IpBytesAToB;
        PacketsBToA += other.PacketsBToA;
        IpBytesBToA += other.IpBytesBToA;
        First = Math.Min(First, other.First);
        Last = Math.Max(Last, other.Last);
        Flags |= other.Flags;
    }
}

/// <summary>
/// Bidirectional flows per transport 5-tuple of the outermost IP header (docs/analysis.md, "5. Conversations"): TCP,
/// UDP and SCTP by ports, ICMP and ICMPv6 by type and code paired as the Community ID specification pairs them, any
/// other protocol by number with ports 0. One flow per key for the whole capture: FIN and RST are recorded as seen,
/// a flow is never split (no idle timeout). The Community ID is computed once per flow, in <see cref="ToResult"/>.
/// Exact up to <c>maxDistinct</c> flows; past that the lightest half is folded into "other" (<see cref="DistinctLimit"/>).
/// </summary>
internal sealed class FlowAnalysis(int maxDistinct = AnalysisOptions.DefaultMaxDistinct)
{
    private readonly Dictionary<FlowKey, FlowState> _flows = [];
    private long _otherPackets;
    private long _otherBytes;
    private long _maxUndercount;
    private bool _exceeded;

    public int MaxDistinct { get; } = Math.Max(2, maxDistinct);

    public int DistinctCount => _flows.Count;

    public void Observe(ref PacketView view, long timestampNanos)
    {
        if (!view.OuterProtocolKnown) return;
        int length = view.IpVersion == 4 ? 4 : 16;
        var source = view.SourceAddress;
        var destination = view.DestinationAddress;
        if (source.Length != length || destination.Length != length) return;

        ulong sHigh = 0, sLow, dHigh = 0, dLow;
        if (length == 4)
        {
            sLow = BinaryPrimitives.ReadUInt32BigEndian(source);
            dLow = BinaryPrimitives.ReadUInt32BigEndian(destination);
        }
        else
        {
            sHigh = BinaryPrimitives.ReadUInt64BigEndian(source);
            sLow = BinaryPrimitives.ReadUInt64BigEndian(source[8..]);
            dHigh = BinaryPrimitives.ReadUInt64BigEndian(destination);
            dLow = BinaryPrimitives.ReadUInt64BigEndian(destination[8..]);
        }

        byte protocol = view.OuterProtocol;
        ushort sourcePort = 0, destinationPort = 0;
        bool oneWay = false, icmp = protocol is CommunityId.Icmp or CommunityId.IcmpV6;
        if (view.OuterPortsKnown)
        {
            sourcePort = view.OuterSourcePort;
            destinationPort = view.OuterDestinationPort;
            if (icmp)
            {
                int counterpart = CommunityId.IcmpCounterpartType(protocol, sourcePort);
                if (counterpart >= 0) destinationPort = (ushort)counterpart;
                else oneWay = true;
            }
        }

        // Community ID order: the smaller address first, or the smaller port when the addresses are equal.
        int order = sHigh != dHigh ? sHigh.CompareTo(dHigh) : sLow.CompareTo(dLow);
        bool swap = !oneWay && (order > 0 || (order == 0 && destinationPort < sourcePort));
        var key = swap
            ? new FlowKey(dHigh, dLow, sHigh, sLow, destinationPort, sourcePort, protocol, (byte)view.IpVersion)
            : new FlowKey(sHigh, sLow, dHigh, dLow, sourcePort, destinationPort, protocol, (byte)view.IpVersion);

        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_flows, key, out bool exists);
        if (!exists)
        {
            slot.First = timestampNanos;
            slot.Last = timestampNanos;
            if (icmp)
            {
                slot.IcmpType = (byte)view.OuterSourcePort;
                slot.IcmpCode = (byte)view.OuterDestinationPort;
                slot.IcmpFromA = !swap;
            }
        }
        else
        {
            if (timestampNanos < slot.First) slot.First = timestampNanos;
            if (timestampNanos > slot.Last) slot.Last = timestampNanos;
        }
        if (swap)
        {
            slot.PacketsBToA++;
            slot.IpBytesBToA += view.IpBytes;
        }
        else
        {
            slot.PacketsAToB++;
            slot.IpBytesAToB += view.IpBytes;
        }
        if (protocol == CommunityId.Tcp && view.OuterTcpFlags != 0) slot.Flags |= FlagsOf(view.OuterTcpFlags);
        if (!exists && _flows.Count > MaxDistinct) Prune();
    }

    private static TcpFlagsSeen FlagsOf(byte tcpFlags)
    {
        var seen = TcpFlagsSeen.None;
        if ((tcpFlags & TransportFields.TcpSyn) != 0)
            seen |= (tcpFlags & TransportFields.TcpAck) != 0 ? TcpFlagsSeen.SynAck : TcpFlagsSeen.Syn;
        if ((tcpFlags & TransportFields.TcpFin) != 0) seen |= TcpFlagsSeen.Fin;
        if ((tcpFlags & TransportFields.TcpRst) != 0) seen |= TcpFlagsSeen.Rst;
        return seen;
    }

    private void Add(in FlowKey key, in FlowState state)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_flows, key, out bool exists);
        if (exists) slot.Add(state);
        else slot = state;
        if (!exists && _flows.Count > MaxDistinct) Prune();
    }

    /// <summary>Adds everything <paramref name="other"/> counted. Associative and commutative up to pruning.</summary>
    public void Merge(FlowAnalysis other)
    {
        foreach (var (key, state) in other._flows) Add(key, state);
        _otherPackets += other._otherPackets;
        _otherBytes += other._otherBytes;
        _maxUndercount += other._maxUndercount;
        _exceeded |= other._exceeded;
    }

    /// <summary>Keeps the heaviest half (by packets), folds the rest into "other", remembers the largest count it dropped.</summary>
    /// <remarks>
    /// The same flows as sorting all of them by packets (then key) and dropping from index <c>MaxDistinct / 2</c>
    /// (<see cref="DistinctFold"/>), without sorting 100,000s of 96-byte entries: the packet count at that index is
    /// found by sorting the counts alone, and only the flows with exactly that count are sorted by key.
    /// </remarks>
    private void Prune()
    {
        _exceeded = true;
        int keep = MaxDistinct / 2;
        var counts = new long[_flows.Count];
        int n = 0;
        foreach (var state in _flows.Values) counts[n++] = state.Packets;
        Array.Sort(counts);
        Array.Reverse(counts);
        if (keep >= counts.Length) return;
        long threshold = counts[keep];
        int keptAbove = 0;
        for (int i = 0; i < counts.Length && counts[i] > threshold; i++) keptAbove++;

        var dropped = new List<KeyValuePair<FlowKey, FlowState>>(counts.Length - keep);
        var ties = new List<KeyValuePair<FlowKey, FlowState>>();
        foreach (var entry in _flows)
        {
            if (entry.Value.Packets < threshold) dropped.Add(entry);
            else if (entry.Value.Packets == threshold) ties.Add(entry);
        }
        ties.Sort(static (a, b) => FlowKey.Compare(a.Key, b.Key));
        dropped.AddRange(ties.Skip(keep - keptAbove));
        // A flow can be folded away in several folds and come back: its loss is the sum over folds.
        _maxUndercount += threshold;
        foreach (var (key, state) in dropped)
        {
            _otherPackets += state.Packets;
            _otherBytes += state.IpBytesAToB + state.IpBytesBToA;
            _flows.Remove(key);
        }
    }

    /// <summary>Every flow, most IP bytes first (then by key), each with its Community ID computed here, once.</summary>
    public ConversationResult ToResult()
    {
        var all = new List<KeyValuePair<FlowKey, FlowState>>(_flows);
        all.Sort(static (a, b) =>
        {
            long x = a.Value.IpBytesAToB + a.Value.IpBytesBToA, y = b.Value.IpBytesAToB + b.Value.IpBytesBToA;
            return x != y ? y.CompareTo(x) : FlowKey.Compare(a.Key, b.Key);
        });
        // Flows share endpoints: one string per address.
        var texts = new Dictionary<(byte, ulong, ulong), string>();
        string Text(byte version, ulong high, ulong low)
        {
            ref var text = ref CollectionsMarshal.GetValueRefOrAddDefault(texts, (version, high, low), out bool exists);
            if (!exists) text = version == 4 ? IpAddressFormat.Ipv4((uint)low) : IpAddressFormat.Ipv6(new UInt128(high, low));
            return text!;
        }

        Span<byte> a = stackalloc byte[16], b = stackalloc byte[16];
        Span<char> text = stackalloc char[CommunityId.Length];
        var entries = new ConversationEntry[all.Count];
        for (int i = 0; i < entries.Length; i++)
        {
            var (k, s) = all[i];
            int length = k.Version == 4 ? 4 : 16;
            Write(a, k.AHigh, k.ALow, length);
            Write(b, k.BHigh, k.BLow, length);
            bool icmp = k.Protocol is CommunityId.Icmp or CommunityId.IcmpV6;
            bool formatted = !icmp
                ? CommunityId.TryFormat(k.Protocol, a[..length], b[..length], k.PortA, k.PortB, text, out int written)
                : s.IcmpFromA
                    ? CommunityId.TryFormat(k.Protocol, a[..length], b[..length], s.IcmpType, s.IcmpCode, text, out written)
                    : CommunityId.TryFormat(k.Protocol, b[..length], a[..length], s.IcmpType, s.IcmpCode, text, out written);
            if (!formatted || !CommunityIdHash.TryParse(text[..written], out var id))
                throw new InvalidOperationException("A flow's Community ID could not be computed."); // addresses are 4 or 16 bytes by construction
            entries[i] = new ConversationEntry(k.Protocol, k.Version, Text(k.Version, k.AHigh, k.ALow), k.PortA,
                Text(k.Version, k.BHigh, k.BLow), k.PortB, s.PacketsAToB, s.IpBytesAToB, s.PacketsBToA, s.IpBytesBToA,
                s.First, s.Last, s.Flags, id);
        }
        return new ConversationResult(entries, new DistinctLimit(MaxDistinct, _exceeded, _otherPackets, _otherBytes, _maxUndercount));
    }

    private static void Write(Span<byte> destination, ulong high, ulong low, int length)
    {
        if (length == 4) BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)low);
        else
        {
            BinaryPrimitives.WriteUInt64BigEndian(destination, high);
            BinaryPrimitives.WriteUInt64BigEndian(destination[8..], low);
        }
    }
}
