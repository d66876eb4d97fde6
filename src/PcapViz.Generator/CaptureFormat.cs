namespace PcapViz.Generator;

/// <summary>Container format written by <see cref="SyntheticTraffic"/>.</summary>
public enum CaptureFormat
{
    Pcap,
    PcapNg,
}
