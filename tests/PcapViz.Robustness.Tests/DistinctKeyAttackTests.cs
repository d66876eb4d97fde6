using System.Diagnostics;
using System.Text;
using PcapViz.Analysis;
using PcapViz.Generator;
using PcapViz.Model;
using PcapViz.Orchestration;

namespace PcapViz.Robustness.Tests;

/// <summary>
/// A capture built to exhaust memory through distinct keys: a million source addresses and 300,000 query names, with a
/// few heavy hitters among them. The analyses must cap what they track, say so, keep the heavy hitters exact, and
/// stay within bounded memory.
/// </summary>
[Collection(MemoryMeasurement.Name)]
public sealed class DistinctKeyAttackTests
{
    private const int AttackPackets = 1_000_000;
    private const int AttackNames = 300_000;
    private const int HeavyEvery = 200;
    private static readonly int[] HeavyAddressPattern = [1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 5];
    private static readonly int[] HeavyNamePattern = [1, 2, 2, 3, 3, 3, 3];

    /// <summary>
    /// Peak growth of the live managed heap allowed while analysing; an unbounded table of every key would need more.
    /// Three tables are bounded here: addresses, names and, since issue 24, flows (a million sources make a million
    /// flows, folded to --max-distinct like the others): 128 MiB held the first two; with flows the peak measured
    /// 175 MiB (bench/RESULTS.md, "Issue 24: cost of flows"). An unbounded flow table alone would take more than
    /// 100 MiB on top of that.
    /// </summary>
    private const long PeakManagedLimit = 192L * 1024 * 1024;

    [Fact]
    public async Task Analyze_MillionSourcesAnd300kNames_CapsDistinctKeysKeepsHeavyHittersExactInBoundedMemory()
    {
        using var temp = new TempDirectory();
        string path = temp.File("attack.pcap");
        var generate = Stopwatch.StartNew();
        var (expectedAddresses, expectedNames, totalPackets) = WriteAttackCapture(path);
        generate.Stop();

        CaptureResult? result = null;
        long baseline = 0, peak = 0;
        var analyse = Stopwatch.StartNew();
        await ReadHarness.WithoutHanging(() =>
        {
            // Live memory only: every sample forces a full collection, so garbage the collector has not reclaimed
            // yet (which depends on GC timing and machine load) is never counted, only what the analysis holds.
            baseline = GC.GetTotalMemory(forceFullCollection: true);
            peak = baseline;
            using var done = new ManualResetEventSlim();
            var sampler = new Thread(() =>
            {
                while (!done.Wait(50)) InterlockedMax(ref peak, GC.GetTotalMemory(forceFullCollection: true));
            }) { IsBackground = true };
            sampler.Start();
            result = CaptureAnalyzer.Analyze(path, "attack.pcap", "attack", new AnalysisOptions());
            InterlockedMax(ref peak, GC.GetTotalMemory(forceFullCollection: true));
            done.Set();
            sampler.Join();
        });
        analyse.Stop();
        long peakDelta = peak - baseline;
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"distinct-key attack: {totalPackets:N0} packets, file {new FileInfo(path).Length:N0} bytes, generated in {generate.ElapsedMilliseconds} ms, analysed in {analyse.ElapsedMilliseconds} ms; " +
            $"peak live managed heap growth {peakDelta / 1048576.0:F1} MiB (baseline {baseline / 1048576.0:F1} MiB), process peak working set {process.PeakWorkingSet64 / 1048576.0:F1} MiB");

        Assert.NotNull(result);
        Assert.Equal(CaptureStatus.Ok, result.Status);
        Assert.Equal(totalPackets, result.Summary.Packets);

        var ips = result.SourceIps;
        Assert.True(ips.Limit.Exceeded);
        Assert.Equal(AnalysisOptions.DefaultMaxDistinct, ips.Limit.MaxDistinct);
        Assert.InRange(ips.Entries.Count, 1, AnalysisOptions.DefaultMaxDistinct);
        Assert.Equal(totalPackets, ips.TotalPackets);
        foreach (var (address, packets) in expectedAddresses)
            Assert.Equal(packets, Assert.Single(ips.Entries, e => e.Address == address).Packets);
        Assert.Equal(
            expectedAddresses.OrderByDescending(a => a.Value).Select(a => a.Key),
            ips.Entries.Take(expectedAddresses.Count).Select(e => e.Address));

        var dns = result.DnsQueries;
        Assert.True(dns.Limit.Exceeded);
        Assert.InRange(dns.Entries.Count, 1, AnalysisOptions.DefaultMaxDistinct);
        Assert.Equal(AttackNames + expectedNames.Values.Sum(), dns.TotalQueries);
        foreach (var (name, queries) in expectedNames)
        {
            var entry = Assert.Single(dns.Entries, e => e.Name == name);
            Assert.Equal(queries, entry.Queries);
            Assert.Equal(DnsProtocol.Dns, entry.Protocol);
        }
        Assert.Equal(
            expectedNames.OrderByDescending(a => a.Value).Select(a => a.Key),
            dns.Entries.Take(expectedNames.Count).Select(e => e.Name));
        Assert.Contains(result.Issues, i => i.Code == "distinct-limit" && i.Message.Contains("source addresses", StringComparison.Ordinal));
        Assert.Contains(result.Issues, i => i.Code == "distinct-limit" && i.Message.Contains("query names", StringComparison.Ordinal));

        Assert.True(peakDelta < PeakManagedLimit, $"peak live managed heap grew by {peakDelta:N0} bytes while analysing");
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long current;
        while ((current = Interlocked.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current) { }
    }

    /// <summary>Writes the capture; returns the exact counts of the heavy addresses and names, and the packet total.</summary>
    private static (Dictionary<string, long> Addresses, Dictionary<string, long> Names, long Packets) WriteAttackCapture(string path)
    {
        byte[] plain = new FrameBuilder().Ethernet().IPv4("10.0.0.1", "198.51.100.1").Udp(40000, 9999).Payload(new byte[8]).Build();
        byte[] query = new FrameBuilder().Ethernet().IPv4("10.0.0.1", "198.51.100.53").Udp(40000, 53)
            .Payload(new DnsMessageBuilder { Id = 7 }.Question("q000000.attack.example").Build()).Build();
        const int sourceOffset = 14 + 12;
        int digits = IndexOf(query, Encoding.ASCII.GetBytes("q000000")) + 1;
        Assert.True(digits > 0);

        var heavy = new byte[6, 4][];
        for (int a = 1; a <= 5; a++)
            for (int n = 1; n <= 3; n++)
                heavy[a, n] = new FrameBuilder().Ethernet().IPv4($"192.0.2.{a}", "198.51.100.53").Udp(40001, 53)
                    .Payload(new DnsMessageBuilder { Id = 9 }.Question($"heavy{n}.example").Build()).Build();
        var addresses = new Dictionary<string, long>();
        var names = new Dictionary<string, long>();

        long packets = 0, time = 1_700_000_000L * 1_000_000_000L, heavyIndex = 0;
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        using var writer = new PcapWriter(file);
        for (int i = 0; i < AttackPackets; i++)
        {
            // 10.0.0.1 + i: a million distinct sources; the first 300,000 of them each ask for a distinct name.
            uint source = 0x0A000001u + (uint)i;
            byte[] frame = i < AttackNames ? query : plain;
            frame[sourceOffset] = (byte)(source >> 24);
            frame[sourceOffset + 1] = (byte)(source >> 16);
            frame[sourceOffset + 2] = (byte)(source >> 8);
            frame[sourceOffset + 3] = (byte)source;
            if (i < AttackNames)
            {
                int v = i;
                for (int d = 5; d >= 0; d--, v /= 10) frame[digits + d] = (byte)('0' + v % 10);
            }
            writer.Write(time += 1_000_000, frame);
            packets++;
            if (i % HeavyEvery == 0)
            {
                int a = HeavyAddressPattern[heavyIndex % HeavyAddressPattern.Length];
                int n = HeavyNamePattern[heavyIndex % HeavyNamePattern.Length];
                heavyIndex++;
                writer.Write(time += 1_000_000, heavy[a, n]);
                packets++;
                addresses[$"192.0.2.{a}"] = addresses.GetValueOrDefault($"192.0.2.{a}") + 1;
                names[$"heavy{n}.example"] = names.GetValueOrDefault($"heavy{n}.example") + 1;
            }
        }
        return (addresses, names, packets);
    }

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);
}

/// <summary>Tests that measure the process-wide managed heap run alone, never beside other tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurement
{
    public const string Name = "memory measurement";
}
