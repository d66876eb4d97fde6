namespace PcapViz.Generator;

/// <summary>Container format written by <see cref="SyntheticTraffic"/>.</summary>
public enum CaptureFormat
{
    /// <summary>Classic libpcap file: one global header, then records (with <see cref="SyntheticTrafficOptions.Gzip"/>, gzip-compressed).</summary>
    Pcap,
    /// <summary>pcapng (draft-ietf-opsawg-pcapng): section header, interface description and enhanced packet blocks.</summary>
    PcapNg,
}
