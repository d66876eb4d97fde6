using PcapViz.Analysis;
using PcapViz.Model;

namespace PcapViz.Rendering.Pdf.Tests;

/// <summary>Hand-built results with a fixed clock and version; no reader or analysis is involved.</summary>
internal static class Fixtures
{
    public const string Version = "0.0.0-test";
    public static readonly DateTimeOffset Clock = new(2024, 5, 6, 7, 8, 9, TimeSpan.Zero);

    public const string KnownSha = "3f9a1c0d2e4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff";
    public const string TopAddress = "192.0.2.17";
    public const string TopName = "updates.example.com";

    /// <summary>2024-03-01 12:00:00 UTC.</summary>
    private const long Start = 1_709_294_400;

    public static RunInfo Info { get; } = new(Version, Clock, ["captures/"], [new("--top", "20"), new("--timezone", "UTC")]);

    public static PdfReportOptions Options(int top = 20, PaperSize paper = PaperSize.A4, TimeZoneInfo? zone = null) =>
        new(top, paper) { TimeZone = zone ?? TimeZoneInfo.Utc };

    /// <summary>An hour of traffic: 1,800 bins of 2 s, 600 source addresses, 250 query names.</summary>
    public static CaptureResult Realistic(string id = "office-lan", string path = "site-a/office-lan.pcapng", string sha = KnownSha)
    {
        var addresses = new List<SourceIpEntry> { new(TopAddress, 4, 1_250_000, 912_345_678) };
        for (int i = 1; i < 600; i++)
        {
            long packets = 600_000 / (i + 1) + 7;
            string address = i % 5 == 0 ? $"2001:db8:{i:x}::{i % 7 + 1:x}" : $"10.{i / 250}.{i % 250}.{(i * 7) % 250 + 1}";
            addresses.Add(new SourceIpEntry(address, address.Contains(':') ? 6 : 4, packets, packets * 612));
        }
        var names = new List<DnsQueryEntry> { new(TopName, DnsProtocol.Dns, 48_211) };
        string[] tlds = ["com", "net", "org", "local", "internal"];
        for (int i = 1; i < 250; i++)
        {
            var protocol = i % 9 == 0 ? DnsProtocol.Mdns : i % 13 == 0 ? DnsProtocol.Llmnr : DnsProtocol.Dns;
            names.Add(new DnsQueryEntry($"host{i}.svc-{i % 17}.example.{tlds[i % tlds.Length]}", protocol, 20_000 / (i + 1) + 1));
        }
        var bins = new List<TrafficBin>();
        for (int i = 0; i < 1800; i++)
        {
            long packets = 900 + (i * 37 % 400) + (i is >= 700 and < 760 ? 6000 : 0);
            bins.Add(new TrafficBin(Start + 2L * i, packets, packets * 730));
        }
        var summary = new CaptureSummary(
            Packets: 4_321_987, Ipv4Packets: 4_000_001, Ipv6Packets: 300_000, CapturedBytes: 3_123_456_789, IpBytes: 2_987_654_321,
            FirstPacketEpochNanos: Start * 1_000_000_000L + 123_456_000, LastPacketEpochNanos: (Start + 3599) * 1_000_000_000L + 987_654_000,
            UndecodedPackets: 12, MalformedDnsMessages: 3);
        return new CaptureResult(
            id,
            new CaptureInput(path, "/data/" + path, 3_210_987_654, sha, Clock),
            CaptureStatus.Ok,
            new CaptureFileInfo(CaptureFormat.PcapNg, CaptureCompression.None, [1, 113], "microseconds"),
            summary,
            new SourceIpResult(addresses, DistinctLimit.NotExceeded(AnalysisOptions.DefaultMaxDistinct)),
            new DnsQueryResult(names, DistinctLimit.NotExceeded(AnalysisOptions.DefaultMaxDistinct)),
            new TrafficResult(2, bins),
            [new CaptureIssue(IssueSeverity.Warning, "unknown-link-type", "12 frames of link type 147 were counted but not decoded.", null, 4711)]);
    }

    /// <summary>A few packets: 10 bins, 3 addresses, 2 names.</summary>
    public static CaptureResult Small(string id, string path, string sha)
    {
        var bins = Enumerable.Range(0, 10).Select(i => new TrafficBin(Start + 2L * i, 3 + i % 4, (3 + i % 4) * 100)).ToList();
        return new CaptureResult(
            id,
            new CaptureInput(path, "/data/" + path, 4_096, sha, Clock),
            CaptureStatus.Ok,
            new CaptureFileInfo(CaptureFormat.Pcap, CaptureCompression.Gzip, [1], "nanoseconds"),
            new CaptureSummary(45, 40, 5, 6_000, 4_500, Start * 1_000_000_000L, (Start + 19) * 1_000_000_000L, 0, 0),
            new SourceIpResult([new("10.1.1.1", 4, 30, 3000), new("fe80::1", 6, 5, 500), new("10.1.1.2", 4, 10, 1000)], DistinctLimit.NotExceeded(1000)),
            new DnsQueryResult([new("printer.local", DnsProtocol.Mdns, 4), new("wpad", DnsProtocol.Llmnr, 1)], DistinctLimit.NotExceeded(1000)),
            new TrafficResult(2, bins),
            []);
    }

    /// <summary>A long timeline: <paramref name="count"/> bins of <paramref name="binSeconds"/>, with a spike.</summary>
    public static CaptureResult LongTimeline(int binSeconds, int count)
    {
        var c = Small("long", "long-" + binSeconds + ".pcap", new string('c', 64));
        long start = Start / binSeconds * binSeconds;
        var bins = Enumerable.Range(0, count).Select(i => new TrafficBin(start + (long)binSeconds * i, 10 + i % 50, (10 + i % 50) * 1000L * (i == count / 3 ? 40 : 1))).ToList();
        return c with { Traffic = new TrafficResult(binSeconds, bins) };
    }

    public static CaptureResult Failed(string id = "broken", string path = "incoming/broken.pcap", int issues = 1)
    {
        var list = Enumerable.Range(0, issues).Select(i => new CaptureIssue(
            IssueSeverity.Error, i == 0 ? "not-a-capture" : "bad-block",
            i == 0 ? "The file starts with 50 4B 03 04: this is a ZIP archive, not pcap or pcapng." : $"Block {i} claims a length of 4294967295 bytes.",
            i * 64L, null)).ToList();
        return new CaptureResult(id, new CaptureInput(path, "/data/" + path, 1_234, new string('0', 63) + "1", Clock),
            CaptureStatus.Failed, null, CaptureSummary.Empty,
            new SourceIpResult([], DistinctLimit.NotExceeded(1000)), new DnsQueryResult([], DistinctLimit.NotExceeded(1000)),
            TrafficResult.Empty, list);
    }

    public static CaptureResult Empty(string id = "empty", string path = "empty.pcap") =>
        new(id, new CaptureInput(path, "/data/" + path, 24, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Clock),
            CaptureStatus.Ok, new CaptureFileInfo(CaptureFormat.Pcap, CaptureCompression.None, [1], "microseconds"), CaptureSummary.Empty,
            new SourceIpResult([], DistinctLimit.NotExceeded(1000)), new DnsQueryResult([], DistinctLimit.NotExceeded(1000)),
            TrafficResult.Empty, []);

    /// <summary>Limits hit, packets stamped 1970 (a gap in the timeline), huge counts, 500 issues, Partial status.</summary>
    public static CaptureResult Troubled()
    {
        var c = Realistic("troubled", "troubled.pcap", "ab".PadRight(64, 'c'));
        var issues = Enumerable.Range(0, 500).Select(i => new CaptureIssue(
            i % 3 == 0 ? IssueSeverity.Error : IssueSeverity.Warning, "truncated-record", $"Record {i} runs past the end of the file.", 1_000_000L + i * 100, i)).ToList();
        return c with
        {
            Status = CaptureStatus.Partial,
            Summary = c.Summary with { Packets = 9_876_543_210_123, CapturedBytes = 8_765_432_109_876_543 },
            SourceIps = c.SourceIps with { Limit = new DistinctLimit(1000, true, 77_777, 5_555_555, 1_234) },
            DnsQueries = c.DnsQueries with { Limit = new DistinctLimit(1000, true, 888, 0, 12) },
            Traffic = c.Traffic with { Bins = [new TrafficBin(0, 3, 180), .. c.Traffic.Bins] }, // 3 packets stamped 1970: a gap
            Issues = issues,
        };
    }

    public const string RtlName = "שלום-עולם.مرحبا";

    /// <summary>Very long, non-ASCII, control bytes, bidi overrides, combining marks, right-to-left text.</summary>
    public static CaptureResult Hostile()
    {
        string longLabel = string.Concat(Enumerable.Repeat("verylonglabel", 5));
        string longName = string.Join('.', Enumerable.Repeat(longLabel, 4)) + ".example";
        string path = "evil/" + new string('x', 300) + "/\u202Egnp.exe\u0007\u0000\u001b[31m" + RtlName + "/Z\u0351\u0352\u0353a\u0300\u0301lgo\uD83D\uDE00/\uD800lonely/" +
                      "日本語のファイル名-" + new string('長', 80) + ".pcapng";
        var names = new List<DnsQueryEntry>
        {
            new(longName, DnsProtocol.Dns, 999_999_999),
            new("\\000\\001\\255weird\\.label.example", DnsProtocol.Dns, 42),
            new(RtlName + ".example", DnsProtocol.Mdns, 41),
            new("e\u0301\u0301\u0301\u0301\u0301.combining.example", DnsProtocol.Llmnr, 40),
            new(new string('W', 400), DnsProtocol.Dns, 39),
        };
        var c = Realistic("hostile", path, "f".PadRight(64, 'e'));
        return c with
        {
            DnsQueries = new DnsQueryResult(names, DistinctLimit.NotExceeded(1000)),
            SourceIps = new SourceIpResult(
                [new("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 6, long.MaxValue / 4, long.MaxValue / 2), .. c.SourceIps.Entries.Skip(1)],
                c.SourceIps.Limit),
            Issues =
            [
                new CaptureIssue(IssueSeverity.Error, "bad-name\u0000\u202E", "Name " + longName + " " + RtlName + " \u0008\u0009 " + new string('m', 500), long.MaxValue, long.MaxValue),
            ],
        };
    }

    public static RunResult Run(IReadOnlyList<CaptureResult> captures)
    {
        var readable = captures.Where(c => c.Status != CaptureStatus.Failed).ToList();
        var totals = new CaptureSummary(
            readable.Sum(c => c.Summary.Packets), readable.Sum(c => c.Summary.Ipv4Packets), readable.Sum(c => c.Summary.Ipv6Packets),
            readable.Sum(c => c.Summary.CapturedBytes), readable.Sum(c => c.Summary.IpBytes),
            readable.Min(c => c.Summary.FirstPacketEpochNanos), readable.Max(c => c.Summary.LastPacketEpochNanos), 0, 0);
        var first = readable.First(c => c.Summary.Packets > 0);
        return new RunResult(Info, new AnalysisSettings(), captures, totals, first.SourceIps, first.DnsQueries, first.Traffic,
            [new SkippedInput("notes/readme.txt", "not a capture (text file)")]);
    }

    public static RunResult FiveCaptureRun() => Run(
    [
        Realistic(),
        Small("dmz", "site-b/dmz.pcap.gz", "1111111111111111111111111111111111111111111111111111111111111111"),
        Failed(),
        Empty(),
        Small("lab", "site-b/lab.pcap", "2222222222222222222222222222222222222222222222222222222222222222"),
    ]);
}
