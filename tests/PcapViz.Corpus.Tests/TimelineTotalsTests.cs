using System.Collections.Concurrent;
using PcapViz.Analysis;
using PcapViz.Model;
using PcapViz.Orchestration;
using Xunit;

namespace PcapViz.Tests;

/// <summary>
/// docs/analysis.md, "3. Bytes over time": no packet is ever left out of the timeline. On every corpus capture, with the
/// width chosen automatically (as a user runs it) and with explicit 2-s bins, the bins add up to the summary's
/// packets and IP bytes exactly; so does the run's combined timeline over all of them.
/// </summary>
public sealed class TimelineTotalsTests
{
    private static readonly ConcurrentDictionary<string, Lazy<CaptureResult>> Automatic = new(StringComparer.Ordinal);

    private static CaptureResult Auto(string fileName) => Automatic.GetOrAdd(fileName, f => new Lazy<CaptureResult>(() =>
        CaptureAnalyzer.Analyze(Path.Combine(Corpus.RequireDirectory(), f), f, f, new AnalysisOptions()))).Value;

    public static TheoryData<string> Files() => Corpus.Files();

    [Theory]
    [MemberData(nameof(Files))]
    public void Bins_CorpusCapture_AddUpToTheSummaryExactly(string fileName)
    {
        Corpus.Require(fileName);
        foreach (var (result, budget) in new[] { (Auto(fileName), TrafficAnalysis.MaxAutoBins), (CorpusResults.Get(fileName), TrafficAnalysis.MaxExplicitBins) })
        {
            var t = result.Traffic;
            Assert.Equal(result.Summary.Packets, t.Bins.Sum(b => b.Packets));
            Assert.Equal(result.Summary.IpBytes, t.Bins.Sum(b => b.IpBytes));
            if (result.Summary.Packets == 0) continue;
            Assert.True(t.Bins.Count <= budget, $"{t.Bins.Count} bins");
            long first = Math.DivRem(result.Summary.FirstPacketEpochNanos!.Value, 1_000_000_000L, out long r1) - (r1 < 0 ? 1 : 0);
            long last = Math.DivRem(result.Summary.LastPacketEpochNanos!.Value, 1_000_000_000L, out long r2) - (r2 < 0 ? 1 : 0);
            Assert.InRange(first - t.Bins[0].StartEpochSeconds, 0, t.BinSeconds - 1);
            Assert.InRange(last - t.Bins[^1].StartEpochSeconds, 0, t.BinSeconds - 1);
            Assert.All(t.Gaps, g => Assert.True((g.ToEpochSeconds - g.FromEpochSeconds) / t.BinSeconds > TrafficResult.MaxEmptyBinsInSegment));
        }
    }

    [Fact]
    public void RunTimeline_WholeCorpus_AddsUpToTheRunTotalsInAnyOrder()
    {
        Corpus.RequireDirectory();
        var captures = Corpus.FileNames().Select(Auto).ToList();
        var (totals, _, _, traffic) = RunTotals.Build(captures, new AnalysisOptions());
        Assert.True(totals.Packets > 100_000, $"the corpus holds {totals.Packets} packets");
        Assert.Equal(totals.Packets, traffic.Bins.Sum(b => b.Packets));
        Assert.Equal(totals.IpBytes, traffic.Bins.Sum(b => b.IpBytes));
        Assert.True(traffic.Bins.Count <= TrafficAnalysis.MaxAutoBins, $"{traffic.Bins.Count} bins");
        // Captures from 1970 to today: the run's timeline has gaps, and still every capture's packets.
        Assert.NotEmpty(traffic.Gaps);

        captures.Reverse();
        var (_, _, _, reversed) = RunTotals.Build(captures, new AnalysisOptions());
        Assert.Equal(traffic.BinSeconds, reversed.BinSeconds);
        Assert.Equal(traffic.Bins, reversed.Bins);
    }
}
