namespace PcapViz.Decoding;

/// <summary>The transport of a packet as the analyses count it, by IP protocol number.</summary>
public enum TransportProtocol : byte
{
    /// <summary>Neither TCP nor UDP (ICMP, SCTP, ESP ...), or no transport header was reached.</summary>
    None = 0,

    /// <summary>TCP (IP protocol 6).</summary>
    Tcp = 6,

    /// <summary>UDP (IP protocol 17).</summary>
    Udp = 17,
}

// Plain fields on purpose: the decoder fills this on the hot path, once per packet, with no allocation.
#pragma warning disable CA1051 // Do not declare visible instance fields
/// <summary>What the decoder found in one frame. Spans point into the frame and live as long as it does.</summary>
internal ref struct PacketView
{
    /// <summary>4 or 6 for the outermost network header, 0 when the frame carries no (valid) IP header.</summary>
    public int IpVersion;

    /// <summary>4 or 16 bytes of the outermost source address; empty when the capture cut the header before it.</summary>
    public ReadOnlySpan<byte> SourceAddress;

    /// <summary>4 or 16 bytes of the outermost destination address; empty when not captured.</summary>
    public ReadOnlySpan<byte> DestinationAddress;

    /// <summary>IPv4 total length, or IPv6 payload length + 40 (jumbo payload length + 40 for jumbograms).</summary>
    public long IpBytes;

    /// <summary>
    /// The innermost UDP/TCP header found: inside a tunnel this is the tunnelled packet's, so DNS carried in a
    /// tunnel is seen, while the address and IP bytes above always describe the outermost header.
    /// </summary>
    public TransportProtocol Transport;
    public ushort SourcePort;
    public ushort DestinationPort;

    /// <summary>
    /// The IP protocol number of the innermost header decoded behind IP (6 TCP, 17 UDP, 1 ICMP, 132 SCTP ...) and its
    /// bytes as far as captured, header included: the flow key of slicing (ports, or ICMP type and code). 0 and empty
    /// when no IP payload was reached.
    /// </summary>
    public byte IpProtocol;
    public ReadOnlySpan<byte> TransportHeader;

    /// <summary>Transport payload as far as it was captured (bounded by the IP and UDP lengths, never by link padding).</summary>
    public ReadOnlySpan<byte> Payload;

    /// <summary>TCP only: the segment's sequence number and flags (for stream reassembly).</summary>
    public uint TcpSequence;
    public byte TcpFlags;

    /// <summary>
    /// Source and destination address of the innermost IP header decoded (the one that carries the transport, or
    /// the fragment): the flow key of reassembly. Empty when not captured.
    /// </summary>
    public ReadOnlySpan<byte> FlowSource;
    public ReadOnlySpan<byte> FlowDestination;

    /// <summary>
    /// Set when the innermost IP header is a fragment of a larger datagram: then <see cref="Transport"/> is None and
    /// the fragment fields describe it (the datagram is decoded once reassembled).
    /// </summary>
    public bool IsFragment;
    public byte FragmentProtocol;
    public uint FragmentId;
    /// <summary>Offset of the fragment's data in the datagram's payload, in bytes.</summary>
    public int FragmentOffset;
    public bool MoreFragments;
    public ReadOnlySpan<byte> FragmentData;

    /// <summary>
    /// The outermost IP header's transport, for flows (docs/analysis.md, "5. Conversations"): its protocol number
    /// (after IPv6 extension headers; a fragment's protocol) — set with <see cref="OuterProtocolKnown"/>. When
    /// <see cref="OuterPortsKnown"/>: TCP, UDP and SCTP ports, or ICMP/ICMPv6 type (source) and code (destination).
    /// Unlike <see cref="Transport"/>, never the header of a tunnelled packet.
    /// </summary>
    public bool OuterProtocolKnown;
    public byte OuterProtocol;
    public bool OuterPortsKnown;
    public ushort OuterSourcePort;
    public ushort OuterDestinationPort;
    /// <summary>The outermost TCP header's flags (0 for other protocols).</summary>
    public byte OuterTcpFlags;

    /// <summary>Why the frame was counted without being decoded; None when it was decoded (IP or not).</summary>
    public UndecodedCause Undecoded;

    /// <summary>The link type whose header could not be decoded (the inner one for PPI/PKTAP).</summary>
    public int UndecodedLinkType;

    /// <summary>For <see cref="UndecodedCause.DecoderFailure"/>: what the fallback decoder threw.</summary>
    public string? UndecodedDetail;

    /// <summary>Set when the frame looked like IP but its header was invalid (for a warning).</summary>
    public DecodeAnomaly Anomaly;

    /// <summary>Facts reported once per capture.</summary>
    public DecodeNotes Notes;

    /// <summary>How many tunnels (IP-in-IP, GRE, ERSPAN, VXLAN, GENEVE, GTP-U, Teredo) the transport fields are inside.</summary>
    public int TunnelDepth;

    /// <summary>Where the address-bearing headers are, when the caller asked (the slicer's rewriting); null otherwise.</summary>
    internal PacketTrail? Trail;

    public readonly bool LinkTypeUnsupported => Undecoded == UndecodedCause.UnsupportedLinkType;

    public readonly bool IpLengthFromWire => (Notes & DecodeNotes.IpLengthFromWire) != 0;
}
#pragma warning restore CA1051
