namespace PcapViz.Tests;

public sealed class TrafficAnalysisTests
{
    private const long J = Kit.Jan2024Seconds; // a multiple of 86 400 (19 723 days), so of every ladder width
    private const long S = 1_000_000_000L;

    [Fact]
    public void ToResult_DefaultWidth_TwoSecondBinsAlignedToEpochWithZeroGaps()
    {
        var t = new TrafficAnalysis();
        t.Observe((J + 1) * S + 500_000_000, 100);  // 1.5 s after J: bin J
        t.Observe((J + 5) * S + 200_000_000, 40);   // 5.2 s: bin J + 4
        t.Observe((J + 4) * S, 60);                 // 4.0 s: bin J + 4
        var r = t.ToResult();
        Assert.Equal(2, r.BinSeconds);
        Assert.Equal([new TrafficBin(J, 1, 100), new TrafficBin(J + 2, 0, 0), new TrafficBin(J + 4, 2, 100)], r.Bins);
        Assert.Equal(0, r.OutsidePackets);
    }

    [Fact]
    public void ToResult_OddStartSecond_BinStartsOnEvenSecond()
    {
        var t = new TrafficAnalysis();
        t.Observe((J + 3) * S, 1);
        Assert.Equal([new TrafficBin(J + 2, 1, 1)], t.ToResult().Bins);
    }

    [Fact]
    public void ToResult_ThreeHourCapture_FiveSecondBins()
    {
        // 10 799 s: 2 s bins would be 5 400 (> 3 600); 5 s bins are floor(10 799 / 5) + 1 = 2 160.
        var t = new TrafficAnalysis();
        t.Observe(J * S, 10);
        t.Observe((J + 10_799) * S, 20);
        var r = t.ToResult();
        Assert.Equal(5, r.BinSeconds);
        Assert.Equal(2160, r.Bins.Count);
        Assert.Equal(new TrafficBin(J, 1, 10), r.Bins[0]);
        Assert.Equal(new TrafficBin(J + 10_795, 1, 20), r.Bins[^1]);
    }

    public static TheoryData<long, int> LadderSteps()
    {
        // DESIGN.md: 2 s, then 5 s, 10 s, 15 s, 30 s, 1 min, 2 min, 5 min, 10 min, 15 min, 30 min, 1 h, 2 h, 6 h, 12 h, 1 d.
        int[] ladder = [2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];
        var data = new TheoryData<long, int>();
        for (int i = 0; i < ladder.Length; i++)
        {
            data.Add(3600L * ladder[i] - 1, ladder[i]);                          // exactly 3 600 bins of this width
            if (i + 1 < ladder.Length) data.Add(3600L * ladder[i], ladder[i + 1]); // 3 601 bins: the next width
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(LadderSteps))]
    public void ToResult_SpanAtLadderBoundary_PicksSmallestWidthWithin3600Bins(long span, int expectedWidth)
    {
        var t = new TrafficAnalysis();
        t.Observe(J * S, 1);
        t.Observe((J + span) * S, 1);
        var r = t.ToResult();
        Assert.Equal(expectedWidth, r.BinSeconds);
        Assert.Equal(span / expectedWidth + 1, r.Bins.Count);
        Assert.True(r.Bins.Count <= 3600);
        Assert.Equal(0, r.OutsidePackets);
    }

    [Fact]
    public void ToResult_ExplicitWidth_UsedAndAligned()
    {
        var t = new TrafficAnalysis(60);
        t.Observe((J + 59) * S, 5);
        t.Observe((J + 61) * S, 7);
        t.Observe((J + 200) * S, 9);
        var r = t.ToResult();
        Assert.Equal(60, r.BinSeconds);
        Assert.Equal([new TrafficBin(J, 1, 5), new TrafficBin(J + 60, 1, 7), new TrafficBin(J + 120, 0, 0), new TrafficBin(J + 180, 1, 9)], r.Bins);
    }

    [Fact]
    public void Constructor_ZeroWidth_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrafficAnalysis(0));
    }

    [Fact]
    public void ToResult_OnePacketIn1970AmongThousandIn2024_BoundedBinsOutlierReported()
    {
        var t = new TrafficAnalysis();
        t.Observe(5 * S, 77);
        for (int i = 0; i < 1000; i++) t.Observe((J + i) * S, 10);
        var issues = new IssueLog();
        var r = t.ToResult(issues);
        Assert.True(r.Bins.Count <= 3600);
        Assert.Equal(1, r.OutsidePackets);
        Assert.Equal(77, r.OutsideIpBytes);
        Assert.Equal(2, r.BinSeconds);
        Assert.Equal(500, r.Bins.Count);
        Assert.Equal(J, r.Bins[0].StartEpochSeconds);
        Assert.Equal(1000, r.Bins.Sum(b => b.Packets));
        var warning = Assert.Single(issues.ToList());
        Assert.Equal("timeline-outliers", warning.Code);
        Assert.Equal(IssueSeverity.Warning, warning.Severity);
    }

    [Fact]
    public void ToResult_FarFuturePacket_BoundedBinsOutlierReported()
    {
        var t = new TrafficAnalysis();
        for (int i = 0; i < 200; i++) t.Observe((J + i) * S, 1);
        t.Observe(long.MaxValue, 1); // 2262
        var issues = new IssueLog();
        var r = t.ToResult(issues);
        Assert.True(r.Bins.Count <= 3600);
        Assert.Equal(1, r.OutsidePackets);
        Assert.Equal("timeline-outliers", Assert.Single(issues.ToList()).Code);
    }

    [Fact]
    public void ToResult_PacketsBefore1970_FlooredToAlignedBins()
    {
        var t = new TrafficAnalysis();
        t.Observe(-1_500_000_000, 3); // −1.5 s: second −2, bin −2
        t.Observe(-1, 4);             // −1 ns: second −1, bin −2
        t.Observe(500_000_000, 5);    // 0.5 s: bin 0
        var r = t.ToResult();
        Assert.Equal(2, r.BinSeconds);
        Assert.Equal([new TrafficBin(-2, 2, 7), new TrafficBin(0, 1, 5)], r.Bins);
    }

    [Fact]
    public void ToResult_NoPackets_Empty()
    {
        var r = new TrafficAnalysis().ToResult();
        Assert.Equal(2, r.BinSeconds);
        Assert.Empty(r.Bins);
    }

    [Fact]
    public void Observe_MoreThan50000DistinctSeconds_CoarsenedButCountsExact()
    {
        // 60 000 consecutive seconds: 2/5/10/15 s give 30 000/12 000/6 000/4 000 bins; 30 s gives 2 000.
        var t = new TrafficAnalysis();
        for (int i = 0; i < 60_000; i++) t.Observe((J + i) * S, 2);
        var r = t.ToResult();
        Assert.Equal(30, r.BinSeconds);
        Assert.Equal(2000, r.Bins.Count);
        Assert.All(r.Bins, b => Assert.Equal((30L, 60L), (b.Packets, b.IpBytes)));
    }

    [Fact]
    public void MergeResult_BinsCountedAtTheirStart()
    {
        var t = new TrafficAnalysis();
        t.Merge(new TrafficResult(2, [new TrafficBin(J, 3, 30), new TrafficBin(J + 2, 0, 0), new TrafficBin(J + 4, 1, 10)], 0, 0));
        t.Observe((J + 4) * S, 5);
        Assert.Equal([new TrafficBin(J, 3, 30), new TrafficBin(J + 2, 0, 0), new TrafficBin(J + 4, 2, 15)], t.ToResult().Bins);
    }
    [Fact]
    public void ToResult_ExplicitWidthWithAbsurdTimestamp_BoundedTo100000Bins()
    {
        var t = new TrafficAnalysis(1);
        t.Observe(5 * S, 9);
        for (int i = 0; i < 100; i++) t.Observe((J + i) * S, 1);
        var issues = new IssueLog();
        var r = t.ToResult(issues);
        Assert.Equal(1, r.BinSeconds);
        Assert.Equal(100, r.Bins.Count);
        Assert.Equal(J, r.Bins[0].StartEpochSeconds);
        Assert.Equal((1L, 9L), (r.OutsidePackets, r.OutsideIpBytes));
        Assert.Equal("timeline-outliers", Assert.Single(issues.ToList()).Code);
    }
}
