namespace PcapViz.Generator;

/// <summary>LINKTYPE_ values from the tcpdump.org link-layer header type registry.</summary>
public static class LinkTypes
{
    /// <summary>BSD loopback: a 4-byte address family in the capturing host's byte order, then the IP packet.</summary>
    public const ushort Null = 0;
    /// <summary>IEEE 802.3 Ethernet II (DIX) frames.</summary>
    public const ushort Ethernet = 1;
    /// <summary>PPP (RFC 1661), possibly in HDLC-like framing (RFC 1662): the protocol field, then the packet.</summary>
    public const ushort Ppp = 9;
    /// <summary>Raw IP: the packet without any link header, IPv4 or IPv6 by its version nibble.</summary>
    public const ushort Raw = 101;
    /// <summary>IEEE 802.11 frames without a radio header.</summary>
    public const ushort Ieee80211 = 105;
    /// <summary>OpenBSD loopback: like <see cref="Null"/>, with the address family in network byte order.</summary>
    public const ushort Loop = 108;
    /// <summary>Linux "cooked" capture v1: a 16-byte SLL header, then the packet.</summary>
    public const ushort LinuxSll = 113;
    /// <summary>IEEE 802.11 behind a 144-byte Prism monitor-mode header.</summary>
    public const ushort Ieee80211Prism = 119;
    /// <summary>IEEE 802.11 behind a radiotap header (its length is in the header).</summary>
    public const ushort Ieee80211Radiotap = 127;
    /// <summary>IEEE 802.11 behind an AVS monitor-mode header (its length is in the header).</summary>
    public const ushort Ieee80211Avs = 163;
    /// <summary>Per-Packet Information header (its length and the inner link type are in it), then the frame.</summary>
    public const ushort Ppi = 192;
    /// <summary>Raw IPv4: the packet without any link header.</summary>
    public const ushort Ipv4 = 228;
    /// <summary>Raw IPv6: the packet without any link header.</summary>
    public const ushort Ipv6 = 229;
    /// <summary>Linux "cooked" capture v2: a 20-byte SLL2 header, then the packet.</summary>
    public const ushort LinuxSll2 = 276;
}

/// <summary>Container format written by <see cref="SyntheticTraffic"/>.</summary>
public enum CaptureFormat
{
    /// <summary>Classic libpcap file: one global header, then records (with <see cref="SyntheticTrafficOptions.Gzip"/>, gzip-compressed).</summary>
    Pcap,
    /// <summary>pcapng (draft-ietf-opsawg-pcapng): section header, interface description and enhanced packet blocks.</summary>
    PcapNg,
}
