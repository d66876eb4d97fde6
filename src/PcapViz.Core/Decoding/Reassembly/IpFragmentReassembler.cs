using System.Buffers;

namespace PcapViz.Decoding.Reassembly;

/// <summary>
/// Reassembles fragmented IPv4 and IPv6 datagrams (RFC 791, RFC 8200 4.5), bounded: a datagram holds at most
/// <see cref="MaxDatagramBytes"/> of payload, all datagrams together at most <see cref="MemoryCap"/> bytes and
/// <see cref="MaxDatagrams"/> entries (the oldest is dropped first), and a datagram not complete
/// <see cref="TimeoutNanos"/> of capture time after its first fragment is dropped. Every dropped datagram is
/// counted as incomplete. Overlapping fragments: the bytes that arrived first win; a later fragment that says
/// something else about the same bytes is counted as a conflict. Datagrams that cannot carry DNS (a protocol
/// other than UDP, TCP or a tunnel; UDP/TCP ports that are neither DNS nor tunnel ports) are only tracked for
/// completeness, their bytes are not kept.
/// </summary>
internal sealed class IpFragmentReassembler
{
    public const int MaxDatagramBytes = 65535;
    public const long MemoryCap = 32L << 20;
    public const int MaxDatagrams = 4096;
    public const long TimeoutNanos = 60L * 1_000_000_000;

    private readonly record struct Key(UInt128 Source, UInt128 Destination, uint Id, byte Protocol, byte Version);

    private sealed class Datagram
    {
        public byte[]? Data;
        public readonly List<(int Start, int End)> Covered = [];
        public int Total = -1;
        public long FirstNanos;
        public long Serial;
        public long FirstPacket;
        public bool KeepBytes = true;
    }

    private readonly Dictionary<Key, Datagram> _datagrams = [];
    private readonly Queue<(Key Key, long Serial)> _age = new();
    private long _serial;
    private long _memory;
    private byte[] _completed = [];

    /// <summary>Datagrams that never completed (timed out, dropped for a limit, inconsistent, or still open at the end).</summary>
    public long Incomplete { get; private set; }

    /// <summary>Fragments whose bytes contradicted bytes already received for the same datagram.</summary>
    public long Conflicts { get; private set; }

    /// <summary>Packet index of the first fragment of the first incomplete datagram (for the warning).</summary>
    public long FirstIncompletePacket { get; private set; } = -1;

    public long FirstConflictPacket { get; private set; } = -1;

    private int _completedLength;

    /// <summary>After <see cref="Add"/> returned true: the datagram's payload (valid until the next call).</summary>
    public ReadOnlySpan<byte> CompletedPayload => _completed.AsSpan(0, _completedLength);

    /// <summary>
    /// Adds the fragment in <paramref name="view"/>. True when it completed a datagram whose bytes were kept:
    /// <see cref="CompletedPayload"/> then holds them.
    /// </summary>
    public bool Add(ref PacketView view, long nanos, long packetIndex)
    {
        byte protocol = view.FragmentProtocol;
        Expire(nanos);
        var key = new Key(FlowAddress.Read(view.FlowSource), FlowAddress.Read(view.FlowDestination), view.FragmentId,
            view.FragmentProtocol, (byte)(view.FlowSource.Length == 16 ? 6 : 4));
        var data = view.FragmentData;
        int start = view.FragmentOffset;
        int end = start + data.Length;
        if (!_datagrams.TryGetValue(key, out var datagram))
        {
            datagram = new Datagram { FirstNanos = nanos, Serial = ++_serial, FirstPacket = packetIndex, KeepBytes = MayCarryDns(protocol) };
            _datagrams.Add(key, datagram);
            _age.Enqueue((key, datagram.Serial));
            while (_datagrams.Count > MaxDatagrams) DropOldest();
            if (!_datagrams.ContainsKey(key)) return false;
        }
        if (end > MaxDatagramBytes || (!view.MoreFragments && datagram.Total >= 0 && datagram.Total != end) ||
            (datagram.Total >= 0 && end > datagram.Total))
        {
            Drop(key, datagram); // a datagram that contradicts its own length can never be read
            return false;
        }
        if (!view.MoreFragments) datagram.Total = end;
        if (start == 0 && datagram.KeepBytes && !FirstFragmentMayCarryDns(protocol, data)) Release(datagram);
        Insert(datagram, start, data, packetIndex);
        while (_memory > MemoryCap && _age.Count > 0) DropOldest();
        if (!_datagrams.ContainsKey(key)) return false;

        if (datagram.Total < 0 || datagram.Covered.Count != 1 || datagram.Covered[0].Start != 0 || datagram.Covered[0].End != datagram.Total)
            return false;
        _datagrams.Remove(key);
        if (!datagram.KeepBytes || datagram.Data is null) return false;
        if (_completed.Length < datagram.Total) _completed = new byte[MaxDatagramBytes];
        datagram.Data.AsSpan(0, datagram.Total).CopyTo(_completed);
        _completedLength = datagram.Total;
        Release(datagram);
        return true;
    }

    /// <summary>End of the capture: every datagram still open is incomplete.</summary>
    public void Finish()
    {
        while (_age.Count > 0) DropOldest();
    }

    private void Insert(Datagram datagram, int start, ReadOnlySpan<byte> data, long packetIndex)
    {
        int end = start + data.Length;
        if (data.IsEmpty) return;
        if (datagram.KeepBytes)
        {
            if (datagram.Data is null || datagram.Data.Length < end)
            {
                int size = Math.Max(end, Math.Min(MaxDatagramBytes, (datagram.Data?.Length ?? 0) * 2));
                var grown = ArrayPool<byte>.Shared.Rent(size);
                if (datagram.Data is not null)
                {
                    datagram.Data.AsSpan().CopyTo(grown);
                    _memory -= datagram.Data.Length;
                    ArrayPool<byte>.Shared.Return(datagram.Data);
                }
                datagram.Data = grown;
                _memory += grown.Length;
            }
            // Copy only what is not yet covered; compare what is.
            int pos = start;
            bool conflict = false;
            foreach (var (s, e) in datagram.Covered)
            {
                if (e <= pos || s >= end) continue;
                if (s > pos) data[(pos - start)..(s - start)].CopyTo(datagram.Data.AsSpan(pos));
                int overlapEnd = Math.Min(e, end);
                int from = Math.Max(s, pos);
                if (!data[(from - start)..(overlapEnd - start)].SequenceEqual(datagram.Data.AsSpan(from, overlapEnd - from))) conflict = true;
                pos = overlapEnd;
                if (pos >= end) break;
            }
            if (pos < end) data[(pos - start)..].CopyTo(datagram.Data.AsSpan(pos));
            if (conflict)
            {
                if (Conflicts == 0) FirstConflictPacket = packetIndex;
                Conflicts++;
            }
        }
        // Merge [start, end) into the sorted, disjoint coverage list.
        var covered = datagram.Covered;
        int i = 0;
        while (i < covered.Count && covered[i].End < start) i++;
        int mergedStart = start, mergedEnd = end;
        while (i < covered.Count && covered[i].Start <= end)
        {
            mergedStart = Math.Min(mergedStart, covered[i].Start);
            mergedEnd = Math.Max(mergedEnd, covered[i].End);
            covered.RemoveAt(i);
        }
        covered.Insert(i, (mergedStart, mergedEnd));
    }

    private void Expire(long nanos)
    {
        while (_age.Count > 0)
        {
            var (key, serial) = _age.Peek();
            if (!_datagrams.TryGetValue(key, out var datagram) || datagram.Serial != serial)
            {
                _age.Dequeue(); // completed or dropped already
                continue;
            }
            if (nanos - datagram.FirstNanos <= TimeoutNanos) return;
            _age.Dequeue();
            Drop(key, datagram);
        }
    }

    private void DropOldest()
    {
        while (_age.Count > 0)
        {
            var (key, serial) = _age.Dequeue();
            if (_datagrams.TryGetValue(key, out var datagram) && datagram.Serial == serial)
            {
                Drop(key, datagram);
                return;
            }
        }
    }

    private void Drop(Key key, Datagram datagram)
    {
        if (Incomplete == 0 || datagram.FirstPacket < FirstIncompletePacket) FirstIncompletePacket = datagram.FirstPacket;
        Incomplete++;
        Release(datagram);
        _datagrams.Remove(key);
    }

    private void Release(Datagram datagram)
    {
        datagram.KeepBytes = false;
        if (datagram.Data is null) return;
        _memory -= datagram.Data.Length;
        ArrayPool<byte>.Shared.Return(datagram.Data);
        datagram.Data = null;
    }

    private static bool MayCarryDns(byte protocol) =>
        protocol is IpProtocols.Udp or IpProtocols.Tcp or IpProtocols.IpInIp or IpProtocols.Ipv6 or IpProtocols.Gre;

    /// <summary>The first fragment holds the transport header: UDP/TCP on ports that can carry DNS, or a tunnel.</summary>
    private static bool FirstFragmentMayCarryDns(byte protocol, ReadOnlySpan<byte> data)
    {
        if (protocol is not (IpProtocols.Udp or IpProtocols.Tcp)) return true;
        if (data.Length < 4) return true;
        int source = (data[0] << 8) | data[1], destination = (data[2] << 8) | data[3];
        static bool Dnsish(int port) => port is Ports.Dns or Ports.Mdns or Ports.Llmnr or Ports.Vxlan or Ports.Geneve or Ports.GtpUser or Ports.Teredo;
        return Dnsish(source) || Dnsish(destination);
    }
}
