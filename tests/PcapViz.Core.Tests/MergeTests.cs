using PcapViz.Orchestration;

namespace PcapViz.Tests;

/// <summary>All packets at once == merge of two halves == merge of the halves the other way round.</summary>
public sealed class MergeTests
{
    private static readonly string[] Names = ["example.com", "mail.example.com", "printer.local", "wpad", "cdn.example.net"];

    /// <summary>A deterministic mix: IPv4/IPv6 sources, DNS over UDP/TCP/mDNS/LLMNR, non-IP, over about 20 minutes.</summary>
    private static List<(long Nanos, int LinkType, byte[] Frame)> Packets()
    {
        var rng = new Random(2024);
        var list = new List<(long, int, byte[])>();
        for (int i = 0; i < 600; i++)
        {
            long nanos = Kit.Jan2024Nanos + (long)(rng.NextDouble() * 1200e9);
            string name = Names[rng.Next(Names.Length)];
            byte[] query = new DnsMessageBuilder { Id = (ushort)i }.Question(name).Build();
            var f = new FrameBuilder().Ethernet();
            byte[] frame = rng.Next(8) switch
            {
                0 => f.IPv4($"10.0.{rng.Next(3)}.{rng.Next(20)}", "10.0.0.53").Udp(40000, 53).Payload(query).Build(),
                1 => f.IPv6($"2001:db8::{rng.Next(15):x}", "2001:db8::53").Udp(40000, 53).Payload(query).Build(),
                2 => f.IPv4($"192.168.1.{rng.Next(10)}", "224.0.0.251").Udp(5353, 5353).Payload(query).Build(),
                3 => f.IPv6("fe80::1", "ff02::1:3").Udp(50000, 5355).Payload(query).Build(),
                // Each DNS-over-TCP segment on a connection of its own (TCP streams are reassembled per connection).
                4 => f.IPv4($"10.0.0.{rng.Next(5)}", "10.0.0.53").Tcp((ushort)(20000 + i), 53).Payload(DnsMessageBuilder.TcpFraming(query, query)).Build(),
                5 => f.IPv4($"172.16.0.{rng.Next(30)}", "10.0.0.1").Tcp(443, 50000).Payload(new byte[rng.Next(1000)]).Build(),
                6 => new FrameBuilder().Ethernet(etherType: 0x0806).Payload(new byte[28]).Build(),
                _ => f.IPv4("10.0.0.7", "10.0.0.53").Udp(40000, 53).Payload(Kit.Bytes(0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12)).Build(),
            };
            list.Add((nanos, 1, frame));
        }
        return list;
    }

    private static (List<(long, int, byte[])> First, List<(long, int, byte[])> Second) Halves()
    {
        var all = Packets();
        return (all.Take(all.Count / 2).ToList(), all.Skip(all.Count / 2).ToList());
    }

    private static CaptureResult Result(CaptureAnalysis analysis) =>
        CaptureAnalyzer.Finish("merge-test", new CaptureInput("merge.pcap", "/nowhere/merge.pcap", 0, new string('0', 64), DateTimeOffset.UnixEpoch),
            new CaptureFileInfo(PcapViz.Model.CaptureFormat.Pcap, CaptureCompression.None, [1], "microseconds"), analysis, new IssueLog());

    private static byte[] Json(CaptureResult result) => Kit.AnalysisJson(result);

    [Fact]
    public void CaptureAnalysis_HalvesMergedEitherOrder_SameResultAndJsonBytes()
    {
        var (first, second) = Halves();
        var all = Result(Kit.Analyse(Packets()));

        var ab = Kit.Analyse(first);
        ab.Merge(Kit.Analyse(second));
        var ba = Kit.Analyse(second);
        ba.Merge(Kit.Analyse(first));

        // The fixture must exercise every analysis.
        Assert.True(all.SourceIps.Entries.Count > 20);
        Assert.Equal(3, all.DnsQueries.Entries.Select(e => e.Protocol).Distinct().Count());
        Assert.True(all.Traffic.Bins.Count > 100);
        Assert.True(all.Summary.MalformedDnsMessages > 0);

        foreach (var merged in new[] { Result(ab), Result(ba) })
        {
            Assert.Equal(all.Summary, merged.Summary);
            Assert.Equal(all.SourceIps.Entries, merged.SourceIps.Entries);
            Assert.Equal(all.SourceIps.Limit, merged.SourceIps.Limit);
            Assert.Equal(all.DnsQueries.Entries, merged.DnsQueries.Entries);
            Assert.Equal(all.DnsQueries.Limit, merged.DnsQueries.Limit);
            Assert.Equal(all.Traffic.Bins, merged.Traffic.Bins);
            Assert.Equal(all.Traffic.BinSeconds, merged.Traffic.BinSeconds);
            Assert.Equal(all.Traffic.Gaps, merged.Traffic.Gaps);
            Assert.Equal(Json(all), Json(merged));
        }
    }

    [Fact]
    public void CaptureAnalysis_InterleavedSplitMerged_SameJsonBytes()
    {
        var packets = Packets();
        var even = Kit.Analyse(packets.Where((_, i) => i % 2 == 0));
        even.Merge(Kit.Analyse(packets.Where((_, i) => i % 2 == 1)));
        Assert.Equal(Json(Result(Kit.Analyse(packets))), Json(Result(even)));
    }

    [Fact]
    public void CaptureAnalysis_MergeWithEmpty_Unchanged()
    {
        var packets = Packets();
        var a = Kit.Analyse(packets);
        a.Merge(new CaptureAnalysis(new AnalysisOptions()));
        var b = new CaptureAnalysis(new AnalysisOptions());
        b.Merge(Kit.Analyse(packets));
        var expected = Json(Result(Kit.Analyse(packets)));
        Assert.Equal(expected, Json(Result(a)));
        Assert.Equal(expected, Json(Result(b)));
    }

    [Fact]
    public void CaptureAnalysis_ThreeWayMerge_Associative()
    {
        var packets = Packets();
        var parts = new[] { packets.Take(100).ToList(), packets.Skip(100).Take(250).ToList(), packets.Skip(350).ToList() };
        var left = Kit.Analyse(parts[0]);
        left.Merge(Kit.Analyse(parts[1]));
        left.Merge(Kit.Analyse(parts[2]));
        var rightInner = Kit.Analyse(parts[1]);
        rightInner.Merge(Kit.Analyse(parts[2]));
        var right = Kit.Analyse(parts[0]);
        right.Merge(rightInner);
        Assert.Equal(Json(Result(left)), Json(Result(right)));
    }

    private static SourceIpAnalysis Sources(IEnumerable<(long, int, byte[] Frame)> packets)
    {
        var a = new SourceIpAnalysis();
        foreach (var p in packets) Kit.Observe(a, p.Frame);
        return a;
    }

    private static DnsQueryAnalysis Dns(IEnumerable<(long, int, byte[] Frame)> packets)
    {
        var a = new DnsQueryAnalysis();
        foreach (var p in packets) Kit.Observe(a, p.Frame);
        return a;
    }

    private static TrafficAnalysis Traffic(IEnumerable<(long Nanos, int, byte[] Frame)> packets, int? width = null)
    {
        var a = new TrafficAnalysis(width);
        foreach (var p in packets) a.Observe(p.Nanos, p.Frame.Length);
        return a;
    }

    [Fact]
    public void SourceIpAnalysis_HalvesMergedEitherOrder_EqualsAllAtOnce()
    {
        var (first, second) = Halves();
        var all = Sources(Packets()).ToResult();
        var ab = Sources(first); ab.Merge(Sources(second));
        var ba = Sources(second); ba.Merge(Sources(first));
        foreach (var merged in new[] { ab.ToResult(), ba.ToResult() })
        {
            Assert.Equal(all.Entries, merged.Entries);
            Assert.Equal(all.Limit, merged.Limit);
        }
    }

    [Fact]
    public void SourceIpAnalysis_MergeOfFinishedResults_EqualsAllAtOnce()
    {
        var (first, second) = Halves();
        var all = Sources(Packets()).ToResult();
        var merged = new SourceIpAnalysis();
        merged.Merge(Sources(second).ToResult());
        merged.Merge(Sources(first).ToResult());
        Assert.Equal(all.Entries, merged.ToResult().Entries);
    }

    [Fact]
    public void DnsQueryAnalysis_HalvesMergedEitherOrder_EqualsAllAtOnce()
    {
        var (first, second) = Halves();
        var allAnalysis = Dns(Packets());
        var all = allAnalysis.ToResult();
        var ab = Dns(first); ab.Merge(Dns(second));
        var ba = Dns(second); ba.Merge(Dns(first));
        foreach (var merged in new[] { ab, ba })
        {
            Assert.Equal(all.Entries, merged.ToResult().Entries);
            Assert.Equal(all.Limit, merged.ToResult().Limit);
            Assert.Equal(allAnalysis.Malformed, merged.Malformed);
        }
        var fromResults = new DnsQueryAnalysis();
        fromResults.Merge(Dns(second).ToResult());
        fromResults.Merge(Dns(first).ToResult());
        Assert.Equal(all.Entries, fromResults.ToResult().Entries);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(60)]
    public void TrafficAnalysis_HalvesMergedEitherOrder_EqualsAllAtOnce(int? width)
    {
        var (first, second) = Halves();
        var all = Traffic(Packets(), width).ToResult();
        var ab = Traffic(first, width); ab.Merge(Traffic(second, width));
        var ba = Traffic(second, width); ba.Merge(Traffic(first, width));
        foreach (var merged in new[] { ab.ToResult(), ba.ToResult() })
        {
            Assert.Equal(all.BinSeconds, merged.BinSeconds);
            Assert.Equal(all.Bins, merged.Bins);
            Assert.Equal(all.Gaps, merged.Gaps);
        }
    }

    [Fact]
    public void TrafficAnalysis_OneHalfCoarsened_MergeEqualsAllAtOnce()
    {
        // The first half has 60 000 distinct seconds (its map is coarsened), the second a few: merging must
        // bring both to the same base whichever is merged into which.
        const long S = 1_000_000_000L;
        var first = Enumerable.Range(0, 60_000).Select(i => ((Kit.Jan2024Seconds + i) * S, 1, new byte[3])).ToList();
        var second = Enumerable.Range(0, 50).Select(i => ((Kit.Jan2024Seconds + 7 * i) * S + 1, 1, new byte[5])).ToList();
        var all = Traffic(first.Concat(second)).ToResult();
        var ab = Traffic(first); ab.Merge(Traffic(second));
        var ba = Traffic(second); ba.Merge(Traffic(first));
        Assert.Equal(30, all.BinSeconds);
        foreach (var merged in new[] { ab.ToResult(), ba.ToResult() })
        {
            Assert.Equal(all.BinSeconds, merged.BinSeconds);
            Assert.Equal(all.Bins, merged.Bins);
        }
    }

    [Fact]
    public void TrafficAnalysis_DifferentWidths_MergeRefused()
    {
        Assert.Throws<InvalidOperationException>(() => new TrafficAnalysis(60).Merge(new TrafficAnalysis()));
    }

    [Fact]
    public void TrafficAnalysis_PartsWithTimestampsFrom1970To2106_AnyGroupingAndOrder_EqualsAllAtOnce()
    {
        const long S = 1_000_000_000L;
        long j = Kit.Jan2024Seconds;
        // Real traffic over 3 hours, a few packets in 1970 (and before it), one in 2106, one at the last nanosecond.
        var packets = Enumerable.Range(0, 5000).Select(i => ((j + i * 2L + i % 3) * S + i * 7919L % S, 1, new byte[1 + i % 5]))
            .Concat([(5 * S, 1, new byte[9]), (-3 * S + 1, 1, new byte[2]), (4_294_967_295L * S + 999_999_999, 1, new byte[4]), (long.MaxValue, 1, new byte[6])])
            .ToList();
        var parts = new[] { packets.Where((_, i) => i % 3 == 0).ToList(), packets.Where((_, i) => i % 3 == 1).ToList(), packets.Where((_, i) => i % 3 == 2).ToList() };
        var all = Traffic(packets).ToResult();
        Assert.Equal(packets.Count, all.Bins.Sum(b => b.Packets));
        Assert.Equal(packets.Sum(p => (long)p.Item3.Length), all.Bins.Sum(b => b.IpBytes));
        Assert.True(all.Gaps.Count >= 3);

        foreach (var order in new[] { new[] { 0, 1, 2 }, new[] { 2, 1, 0 }, new[] { 1, 0, 2 } })
        {
            var left = Traffic(parts[order[0]]); // (a + b) + c
            left.Merge(Traffic(parts[order[1]]));
            left.Merge(Traffic(parts[order[2]]));
            var bc = Traffic(parts[order[1]]);    // a + (b + c)
            bc.Merge(Traffic(parts[order[2]]));
            var right = Traffic(parts[order[0]]);
            right.Merge(bc);
            foreach (var merged in new[] { left.ToResult(), right.ToResult() })
            {
                Assert.Equal(all.BinSeconds, merged.BinSeconds);
                Assert.Equal(all.Bins, merged.Bins);
                Assert.Equal(all.Gaps, merged.Gaps);
            }
        }
    }

    [Fact]
    public void TrafficAnalysis_RunTimelineFromResults_AnyOrderSameBinsAndEveryPacket()
    {
        const long S = 1_000_000_000L;
        long j = Kit.Jan2024Seconds;
        var a = Traffic(Enumerable.Range(0, 3000).Select(i => ((j + i) * S, 1, new byte[3])).ToList()).ToResult();          // 2 s
        var b = Traffic(Enumerable.Range(0, 3000).Select(i => ((j + 40_000 + i * 5L) * S, 1, new byte[2])).ToList()).ToResult(); // 5 s
        var c = Traffic([(5 * S, 1, new byte[7])]).ToResult();                                                                 // 1970
        Assert.Equal((2, 5), (a.BinSeconds, b.BinSeconds));
        static TrafficResult Run(params TrafficResult[] results)
        {
            var t = new TrafficAnalysis();
            foreach (var r in results) t.Merge(r);
            return t.ToResult();
        }
        var abc = Run(a, b, c);
        Assert.Equal(6001, abc.Bins.Sum(x => x.Packets));
        Assert.Equal(3000 * 3 + 3000 * 2 + 7, abc.Bins.Sum(x => x.IpBytes));
        Assert.Equal(0, abc.BinSeconds % 10);
        foreach (var other in new[] { Run(c, b, a), Run(b, a, c) })
        {
            Assert.Equal(abc.BinSeconds, other.BinSeconds);
            Assert.Equal(abc.Bins, other.Bins);
        }
    }
}
