using PcapViz.Model;

namespace PcapViz.Export;

/// <summary>The one spelling of every enum value in JSON, CSV, templates and docs.</summary>
public static class JsonNames
{
    public static string Of(CaptureFormat format) => format switch
    {
        CaptureFormat.Pcap => "pcap",
        CaptureFormat.PcapNg => "pcapng",
        _ => "unknown",
    };

    public static string Of(CaptureCompression compression) => compression == CaptureCompression.Gzip ? "gzip" : "none";

    public static string Of(CaptureStatus status) => status switch
    {
        CaptureStatus.Ok => "ok",
        CaptureStatus.Partial => "partial",
        _ => "failed",
    };

    public static string Of(DnsProtocol protocol) => protocol switch
    {
        DnsProtocol.Dns => "dns",
        DnsProtocol.Mdns => "mdns",
        _ => "llmnr",
    };

    public static string Of(IssueSeverity severity) => severity == IssueSeverity.Error ? "error" : "warning";

    public static string Of(IndicatorKind kind) => kind switch
    {
        IndicatorKind.Address => "address",
        IndicatorKind.Name => "name",
        IndicatorKind.Domain => "domain",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
