using PcapViz.View;

namespace PcapViz.Core.Tests;

public sealed class HighlightsTests
{
    private static CaptureResult Capture(string path, CaptureStatus status, IReadOnlyList<SourceIpEntry> sources, IReadOnlyList<CaptureIssue>? issues = null)
    {
        long packets = sources.Sum(s => s.Packets);
        const long start = 1_709_193_600_000_000_000; // 2024-02-29T08:00:00Z
        var summary = new CaptureSummary(packets, packets, 0, packets * 100, sources.Sum(s => s.IpBytes), start, start + 3_725_000_000_000, 0, 0);
        var bins = new[] { new TrafficBin(1_709_193_600, 3, 300), new TrafficBin(1_709_193_602, 9, 4096), new TrafficBin(1_709_193_604, 1, 100) };
        return new CaptureResult("id-" + path, new CaptureInput(path, "/x/" + path, 1000, "ab", DateTimeOffset.UnixEpoch), status,
            new CaptureFileInfo(CaptureFormat.Pcap, CaptureCompression.None, [1], "microseconds"), summary,
            new SourceIpResult(sources, DistinctLimit.NotExceeded(100)),
            new DnsQueryResult([new DnsQueryEntry("example.com", DnsProtocol.Dns, 3), new DnsQueryEntry("a.example", DnsProtocol.Mdns, 1)], DistinctLimit.NotExceeded(100)),
            new TrafficResult(2, bins), issues ?? []);
    }

    [Fact]
    public void ForCapture_Normal_NamesTopTalkerBusiestBinAndTopName()
    {
        var c = Capture("a.pcap", CaptureStatus.Ok, [new SourceIpEntry("10.0.0.1", 4, 3, 3072), new SourceIpEntry("10.0.0.2", 4, 1, 100)]);
        var h = ReportView.Of(c).Highlights(TimeZoneInfo.Utc);
        Assert.All(h, x => Assert.Equal(HighlightKind.Fact, x.Kind));
        Assert.Equal("4 packets over 1 h 02 min, 3.10 KiB of IP, from 2024-02-29 08:00:00.000000 +00:00 to 2024-02-29 09:02:05.000000 +00:00.", h[0].Text);
        Assert.Equal("Top talker: 10.0.0.1 sent 3 packets (75.00 % of IP packets, 3.00 KiB); 2 source addresses in all.", h[1].Text);
        Assert.Equal("Busiest interval: the 2 s from 2024-02-29 08:00:02 +00:00, 4.00 KiB of IP in 9 packets (2.00 KiB/s).", h[2].Text);
        Assert.Equal("Most queried name: example.com (3 queries, 75.00 % of 4); 2 distinct names in all.", h[3].Text);
    }

    [Fact]
    public void ForCapture_WithContext_NamesTopRegisteredDomainAndFlagsSignals()
    {
        var c = Capture("a.pcap", CaptureStatus.Ok, [new SourceIpEntry("10.0.0.1", 4, 3, 3072) { Names = NameSources.FromDns(["host.example.com"]) }]);
        static DnsDomainEntry Domain(string name, long queries, int distinct, params string[] signals) =>
            new(name, queries, distinct, 0, 0, 0, 10, 0, 2.5, new ValueList<string>(signals));
        c = c with { Context = ContextResult.Empty with { Domains = [Domain("example.com", 40, 3), Domain("t.example.net", 900, 850, DnsSignals.ManyDistinctNames, DnsSignals.HighEntropy)] } };
        var h = ReportView.Of(c).Highlights(TimeZoneInfo.Utc);
        Assert.StartsWith("Top talker: 10.0.0.1 (host.example.com) sent 3 packets", h.Single(x => x.Anchor == "sources").Text, StringComparison.Ordinal);
        Assert.Equal("Top registered domain: t.example.net (900 queries, 850 distinct names); 2 registered domains in all.", h.Single(x => x.Anchor == "domains").Text);
        var signal = h.Single(x => x.Anchor == "signals");
        Assert.Equal(HighlightKind.Warning, signal.Kind);
        Assert.Equal("Signals on 1 registered domain: t.example.net (many-distinct-names, high-entropy).", signal.Text);
    }

    [Fact]
    public void ForCapture_PartialAndFailed_AreFlaggedFirstWithTheReason()
    {
        var partial = Capture("p.pcap", CaptureStatus.Partial, [new SourceIpEntry("10.0.0.1", 4, 1, 10)],
            [new CaptureIssue(IssueSeverity.Error, "truncated-record", "Record 7 runs past the end of the file.", 4242, 7)]);
        var first = ReportView.Of(partial).Highlights(TimeZoneInfo.Utc)[0];
        Assert.Equal(HighlightKind.Warning, first.Kind);
        Assert.Equal("Read only in part at byte offset 4,242: Record 7 runs past the end of the file. Everything before that point is counted.", first.Text);

        var failed = Capture("f.pcap", CaptureStatus.Failed, [], [new CaptureIssue(IssueSeverity.Error, "not-a-capture", "gzip, not pcap", 0, null)]);
        var only = Assert.Single(ReportView.Of(failed).Highlights(TimeZoneInfo.Utc));
        Assert.Equal(HighlightKind.Error, only.Kind);
        Assert.Equal("This file could not be read as a capture: gzip, not pcap", only.Text);
    }

    [Fact]
    public void ForRun_CountsWithRightNumber_AndSaysHowManyCapturesTheTopTalkerIsIn()
    {
        var a = Capture("a.pcap", CaptureStatus.Ok, [new SourceIpEntry("10.0.0.1", 4, 5, 500)]);
        var b = Capture("b.pcap", CaptureStatus.Ok, [new SourceIpEntry("10.0.0.1", 4, 2, 200), new SourceIpEntry("10.0.0.9", 4, 1, 100)]);
        var run = new RunResult(new RunInfo("t", DateTimeOffset.UnixEpoch, ["in"], []), new AnalysisSettings(), [a, b],
            a.Summary.Add(b.Summary), new SourceIpResult([new SourceIpEntry("10.0.0.1", 4, 7, 700), new SourceIpEntry("10.0.0.9", 4, 1, 100)], DistinctLimit.NotExceeded(100)),
            a.DnsQueries, a.Traffic, [new SkippedInput("notes.txt", "not a capture")]);
        var h = ReportView.Of(run).Highlights(TimeZoneInfo.Utc);
        Assert.Equal("2 captures: 2 read cleanly, 0 partial, 0 failed; 1 file skipped.", h[0].Text);
        Assert.Contains(h, x => x.Text.StartsWith("Top talker: 10.0.0.1 sent 7 packets (87.50 % of IP packets, 700 bytes), seen in 2 captures;", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0.25, "250 ms")]
    [InlineData(24.487287, "24.5 s")]
    [InlineData(3.14159, "3.14 s")]
    [InlineData(185, "3 min 05 s")]
    [InlineData(3725, "1 h 02 min")]
    [InlineData(183_600, "2 d 03 h")]
    public void Duration_IsForPeople(double seconds, string expected) => Assert.Equal(expected, TimeFormat.Duration(seconds));

    [Fact]
    public void Count_PicksSingularOrPlural()
    {
        Assert.Equal("1 capture", Names.Count(1, "capture"));
        Assert.Equal("0 captures", Names.Count(0, "capture"));
        Assert.Equal("2,000 queries", Names.Count(2000, "query", "queries"));
    }
}
