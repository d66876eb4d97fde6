using System.Globalization;
using PcapViz.Model;

namespace PcapViz.Rendering.Html;

/// <summary>
/// Turns the result model into the plain values the templates show. Every value is a finished string (numbers with
/// invariant thousands separators, times through <see cref="TimeFormat"/>); the templates only escape and place them.
/// Members named <c>*_raw</c> hold markup or inline JSON that is already safe; nothing else is.
/// </summary>
internal static class PageModels
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string N(long value) => value.ToString("N0", Inv);

    public static string Bytes(long value) => Names.Bytes(value);

    public static string LinkTypeName(int linkType) => Names.LinkType(linkType);

    public static string Protocol(DnsProtocol p) => Names.Of(p);

    public static string Status(CaptureStatus s) => Names.Of(s);

    public static string Format(CaptureFileInfo? file) => file is null ? Names.Of(CaptureFormat.Unknown) :
        Names.Of(file.Format) + (file.Compression == CaptureCompression.None ? "" : " (" + Names.Of(file.Compression) + ")");

    public static string TimeRange(CaptureSummary s, TimeZoneInfo zone) =>
        s.FirstPacketEpochNanos is long f && s.LastPacketEpochNanos is long l
            ? TimeFormat.Display(f, zone) + " – " + TimeFormat.Display(l, zone) : "–";

    public static string FileName(string path)
    {
        int slash = path.LastIndexOf('/');
        return slash < 0 ? path : path[(slash + 1)..];
    }

    /// <summary>A relative link to a file of the bundle: each path segment percent-encoded.</summary>
    public static string Href(params string[] segments) => string.Join('/', segments.Select(Uri.EscapeDataString));

    public static object Card(string label, string value, string detail) => new { label, value, detail };

    public static object Link(string label, string href) => new { label, href };

    public static string SourcesLimitNote(DistinctLimit limit) => limit.Exceeded
        ? $"More than {N(limit.MaxDistinct)} distinct source addresses were seen; the rest were counted as \"other\" " +
          $"({N(limit.OtherPackets)} packets, {N(limit.OtherIpBytes)} IP bytes), so the counts listed may be low by at most {N(limit.MaxUndercount)} packets."
        : "";

    public static string DnsLimitNote(DistinctLimit limit) => limit.Exceeded
        ? $"More than {N(limit.MaxDistinct)} distinct query names were seen; the rest were counted as \"other\" " +
          $"({N(limit.OtherPackets)} queries), so the counts listed may be low by at most {N(limit.MaxUndercount)} queries."
        : "";

    /// <summary>Gaps listed one by one in a note before the rest are counted.</summary>
    public const int MaxGapsListed = 5;

    public static string GapsNote(TrafficResult traffic, TimeZoneInfo zone)
    {
        var gaps = traffic.Gaps;
        if (gaps.Count == 0) return "";
        var listed = string.Join("; ", gaps.Take(MaxGapsListed).Select(g => TimeFormat.Span(g.FromEpochSeconds, g.ToEpochSeconds, zone)));
        string more = gaps.Count > MaxGapsListed ? $"; and {N(gaps.Count - MaxGapsListed)} more (analysis.json lists every gap)" : "";
        return $"The timeline has {N(gaps.Count)} {(gaps.Count == 1 ? "gap" : "gaps")} without packets, each longer than {N(TrafficResult.MaxEmptyBinsInSegment)} bins, " +
               $"left out of the chart and the table and shown as breaks: {listed}{more}. Every packet is in a bin.";
    }
}
