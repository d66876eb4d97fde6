using PcapViz.Model;

namespace PcapViz.Export;

/// <summary>The spellings of <see cref="Names"/> under their older name; new code uses <see cref="Names"/> directly.</summary>
public static class JsonNames
{
    public static string Of(CaptureFormat format) => Names.Of(format);

    public static string Of(CaptureCompression compression) => Names.Of(compression);

    public static string Of(CaptureStatus status) => Names.Of(status);

    public static string Of(DnsProtocol protocol) => Names.Of(protocol);

    public static string Of(IssueSeverity severity) => Names.Of(severity);

    public static string Of(IndicatorKind kind) => Names.Of(kind);
}
