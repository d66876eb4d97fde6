namespace PcapViz.Decoding;

public enum TransportProtocol : byte { None = 0, Tcp = 6, Udp = 17 }

// Plain fields on purpose: the decoder fills this on the hot path, once per packet, with no allocation.
#pragma warning disable CA1051 // Do not declare visible instance fields
/// <summary>What the decoder found in one frame. Spans point into the frame and live as long as it does.</summary>
public ref struct PacketView
{
    /// <summary>4 or 6 for the outermost network header, 0 when the frame carries no (valid) IP header.</summary>
    public int IpVersion;

    /// <summary>4 or 16 bytes of the outermost source address; empty when the capture cut the header before it.</summary>
    public ReadOnlySpan<byte> SourceAddress;

    /// <summary>IPv4 total length, or IPv6 payload length + 40 (jumbo payload length + 40 for jumbograms).</summary>
    public long IpBytes;

    /// <summary>
    /// The innermost UDP/TCP header found: inside a tunnel this is the tunnelled packet's, so DNS carried in a
    /// tunnel is seen, while the address and IP bytes above always describe the outermost header.
    /// </summary>
    public TransportProtocol Transport;
    public ushort SourcePort;
    public ushort DestinationPort;

    /// <summary>Transport payload as far as it was captured (bounded by the IP and UDP lengths, never by link padding).</summary>
    public ReadOnlySpan<byte> Payload;

    /// <summary>Set when the frame's link type is not one the decoder (or PacketDotNet) understands.</summary>
    public bool LinkTypeUnsupported;

    /// <summary>Non-null when the frame looked like IP but its header was invalid (for a per-capture warning).</summary>
    public string? Anomaly;

    /// <summary>How many tunnels (IP-in-IP, GRE, ERSPAN, VXLAN, GENEVE, GTP-U, Teredo) the transport fields are inside.</summary>
    public int TunnelDepth;

    /// <summary>IPv4 total length was 0 (TSO / BIG TCP): IP bytes were taken from the frame's length on the wire.</summary>
    public bool IpLengthFromWire;
}
#pragma warning restore CA1051
