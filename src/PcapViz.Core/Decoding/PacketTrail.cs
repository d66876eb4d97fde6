using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PcapViz.Decoding;

/// <summary>
/// Where the decoder found each header of one frame that holds an address: the Ethernet headers (MAC addresses), every
/// IP header (the outer one and each tunnelled one, in the order decoded), the IP payload behind each and the IPv6
/// routing headers. Filled when given to <see cref="PacketDecoder.Decode(int, ReadOnlySpan{byte}, int, ref PacketView, PacketTrail)"/>,
/// for the slicer that rewrites a packet's addresses (<see cref="Slicing.PacketRewriter"/>); offsets count from the
/// start of <see cref="Frame"/>, and a header that is not inside it is not recorded.
/// </summary>
internal sealed class PacketTrail
{
    /// <summary>At most this many headers of each kind are recorded (the decoder follows at most 4 tunnels).</summary>
    public const int MaxHeaders = 16;

    private byte[] _frame = [];

    /// <summary>One IP header: where it starts, its version, and (when the decoder reached it) its payload.</summary>
    internal struct IpHeader
    {
        public int Offset;
        public int Version;
        /// <summary>Offset of the payload (the transport header); -1 when the decoder did not reach it.</summary>
        public int UpperOffset;
        /// <summary>End of the payload as far as captured (never past the IP length).</summary>
        public int UpperEnd;
        public byte Protocol;
        /// <summary>A fragment after the first: its payload holds no transport header.</summary>
        public bool LaterFragment;
    }

    public List<IpHeader> Ips { get; } = [];

    /// <summary>Offsets of the Ethernet headers (destination and source MAC at 0 and 6).</summary>
    public List<int> Ethernets { get; } = [];

    /// <summary>IPv6 routing headers: the index of their IP header in <see cref="Ips"/>, offset and length.</summary>
    public List<(int Ip, int Offset, int Length)> RoutingHeaders { get; } = [];

    public byte[] Frame => _frame;

    /// <summary>Forgets the last frame; the next decode is of <paramref name="frame"/>.</summary>
    public void Begin(byte[] frame)
    {
        _frame = frame;
        Ips.Clear();
        Ethernets.Clear();
        RoutingHeaders.Clear();
    }

    public void Ethernet(ReadOnlySpan<byte> header)
    {
        if (Ethernets.Count < MaxHeaders && OffsetOf(header) is int offset) Ethernets.Add(offset);
    }

    public void Ip(ReadOnlySpan<byte> header, int version)
    {
        if (Ips.Count < MaxHeaders && OffsetOf(header) is int offset)
            Ips.Add(new IpHeader { Offset = offset, Version = version, UpperOffset = -1 });
    }

    /// <summary>The payload of the last IP header recorded: its protocol and captured bytes.</summary>
    public void Upper(byte protocol, ReadOnlySpan<byte> payload, bool laterFragment)
    {
        if (Ips.Count == 0) return;
        var ip = Ips[^1];
        if (ip.UpperOffset >= 0) return;
        // An empty payload has no address to take an offset from: it starts where the header's bytes end.
        int? offset = payload.IsEmpty ? null : OffsetOf(payload);
        if (offset is null) return;
        ip.UpperOffset = offset.Value;
        ip.UpperEnd = offset.Value + payload.Length;
        ip.Protocol = protocol;
        ip.LaterFragment = laterFragment;
        Ips[^1] = ip;
    }

    /// <summary>An IPv6 routing header (whole) of the last IP header recorded.</summary>
    public void RoutingHeader(ReadOnlySpan<byte> header)
    {
        if (Ips.Count > 0 && RoutingHeaders.Count < MaxHeaders && OffsetOf(header) is int offset) RoutingHeaders.Add((Ips.Count - 1, offset, header.Length));
    }

    private int? OffsetOf(ReadOnlySpan<byte> span)
    {
        if (span.IsEmpty || _frame.Length == 0) return null;
        long offset = (long)Unsafe.ByteOffset(ref MemoryMarshal.GetArrayDataReference(_frame), ref MemoryMarshal.GetReference(span));
        return offset >= 0 && offset + span.Length <= _frame.Length ? (int)offset : null;
    }
}
