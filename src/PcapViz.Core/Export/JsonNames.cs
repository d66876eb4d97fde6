using PcapViz.Model;

namespace PcapViz.Export;

/// <summary>The spellings of <see cref="Names"/> under their older name; new code uses <see cref="Names"/> directly.</summary>
public static class JsonNames
{
    /// <inheritdoc cref="Names.Of(CaptureFormat)" />
    public static string Of(CaptureFormat format) => Names.Of(format);

    /// <inheritdoc cref="Names.Of(CaptureCompression)" />
    public static string Of(CaptureCompression compression) => Names.Of(compression);

    /// <inheritdoc cref="Names.Of(CaptureStatus)" />
    public static string Of(CaptureStatus status) => Names.Of(status);

    /// <inheritdoc cref="Names.Of(DnsProtocol)" />
    public static string Of(DnsProtocol protocol) => Names.Of(protocol);

    /// <inheritdoc cref="Names.Of(IssueSeverity)" />
    public static string Of(IssueSeverity severity) => Names.Of(severity);

    /// <inheritdoc cref="Names.Of(IndicatorKind)" />
    public static string Of(IndicatorKind kind) => Names.Of(kind);
}
