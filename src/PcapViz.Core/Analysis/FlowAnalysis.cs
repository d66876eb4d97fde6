using System.Buffers.Binary;
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
    // TCP only: which side sent a SYN without ACK (1: A, 2: B), to tell the server side for services.
    public byte Openers;
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
        Openers |= other.Openers;
    }
}

/// <summary>One flow of <see cref="FlowTable"/>: its key, what it counted, and its key's hash (0: never).</summary>
internal struct FlowEntry
{
    public FlowKey Key;
    public FlowState State;
    public uint Hash;
}

/// <summary>
/// The flows of one capture: a dense array of <see cref="FlowEntry"/> (key and counters inline, no object per flow)
/// and an open-addressing index into it (linear probing, at most half full). Each index slot holds the entry's
/// number and its key's hash, so a probe that is not the key costs no read of an entry: a packet of a known flow
/// costs one hash, one index read and one entry read, a new flow one index read. Entries stay in insertion order
/// until <see cref="Compact"/>.
/// </summary>
internal sealed class FlowTable
{
    private FlowEntry[] _entries = new FlowEntry[256];
    private ulong[] _index = new ulong[512]; // hash << 32 | (entry number + 1); 0 is empty
    private int _count;

    public int Count => _count;

    public Span<FlowEntry> Entries => _entries.AsSpan(0, _count);

    /// <summary>The same entries as <see cref="Entries"/>, for work split over threads.</summary>
    public ArraySegment<FlowEntry> Segment => new(_entries, 0, _count);

    public static uint HashOf(in FlowKey key)
    {
        ulong h = key.ALow * 0x9E3779B97F4A7C15UL;
        h ^= key.BLow * 0xC2B2AE3D27D4EB4FUL;
        h ^= (key.AHigh ^ (key.BHigh << 1)) * 0x165667B19E3779F9UL;
        h ^= ((ulong)key.PortA << 32 | (ulong)key.PortB << 16 | (ulong)key.Protocol << 8 | key.Version) * 0xFF51AFD7ED558CCDUL;
        h ^= h >> 32;
        h *= 0xC4CEB9FE1A85EC53UL;
        h ^= h >> 29;
        return (uint)h | 1u;
    }

    /// <summary>The entry of <paramref name="key"/>, added (zeroed but for its key) when it was not there.</summary>
    public ref FlowEntry FindOrAdd(in FlowKey key, out bool exists) => ref FindOrAdd(key, HashOf(key), out exists);

    /// <summary>As <see cref="FindOrAdd(in FlowKey, out bool)"/>, with the key's <see cref="HashOf"/> given.</summary>
    public ref FlowEntry FindOrAdd(in FlowKey key, uint hash, out bool exists)
    {
        var index = _index;
        int mask = index.Length - 1;
        int slot = (int)(hash >> 1) & mask;
        while (true)
        {
            ulong at = index[slot];
            if (at == 0) break;
            if ((uint)(at >> 32) == hash)
            {
                ref var entry = ref _entries[(int)(uint)at - 1];
                if (entry.Key == key)
                {
                    exists = true;
                    return ref entry;
                }
            }
            slot = (slot + 1) & mask;
        }
        exists = false;
        if (_count == _entries.Length) Array.Resize(ref _entries, _entries.Length * 2);
        ref var added = ref _entries[_count];
        added = default;
        added.Key = key;
        added.Hash = hash;
        _count++;
        index[slot] = (ulong)hash << 32 | (uint)_count;
        if (_count * 2 > index.Length) Reindex(index.Length * 2);
        return ref added;
    }

    /// <summary>Asks the processor to bring the index slot of <paramref name="hash"/> into the cache (a hint, no read).</summary>
    public void PrefetchSlot(uint hash) => Prefetch.Line(ref _index[(int)(hash >> 1) & (_index.Length - 1)]);

    /// <summary>
    /// Reads the index slot of <paramref name="hash"/> (brought in by <see cref="PrefetchSlot"/> one packet ago) and
    /// asks for the entry it names when its hash matches: the entry a packet of a known flow will update.
    /// </summary>
    public void PrefetchEntry(uint hash)
    {
        ulong at = _index[(int)(hash >> 1) & (_index.Length - 1)];
        if ((uint)(at >> 32) == hash) Prefetch.Line(ref _entries[(int)(uint)at - 1]);
    }

    /// <summary>Keeps the entries <paramref name="keep"/> says so, in their order, and rebuilds the index.</summary>
    public void Compact<TKeep>(ref TKeep keep) where TKeep : struct, IFlowFilter
    {
        int kept = 0;
        for (int i = 0; i < _count; i++)
        {
            if (!keep.Keep(in _entries[i])) continue;
            if (kept != i) _entries[kept] = _entries[i];
            kept++;
        }
        Array.Clear(_entries, kept, _count - kept);
        _count = kept;
        Reindex(_index.Length);
    }

    private void Reindex(int length)
    {
        if (_index.Length != length) _index = new ulong[length];
        else Array.Clear(_index);
        var index = _index;
        int mask = length - 1;
        for (int i = 0; i < _count; i++)
        {
            uint hash = _entries[i].Hash;
            int slot = (int)(hash >> 1) & mask;
            while (index[slot] != 0) slot = (slot + 1) & mask;
            index[slot] = (ulong)hash << 32 | (uint)(i + 1);
        }
    }
}

/// <summary>Which entries <see cref="FlowTable.Compact"/> keeps (a struct, so the loop calls it without a delegate).</summary>
internal interface IFlowFilter
{
    bool Keep(in FlowEntry entry);
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
    private FlowTable _flows = new();
    private long _otherPackets;
    private long _otherBytes;
    private long _maxUndercount;
    private bool _exceeded;
    private long[] _counts = []; // scratch of Prune, kept between folds
    private FlowKey[] _ties = []; // scratch of Prune, kept between folds
    private PendingPacket _older, _newer;
    private int _pending;

    public int MaxDistinct { get; } = Math.Max(2, maxDistinct);

    /// <summary>The traffic never scored as a beacon (the analysis options' list).</summary>
    public BeaconIgnoreList BeaconIgnore { get; init; } = BeaconIgnoreList.Default;

    public int DistinctCount
    {
        get
        {
            Drain();
            return _flows.Count;
        }
    }

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
        var packet = new PendingPacket
        {
            Key = swap
                ? new FlowKey(dHigh, dLow, sHigh, sLow, destinationPort, sourcePort, protocol, (byte)view.IpVersion)
                : new FlowKey(sHigh, sLow, dHigh, dLow, sourcePort, destinationPort, protocol, (byte)view.IpVersion),
            Timestamp = timestampNanos,
            IpBytes = view.IpBytes,
            Swap = swap,
            Icmp = icmp,
            IcmpType = (byte)view.OuterSourcePort,
            IcmpCode = (byte)view.OuterDestinationPort,
            TcpFlags = protocol == CommunityId.Tcp ? view.OuterTcpFlags : (byte)0,
        };
        packet.Hash = FlowTable.HashOf(packet.Key);

        // Two packets in flight (see PendingPacket): the oldest is counted, the next one's entry is asked for (its
        // index slot was asked for one packet ago), this one's index slot is asked for.
        if (_pending > 1) Apply(in _older);
        if (_pending > 0)
        {
            _older = _newer;
            _flows.PrefetchEntry(_older.Hash);
        }
        _newer = packet;
        _flows.PrefetchSlot(packet.Hash);
        if (_pending < 2) _pending++;
    }

    /// <summary>Counts the packets still in flight: every reader of the table calls this first.</summary>
    private void Drain()
    {
        if (_pending > 1) Apply(in _older);
        if (_pending > 0) Apply(in _newer);
        _pending = 0;
    }

    private void Apply(in PendingPacket packet)
    {
        ref var slot = ref _flows.FindOrAdd(packet.Key, packet.Hash, out bool exists).State;
        long timestampNanos = packet.Timestamp;
        if (!exists)
        {
            slot.First = timestampNanos;
            slot.Last = timestampNanos;
            if (packet.Icmp)
            {
                slot.IcmpType = packet.IcmpType;
                slot.IcmpCode = packet.IcmpCode;
                slot.IcmpFromA = !packet.Swap;
            }
        }
        else
        {
            if (timestampNanos < slot.First) slot.First = timestampNanos;
            if (timestampNanos > slot.Last) slot.Last = timestampNanos;
        }
        if (packet.Swap)
        {
            slot.PacketsBToA++;
            slot.IpBytesBToA += packet.IpBytes;
        }
        else
        {
            slot.PacketsAToB++;
            slot.IpBytesAToB += packet.IpBytes;
        }
        if (packet.TcpFlags != 0)
        {
            slot.Flags |= FlagsOf(packet.TcpFlags);
            if ((packet.TcpFlags & (TransportFields.TcpSyn | TransportFields.TcpAck)) == TransportFields.TcpSyn)
                slot.Openers |= packet.Swap ? (byte)2 : (byte)1;
        }
        if (!exists && _flows.Count > MaxDistinct) Prune();
    }

    /// <summary>
    /// What one packet adds to its flow. A packet is counted two packets after it was seen: meanwhile the processor
    /// fetches its index slot and then its entry, which for a capture with many flows are rarely in the cache (the
    /// wait for memory was the largest cost of the analysis). Packets are counted in the order they came, so every
    /// result, folds included, is the same as counting each at once.
    /// </summary>
    private struct PendingPacket
    {
        public FlowKey Key;
        public long Timestamp, IpBytes;
        public uint Hash;
        public bool Swap, Icmp;
        public byte IcmpType, IcmpCode, TcpFlags;
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
        ref var slot = ref _flows.FindOrAdd(key, out bool exists).State;
        if (exists) slot.Add(state);
        else slot = state;
        if (!exists && _flows.Count > MaxDistinct) Prune();
    }

    /// <summary>Adds everything <paramref name="other"/> counted. Associative and commutative up to pruning.</summary>
    public void Merge(FlowAnalysis other)
    {
        Drain();
        other.Drain();
        foreach (ref readonly var entry in other._flows.Entries) Add(entry.Key, entry.State);
        _otherPackets += other._otherPackets;
        _otherBytes += other._otherBytes;
        _maxUndercount += other._maxUndercount;
        _exceeded |= other._exceeded;
    }

    /// <summary>Keeps the heaviest half (by packets), folds the rest into "other", remembers the largest count it dropped.</summary>
    /// <remarks>
    /// The same flows as sorting all of them by packets (then key) and dropping from index <c>MaxDistinct / 2</c>
    /// (<see cref="DistinctFold"/>), in linear time: the packet count at that index is selected from the counts, and
    /// of the flows with exactly that count the ones with the smallest keys are selected.
    /// </remarks>
    private void Prune()
    {
        _exceeded = true;
        var entries = _flows.Entries;
        int keep = MaxDistinct / 2;
        if (keep >= entries.Length) return;
        if (_counts.Length < entries.Length) _counts = new long[entries.Length];
        var counts = _counts.AsSpan(0, entries.Length);
        for (int i = 0; i < counts.Length; i++) counts[i] = entries[i].State.Packets;
        Selection.SelectSmallest(counts, keep, default(Descending));
        long threshold = counts[keep];
        int keptAbove = 0;
        foreach (ref readonly var entry in entries)
            if (entry.State.Packets > threshold) keptAbove++;

        int tieCount = 0;
        foreach (ref readonly var entry in entries)
            if (entry.State.Packets == threshold) tieCount++;
        if (_ties.Length < tieCount) _ties = new FlowKey[Math.Max(tieCount, _ties.Length * 2)];
        var tieKeys = _ties.AsSpan(0, tieCount);
        tieCount = 0;
        foreach (ref readonly var entry in entries)
            if (entry.State.Packets == threshold) tieKeys[tieCount++] = entry.Key;
        int keepTies = keep - keptAbove;
        bool keepNoTie = keepTies == 0;
        FlowKey lastKeptTie = default;
        if (!keepNoTie)
        {
            Selection.SelectSmallest(tieKeys, keepTies - 1, default(KeyOrder));
            lastKeptTie = tieKeys[keepTies - 1];
        }

        // A flow can be folded away in several folds and come back: its loss is the sum over folds.
        _maxUndercount += threshold;
        var fold = new FoldBelow(threshold, keepNoTie, lastKeptTie);
        _flows.Compact(ref fold);
        _otherPackets += fold.OtherPackets;
        _otherBytes += fold.OtherBytes;
    }

    /// <summary>Keeps the flows above the threshold and the ties up to the last kept key; counts what it drops.</summary>
    private struct FoldBelow(long threshold, bool keepNoTie, FlowKey lastKeptTie) : IFlowFilter
    {
        public long OtherPackets, OtherBytes;

        public bool Keep(in FlowEntry entry)
        {
            long packets = entry.State.Packets;
            bool kept = packets > threshold ||
                        (packets == threshold && !keepNoTie && FlowKey.Compare(entry.Key, lastKeptTie) <= 0);
            if (!kept)
            {
                OtherPackets += packets;
                OtherBytes += entry.State.IpBytesAToB + entry.State.IpBytesBToA;
            }
            return kept;
        }
    }

    private readonly struct Descending : IComparer<long>
    {
        public int Compare(long x, long y) => y.CompareTo(x);
    }

    private readonly struct KeyOrder : IComparer<FlowKey>
    {
        public int Compare(FlowKey x, FlowKey y) => FlowKey.Compare(x, y);
    }

    private readonly struct MostBytesFirst : IComparer<FlowEntry>
    {
        public int Compare(FlowEntry a, FlowEntry b)
        {
            long x = a.State.IpBytesAToB + a.State.IpBytesBToA, y = b.State.IpBytesAToB + b.State.IpBytesBToA;
            return x != y ? y.CompareTo(x) : FlowKey.Compare(a.Key, b.Key);
        }
    }

    /// <summary>Lets go of the flows once <see cref="ToResult"/> holds them (the analysis counts nothing after).</summary>
    public void ReleaseFlows() => _flows = new FlowTable();

    /// <summary>Flows from which <see cref="ToResult"/> splits its work over two threads.</summary>
    internal const int SplitFrom = 8_192;

    /// <summary>
    /// Every flow, most IP bytes first (then by key), each with its Community ID computed here, once. From
    /// <see cref="SplitFrom"/> flows on, the entries are made in two halves on two threads (a SHA-1 a flow is most of
    /// it; nothing depends on which thread made which entry), then services and beacons side by side (each sorts an
    /// array of a few bytes a flow, no table a key).
    /// </summary>
    public ConversationResult ToResult()
    {
        Drain();
        var all = _flows.Segment;
        all.AsSpan().Sort(default(MostBytesFirst));
        var entries = new ConversationEntry[all.Count];
        var serverIsA = new bool[all.Count];
        bool split = all.Count >= SplitFrom;
        int half = split ? all.Count / 2 : all.Count;
        var secondHalf = split ? Task.Run(() => Describe(all, entries, serverIsA, half, all.Count)) : Task.CompletedTask;
        Describe(all, entries, serverIsA, 0, half);
        secondHalf.GetAwaiter().GetResult();
        var services = split ? Task.Run(() => ServiceTable.Of(all, serverIsA)) : Task.FromResult(ServiceTable.Of(all, serverIsA));
        var beacons = BeaconTable.Of(all, entries, serverIsA, BeaconIgnore);
        return new ConversationResult(entries, new DistinctLimit(MaxDistinct, _exceeded, _otherPackets, _otherBytes, _maxUndercount))
        {
            Services = services.GetAwaiter().GetResult(),
            Beacons = beacons.Beacons,
            BeaconSamples = beacons.Samples,
        };
    }

    /// <summary>The result entries of flows <paramref name="from"/> to <paramref name="to"/> (exclusive), and each one's server side.</summary>
    private static void Describe(ArraySegment<FlowEntry> all, ConversationEntry[] entries, bool[] serverIsA, int from, int to)
    {
        // Flows share endpoints: one string per address, for all but the rarest (a text made twice is equal, not wrong).
        var texts = new AddressTexts();
        Span<byte> a = stackalloc byte[16], b = stackalloc byte[16];
        Span<byte> hash = stackalloc byte[CommunityId.HashLength];
        var flows = all.AsSpan();
        for (int i = from; i < to; i++)
        {
            ref readonly var k = ref flows[i].Key;
            ref readonly var s = ref flows[i].State;
            int length = k.Version == 4 ? 4 : 16;
            Write(a, k.AHigh, k.ALow, length);
            Write(b, k.BHigh, k.BLow, length);
            bool icmp = k.Protocol is CommunityId.Icmp or CommunityId.IcmpV6;
            bool hashed = !icmp
                ? CommunityIdHasher.TryHash(k.Protocol, a[..length], b[..length], k.PortA, k.PortB, hash)
                : s.IcmpFromA
                    ? CommunityIdHasher.TryHash(k.Protocol, a[..length], b[..length], s.IcmpType, s.IcmpCode, hash)
                    : CommunityIdHasher.TryHash(k.Protocol, b[..length], a[..length], s.IcmpType, s.IcmpCode, hash);
            if (!hashed)
                throw new InvalidOperationException("A flow's Community ID could not be computed."); // addresses are 4 or 16 bytes by construction
            entries[i] = new ConversationEntry(k.Protocol, k.Version, texts.Of(k.Version, k.AHigh, k.ALow), k.PortA,
                texts.Of(k.Version, k.BHigh, k.BLow), k.PortB, s.PacketsAToB, s.IpBytesAToB, s.PacketsBToA, s.IpBytesBToA,
                s.First, s.Last, s.Flags, CommunityIdHash.FromBytes(hash));
            serverIsA[i] = ServiceTable.HasPorts(k.Protocol) && ServiceTable.ServerIsA(k, s);
        }
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

/// <summary>
/// Address texts shared between the flows of a result: a direct-mapped cache of the last text made for each of
/// 16,384 slots. The addresses of many flows (a server, the local resolver, a busy client) cost one string each; the
/// rare ones that collide are made again. Bounded, where a dictionary of every address grew with a scan's targets.
/// </summary>
internal sealed class AddressTexts
{
    private const int Slots = 1 << 14;
    private readonly (ulong High, ulong Low, byte Version, string? Text)[] _slots = new (ulong, ulong, byte, string?)[Slots];

    public string Of(byte version, ulong high, ulong low)
    {
        ulong h = (high ^ (low * 0x9E3779B97F4A7C15UL)) + version;
        h ^= h >> 29;
        ref var slot = ref _slots[(int)(h * 0xBF58476D1CE4E5B9UL >> 50)];
        if (slot.Text is not null && slot.Low == low && slot.High == high && slot.Version == version) return slot.Text;
        string text = version == 4 ? IpAddressFormat.Ipv4((uint)low) : IpAddressFormat.Ipv6(new UInt128(high, low));
        slot = (high, low, version, text);
        return text;
    }
}
