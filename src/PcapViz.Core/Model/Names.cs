using System.Globalization;

namespace PcapViz.Model;

/// <summary>
/// One name per idea, in one place: how every status, format, compression, protocol, severity, link type and byte
/// unit is spelled in JSON, CSV, HTML and PDF alike, with parse counterparts that reject unknown values (a
/// misspelt or newer value in an analysis.json is an error, never silently a default).
/// </summary>
public static class Names
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    // ---- enums: the spelling in data files, pages and documents --------------------------------------------------

    /// <summary>The status as every output spells it: "ok", "partial", "failed".</summary>
    public static string Of(CaptureStatus status) => status switch
    {
        CaptureStatus.Ok => "ok",
        CaptureStatus.Partial => "partial",
        CaptureStatus.Failed => "failed",
        _ => throw Unknown(status),
    };

    /// <summary>What a status means, in a few words (for people, after the name).</summary>
    public static string Describe(CaptureStatus status) => status switch
    {
        CaptureStatus.Ok => "read to the end without errors",
        CaptureStatus.Partial => "read with errors; what was read before them is counted",
        CaptureStatus.Failed => "not readable as a capture",
        _ => throw Unknown(status),
    };

    /// <summary>The container format as every output spells it: "pcap", "pcapng", "unknown".</summary>
    public static string Of(CaptureFormat format) => format switch
    {
        CaptureFormat.Pcap => "pcap",
        CaptureFormat.PcapNg => "pcapng",
        CaptureFormat.Unknown => "unknown",
        _ => throw Unknown(format),
    };

    /// <summary>The compression as every output spells it: "none", "gzip".</summary>
    public static string Of(CaptureCompression compression) => compression switch
    {
        CaptureCompression.None => "none",
        CaptureCompression.Gzip => "gzip",
        _ => throw Unknown(compression),
    };

    /// <summary>The name protocol as every output spells it: "dns", "mdns", "llmnr".</summary>
    public static string Of(DnsProtocol protocol) => protocol switch
    {
        DnsProtocol.Dns => "dns",
        DnsProtocol.Mdns => "mdns",
        DnsProtocol.Llmnr => "llmnr",
        _ => throw Unknown(protocol),
    };

    /// <summary>The severity as every output spells it: "warning", "error".</summary>
    public static string Of(IssueSeverity severity) => severity switch
    {
        IssueSeverity.Warning => "warning",
        IssueSeverity.Error => "error",
        _ => throw Unknown(severity),
    };

    /// <summary>A score in 0..1 (beacon score and its components) as every page, PDF and highlight shows it: two decimals.</summary>
    public static string Score(double value) => value.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A flow's transport by IP protocol number: tcp, udp, sctp, icmp, icmpv6, or "ip" for any other number.</summary>
    public static string OfIpProtocol(int protocol) => protocol switch
    {
        6 => "tcp",
        17 => "udp",
        132 => "sctp",
        1 => "icmp",
        58 => "icmpv6",
        _ => "ip",
    };

    /// <summary>Counts as a row of eighth blocks (▁ to █, a space for 0), scaled to the largest: a histogram in text.</summary>
    public static string Sparkline(IReadOnlyList<int> counts)
    {
        const string Blocks = "▁▂▃▄▅▆▇█";
        int max = counts.Count == 0 ? 0 : counts.Max();
        return string.Concat(counts.Select(c => c <= 0 || max <= 0 ? ' ' : Blocks[Math.Min(7, (int)((long)(c - 1) * 8 / max))]));
    }

    /// <summary>The protocol number of a transport written by <see cref="OfIpProtocol"/> (tcp, udp, sctp, icmp, icmpv6).</summary>
    internal static int ParseIpProtocol(string? name) => name switch
    {
        "tcp" => 6,
        "udp" => 17,
        "sctp" => 132,
        "icmp" => 1,
        "icmpv6" => 58,
        _ => throw new InvalidDataException($"'{name}' is not a transport PcapViz writes (tcp, udp, sctp, icmp, icmpv6)."),
    };

    /// <summary>The TCP flags seen in a flow as words in a fixed order: "syn syn-ack fin rst" (empty for none).</summary>
    public static IReadOnlyList<string> Of(TcpFlagsSeen flags)
    {
        if (flags == TcpFlagsSeen.None) return [];
        var words = new List<string>(4);
        if ((flags & TcpFlagsSeen.Syn) != 0) words.Add("syn");
        if ((flags & TcpFlagsSeen.SynAck) != 0) words.Add("syn-ack");
        if ((flags & TcpFlagsSeen.Fin) != 0) words.Add("fin");
        if ((flags & TcpFlagsSeen.Rst) != 0) words.Add("rst");
        return words;
    }

    internal static TcpFlagsSeen ParseTcpFlag(string? value) => value switch
    {
        "syn" => TcpFlagsSeen.Syn,
        "syn-ack" => TcpFlagsSeen.SynAck,
        "fin" => TcpFlagsSeen.Fin,
        "rst" => TcpFlagsSeen.Rst,
        _ => throw new InvalidDataException($"Unknown TCP flag '{value}': expected syn, syn-ack, fin, rst."),
    };

    /// <summary>The indicator kind as every output and the history database spell it: "address", "name", "domain", "server-name", "ja4", "ja3".</summary>
    public static string Of(IndicatorKind kind) => kind switch
    {
        IndicatorKind.Address => "address",
        IndicatorKind.Name => "name",
        IndicatorKind.Domain => "domain",
        IndicatorKind.ServerName => "server-name",
        IndicatorKind.Ja4 => "ja4",
        IndicatorKind.Ja3 => "ja3",
        _ => throw Unknown(kind),
    };

    /// <summary>The trend metric of the NXDOMAIN share (<see cref="DnsShares.Nxdomain"/>), as history.json and the deviations name it.</summary>
    public const string NxdomainShareMetric = "nxdomainShare";

    /// <summary>A trend metric's name for people (<see cref="TrendDeviation.Metric"/>).</summary>
    internal static string TrendMetric(string metric) => metric switch
    {
        "packets" => "Packets",
        "ipBytes" => "IP bytes",
        "distinctSources" => "Distinct sources",
        "distinctNames" => "Distinct names",
        NxdomainShareMetric => "NXDOMAIN share",
        "failedCaptures" => "Failed captures",
        _ => metric,
    };

    /// <summary>A trend metric's value: a share in per cent, a count grouped ("1,234").</summary>
    internal static string TrendValue(string metric, double value) => metric == NxdomainShareMetric
        ? (100 * value).ToString("0.0", Inv) + " %"
        : value == Math.Floor(value) ? ((long)value).ToString("#,0", Inv) : value.ToString("#,0.#", Inv);

    internal static CaptureStatus ParseStatus(string? text) => Parse(text, "status", [CaptureStatus.Ok, CaptureStatus.Partial, CaptureStatus.Failed], Of);

    internal static CaptureFormat ParseFormat(string? text) => Parse(text, "format", [CaptureFormat.Pcap, CaptureFormat.PcapNg, CaptureFormat.Unknown], Of);

    internal static CaptureCompression ParseCompression(string? text) => Parse(text, "compression", [CaptureCompression.None, CaptureCompression.Gzip], Of);

    internal static DnsProtocol ParseProtocol(string? text) => Parse(text, "protocol", [DnsProtocol.Dns, DnsProtocol.Mdns, DnsProtocol.Llmnr], Of);

    internal static IssueSeverity ParseSeverity(string? text) => Parse(text, "severity", [IssueSeverity.Warning, IssueSeverity.Error], Of);

    /// <summary>Timestamp precisions a reader reports (<see cref="CaptureFileInfo.TimestampPrecision"/>).</summary>
    public const string Microseconds = "microseconds";

    /// <summary>Nanosecond timestamps (nanosecond pcap magic, or a pcapng interface with if_tsresol 9).</summary>
    public const string Nanoseconds = "nanoseconds";

    internal static string ParseTimestampPrecision(string? text) => text switch
    {
        Microseconds => Microseconds,
        Nanoseconds => Nanoseconds,
        _ => throw new InvalidDataException($"Unknown timestampPrecision '{text}': expected {Microseconds} or {Nanoseconds}."),
    };

    private static T Parse<T>(string? text, string what, T[] values, Func<T, string> name) where T : struct, Enum
    {
        foreach (var value in values)
            if (string.Equals(name(value), text, StringComparison.Ordinal)) return value;
        throw new InvalidDataException($"Unknown {what} '{text}': expected {string.Join(", ", values.Select(name))}.");
    }

    private static ArgumentOutOfRangeException Unknown<T>(T value) where T : struct, Enum =>
        new(nameof(value), value, $"{typeof(T).Name} has no name for this value.");

    // ---- link types (https://www.tcpdump.org/linktypes.html) ------------------------------------------------------

    /// <summary>The link type for people: "Ethernet", "802.11 with radiotap header"; "unknown link type" otherwise.</summary>
    public static string LinkType(int linkType) => linkType switch
    {
        0 => "BSD loopback",
        1 => "Ethernet",
        9 => "PPP",
        12 or 14 or 101 => "raw IP",
        50 => "PPP in HDLC-like framing",
        51 => "PPPoE",
        104 => "Cisco HDLC",
        105 => "IEEE 802.11",
        108 => "OpenBSD loopback",
        113 => "Linux cooked capture (SLL)",
        119 => "802.11 with Prism header",
        127 => "802.11 with radiotap header",
        129 => "ARCnet (Linux)",
        163 => "802.11 with AVS header",
        192 => "PPI",
        228 => "raw IPv4",
        229 => "raw IPv6",
        239 => "Linux netfilter log (NFLOG)",
        242 => "IP over InfiniBand",
        258 => "Apple PKTAP",
        276 => "Linux cooked capture v2 (SLL2)",
        _ => "unknown link type",
    };

    /// <summary>"1 (Ethernet)": the number as the file holds it, then its name.</summary>
    public static string LinkTypeWithNumber(int linkType) =>
        linkType.ToString(Inv) + " (" + LinkType(linkType) + ")";

    // ---- byte units: IEC binary prefixes (1 KiB = 1,024 bytes), everywhere ------------------------------------------

    private static readonly string[] BinaryUnits = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

    /// <summary>"512 bytes", "1 byte", "11.8 MiB", "1.21 GiB": three significant digits past 1,024 bytes.</summary>
    public static string Bytes(double bytes)
    {
        double abs = Math.Abs(bytes);
        if (abs < 1024)
        {
            string n = Math.Round(bytes).ToString("#,0", Inv);
            return n + (n is "1" or "-1" ? " byte" : " bytes");
        }
        int unit = -1;
        while (abs >= 1023.995 && unit < BinaryUnits.Length - 1)
        {
            abs /= 1024;
            bytes /= 1024;
            unit++;
        }
        return bytes.ToString(abs >= 99.95 ? "0" : abs >= 9.995 ? "0.0" : "0.00", Inv) + " " + BinaryUnits[unit];
    }

    /// <summary>The exact count with the unit written out, then the rounded size: "12,345,678 bytes (11.8 MiB)".</summary>
    public static string ByteCount(long bytes) =>
        Math.Abs(bytes) < 1024 ? Bytes(bytes) : bytes.ToString("#,0", Inv) + " bytes (" + Bytes(bytes) + ")";

    /// <summary>A byte rate: "46.8 KiB/s".</summary>
    public static string ByteRate(double bytesPerSecond) => Bytes(bytesPerSecond) + "/s";

    /// <summary>"1 capture", "3 captures": a count with the noun in the right number (invariant thousands separators).</summary>
    public static string Count(long n, string singular, string? plural = null) =>
        n.ToString("#,0", Inv) + " " + (n == 1 ? singular : plural ?? singular + "s");
}
