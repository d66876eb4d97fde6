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
        Assert.Empty(r.Gaps);
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
        // 10 799 s with a packet every minute (no gaps): 2 s bins would be 5 400 (> 3 600); 5 s bins are
        // floor(10 799 / 5) + 1 = 2 160.
        var t = new TrafficAnalysis();
        t.Observe(J * S, 10);
        for (int m = 1; m < 180; m++) t.Observe((J + 60 * m) * S, 0);
        t.Observe((J + 10_799) * S, 20);
        var r = t.ToResult();
        Assert.Equal(5, r.BinSeconds);
        Assert.Equal(2160, r.Bins.Count);
        Assert.Equal(new TrafficBin(J, 1, 10), r.Bins[0]);
        Assert.Equal(new TrafficBin(J + 10_795, 1, 20), r.Bins[^1]);
    }

    public static TheoryData<long, int> LadderSteps()
    {
        // docs/analysis.md: 2 s, then 5 s, 10 s, 15 s, 30 s, 1 min, 2 min, 5 min, 10 min, 15 min, 30 min, 1 h, 2 h, 6 h, 12 h, 1 d.
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
        // A packet every 120 s leaves at most 59 empty 2 s bins between packets: one segment at every width.
        var t = new TrafficAnalysis();
        t.Observe(J * S, 1);
        for (long s = 120; s < span; s += 120) t.Observe((J + s) * S, 0);
        t.Observe((J + span) * S, 1);
        var r = t.ToResult();
        Assert.Equal(expectedWidth, r.BinSeconds);
        Assert.Equal(span / expectedWidth + 1, r.Bins.Count);
        Assert.True(r.Bins.Count <= 3600);
        Assert.Empty(r.Gaps);
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
    public void ToResult_OnePacketIn1970AmongThousandIn2024_TwoSecondBinsInTwoSegmentsWithTheGapListed()
    {
        var t = new TrafficAnalysis();
        t.Observe(5 * S, 77);
        for (int i = 0; i < 1000; i++) t.Observe((J + i) * S, 10);
        var issues = new IssueLog();
        var r = t.ToResult(issues);
        Assert.Equal(2, r.BinSeconds);
        Assert.Equal(1 + 500, r.Bins.Count);
        Assert.Equal(new TrafficBin(4, 1, 77), r.Bins[0]);
        Assert.Equal(new TrafficBin(J, 2, 20), r.Bins[1]);
        Assert.Equal((1001L, 77L + 10_000), (r.Bins.Sum(b => b.Packets), r.Bins.Sum(b => b.IpBytes)));
        Assert.Equal([new TrafficGap(6, J)], r.Gaps);
        Assert.Equal([new TrafficSegment(0, 1), new TrafficSegment(1, 500)], r.Segments);
        Assert.Empty(issues.ToList());
    }

    [Fact]
    public void ToResult_PacketsIn1970AndAtTheLastNanosecond_EveryPacketInABin()
    {
        var t = new TrafficAnalysis();
        for (int i = 0; i < 200; i++) t.Observe((J + i) * S, 1);
        t.Observe(long.MaxValue, 3); // 2262-04-11T23:47:16.854775807Z
        t.Observe(long.MinValue, 5); // 1677-09-21T00:12:43.145224192Z
        var r = t.ToResult();
        Assert.Equal(2, r.BinSeconds);
        Assert.Equal(1 + 100 + 1, r.Bins.Count);
        Assert.Equal(new TrafficBin(-9_223_372_038, 1, 5), r.Bins[0]);   // floor(−9 223 372 036.85 s) = −9 223 372 037, bin −9 223 372 038
        Assert.Equal(new TrafficBin(9_223_372_036, 1, 3), r.Bins[^1]);
        Assert.Equal(2, r.Gaps.Count);
        Assert.Equal((202L, 208L), (r.Bins.Sum(b => b.Packets), r.Bins.Sum(b => b.IpBytes)));
    }

    [Fact]
    public void ToResult_EmptyStretchOfExactly60Bins_ListedAsZeros_61Bins_AGap()
    {
        var sixty = new TrafficAnalysis();
        sixty.Observe(J * S, 1);
        sixty.Observe((J + 2 * 61) * S, 1); // bins 0 and 61: 60 empty bins between
        var r60 = sixty.ToResult();
        Assert.Equal(62, r60.Bins.Count);
        Assert.Empty(r60.Gaps);

        var sixtyOne = new TrafficAnalysis();
        sixtyOne.Observe(J * S, 1);
        sixtyOne.Observe((J + 2 * 62) * S, 1); // bins 0 and 62: 61 empty bins between
        var r61 = sixtyOne.ToResult();
        Assert.Equal([new TrafficBin(J, 1, 1), new TrafficBin(J + 124, 1, 1)], r61.Bins);
        Assert.Equal([new TrafficGap(J + 2, J + 124)], r61.Gaps);
    }

    [Fact]
    public void ToResult_BudgetCountsBinsOfAllSegments()
    {
        // 40 bursts of 100 s, one a day: at 2 s each burst is 50 bins, 2 000 in all (≤ 3 600), the days between are gaps.
        var t = new TrafficAnalysis();
        for (int d = 0; d < 40; d++)
            for (int s = 0; s < 100; s++) t.Observe((J + d * 86400L + s) * S, 1);
        var r = t.ToResult();
        Assert.Equal(2, r.BinSeconds);
        Assert.Equal(2000, r.Bins.Count);
        Assert.Equal(39, r.Gaps.Count);

        // 80 bursts: 4 000 two-second bins would exceed the budget; 5 s gives 80 × 20 = 1 600.
        var u = new TrafficAnalysis();
        for (int d = 0; d < 80; d++)
            for (int s = 0; s < 100; s++) u.Observe((J + d * 86400L + s) * S, 1);
        var ru = u.ToResult();
        Assert.Equal(5, ru.BinSeconds);
        Assert.Equal(1600, ru.Bins.Count);
        Assert.Equal(8000, ru.Bins.Sum(b => b.Packets));
    }

    [Fact]
    public void ToResult_MoreDistinctDaysThanTheBudget_WidensBeyondOneDayAndKeepsEveryPacket()
    {
        // One packet every other day for 8 000 days: 1 d bins give 7 999 bins (each gap of one empty day is kept);
        // 2 d bins give 4 000; 4 d bins give 2 000.
        var t = new TrafficAnalysis();
        for (long d = 0; d < 8000; d += 2) t.Observe(d * 86400 * S, 1);
        var r = t.ToResult();
        Assert.Equal(4 * 86400, r.BinSeconds);
        Assert.Equal(2000, r.Bins.Count);
        Assert.Equal(4000, r.Bins.Sum(b => b.Packets));
        Assert.All(r.Bins, b => Assert.Equal(0, b.StartEpochSeconds % (4 * 86400)));
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
        t.Merge(new TrafficResult(2, [new TrafficBin(J, 3, 30), new TrafficBin(J + 2, 0, 0), new TrafficBin(J + 4, 1, 10)]));
        t.Observe((J + 4) * S, 5);
        Assert.Equal([new TrafficBin(J, 3, 30), new TrafficBin(J + 2, 0, 0), new TrafficBin(J + 4, 2, 15)], t.ToResult().Bins);
    }
    [Fact]
    public void MergeResults_OfDifferentWidths_RunWidthIsAMultipleOfEach()
    {
        // A 5 s capture and a 2 s capture: the run's bins are 10 s, so each capture bin lies inside one run bin.
        var t = new TrafficAnalysis();
        t.Merge(new TrafficResult(5, [new TrafficBin(J + 5, 1, 50)]));
        t.Merge(new TrafficResult(2, [new TrafficBin(J + 8, 2, 20)]));
        var r = t.ToResult();
        Assert.Equal(10, r.BinSeconds);
        Assert.Equal([new TrafficBin(J, 3, 70)], r.Bins);
    }

    [Fact]
    public void ToResult_ExplicitWidthWithAbsurdTimestamp_KeepsTheWidthAndListsAGap()
    {
        var t = new TrafficAnalysis(1);
        t.Observe(5 * S, 9);
        for (int i = 0; i < 100; i++) t.Observe((J + i) * S, 1);
        var issues = new IssueLog();
        var r = t.ToResult(issues);
        Assert.Equal(1, r.BinSeconds);
        Assert.Equal(101, r.Bins.Count);
        Assert.Equal(new TrafficBin(5, 1, 9), r.Bins[0]);
        Assert.Equal([new TrafficGap(6, J)], r.Gaps);
        Assert.Empty(issues.ToList());
    }

    [Fact]
    public void ToResult_ExplicitWidthNeedingMoreThan100000Bins_WidenedTenfoldWithAWarning()
    {
        var t = new TrafficAnalysis(1);
        for (int i = 0; i < 100_001; i++) t.Observe((J + i) * S, 1);
        var issues = new IssueLog();
        var r = t.ToResult(issues);
        Assert.Equal(10, r.BinSeconds);
        Assert.Equal(10_001, r.Bins.Count);
        Assert.Equal(100_001, r.Bins.Sum(b => b.Packets));
        Assert.Equal("bin-width-widened", Assert.Single(issues.ToList()).Code);
    }
}
