namespace PcapViz.Generator;

/// <summary>LINKTYPE_ values from the tcpdump.org link-layer header type registry.</summary>
public static class LinkTypes
{
    public const ushort Null = 0;
    public const ushort Ethernet = 1;
    public const ushort Ppp = 9;
    public const ushort Raw = 101;
    public const ushort Ieee80211 = 105;
    public const ushort Loop = 108;
    public const ushort LinuxSll = 113;
    public const ushort Ieee80211Prism = 119;
    public const ushort Ieee80211Radiotap = 127;
    public const ushort Ieee80211Avs = 163;
    public const ushort Ppi = 192;
    public const ushort Ipv4 = 228;
    public const ushort Ipv6 = 229;
    public const ushort LinuxSll2 = 276;
}

/// <summary>Container format written by <see cref="SyntheticTraffic"/>.</summary>
public enum CaptureFormat
{
    Pcap,
    PcapNg,
}
