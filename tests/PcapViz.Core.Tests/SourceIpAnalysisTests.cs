namespace PcapViz.Tests;

public sealed class SourceIpAnalysisTests
{
    private static byte[] V4(string src, int payload = 0) =>
        new FrameBuilder().Ethernet().IPv4(src, "192.0.2.250").Udp(1, 2).Payload(new byte[payload]).Build();

    private static byte[] V6(string src, int payload = 0) =>
        new FrameBuilder().Ethernet().IPv6(src, "2001:db8::ffff").Udp(1, 2).Payload(new byte[payload]).Build();

    [Fact]
    public void ToResult_Ordering_PacketsDescThenIpv4BeforeIpv6ThenNumeric()
    {
        var a = new SourceIpAnalysis();
        foreach (var f in new[] { V6("2001:db8::1"), V6("::1"), V4("10.0.0.10"), V4("9.255.0.1"), V4("10.0.0.2"), V6("2001:db8::1"), V4("200.0.0.1") })
            Kit.Observe(a, f);
        var result = a.ToResult();
        Assert.Equal(["2001:db8::1", "9.255.0.1", "10.0.0.2", "10.0.0.10", "200.0.0.1", "::1"], result.Entries.Select(e => e.Address));
        Assert.Equal([6, 4, 4, 4, 4, 6], result.Entries.Select(e => e.Version));
        Assert.Equal([2L, 1, 1, 1, 1, 1], result.Entries.Select(e => e.Packets));
        Assert.False(result.Limit.Exceeded);
    }

    [Fact]
    public void Observe_IpBytes_SummedPerAddress()
    {
        var a = new SourceIpAnalysis();
        Kit.Observe(a, V4("10.0.0.1", payload: 10)); // 20 + 8 + 10 = 38
        Kit.Observe(a, V4("10.0.0.1", payload: 0));  // 28
        Kit.Observe(a, V6("2001:db8::1", payload: 2)); // 40 + 8 + 2 = 50
        Assert.Equal([new SourceIpEntry("10.0.0.1", 4, 2, 66), new SourceIpEntry("2001:db8::1", 6, 1, 50)], a.ToResult().Entries);
    }

    [Fact]
    public void Observe_NonIpAndTruncatedSource_NotCounted()
    {
        var a = new SourceIpAnalysis();
        Kit.Observe(a, new FrameBuilder().Ethernet(etherType: 0x0806).Payload(new byte[28]).Build()); // ARP
        Kit.Observe(a, new FrameBuilder().Ethernet().IPv4("10.0.0.1", "10.0.0.2").Udp(1, 2).Truncate(24).Build());
        Assert.Empty(a.ToResult().Entries);
    }

    [Fact]
    public void Observe_TunnelledPacket_OuterSourceCounted()
    {
        var a = new SourceIpAnalysis();
        Kit.Observe(a, new FrameBuilder().Ethernet().IPv4("192.0.2.1", "192.0.2.2").IPv4("10.0.0.1", "10.0.0.2").Udp(1, 2).Build());
        Assert.Equal([new SourceIpEntry("192.0.2.1", 4, 1, 48)], a.ToResult().Entries);
    }

    [Theory]
    [InlineData("2001:0db8:0000:0000:0001:0000:0000:0001", "2001:db8::1:0:0:1")] // equal runs: the first is compressed
    [InlineData("2001:0:0:1:0:0:0:1", "2001:0:0:1::1")]                           // the longest run is compressed
    [InlineData("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1")]                  // a single zero group is not
    [InlineData("::", "::")]
    [InlineData("::1", "::1")]
    [InlineData("1::", "1::")]
    [InlineData("2001:DB8::ABCD:0001", "2001:db8::abcd:1")]
    [InlineData("::ffff:192.0.2.1", "::ffff:192.0.2.1")]
    [InlineData("::ffff:0:c000:201", "::ffff:0:c000:201")]                        // not IPv4-mapped (SIIT form)
    [InlineData("fe80:0:0:0:0:0:0:0", "fe80::")]
    [InlineData("0:0:1:0:0:0:0:0", "0:0:1::")]
    public void Ipv6_Rfc5952(string input, string expected)
    {
        Assert.Equal(expected, IpAddressFormat.Ipv6(Kit.Ip(input)));
    }

    [Fact]
    public void Ipv4_DottedQuad()
    {
        Assert.Equal("192.0.2.1", IpAddressFormat.Ipv4(0xC0000201));
        Assert.Equal("0.0.0.0", IpAddressFormat.Ipv4(0));
        Assert.Equal("255.255.255.255", IpAddressFormat.Ipv4(uint.MaxValue));
        var random = new Random(3);
        for (int n = 0; n < 20_000; n++)
        {
            uint address = (uint)random.NextInt64(1L << 32);
            Assert.Equal(new System.Net.IPAddress(new[] { (byte)(address >> 24), (byte)(address >> 16), (byte)(address >> 8), (byte)address }).ToString(),
                IpAddressFormat.Ipv4(address));
        }
    }

    [Fact]
    public void Observe_MoreDistinctThanLimit_ExceededOtherCountsAndBytes()
    {
        var a = new SourceIpAnalysis(maxDistinct: 4);
        for (int i = 0; i < 5; i++) Kit.Observe(a, V4("10.0.0.100"));
        for (int i = 0; i < 4; i++) Kit.Observe(a, V4("10.0.0.200"));
        foreach (var s in new[] { "10.0.0.1", "10.0.0.2", "10.0.0.3" }) Kit.Observe(a, V4(s));
        var result = a.ToResult();
        Assert.True(result.Limit.Exceeded);
        Assert.Equal(4, result.Limit.MaxDistinct);
        Assert.Equal([new SourceIpEntry("10.0.0.100", 4, 5, 140), new SourceIpEntry("10.0.0.200", 4, 4, 112)], result.Entries);
        Assert.Equal(3, result.Limit.OtherPackets);
        Assert.Equal(3 * 28, result.Limit.OtherIpBytes);
        Assert.Equal(12, result.TotalPackets);
    }

    [Fact]
    public void Observe_AddressFoldedAwayRepeatedly_MaxUndercountBoundsTheListedCount()
    {
        // Limit 2 keeps 1 address per fold. 10.0.0.1 is folded away twice (1 packet each time), then listed
        // with 1 of its 3 packets: it is 2 too low, so MaxUndercount must be at least 2.
        var a = new SourceIpAnalysis(maxDistinct: 2);
        var trueCounts = new Dictionary<string, long>();
        void P(string s) { Kit.Observe(a, V4(s)); trueCounts[s] = trueCounts.GetValueOrDefault(s) + 1; }
        for (int i = 0; i < 5; i++) P("10.0.0.100");
        P("10.0.0.1"); P("10.0.0.2"); P("10.0.0.1"); P("10.0.0.3"); P("10.0.0.1");
        var result = a.ToResult();
        Assert.Equal(10, result.TotalPackets);
        Assert.Contains(result.Entries, e => e.Address == "10.0.0.1");
        foreach (var e in result.Entries)
            Assert.InRange(trueCounts[e.Address] - e.Packets, 0, result.Limit.MaxUndercount);
    }

    [Fact]
    public void Observe_SkewedRandomStream_MaxUndercountAlwaysHolds()
    {
        var rng = new Random(99);
        for (int round = 0; round < 20; round++)
        {
            var a = new SourceIpAnalysis(maxDistinct: 8);
            var trueCounts = new Dictionary<string, long>();
            for (int n = 0; n < 400; n++)
            {
                // Roughly Zipf-like: low numbers far more often.
                int k = (int)Math.Floor(Math.Pow(rng.NextDouble(), 3) * 40);
                string s = $"10.0.{k / 256}.{k % 256}";
                Kit.Observe(a, V4(s));
                trueCounts[s] = trueCounts.GetValueOrDefault(s) + 1;
            }
            var result = a.ToResult();
            Assert.Equal(400, result.TotalPackets);
            foreach (var e in result.Entries)
                Assert.InRange(trueCounts[e.Address] - e.Packets, 0, result.Limit.MaxUndercount);
        }
    }
    [Fact]
    public void Merge_TwoLimitedHalves_TotalsExactAndMaxUndercountHolds()
    {
        var rng = new Random(5);
        for (int round = 0; round < 20; round++)
        {
            var a = new SourceIpAnalysis(maxDistinct: 6);
            var b = new SourceIpAnalysis(maxDistinct: 6);
            var trueCounts = new Dictionary<string, long>();
            for (int n = 0; n < 300; n++)
            {
                int k = (int)Math.Floor(Math.Pow(rng.NextDouble(), 2) * 25);
                string s = $"10.1.0.{k}";
                Kit.Observe(n % 2 == 0 ? a : b, V4(s));
                trueCounts[s] = trueCounts.GetValueOrDefault(s) + 1;
            }
            a.Merge(b);
            var result = a.ToResult();
            Assert.Equal(300, result.TotalPackets);
            foreach (var e in result.Entries)
                Assert.InRange(trueCounts[e.Address] - e.Packets, 0, result.Limit.MaxUndercount);
        }
    }
}
