using System.Security.Cryptography;
using PcapViz.Orchestration;

namespace PcapViz.Tests;

public sealed class CaptureAnalysisTests
{
    private const long S = 1_000_000_000L;
    private const long J = Kit.Jan2024Nanos;

    [Fact]
    public void Observe_MixedFrames_SummaryAndIssuesCountedByHand()
    {
        var udp4 = new FrameBuilder().Ethernet().IPv4("10.0.0.1", "10.0.0.2").Udp(1, 2).Payload(new byte[4]).Build();       // 46 bytes, IP 32
        var udp6 = new FrameBuilder().Ethernet().IPv6("2001:db8::1", "2001:db8::2").Udp(1, 2).Payload(new byte[4]).Build(); // 66 bytes, IP 52
        var arp = new FrameBuilder().Ethernet(etherType: 0x0806).Payload(new byte[28]).Build();                              // 42 bytes
        var badIhl = new FrameBuilder().Ethernet().IPv4("10.0.0.1", "10.0.0.2", ihl: 4).Udp(1, 2).Build();                 // 42 bytes
        var zeroLength = new FrameBuilder().Ethernet().IPv4("10.0.0.9", "10.0.0.2", totalLength: 0).Udp(1, 2).Payload(new byte[4]).Build(); // 46, IP 32 from wire
        var issues = new IssueLog();
        var a = Kit.Analyse(
        [
            (J + 1 * S, 1, udp4),
            (J + 3 * S, 1, udp6),
            (J + S / 2, 1, arp),
            (J + 2 * S, 147, new byte[20]),
            (J + 4 * S, 1, badIhl),
            (J + 5 * S, 1, zeroLength),
            (J + 5 * S, 1, zeroLength),
        ], issues: issues);

        var summary = a.ToSummary();
        Assert.Equal(new CaptureSummary(7, 3, 1, 46 + 66 + 42 + 20 + 42 + 46 + 46, 32 + 52 + 32 + 32, J + S / 2, J + 5 * S, 1, 0), summary);
        Assert.Equal(4.5, summary.DurationSeconds);
        Assert.Equal(["unsupported-link-type", "malformed-ip-header", "ipv4-zero-total-length"], issues.ToList().Select(i => i.Code));
        Assert.Equal([3L, 4, 5], issues.ToList().Select(i => i.PacketIndex!.Value));
    }

    [Fact]
    public void ToSummary_NoPackets_NoTimes()
    {
        var s = new CaptureAnalysis(new AnalysisOptions()).ToSummary();
        Assert.Equal(CaptureSummary.Empty, s);
        Assert.Equal(0.0, s.DurationSeconds);
    }

    [Fact]
    public void Analyze_TruncatedPcapFile_PartialWithHashOfFileAndPacketsBeforeFault()
    {
        using var t = new TempDirectory();
        var frame = new FrameBuilder().Ethernet().IPv4("10.0.0.1", "10.0.0.2").Udp(40000, 53).Payload(new DnsMessageBuilder().Question("example.org").Build()).Build();
        var bytes = Kit.Pcap(w =>
        {
            w.Write(J, frame);
            w.Write(J + S, frame);
            w.WriteRawBytes(Kit.Concat(Kit.U32Le(1), Kit.U32Le(0), Kit.U32Le(500), Kit.U32Le(500), new byte[3]));
        });
        string path = t.File("cut.pcap", bytes);
        var result = CaptureAnalyzer.Analyze(path, "cut.pcap", "cut-pcap", new AnalysisOptions(), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(CaptureStatus.Partial, result.Status);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), result.Input.Sha256);
        Assert.Equal(bytes.Length, result.Input.SizeBytes);
        Assert.Equal(2, result.Summary.Packets);
        Assert.Equal([new DnsQueryEntry("example.org", DnsProtocol.Dns, 2)
        {
            RegisteredDomain = "example.org", QueryTypes = new([new NamedCount("A", 2)]),
        }], result.DnsQueries.Entries);
        var error = Assert.Single(result.Issues, i => i.Severity == IssueSeverity.Error);
        Assert.Equal("truncated-record", error.Code);
        Assert.Equal(24 + 2 * (16 + frame.Length), error.ByteOffset);
        Assert.Equal(2, error.PacketIndex);
    }

    [Fact]
    public void Analyze_NotACapture_FailedWithoutFileInfo()
    {
        using var t = new TempDirectory();
        string path = t.File("x.pcap", System.Text.Encoding.ASCII.GetBytes("just some text\n"));
        var result = CaptureAnalyzer.Analyze(path, "x.pcap", "x-pcap", new AnalysisOptions(), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(CaptureStatus.Failed, result.Status);
        Assert.Null(result.File);
        Assert.Equal("not-a-capture", Assert.Single(result.Issues).Code);
        Assert.Equal(0, result.Summary.Packets);
    }

    [Fact]
    public void Analyze_CleanPcapNg_OkWithFileInfo()
    {
        using var t = new TempDirectory();
        var frame = new FrameBuilder().Ethernet().IPv4("10.0.0.1", "10.0.0.2").Udp(1, 2).Build();
        string path = t.File("ok.pcapng", Kit.PcapNg(w => { w.AddInterface(1, tsResolution: 9); w.WriteEnhancedPacket(0, J + 1, frame); }));
        var result = CaptureAnalyzer.Analyze(path, "ok.pcapng", "ok", new AnalysisOptions(), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(CaptureStatus.Ok, result.Status);
        Assert.Equal(new CaptureFileInfo(PcapViz.Model.CaptureFormat.PcapNg, CaptureCompression.None, result.File!.LinkTypes, "nanoseconds"), result.File);
        Assert.Equal([1], result.File.LinkTypes);
        Assert.Equal(J + 1, result.Summary.FirstPacketEpochNanos);
        Assert.Empty(result.Issues);
    }
}
