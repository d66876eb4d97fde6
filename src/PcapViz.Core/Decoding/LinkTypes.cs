namespace PcapViz.Decoding;

/// <summary>LINKTYPE_ values (https://www.tcpdump.org/linktypes.html) that the fast decoder handles itself.</summary>
public static class LinkTypes
{
    /// <summary>BSD loopback: a 4-byte address family in the capturing host's byte order, then the packet.</summary>
    public const int Null = 0;
    /// <summary>Ethernet II / IEEE 802.3 (VLAN tags, MPLS and PPPoE are decoded behind it).</summary>
    public const int Ethernet = 1;
    /// <summary>PPP (RFC 1661), possibly in HDLC-like framing.</summary>
    public const int Ppp = 9;
    /// <summary>Raw IP as OpenBSD numbers it (DLT_RAW 12).</summary>
    public const int RawOpenBsd = 12;
    /// <summary>Raw IP as BSD/OS numbers it (DLT_RAW 14).</summary>
    public const int RawBsdOs = 14;
    /// <summary>PPP in HDLC-like framing (RFC 1662).</summary>
    public const int PppHdlc = 50;
    /// <summary>PPP over Ethernet (RFC 2516) without the Ethernet header: the PPPoE header, then PPP.</summary>
    public const int PppEthernet = 51;
    /// <summary>Raw IP: no link header, IPv4 or IPv6 by the version nibble.</summary>
    public const int Raw = 101;
    /// <summary>Cisco HDLC: address, control and an EtherType.</summary>
    public const int CiscoHdlc = 104;
    /// <summary>IEEE 802.11 frames without a radio header.</summary>
    public const int Ieee80211 = 105;
    /// <summary>OpenBSD loopback: a 4-byte address family in network byte order.</summary>
    public const int Loop = 108;
    /// <summary>Linux cooked capture v1 (16-byte SLL header).</summary>
    public const int LinuxSll = 113;
    /// <summary>IEEE 802.11 behind a Prism monitor-mode header.</summary>
    public const int Ieee80211Prism = 119;
    /// <summary>IEEE 802.11 behind a radiotap header.</summary>
    public const int Ieee80211Radiotap = 127;
    /// <summary>ARCnet as Linux captures it.</summary>
    public const int ArcnetLinux = 129;
    /// <summary>IEEE 802.11 behind an AVS monitor-mode header.</summary>
    public const int Ieee80211Avs = 163;
    /// <summary>Per-Packet Information header naming the inner link type.</summary>
    public const int Ppi = 192;
    /// <summary>Raw IPv4: no link header.</summary>
    public const int Ipv4 = 228;
    /// <summary>Raw IPv6: no link header.</summary>
    public const int Ipv6 = 229;
    /// <summary>Linux netfilter log (NFLOG): TLVs, one of them the packet.</summary>
    public const int NfLog = 239;
    /// <summary>IP over InfiniBand as Linux captures it: a pseudo-header of hardware addresses and an EtherType, then the packet.</summary>
    public const int IpOverInfiniBand = 242;
    /// <summary>Apple PKTAP: a header naming the inner link type, then the frame.</summary>
    public const int PktAp = 258;
    /// <summary>Linux cooked capture v2 (20-byte SLL2 header).</summary>
    public const int LinuxSll2 = 276;

    /// <summary>The link type's name for people (<see cref="PcapViz.Model.Names.LinkType"/>).</summary>
    public static string Name(int linkType) => PcapViz.Model.Names.LinkType(linkType);
}
