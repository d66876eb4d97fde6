namespace PcapViz.Decoding;

/// <summary>LINKTYPE_ values (https://www.tcpdump.org/linktypes.html) that the fast decoder handles itself.</summary>
public static class LinkTypes
{
    public const int Null = 0;
    public const int Ethernet = 1;
    public const int Ppp = 9;
    public const int RawOpenBsd = 12;
    public const int RawBsdOs = 14;
    public const int PppHdlc = 50;
    public const int PppEthernet = 51;
    public const int Raw = 101;
    public const int CiscoHdlc = 104;
    public const int Ieee80211 = 105;
    public const int Loop = 108;
    public const int LinuxSll = 113;
    public const int Ieee80211Prism = 119;
    public const int Ieee80211Radiotap = 127;
    public const int ArcnetLinux = 129;
    public const int Ieee80211Avs = 163;
    public const int Ppi = 192;
    public const int Ipv4 = 228;
    public const int Ipv6 = 229;
    public const int NfLog = 239;
    public const int IpOverInfiniBand = 242;
    public const int PktAp = 258;
    public const int LinuxSll2 = 276;

    /// <summary>The link type's name for people (<see cref="PcapViz.Model.Names.LinkType"/>).</summary>
    public static string Name(int linkType) => PcapViz.Model.Names.LinkType(linkType);
}
