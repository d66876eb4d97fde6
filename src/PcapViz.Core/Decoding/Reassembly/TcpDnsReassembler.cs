using System.Buffers;
using System.Buffers.Binary;

using PcapViz.Model;

namespace PcapViz.Decoding.Reassembly;

/// <summary>Receives each complete DNS message that a reassembler finds.</summary>
internal interface IDnsMessageSink
{
    void OnDnsMessage(ReadOnlySpan<byte> message, DnsProtocol protocol);
}

/// <summary>
/// DNS over TCP (RFC 1035 4.2.2, RFC 7766): each direction of each connection (5-tuple) is a byte stream of
/// 2-byte-length-prefixed messages. Segments are put in order by sequence number; retransmitted and overlapping
/// bytes are taken once (the first copy wins); a message split across segments is joined; every complete message
/// goes to the sink exactly once. A stream is read from its SYN, or from the first segment seen (assumed to
/// start a message). Bounded: a flow buffers at most <see cref="MaxFlowBytes"/> (one whole message plus
/// <see cref="MaxOutOfOrderBytes"/> of segments ahead of a hole), all flows together <see cref="MemoryCap"/> and
/// <see cref="MaxFlows"/> entries; past a limit the least recently active flow is dropped. A hole that is not
/// filled before the out-of-order bytes exceed their cap is a gap: the buffered bytes are dropped and the stream
/// is read again from the segment after the gap, as if it started a message.
/// </summary>
internal sealed class TcpDnsReassembler
{
    public const int MaxMessageBytes = 2 + ushort.MaxValue;
    public const int MaxOutOfOrderBytes = 64 << 10;
    public const int MaxFlowBytes = MaxMessageBytes + MaxOutOfOrderBytes;
    public const long MemoryCap = 16L << 20;
    public const int MaxFlows = 16384;

    private readonly record struct FlowKey(UInt128 Source, UInt128 Destination, ushort SourcePort, ushort DestinationPort);

    private sealed class Flow(FlowKey key)
    {
        public readonly FlowKey Key = key;
        public uint NextSequence;
        public byte[]? Message;
        public int Buffered;
        public byte PrefixHigh, PrefixLow;
        public List<(uint Sequence, byte[] Data)>? Ahead;
        public int AheadBytes;
        public LinkedListNode<Flow>? Node;
    }

    private readonly Dictionary<FlowKey, Flow> _flows = [];
    private readonly LinkedList<Flow> _recent = new();
    private long _memory;

    /// <summary>Flows dropped for a limit while they held bytes of an unfinished message.</summary>
    public long Evicted { get; private set; }

    /// <summary>Holes in a stream that were never filled (bytes lost; the stream was read again after the hole).</summary>
    public long Gaps { get; private set; }

    /// <summary>Streams that ended (RST, or the end of the capture) in the middle of a message.</summary>
    public long Unfinished { get; private set; }

    public long FirstLossPacket { get; private set; } = -1;

    public void Add(ref PacketView view, DnsProtocol protocol, long packetIndex, IDnsMessageSink sink)
    {
        byte flags = view.TcpFlags;
        var payload = view.Payload;
        bool syn = (flags & TransportFields.TcpSyn) != 0;
        bool reset = (flags & TransportFields.TcpRst) != 0;
        bool fin = (flags & TransportFields.TcpFin) != 0;
        if (payload.IsEmpty && !syn && !reset && !fin) return;
        var key = new FlowKey(FlowAddress.Read(view.FlowSource), FlowAddress.Read(view.FlowDestination), view.SourcePort, view.DestinationPort);
        uint sequence = view.TcpSequence;
        if (!_flows.TryGetValue(key, out var flow))
        {
            if (payload.IsEmpty && !syn) return;
            flow = new Flow(key) { NextSequence = syn ? sequence + 1 : sequence };
            flow.Node = _recent.AddLast(flow);
            _flows.Add(key, flow);
            while (_flows.Count > MaxFlows) Drop(_recent.First!.Value, packetIndex, evicted: true);
        }
        else
        {
            _recent.Remove(flow.Node!);
            _recent.AddLast(flow.Node!);
            if (syn && flow.NextSequence != sequence + 1)
            {
                // A new connection on the same 5-tuple: the old stream ends here.
                Clear(flow, packetIndex, unfinished: true);
                flow.NextSequence = sequence + 1;
            }
        }
        if (syn) sequence++;
        if (!payload.IsEmpty) Deliver(flow, sequence, payload, protocol, packetIndex, sink);
        if (reset) Drop(flow, packetIndex, evicted: false);
        else if (fin && flow.Buffered == 0 && flow.Ahead is null)
        {
            // Closed at a message boundary: forget it (a retransmission after this would start a new stream).
            _flows.Remove(flow.Key);
            _recent.Remove(flow.Node!);
        }
        while (_memory > MemoryCap && _recent.Count > 0) Drop(_recent.First!.Value, packetIndex, evicted: true);
    }

    /// <summary>End of the capture: streams still inside a message are unfinished.</summary>
    public void Finish(long packetIndex)
    {
        foreach (var flow in _recent) Clear(flow, packetIndex, unfinished: true);
        _flows.Clear();
        _recent.Clear();
    }

    private void Deliver(Flow flow, uint sequence, ReadOnlySpan<byte> data, DnsProtocol protocol, long packetIndex, IDnsMessageSink sink)
    {
        int ahead = (int)(sequence - flow.NextSequence);
        if (ahead < 0)
        {
            if (-(long)ahead >= data.Length) return; // all of it was seen (a retransmission)
            data = data[(-ahead)..];
            ahead = 0;
        }
        if (ahead > 0)
        {
            if (flow.AheadBytes + data.Length <= MaxOutOfOrderBytes)
            {
                (flow.Ahead ??= []).Add((sequence, data.ToArray()));
                flow.AheadBytes += data.Length;
                _memory += data.Length;
                return;
            }
            // The hole was not filled: lose what is buffered and read on from here.
            Gaps++;
            NoteLoss(packetIndex);
            Clear(flow, packetIndex, unfinished: false);
            flow.NextSequence = sequence;
        }
        Consume(flow, data, protocol, sink);
        flow.NextSequence += (uint)data.Length;
        // Segments that were ahead of the hole may now follow on.
        while (flow.Ahead is { } list)
        {
            int found = -1;
            for (int i = 0; i < list.Count; i++)
                if ((int)(list[i].Sequence - flow.NextSequence) <= 0) { found = i; break; }
            if (found < 0) break;
            var (seq, bytes) = list[found];
            list.RemoveAt(found);
            flow.AheadBytes -= bytes.Length;
            _memory -= bytes.Length;
            if (list.Count == 0) flow.Ahead = null;
            int skip = (int)(flow.NextSequence - seq);
            if (skip >= bytes.Length) continue;
            Consume(flow, bytes.AsSpan(skip), protocol, sink);
            flow.NextSequence += (uint)(bytes.Length - skip);
        }
    }

    /// <summary>Appends in-order stream bytes and hands every message they complete to the sink.</summary>
    private void Consume(Flow flow, ReadOnlySpan<byte> data, DnsProtocol protocol, IDnsMessageSink sink)
    {
        while (!data.IsEmpty)
        {
            if (flow.Buffered == 0)
            {
                // At a message boundary: whole messages are read in place, without copying.
                while (data.Length >= 2)
                {
                    int length = BinaryPrimitives.ReadUInt16BigEndian(data);
                    if (data.Length - 2 < length) break;
                    sink.OnDnsMessage(data.Slice(2, length), protocol);
                    data = data[(2 + length)..];
                }
                if (data.IsEmpty) return;
            }
            if (flow.Buffered < 2)
            {
                // The length prefix itself may be split.
                if (flow.Buffered == 0) flow.PrefixHigh = data[0];
                else flow.PrefixLow = data[0];
                flow.Buffered++;
                data = data[1..];
                continue;
            }
            if (flow.Message is null)
            {
                int total = 2 + ((flow.PrefixHigh << 8) | flow.PrefixLow);
                flow.Message = ArrayPool<byte>.Shared.Rent(total);
                flow.Message[0] = flow.PrefixHigh;
                flow.Message[1] = flow.PrefixLow;
                _memory += flow.Message.Length;
            }
            int needed = 2 + ((flow.PrefixHigh << 8) | flow.PrefixLow) - flow.Buffered;
            int copy = Math.Min(needed, data.Length);
            data[..copy].CopyTo(flow.Message.AsSpan(flow.Buffered));
            flow.Buffered += copy;
            data = data[copy..];
            if (copy < needed) return;
            sink.OnDnsMessage(flow.Message.AsSpan(2, flow.Buffered - 2), protocol);
            flow.Buffered = 0;
            ReleaseMessage(flow);
        }
    }

    private void Drop(Flow flow, long packetIndex, bool evicted)
    {
        bool lost = flow.Buffered > 0 || flow.Ahead is not null;
        if (evicted && lost)
        {
            Evicted++;
            NoteLoss(packetIndex);
        }
        Clear(flow, packetIndex, unfinished: !evicted);
        _flows.Remove(flow.Key);
        _recent.Remove(flow.Node!);
    }

    private void Clear(Flow flow, long packetIndex, bool unfinished)
    {
        if (unfinished && (flow.Buffered > 0 || flow.Ahead is not null))
        {
            Unfinished++;
            NoteLoss(packetIndex);
        }
        flow.Buffered = 0;
        ReleaseMessage(flow);
        _memory -= flow.AheadBytes;
        flow.AheadBytes = 0;
        flow.Ahead = null;
    }

    private void ReleaseMessage(Flow flow)
    {
        if (flow.Message is null) return;
        _memory -= flow.Message.Length;
        ArrayPool<byte>.Shared.Return(flow.Message);
        flow.Message = null;
    }

    private void NoteLoss(long packetIndex)
    {
        if (FirstLossPacket < 0) FirstLossPacket = packetIndex;
    }
}
