using System.Buffers.Binary;
using System.Runtime.InteropServices;
using PcapViz.Decoding;
using PcapViz.Model;

namespace PcapViz.Analysis;

/// <summary>
/// Counts the outermost source address of every IPv4/IPv6 frame (packets and IP bytes). Exact up to
/// <c>maxDistinct</c> addresses; past that the lightest half is folded into "other" (see <see cref="DistinctLimit"/>).
/// </summary>
internal sealed class SourceIpAnalysis(int maxDistinct = AnalysisOptions.DefaultMaxDistinct)
{
    private readonly Dictionary<uint, Counter> _v4 = [];
    private readonly Dictionary<UInt128, Counter> _v6 = [];
    private long _otherPackets;
    private long _otherBytes;
    private long _maxUndercount;
    private bool _exceeded;

    public int MaxDistinct { get; } = Math.Max(2, maxDistinct);

    public int DistinctCount => _v4.Count + _v6.Count;

    public void Observe(ref PacketView view)
    {
        if (view.IpVersion == 4 && view.SourceAddress.Length == 4)
            AddV4(BinaryPrimitives.ReadUInt32BigEndian(view.SourceAddress), new Counter(1, view.IpBytes));
        else if (view.IpVersion == 6 && view.SourceAddress.Length == 16)
            AddV6(BinaryPrimitives.ReadUInt128BigEndian(view.SourceAddress), new Counter(1, view.IpBytes));
    }

    private void AddV4(uint address, Counter counter)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_v4, address, out bool exists);
        slot.Add(counter);
        if (!exists && DistinctCount > MaxDistinct) Prune();
    }

    private void AddV6(UInt128 address, Counter counter)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_v6, address, out bool exists);
        slot.Add(counter);
        if (!exists && DistinctCount > MaxDistinct) Prune();
    }

    /// <summary>Adds a finished result's entries (run totals over captures, some of them reused from a cache).</summary>
    public void Merge(SourceIpResult result)
    {
        Span<byte> bytes = stackalloc byte[16];
        foreach (var entry in result.Entries)
        {
            var address = System.Net.IPAddress.Parse(entry.Address);
            address.TryWriteBytes(bytes, out int length);
            if (length == 4) AddV4(BinaryPrimitives.ReadUInt32BigEndian(bytes), new Counter(entry.Packets, entry.IpBytes));
            else AddV6(BinaryPrimitives.ReadUInt128BigEndian(bytes), new Counter(entry.Packets, entry.IpBytes));
        }
        _otherPackets += result.Limit.OtherPackets;
        _otherBytes += result.Limit.OtherIpBytes;
        _maxUndercount += result.Limit.MaxUndercount;
        _exceeded |= result.Limit.Exceeded;
    }

    /// <summary>Adds everything <paramref name="other"/> counted. Associative and commutative up to pruning.</summary>
    public void Merge(SourceIpAnalysis other)
    {
        foreach (var (address, counter) in other._v4) AddV4(address, counter);
        foreach (var (address, counter) in other._v6) AddV6(address, counter);
        _otherPackets += other._otherPackets;
        _otherBytes += other._otherBytes;
        _maxUndercount += other._maxUndercount;
        _exceeded |= other._exceeded;
    }

    /// <summary>Keeps the heaviest half, folds the rest into "other", remembers the largest count it dropped.</summary>
    private void Prune()
    {
        _exceeded = true;
        var all = new List<(bool V6, UInt128 Key, Counter Counter)>(DistinctCount);
        foreach (var (k, c) in _v4) all.Add((false, k, c));
        foreach (var (k, c) in _v6) all.Add((true, k, c));
        all.Sort(static (a, b) => b.Counter.Packets != a.Counter.Packets
            ? b.Counter.Packets.CompareTo(a.Counter.Packets)
            : a.V6 != b.V6 ? a.V6.CompareTo(b.V6) : a.Key.CompareTo(b.Key));
        // An address can be folded away in several folds and come back: its loss is the sum over folds.
        _maxUndercount += DistinctFold.FoldLighterHalf(all, MaxDistinct, static e => e.Counter.Packets, e =>
        {
            _otherPackets += e.Counter.Packets;
            _otherBytes += e.Counter.IpBytes;
            if (e.V6) _v6.Remove(e.Key);
            else _v4.Remove((uint)e.Key);
        });
    }

    /// <summary>Lets go of every counted address (once <see cref="ToResult"/> holds them), so the memory serves the
    /// context built next instead of adding to it.</summary>
    internal void ReleaseKeys()
    {
        _v4.Clear();
        _v4.TrimExcess();
        _v6.Clear();
        _v6.TrimExcess();
    }

    public SourceIpResult ToResult()
    {
        var entries = new List<(int Version, UInt128 Key, Counter Counter)>(DistinctCount);
        foreach (var (k, c) in _v4) entries.Add((4, k, c));
        foreach (var (k, c) in _v6) entries.Add((6, k, c));
        entries.Sort(static (a, b) => b.Counter.Packets != a.Counter.Packets
            ? b.Counter.Packets.CompareTo(a.Counter.Packets)
            : a.Version != b.Version ? a.Version.CompareTo(b.Version) : a.Key.CompareTo(b.Key));
        var list = new SourceIpEntry[entries.Count];
        for (int i = 0; i < list.Length; i++)
        {
            var (version, key, counter) = entries[i];
            string text = version == 4 ? IpAddressFormat.Ipv4((uint)key) : IpAddressFormat.Ipv6(key);
            list[i] = new SourceIpEntry(text, version, counter.Packets, counter.IpBytes);
        }
        return new SourceIpResult(list, new DistinctLimit(MaxDistinct, _exceeded, _otherPackets, _otherBytes, _maxUndercount));
    }
}
