using System.Globalization;
using PcapViz.Model;

namespace PcapViz.Rendering.Pdf.Report;

/// <summary>Numbers for people: invariant culture, thousands separators, units spelled out.</summary>
internal static class Fmt
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Int(long value) => value.ToString("#,0", Inv);

    public static string Int(int value) => value.ToString("#,0", Inv);

    /// <summary>"12,345,678 bytes (12.3 MB)".</summary>
    public static string Bytes(long bytes) =>
        bytes < 1000 ? $"{Int(bytes)} bytes" : $"{Int(bytes)} bytes ({Short(bytes)}B)";

    /// <summary>"1.5 k", "12 M", "3.2 G" (SI, 1 k = 1,000); plain numbers below 1,000.</summary>
    public static string Short(double value)
    {
        double abs = Math.Abs(value);
        string[] units = ["", " k", " M", " G", " T", " P", " E"];
        int u = 0;
        while (abs >= 999.95 && u < units.Length - 1)
        {
            abs /= 1000;
            value /= 1000;
            u++;
        }
        if (u == 0) return value == Math.Floor(value) ? value.ToString("#,0", Inv) + " " : value.ToString("0.##", Inv) + " ";
        return value.ToString(abs >= 100 ? "0" : abs >= 10 ? "0.#" : "0.##", Inv) + units[u];
    }

    /// <summary>Axis tick label: like <see cref="Short"/> without the trailing space.</summary>
    public static string Axis(double value) => Short(value).TrimEnd();

    public static string Percent(long part, long total) =>
        total <= 0 ? "–" : (100.0 * part / total).ToString(part == total ? "0" : "0.00", Inv) + " %";

    public static string Rate(double bytesPerSecond) =>
        $"{Short(bytesPerSecond)}B/s ({Short(bytesPerSecond * 8)}bit/s)";

    public static string ShortHash(string sha256) => sha256.Length > 12 ? sha256[..12] : sha256;

    public static string Time(long? epochNanos, TimeZoneInfo zone) =>
        epochNanos is long n ? TimeFormat.Display(n, zone) : "–";

    public static string Status(CaptureStatus status) => status switch
    {
        CaptureStatus.Ok => "OK",
        CaptureStatus.Partial => "Partial (read with errors)",
        CaptureStatus.Failed => "Failed (not read)",
        _ => status.ToString(),
    };

    public static string StatusShort(CaptureStatus status) => status switch
    {
        CaptureStatus.Ok => "OK",
        CaptureStatus.Partial => "Partial",
        CaptureStatus.Failed => "Failed",
        _ => status.ToString(),
    };

    public static string Protocol(DnsProtocol protocol) => protocol switch
    {
        DnsProtocol.Dns => "dns",
        DnsProtocol.Mdns => "mdns",
        DnsProtocol.Llmnr => "llmnr",
        _ => protocol.ToString().ToLowerInvariant(),
    };

    public static string Format(CaptureFileInfo? file) => file is null ? "unknown (not read)" :
        (file.Format switch { CaptureFormat.Pcap => "pcap", CaptureFormat.PcapNg => "pcapng", _ => "unknown" }) +
        (file.Compression == CaptureCompression.Gzip ? ", gzip-compressed" : "") +
        $", {file.TimestampPrecision} timestamps";

    public static string LinkTypes(IReadOnlyList<int> linkTypes) =>
        linkTypes.Count == 0 ? "none" : string.Join(", ", linkTypes.Select(t => LinkTypeName(t) is { } n ? $"{t} ({n})" : Int(t)));

    private static string? LinkTypeName(int linkType) => linkType switch
    {
        0 => "BSD loopback",
        1 => "Ethernet",
        9 => "PPP",
        101 => "raw IP",
        105 => "IEEE 802.11",
        108 => "OpenBSD loopback",
        113 => "Linux cooked",
        127 => "802.11 radiotap",
        228 => "raw IPv4",
        229 => "raw IPv6",
        276 => "Linux cooked v2",
        _ => null,
    };

    public static string Issues(IReadOnlyList<CaptureIssue> issues)
    {
        if (issues.Count == 0) return "none";
        int errors = issues.Count(i => i.Severity == IssueSeverity.Error);
        int warnings = issues.Count - errors;
        return $"{Int(errors)} error{(errors == 1 ? "" : "s")}, {Int(warnings)} warning{(warnings == 1 ? "" : "s")}";
    }
}
