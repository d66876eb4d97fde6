using PcapViz.Orchestration;

namespace PcapViz.Tests;

/// <summary>
/// The engine's budgets, as figures that do not depend on the machine or its load (issue 22): bytes allocated per
/// packet on the hot path, managed bytes retained per distinct key, and finished results held at once. A change
/// that breaks one fails with the figure and the budget; bench/RESULTS.md says how each budget was measured and what
/// the time and peak-memory ratios are. Each budget is the measured figure of the build that set it, with a margin
/// for runtime versions, not a target: lower it when the engine gets leaner.
/// </summary>
[Collection(EngineBudgetCollection.Name)]
public sealed class EngineBudgetTests
{
    /// <summary>Bytes allocated per packet by decoding and analysing packets whose keys are already counted.</summary>
    internal const double ObserveBytesPerPacket = 0.5;

    /// <summary>Bytes allocated per packet by the reader (framing records), once its window is allocated.</summary>
    internal const double ReadBytesPerPacket = 0.5;

    /// <summary>Managed bytes the analysis state holds per distinct key (source address, query name or flow) of a distinct-heavy capture.</summary>
    internal const double StateBytesPerKey = 210;

    /// <summary>Managed bytes a finished result (with its context) holds per distinct key of a distinct-heavy capture.</summary>
    internal const double ResultBytesPerKey = 340;

    private const int DistinctQueries = 20_000;

    private static List<ReadPacket> SyntheticPackets(int packets)
    {
        var ms = new MemoryStream();
        SyntheticTraffic.Write(ms, new SyntheticTrafficOptions { Packets = packets, Seed = 7, DnsShare = 0.05 });
        var (reader, _) = Kit.Open(ms.ToArray());
        return Kit.ReadAll(reader!);
    }

    private static void ObserveAll(CaptureAnalysis analysis, List<ReadPacket> packets, IssueLog issues)
    {
        for (int i = 0; i < packets.Count; i++)
        {
            var p = packets[i];
            analysis.Observe(new RawPacket(p.Data, p.TimestampNanos, p.OriginalLength, p.LinkType, p.InterfaceId, p.ByteOffset), issues, i);
        }
    }

    [Fact]
    public void Observe_PacketsWhoseKeysAreCounted_AllocatesWithinBudget()
    {
        var packets = SyntheticPackets(40_000);
        var analysis = new CaptureAnalysis(new AnalysisOptions());
        var issues = new IssueLog();
        ObserveAll(analysis, packets, issues); // every address, name, answer pair and bin now exists

        // The least of three passes: a pass during which another test's garbage collection trimmed the shared array
        // pool (the reassemblers rent from it) allocates the buffers again, which says nothing of the engine.
        double perPacket = double.MaxValue;
        for (int pass = 0; pass < 3; pass++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            ObserveAll(analysis, packets, issues);
            perPacket = Math.Min(perPacket, (GC.GetAllocatedBytesForCurrentThread() - before) / (double)packets.Count);
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"{perPacket:F3} bytes allocated per packet (least of three passes)");

        Assert.True(analysis.DnsQueries.DistinctCount > 100, "the capture must exercise the DNS path");
        Assert.True(perPacket <= ObserveBytesPerPacket,
            $"decoding and analysing allocated {perPacket:F2} bytes per packet; the budget is {ObserveBytesPerPacket} (EngineBudgetTests.ObserveBytesPerPacket)");
    }

    [Fact]
    public void Read_Records_AllocatesWithinBudget()
    {
        var ms = new MemoryStream();
        SyntheticTraffic.Write(ms, new SyntheticTrafficOptions { Packets = 40_000, Seed = 8 });
        var (reader, _) = Kit.Open(ms.ToArray());
        for (int i = 0; i < 100; i++) Assert.True(reader!.TryReadNext(out _));

        long before = GC.GetAllocatedBytesForCurrentThread();
        long count = 0;
        while (reader!.TryReadNext(out _)) count++;
        double perPacket = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)count;

        Assert.Equal(40_000 - 100, count);
        Assert.True(perPacket <= ReadBytesPerPacket,
            $"reading allocated {perPacket:F2} bytes per record; the budget is {ReadBytesPerPacket} (EngineBudgetTests.ReadBytesPerPacket)");
    }

    [Fact]
    public void DistinctHeavyCapture_StateAndResultRetainedPerKey_WithinBudget()
    {
        var ms = new MemoryStream();
        DistinctTraffic.Write(ms, DistinctQueries);
        var (reader, _) = Kit.Open(ms.ToArray());
        var packets = Kit.ReadAll(reader!);
        int keys = 3 * DistinctQueries; // one address, one name and one flow per query (issue 22: "and 200,000 flows once flows are analysed")

        long baseline = GC.GetTotalMemory(forceFullCollection: true);
        var analysis = new CaptureAnalysis(new AnalysisOptions());
        var issues = new IssueLog();
        ObserveAll(analysis, packets, issues);
        double statePerKey = (GC.GetTotalMemory(forceFullCollection: true) - baseline) / (double)keys;
        Assert.Equal(DistinctQueries, analysis.SourceIps.DistinctCount);
        Assert.Equal(DistinctQueries, analysis.DnsQueries.DistinctCount);
        Assert.Equal(DistinctQueries, analysis.Flows.DistinctCount);

        var input = new CaptureInput("distinct.pcap", "/distinct.pcap", ms.Length, new string('0', 64), DateTimeOffset.UnixEpoch);
        var result = CaptureAnalyzer.Finish("distinct", input, reader!.Info, analysis, issues);
        analysis = null;
        GC.KeepAlive(analysis);
        double resultPerKey = (GC.GetTotalMemory(forceFullCollection: true) - baseline) / (double)keys;
        Assert.Equal(DistinctQueries, result.SourceIps.Entries.Count);
        GC.KeepAlive(result);

        TestContext.Current.TestOutputHelper?.WriteLine($"state {statePerKey:F0} B/key, result {resultPerKey:F0} B/key");
        Assert.True(statePerKey <= StateBytesPerKey,
            $"the analysis state holds {statePerKey:F0} bytes per distinct key; the budget is {StateBytesPerKey} (EngineBudgetTests.StateBytesPerKey)");
        Assert.True(resultPerKey <= ResultBytesPerKey,
            $"a finished result holds {resultPerKey:F0} bytes per distinct key; the budget is {ResultBytesPerKey} (EngineBudgetTests.ResultBytesPerKey)");
    }

    [Fact]
    public void Spill_ResultsKeptFromSeveralThreads_NeverHoldMoreThanTheBound()
    {
        using var t = new TempDirectory();
        var ms = new MemoryStream();
        DistinctTraffic.Write(ms, 500);
        string path = t.File("small.pcap");
        File.WriteAllBytes(path, ms.ToArray());
        var one = CaptureAnalyzer.Analyze(path, "small.pcap", "small", new AnalysisOptions(), cancellationToken: TestContext.Current.CancellationToken);
        long bound = one.Weight * 3 + one.Weight / 2; // three results fit, the fourth does not
        using var spill = new CaptureSpill(t.File("spill"), bound);

        var kept = new CaptureResult[40];
        Parallel.For(0, kept.Length, i => kept[i] = spill.Keep(one with { Id = $"c{i}" }));

        long held = kept.Where(k => !k.IsSpilled).Sum(k => k.Weight);
        Assert.Equal(3, kept.Count(k => !k.IsSpilled));
        Assert.True(held <= bound, $"{held} entries of results held at once; the bound is {bound}");
        Assert.Equal(kept.Length - 3, spill.SpilledCount);
    }
}

/// <summary>Tests that measure the process-wide managed heap run alone, never beside other tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EngineBudgetCollection
{
    public const string Name = "engine budgets";
}
