namespace PcapViz.Decoding;

/// <summary>EtherType values the decoder follows (IEEE 802 numbers; like gopacket's layers/enums.go, one place).</summary>
internal static class EtherTypes
{
    public const int Ipv4 = 0x0800;
    public const int Ipv6 = 0x86DD;
    public const int Vlan = 0x8100;
    public const int QinQ = 0x88A8;
    public const int VlanLegacy9100 = 0x9100;
    public const int VlanLegacy9200 = 0x9200;
    public const int VnTag = 0x8926;
    public const int PppoeSession = 0x8864;
    public const int MplsUnicast = 0x8847;
    public const int MplsMulticast = 0x8848;
    public const int TransparentEthernetBridging = 0x6558;
    public const int ErspanTypeII = 0x88BE;
    public const int ErspanTypeIII = 0x22EB;
    public const int Ppp = 0x880B;

    /// <summary>A type field at or below this is an IEEE 802.3 length, not an EtherType.</summary>
    public const int MaxLength8023 = 1500;
}

/// <summary>IP protocol / IPv6 next-header numbers (IANA "Assigned Internet Protocol Numbers").</summary>
internal static class IpProtocols
{
    public const byte HopByHop = 0;
    public const byte Icmp = 1;
    public const byte IpInIp = 4;
    public const byte Tcp = 6;
    public const byte Udp = 17;
    public const byte Ipv6 = 41;
    public const byte Ipv6Routing = 43;
    public const byte Ipv6Fragment = 44;
    public const byte Gre = 47;
    public const byte AuthenticationHeader = 51;
    public const byte IcmpV6 = 58;
    public const byte Ipv6DestinationOptions = 60;
    public const byte MobilityHeader = 135;
    public const byte HostIdentityProtocol = 139;
    public const byte Shim6 = 140;
    public const byte Sctp = 132;
}

/// <summary>PPP protocol numbers (RFC 1661 and IANA "PPP DLL Protocol Numbers").</summary>
internal static class PppProtocols
{
    public const int Ipv4 = 0x0021;
    public const int Ipv6 = 0x0057;
    public const int MplsUnicast = 0x0281;
    public const int MplsMulticast = 0x0283;
}

/// <summary>Well-known UDP/TCP ports the decoder and the DNS analysis recognise.</summary>
internal static class Ports
{
    public const ushort Dns = 53;
    public const ushort Mdns = 5353;
    public const ushort Llmnr = 5355;
    public const ushort Vxlan = 4789;
    public const ushort Geneve = 6081;
    public const ushort GtpUser = 2152;
    public const ushort Teredo = 3544;
}

/// <summary>Field offsets of the fixed IPv4 header (RFC 791).</summary>
internal static class Ipv4Fields
{
    public const int MinHeaderLength = 20;
    public const int TotalLength = 2;
    public const int Identification = 4;
    public const int FlagsAndFragmentOffset = 6;
    public const int Protocol = 9;
    public const int Source = 12;
    public const int Destination = 16;
    public const int AddressLength = 4;
    public const int MoreFragmentsFlag = 0x2000;
    public const int FragmentOffsetMask = 0x1FFF;
}

/// <summary>Field offsets of the fixed IPv6 header (RFC 8200) and its fragment header.</summary>
internal static class Ipv6Fields
{
    public const int HeaderLength = 40;
    public const int PayloadLength = 4;
    public const int NextHeader = 6;
    public const int Source = 8;
    public const int Destination = 24;
    public const int AddressLength = 16;
    public const int FragmentHeaderLength = 8;
    public const int FragmentOffsetAndFlags = 2;
    public const int FragmentIdentification = 4;
    public const int JumboOptionType = 0xC2;
}

/// <summary>Field offsets of the UDP and TCP headers.</summary>
internal static class TransportFields
{
    public const int UdpHeaderLength = 8;
    public const int UdpLength = 4;
    public const int TcpMinHeaderLength = 20;
    public const int TcpSequence = 4;
    public const int TcpDataOffset = 12;
    public const int TcpFlags = 13;
    public const byte TcpFin = 0x01;
    public const byte TcpSyn = 0x02;
    public const byte TcpRst = 0x04;
    public const byte TcpAck = 0x10;
    /// <summary>Bytes of a TCP, UDP or SCTP header that hold the two ports; of an ICMP header, type and code.</summary>
    public const int PortsLength = 4;
    public const int IcmpTypeAndCodeLength = 2;
}
