namespace PcapViz.Tests;

public sealed class DnsQueryAnalysisTests
{
    private static byte[] Query(string name) => new DnsMessageBuilder().Question(name).Build();

    /// <summary>The entry of a name asked <paramref name="queries"/> times, every time for type A (the builder's default).</summary>
    private static DnsQueryEntry TypeA(string name, DnsProtocol protocol, long queries) =>
        new(name, protocol, queries) { QueryTypes = new([new NamedCount("A", queries)]) };

    private static byte[] Udp(ushort src, ushort dst, byte[] payload) =>
        new FrameBuilder().Ethernet().IPv4("10.0.0.1", "10.0.0.53").Udp(src, dst).Payload(payload).Build();

    private static byte[] Tcp(ushort src, ushort dst, byte[] payload) =>
        new FrameBuilder().Ethernet().IPv4("10.0.0.1", "10.0.0.53").Tcp(src, dst).Payload(payload).Build();

    [Theory]
    [InlineData(40000, 53, DnsProtocol.Dns)]
    [InlineData(53, 40000, DnsProtocol.Dns)]
    [InlineData(5353, 5353, DnsProtocol.Mdns)]
    [InlineData(40000, 5353, DnsProtocol.Mdns)]
    [InlineData(40000, 5355, DnsProtocol.Llmnr)]
    [InlineData(5355, 40000, DnsProtocol.Llmnr)]
    public void Observe_UdpDnsPorts_CountedUnderTheirProtocol(int src, int dst, DnsProtocol protocol)
    {
        var a = new DnsQueryAnalysis();
        Kit.Observe(a, Udp((ushort)src, (ushort)dst, Query("Host.Example")));
        var entry = Assert.Single(a.ToResult().Entries);
        Assert.Equal(TypeA("host.example", protocol, 1), entry);
    }

    [Fact]
    public void Observe_OtherUdpPort_NotCounted()
    {
        var a = new DnsQueryAnalysis();
        Kit.Observe(a, Udp(40000, 54, Query("example.com")));
        Assert.Empty(a.ToResult().Entries);
        Assert.Equal(0, a.Malformed);
    }

    [Fact]
    public void Classify_TcpMdnsPort_NotDns()
    {
        Assert.Null(DnsQueryAnalysis.Classify(TransportProtocol.Tcp, 40000, 5353));
        Assert.Equal(DnsProtocol.Dns, DnsQueryAnalysis.Classify(TransportProtocol.Tcp, 40000, 53));
        Assert.Null(DnsQueryAnalysis.Classify(TransportProtocol.None, 53, 53));
    }

    [Fact]
    public void Observe_TcpSegmentWithTwoMessagesAndPartialThird_CountsTheTwoComplete()
    {
        byte[] third = Query("third.example");
        byte[] segment = Kit.Concat(DnsMessageBuilder.TcpFraming(Query("one.example"), Query("two.example")),
            Kit.U16Be((ushort)third.Length), third[..10]);
        var a = new DnsQueryAnalysis();
        Kit.Observe(a, Tcp(40000, 53, segment));
        var result = a.ToResult();
        Assert.Equal([TypeA("one.example", DnsProtocol.Dns, 1), TypeA("two.example", DnsProtocol.Dns, 1)], result.Entries);
        Assert.Equal(0, a.Malformed);
    }

    [Fact]
    public void Observe_TcpSegmentWithOnlyLengthPrefix_NothingCounted()
    {
        var a = new DnsQueryAnalysis();
        Kit.Observe(a, Tcp(40000, 53, Kit.Bytes(0x00)));
        Kit.Observe(a, Tcp(40000, 53, Kit.Bytes(0x00, 0x20)));
        Assert.Empty(a.ToResult().Entries);
        Assert.Equal(0, a.Malformed);
    }

    [Fact]
    public void Observe_MalformedQueries_CountedAsMalformedNotAsNames()
    {
        var a = new DnsQueryAnalysis();
        Kit.Observe(a, Udp(40000, 53, new DnsMessageBuilder().Question(DnsName.Pointer(12)).Build())); // loop
        Kit.Observe(a, Udp(40000, 53, Kit.Bytes(1, 2, 3)));                                           // too short
        Kit.Observe(a, Tcp(40000, 53, DnsMessageBuilder.TcpFraming(Kit.Bytes(1, 2, 3, 4, 5), Query("ok.example"))));
        Assert.Equal(3, a.Malformed);
        Assert.Equal([TypeA("ok.example", DnsProtocol.Dns, 1)], a.ToResult().Entries);
    }

    [Fact]
    public void Observe_ResponseWithoutItsQuery_ListedWithNoQueryAndItsCode_EmptyQueriesNeitherCountedNorMalformed()
    {
        var a = new DnsQueryAnalysis();
        Kit.Observe(a, Udp(53, 40000, new DnsMessageBuilder { IsResponse = true }.Question("example.com").Build()));
        Kit.Observe(a, Udp(40000, 53, new DnsMessageBuilder().Build()));
        Kit.Observe(a, Udp(40000, 53, []));
        var entry = Assert.Single(a.ToResult().Entries);
        Assert.Equal(new DnsQueryEntry("example.com", DnsProtocol.Dns, 0) { ResponseCodes = new([new NamedCount("NOERROR", 1)]) }, entry);
        Assert.Equal(0, a.ToResult().TotalQueries);
        Assert.Equal(0, a.Malformed);
    }

    [Fact]
    public void ToResult_Ordering_CountDescThenNameThenProtocol()
    {
        var a = new DnsQueryAnalysis();
        for (int i = 0; i < 3; i++) Kit.Observe(a, Udp(40000, 53, Query("zeta.example")));
        Kit.Observe(a, Udp(5353, 5353, Query("alpha.local")));
        Kit.Observe(a, Udp(40000, 53, Query("alpha.local")));
        Kit.Observe(a, Udp(40000, 5355, Query("beta")));
        Assert.Equal(
        [
            TypeA("zeta.example", DnsProtocol.Dns, 3),
            TypeA("alpha.local", DnsProtocol.Dns, 1),
            TypeA("alpha.local", DnsProtocol.Mdns, 1),
            TypeA("beta", DnsProtocol.Llmnr, 1),
        ], a.ToResult().Entries);
        Assert.Equal(6, a.ToResult().TotalQueries);
    }

    [Fact]
    public void Observe_NamesDifferingOnlyInCase_CountedTogether()
    {
        var a = new DnsQueryAnalysis();
        Kit.Observe(a, Udp(40000, 53, Query("Example.COM")));
        Kit.Observe(a, Udp(40000, 53, Query("example.com")));
        Assert.Equal([TypeA("example.com", DnsProtocol.Dns, 2)], a.ToResult().Entries);
    }

    [Fact]
    public void Observe_MoreDistinctNamesThanLimit_ExceededOtherCounted()
    {
        var a = new DnsQueryAnalysis(maxDistinct: 4);
        for (int i = 0; i < 5; i++) Kit.Observe(a, Udp(40000, 53, Query("heavy.example")));
        for (int i = 0; i < 4; i++) Kit.Observe(a, Udp(40000, 53, Query("second.example")));
        foreach (var n in new[] { "a.example", "b.example", "c.example" }) Kit.Observe(a, Udp(40000, 53, Query(n)));
        var result = a.ToResult();
        Assert.True(result.Limit.Exceeded);
        Assert.Equal([TypeA("heavy.example", DnsProtocol.Dns, 5), TypeA("second.example", DnsProtocol.Dns, 4)], result.Entries);
        Assert.Equal(3, result.Limit.OtherPackets);
        Assert.Equal(12, result.TotalQueries);
    }

    [Fact]
    public void Observe_NameFoldedAwayRepeatedly_MaxUndercountBoundsTheListedCount()
    {
        // Limit 2 keeps 1 name per fold. "a" is folded away twice (1 each time), then listed with 1 of its 3 queries.
        var a = new DnsQueryAnalysis(maxDistinct: 2);
        var trueCounts = new Dictionary<string, long>();
        void Q(string n) { Kit.Observe(a, Udp(40000, 53, Query(n))); trueCounts[n] = trueCounts.GetValueOrDefault(n) + 1; }
        for (int i = 0; i < 5; i++) Q("h");
        Q("a"); Q("b"); Q("a"); Q("c"); Q("a");
        var result = a.ToResult();
        Assert.Equal(10, result.TotalQueries);
        foreach (var e in result.Entries)
            Assert.InRange(trueCounts[e.Name] - e.Queries, 0, result.Limit.MaxUndercount);
    }
    [Fact]
    public void Observe_DnsInsideVxlan_CountedFromInnerPacket()
    {
        var vxlan = Kit.Bytes(0x08, 0, 0, 0, 0, 0, 1, 0);
        var frame = new FrameBuilder().Ethernet().IPv4("192.0.2.1", "192.0.2.2").Udp(49152, 4789).Payload(vxlan)
            .Ethernet().IPv4("10.0.0.1", "10.0.0.53").Udp(40000, 53).Payload(Query("Tunnelled.Example")).Build();
        var a = new DnsQueryAnalysis();
        Kit.Observe(a, frame);
        Assert.Equal([TypeA("tunnelled.example", DnsProtocol.Dns, 1)], a.ToResult().Entries);
    }
}
