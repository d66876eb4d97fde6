using System.Globalization;
using PcapViz.Model;

namespace PcapViz.Rendering.Pdf.Report;

/// <summary>Numbers for people: invariant culture, thousands separators, units spelled out.</summary>
internal static class Fmt
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Int(long value) => value.ToString("#,0", Inv);

    public static string Int(int value) => value.ToString("#,0", Inv);

    /// <summary>"12,345,678 bytes (11.8 MiB)" (<see cref="Names.ByteCount"/>).</summary>
    public static string Bytes(long bytes) => Names.ByteCount(bytes);

    /// <summary>Counts on chart axes: "1.5 k", "12 M", "3.2 G" (1 k = 1,000); plain numbers below 1,000. Never for bytes.</summary>
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

    /// <summary>"46.8 KiB/s (384 kbit/s)": bytes in binary units, bits in decimal ones, as networks count them.</summary>
    public static string Rate(double bytesPerSecond) =>
        $"{Names.ByteRate(bytesPerSecond)} ({Short(bytesPerSecond * 8)}bit/s)";

    public static string ShortHash(string sha256) => sha256.Length > 12 ? sha256[..12] : sha256;

    public static string Time(long? epochNanos, TimeZoneInfo zone) =>
        epochNanos is long n ? TimeFormat.Display(n, zone) : "–";

    /// <summary>"partial (read with errors; …)": the name, then what it means.</summary>
    public static string Status(CaptureStatus status) => $"{Names.Of(status)} ({Names.Describe(status)})";

    public static string StatusShort(CaptureStatus status) => Names.Of(status);

    public static string Protocol(DnsProtocol protocol) => Names.Of(protocol);

    public static string Format(CaptureFileInfo? file) => file is null ? Names.Of(CaptureFormat.Unknown) + " (not read)" :
        Names.Of(file.Format) +
        (file.Compression == CaptureCompression.None ? "" : ", " + Names.Of(file.Compression) + "-compressed") +
        $", {file.TimestampPrecision} timestamps";

    public static string LinkTypes(IReadOnlyList<int> linkTypes) =>
        linkTypes.Count == 0 ? "none" : string.Join(", ", linkTypes.Select(Names.LinkTypeWithNumber));

    public static string Issues(IReadOnlyList<CaptureIssue> issues)
    {
        if (issues.Count == 0) return "none";
        int errors = issues.Count(i => i.Severity == IssueSeverity.Error);
        int warnings = issues.Count - errors;
        return $"{Int(errors)} error{(errors == 1 ? "" : "s")}, {Int(warnings)} warning{(warnings == 1 ? "" : "s")}";
    }
}
