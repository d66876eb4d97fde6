using PcapViz.Analysis;
using PcapViz.Export;
using PcapViz.Model;

namespace PcapViz.Rendering.Html.Tests;

/// <summary>Hand-built result models with a fixed clock and version.</summary>
internal static class Fixtures
{
    public const string Version = "0.0.0-test";
    public static readonly DateTimeOffset Clock = new(2024, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A realistic capture: 40 sources, 30 names (one mDNS and one LLMNR), 300 two-second bins.</summary>
    public static CaptureResult Normal(string id = "office-01", string path = "site-a/office-01.pcapng", int sources = 40, int names = 30, int bins = 300)
    {
        const long start = 1_709_193_600; // 2024-02-29T08:00:00Z
        var sourceEntries = Enumerable.Range(0, sources)
            .Select(i => i % 5 == 4
                ? new SourceIpEntry($"2001:db8::{i:x}", 6, 5000 - i * 100, (5000 - i * 100) * 120L)
                : new SourceIpEntry($"10.0.{i / 250}.{i % 250 + 1}", 4, 5000 - i * 100, (5000 - i * 100) * 600L))
            .ToArray();
        var nameEntries = Enumerable.Range(0, names)
            .Select(i => i switch
            {
                3 => new DnsQueryEntry("printer.local", DnsProtocol.Mdns, 300 - i * 9),
                5 => new DnsQueryEntry("fileserver", DnsProtocol.Llmnr, 300 - i * 9),
                7 => new DnsQueryEntry("a-very-long-label-to-see-that-names-stay-readable.cdn.example-content-delivery.net", DnsProtocol.Dns, 300 - i * 9),
                _ => new DnsQueryEntry($"host{i}.example.com", DnsProtocol.Dns, 300 - i * 9),
            }).ToArray();
        var traffic = new TrafficResult(2,
            Enumerable.Range(0, bins).Select(i => new TrafficBin(start + 2L * i, i % 50 == 7 ? 0 : 40 + (i * 37 % 90), i % 50 == 7 ? 0 : 30_000 + (i * 7919 % 60_000))).ToArray());
        long packets = sourceEntries.Sum(e => e.Packets) + 120;
        var summary = new CaptureSummary(packets, sourceEntries.Where(e => e.Version == 4).Sum(e => e.Packets), sourceEntries.Where(e => e.Version == 6).Sum(e => e.Packets),
            packets * 700, sourceEntries.Sum(e => e.IpBytes), start * 1_000_000_000L + 123_456_000, (start + 2L * bins - 1) * 1_000_000_000L + 987_654_000, 120, 2);
        return new CaptureResult(id,
            new CaptureInput(path, "/data/in/" + path, 12_345_678, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Clock),
            CaptureStatus.Ok,
            new CaptureFileInfo(CaptureFormat.PcapNg, CaptureCompression.None, [1, 113], "microseconds"),
            summary,
            new SourceIpResult(sourceEntries, DistinctLimit.NotExceeded(AnalysisOptions.DefaultMaxDistinct)),
            new DnsQueryResult(nameEntries, DistinctLimit.NotExceeded(AnalysisOptions.DefaultMaxDistinct)),
            traffic,
            [new CaptureIssue(IssueSeverity.Warning, "undecoded-link-type", "120 frames of link type 105 were counted but not decoded.", null, null)]);
    }

    /// <summary>A partial capture that hit the distinct limit, has packets stamped 1970 (a gap in its timeline) and ends early.</summary>
    public static CaptureResult Limited()
    {
        var c = Normal("branch-02", "site-b/branch-02.pcap.gz", sources: 12, names: 8, bins: 40);
        return c with
        {
            Status = CaptureStatus.Partial,
            File = new CaptureFileInfo(CaptureFormat.Pcap, CaptureCompression.Gzip, [1], "nanoseconds"),
            SourceIps = c.SourceIps with { Limit = new DistinctLimit(12, true, 345, 67_890, 17) },
            DnsQueries = c.DnsQueries with { Limit = new DistinctLimit(8, true, 21, 0, 3) },
            Traffic = c.Traffic with { Bins = [new TrafficBin(0, 4, 256), .. c.Traffic.Bins] }, // 4 packets stamped 1970: a gap
            Issues =
            [
                new CaptureIssue(IssueSeverity.Warning, "far-timestamp", "4 packets have timestamps more than a year away from the median.", 4096, 17),
                new CaptureIssue(IssueSeverity.Error, "truncated-record", "Record at byte offset 1,048,576 claims 1514 bytes but only 200 remain.", 1_048_576, 2_000),
            ],
        };
    }

    public static CaptureResult Empty() => new("empty-03", new CaptureInput("site-b/empty-03.pcap", "/data/in/site-b/empty-03.pcap", 24, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Clock),
        CaptureStatus.Ok, new CaptureFileInfo(CaptureFormat.Pcap, CaptureCompression.None, [1], "microseconds"), CaptureSummary.Empty,
        new SourceIpResult([], DistinctLimit.NotExceeded(AnalysisOptions.DefaultMaxDistinct)),
        new DnsQueryResult([], DistinctLimit.NotExceeded(AnalysisOptions.DefaultMaxDistinct)), TrafficResult.Empty, []);

    public static CaptureResult Failed() => new("notes-04", new CaptureInput("site-b/notes-04.pcap", "/data/in/site-b/notes-04.pcap", 1_234, "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", Clock),
        CaptureStatus.Failed, null, CaptureSummary.Empty,
        new SourceIpResult([], DistinctLimit.NotExceeded(AnalysisOptions.DefaultMaxDistinct)),
        new DnsQueryResult([], DistinctLimit.NotExceeded(AnalysisOptions.DefaultMaxDistinct)), TrafficResult.Empty,
        [new CaptureIssue(IssueSeverity.Error, "not-a-capture", "This is a text file (starts with \"# notes\"), not pcap or pcapng.", 0, null)]);

    /// <summary>Hostile strings in every place capture data reaches a page.</summary>
    public static readonly string[] Payloads =
    [
        "</script><script>document.title='pwned'</script>",
        "\"><img src=x onerror=\"window.__pwned=1\">",
        "{{ 1+1 }}",
        "a&amp;b<!--\u2028\u2029-->",
    ];

    public static CaptureResult Injection()
    {
        var c = Normal("inject-05", "evil/</script><script>document.title='pwned'</script>\"><img src=x onerror=\"window.__pwned=1\">{{ 1+1 }}.pcap", sources: 3, names: 0, bins: 10);
        var names = Payloads.Select((p, i) => new DnsQueryEntry(p, i == 2 ? DnsProtocol.Mdns : DnsProtocol.Dns, 50 - i)).ToArray();
        return c with
        {
            DnsQueries = new DnsQueryResult(names, DistinctLimit.NotExceeded(AnalysisOptions.DefaultMaxDistinct)),
            Issues = [new CaptureIssue(IssueSeverity.Warning, "dns-name", "odd name " + Payloads[0] + Payloads[1] + Payloads[2], null, null)],
        };
    }

    public static RunResult Run(params CaptureResult[] captures)
    {
        var readable = captures.Where(c => c.Status != CaptureStatus.Failed).ToArray();
        var sources = readable.SelectMany(c => c.SourceIps.Entries).GroupBy(e => e.Address)
            .Select(g => new SourceIpEntry(g.Key, g.First().Version, g.Sum(e => e.Packets), g.Sum(e => e.IpBytes)))
            .OrderByDescending(e => e.Packets).ThenBy(e => e.Address, StringComparer.Ordinal).ToArray();
        var names = readable.SelectMany(c => c.DnsQueries.Entries).GroupBy(e => (e.Name, e.Protocol))
            .Select(g => new DnsQueryEntry(g.Key.Name, g.Key.Protocol, g.Sum(e => e.Queries)))
            .OrderByDescending(e => e.Queries).ThenBy(e => e.Name, StringComparer.Ordinal).ToArray();
        var bins = readable.SelectMany(c => c.Traffic.Bins).GroupBy(b => b.StartEpochSeconds)
            .Select(g => new TrafficBin(g.Key, g.Sum(b => b.Packets), g.Sum(b => b.IpBytes))).OrderBy(b => b.StartEpochSeconds).ToArray();
        long? first = readable.Select(c => c.Summary.FirstPacketEpochNanos).Where(x => x is not null).Min();
        long? last = readable.Select(c => c.Summary.LastPacketEpochNanos).Where(x => x is not null).Max();
        var totals = new CaptureSummary(readable.Sum(c => c.Summary.Packets), readable.Sum(c => c.Summary.Ipv4Packets), readable.Sum(c => c.Summary.Ipv6Packets),
            readable.Sum(c => c.Summary.CapturedBytes), readable.Sum(c => c.Summary.IpBytes), first, last,
            readable.Sum(c => c.Summary.UndecodedPackets), readable.Sum(c => c.Summary.MalformedDnsMessages));
        var info = new RunInfo(Version, Clock, ["/data/in"],
            [new("--top", "20"), new("--timezone", "UTC"), new("--format", "json,csv,html,pdf"), new("--output", "/data/out")]);
        return new RunResult(info, new AnalysisSettings(), captures, totals,
            new SourceIpResult(sources, DistinctLimit.NotExceeded(AnalysisOptions.DefaultMaxDistinct)),
            new DnsQueryResult(names, DistinctLimit.NotExceeded(AnalysisOptions.DefaultMaxDistinct)),
            new TrafficResult(2, bins),
            [new SkippedInput("site-b/readme.txt", "not a capture (text file)")]);
    }

    public static RunResult StandardRun() => Run(Normal(), Limited(), Empty(), Failed());
}

/// <summary>Writes bundle files into a directory and counts how often each was created.</summary>
internal sealed class DirectorySink(string root) : IOutputSink
{
    public Dictionary<string, int> Created { get; } = new(StringComparer.Ordinal);

    public string Root { get; } = root;

    public Stream Create(string relativePath)
    {
        Created[relativePath] = Created.GetValueOrDefault(relativePath) + 1;
        string path = Path.Combine(Root, relativePath.Replace('/', Path.DirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return File.Create(path);
    }

    public static DirectorySink Fresh(string name)
    {
        string root = Path.Combine(AppContext.BaseDirectory, "artifacts", name);
        if (Directory.Exists(root)) Directory.Delete(root, true);
        Directory.CreateDirectory(root);
        return new DirectorySink(root);
    }
}

internal static class Bundle
{
    /// <summary>Writes the whole HTML part of a bundle (every capture page, the index, the asset).</summary>
    public static DirectorySink Write(string name, RunResult run, HtmlReportOptions? html = null)
    {
        var sink = DirectorySink.Fresh(name);
        var exporter = new HtmlReportExporter(html ?? HtmlReportOptions.Default);
        foreach (var c in run.Captures) exporter.ExportCapture(c, run, sink, CancellationToken.None);
        exporter.ExportRun(run, sink, CancellationToken.None);
        return sink;
    }
}
