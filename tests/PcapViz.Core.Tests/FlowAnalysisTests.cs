namespace PcapViz.Tests;

public sealed class FlowAnalysisTests
{
    private static byte[] Tcp(string src, ushort sport, string dst, ushort dport, TcpFlags flags = TcpFlags.Ack, int payload = 0) =>
        new FrameBuilder().Ethernet().IPv4(src, dst).Tcp(sport, dport, flags: flags).Payload(new byte[payload]).Build();

    private static byte[] Udp(string src, ushort sport, string dst, ushort dport, int payload = 0) =>
        new FrameBuilder().Ethernet().IPv4(src, dst).Udp(sport, dport).Payload(new byte[payload]).Build();

    private static FlowAnalysis Flows(params (long Nanos, byte[] Frame)[] frames)
    {
        var flows = new FlowAnalysis();
        foreach (var (nanos, frame) in frames) Observe(flows, frame, nanos);
        return flows;
    }

    private static void Observe(FlowAnalysis flows, byte[] frame, long nanos = 0)
    {
        var view = default(PacketView);
        new PacketDecoder().Decode(1, frame, frame.Length, ref view);
        flows.Observe(ref view, nanos);
    }

    [Fact]
    public void Observe_BothDirectionsOfTcp_OneFlowInCommunityIdOrderWithCountsEachWay()
    {
        var result = Flows(
            (300, Tcp("5.6.7.8", 3344, "1.2.3.4", 1122, TcpFlags.Syn | TcpFlags.Ack)), // B to A, 40 bytes
            (100, Tcp("1.2.3.4", 1122, "5.6.7.8", 3344, TcpFlags.Syn)),                // A to B, 40 bytes
            (500, Tcp("1.2.3.4", 1122, "5.6.7.8", 3344, payload: 10))).ToResult();     // A to B, 50 bytes

        var flow = Assert.Single(result.Entries);
        Assert.Equal(new ConversationEntry(6, 4, "1.2.3.4", 1122, "5.6.7.8", 3344, 2, 90, 1, 40, 100, 500,
            TcpFlagsSeen.Syn | TcpFlagsSeen.SynAck, CommunityIdHash.Parse("1:wCb3OG7yAFWelaUydu0D+125CLM=")), flow); // the specification's TCP vector
        Assert.True(flow.HandshakeSeen);
        Assert.False(result.Limit.Exceeded);
    }

    [Fact]
    public void Observe_FinAndRst_RecordedAsSeenFlowNotSplit()
    {
        var result = Flows(
            (1, Tcp("10.0.0.1", 40000, "10.0.0.2", 80, TcpFlags.Fin | TcpFlags.Ack)),
            (2, Tcp("10.0.0.2", 80, "10.0.0.1", 40000, TcpFlags.Rst)),
            (3, Tcp("10.0.0.1", 40000, "10.0.0.2", 80, TcpFlags.Syn))).ToResult(); // the port pair used again later
        var flow = Assert.Single(result.Entries);
        Assert.Equal(TcpFlagsSeen.Syn | TcpFlagsSeen.Fin | TcpFlagsSeen.Rst, flow.TcpFlags);
        Assert.False(flow.HandshakeSeen);
        Assert.Equal(3, flow.Packets);
        Assert.Equal(["syn", "fin", "rst"], Names.Of(flow.TcpFlags));
    }

    [Fact]
    public void Observe_IcmpEchoRequestAndReply_OneFlowWithTheSpecificationsId()
    {
        var request = new FrameBuilder().Ethernet().IPv4("1.2.3.4", "5.6.7.8").Icmp(type: 8).Build();
        var reply = new FrameBuilder().Ethernet().IPv4("5.6.7.8", "1.2.3.4").Icmp(type: 0).Build();
        var result = Flows((1, reply), (2, request), (3, request)).ToResult();

        var flow = Assert.Single(result.Entries);
        Assert.Equal("1:crodRHL2FEsHjbv3UkRrfbs4bZ0=", flow.CommunityId.ToString());
        Assert.Equal((1, "1.2.3.4", 8, "5.6.7.8", 0), (flow.Protocol, flow.AddressA, flow.PortA, flow.AddressB, flow.PortB));
        Assert.Equal((2L, 1L), (flow.PacketsAToB, flow.PacketsBToA));
        Assert.Equal(TcpFlagsSeen.None, flow.TcpFlags);
    }

    [Fact]
    public void Observe_Icmpv6NeighborSolicitationAndAdvertisement_PairedOneWayTypesNot()
    {
        const string a = "fe80::200:86ff:fe05:80da", b = "fe80::260:97ff:fe07:69ea";
        static byte[] Icmp6(string src, string dst, byte type) => new FrameBuilder().Ethernet().IPv6(src, dst).Icmpv6(type: type).Build();
        var result = Flows(
            (1, Icmp6(a, b, 135)), (2, Icmp6(b, a, 136)), // solicitation and advertisement: one flow
            (3, Icmp6(a, b, 1)), (4, Icmp6(b, a, 1))).ToResult(); // destination unreachable has no counterpart: one flow each way

        Assert.Equal(3, result.Entries.Count);
        var nd = Assert.Single(result.Entries, e => e.Packets == 2);
        Assert.Equal("1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", nd.CommunityId.ToString()); // the specification's vector
        var unreachable = result.Entries.Where(e => e.Packets == 1).ToList();
        Assert.Equal([a, b], unreachable.Select(e => e.AddressA).Order(StringComparer.Ordinal));
        Assert.All(unreachable, e => Assert.Equal((1L, 0L), (e.PacketsAToB, e.PacketsBToA)));
        Assert.NotEqual(unreachable[0].CommunityId, unreachable[1].CommunityId);
    }

    [Fact]
    public void Observe_TunnelledPacket_KeyedByTheOutermostHeader()
    {
        // UDP in IP-in-IP: the outer header's protocol is 4 (IP-in-IP), without ports.
        var frame = new FrameBuilder().Ethernet().IPv4("192.0.2.1", "192.0.2.2").IPv4("10.0.0.1", "10.0.0.2").Udp(1, 2).Build();
        var flow = Assert.Single(Flows((1, frame)).ToResult().Entries);
        Assert.Equal((4, "192.0.2.1", 0, "192.0.2.2", 0, 48L), (flow.Protocol, flow.AddressA, flow.PortA, flow.AddressB, flow.PortB, flow.IpBytes));
        Assert.Equal("ip", Names.OfIpProtocol(flow.Protocol));
    }

    [Fact]
    public void Observe_SctpAndUnknownProtocol_PortsForSctpNoneForOthers()
    {
        var sctp = new FrameBuilder().Ethernet().IPv4("10.0.0.2", "10.0.0.1", protocol: 132).Payload(Kit.Concat(Kit.U16Be(2905), Kit.U16Be(2904), new byte[8])).Build();
        var ospf = new FrameBuilder().Ethernet().IPv4("10.0.0.1", "224.0.0.5", protocol: 89).Payload(new byte[24]).Build();
        var result = Flows((1, sctp), (2, ospf)).ToResult();
        Assert.Equal(2, result.Entries.Count);
        var s = Assert.Single(result.Entries, e => e.Protocol == 132);
        Assert.Equal(("10.0.0.1", 2904, "10.0.0.2", 2905, 0L, 1L), (s.AddressA, s.PortA, s.AddressB, s.PortB, s.PacketsAToB, s.PacketsBToA));
        var o = Assert.Single(result.Entries, e => e.Protocol == 89);
        Assert.Equal((0, 0), (o.PortA, o.PortB));
        Assert.Equal(PcapViz.Protocols.Flows.CommunityId.Compute(89, Kit.Ip("10.0.0.1"), Kit.Ip("224.0.0.5"), 0, 0), o.CommunityId.ToString());
    }

    [Fact]
    public void Observe_NonIpAndTruncatedIpHeader_NoFlow()
    {
        var result = Flows(
            (1, new FrameBuilder().Ethernet(etherType: 0x0806).Payload(new byte[28]).Build()),
            (2, Udp("10.0.0.1", 1, "10.0.0.2", 2).AsSpan(0, 14 + 16).ToArray())).ToResult();
        Assert.Empty(result.Entries);
    }

    [Fact]
    public void ToResult_Ordering_IpBytesDescThenKey()
    {
        var result = Flows(
            (1, Udp("10.0.0.9", 5, "10.0.0.1", 6)),
            (1, Udp("10.0.0.1", 7, "10.0.0.2", 8, payload: 100)),
            (1, Udp("10.0.0.3", 5, "10.0.0.1", 6)),
            (1, new FrameBuilder().Ethernet().IPv6("::1", "::2").Udp(1, 2).Build())).ToResult();
        Assert.Equal(["10.0.0.1:7", "::1:1", "10.0.0.1:6", "10.0.0.1:6"], result.Entries.Select(e => $"{e.AddressA}:{e.PortA}"));
        Assert.Equal(["10.0.0.2", "::2", "10.0.0.3", "10.0.0.9"], result.Entries.Select(e => e.AddressB));
    }

    [Fact]
    public void Observe_MoreFlowsThanLimit_LightestFoldedIntoOther()
    {
        var flows = new FlowAnalysis(maxDistinct: 4);
        for (int i = 0; i < 5; i++) Observe(flows, Udp("10.0.0.1", 1000, "10.0.0.2", 53));
        for (int i = 0; i < 5; i++) Observe(flows, Udp("10.0.0.1", (ushort)(2000 + i), "10.0.0.2", 53, payload: 2));
        var result = flows.ToResult();
        Assert.True(result.Limit.Exceeded);
        Assert.Equal(4, result.Limit.MaxDistinct);
        Assert.Contains(result.Entries, e => e.PortA == 1000 && e.PortB == 53 && e.Packets == 5);
        Assert.True(result.Entries.Count <= 4);
        Assert.Equal(10, result.TotalPackets);
        Assert.Equal(5 * 28 + 5 * 30, result.Entries.Sum(e => e.IpBytes) + result.Limit.OtherIpBytes);
        Assert.True(result.Limit.MaxUndercount >= 1);
    }

    [Fact]
    public void Observe_Fold_KeepsTheHeaviestHalfAndOfEqualCountsTheSmallestKeys()
    {
        // Ten flows with 9, 8, 7, 5, 5, 5, 5, 3, 2 and 1 packets (ports 1001..1010), then an eleventh: the fold keeps
        // five — the three heavier than 5 and, of the four with 5, the two with the smallest keys (ports 1004, 1005).
        var flows = new FlowAnalysis(maxDistinct: 10);
        int[] packets = [9, 8, 7, 5, 5, 5, 5, 3, 2, 1];
        for (int f = 0; f < packets.Length; f++)
            for (int p = 0; p < packets[f]; p++) Observe(flows, Udp("10.0.0.1", (ushort)(1001 + f), "10.0.0.2", 53));
        Observe(flows, Udp("10.0.0.1", 1011, "10.0.0.2", 53));
        var result = flows.ToResult();
        Assert.Equal([1001, 1002, 1003, 1004, 1005], result.Entries.Select(e => e.PortA).Order());
        Assert.True(result.Limit.Exceeded);
        Assert.Equal(5 + 5 + 3 + 2 + 1 + 1, result.Limit.OtherPackets);
        Assert.Equal(5, result.Limit.MaxUndercount);
        Assert.Equal(packets.Sum() + 1, result.TotalPackets);
    }

    private readonly struct Ascending : IComparer<long>
    {
        public int Compare(long x, long y) => x.CompareTo(y);
    }

    [Fact]
    public void Selection_PutsTheKthElementWhereASortWould()
    {
        var random = new Random(42);
        for (int round = 0; round < 200; round++)
        {
            var items = new long[random.Next(1, 300)];
            // Few distinct values: many ties, as packet counts have.
            for (int i = 0; i < items.Length; i++) items[i] = random.Next(0, round % 2 == 0 ? 5 : 1000);
            int k = random.Next(items.Length);
            var sorted = items.Order().ToArray();
            Selection.SelectSmallest(items.AsSpan(), k, default(Ascending));
            Assert.Equal(sorted[k], items[k]);
            Assert.All(items[..k], x => Assert.True(x <= sorted[k]));
            Assert.All(items[(k + 1)..], x => Assert.True(x >= sorted[k]));
        }
    }

    [Fact]
    public void Merge_TwoHalves_EqualsAllAtOnce()
    {
        var frames = new List<(long, byte[])>();
        for (int i = 0; i < 40; i++)
        {
            frames.Add((i * 10, Tcp("10.0.0.1", (ushort)(40000 + i % 7), "10.0.0.2", 443, i % 7 == 0 ? TcpFlags.Syn : TcpFlags.Ack, payload: i)));
            frames.Add((i * 10 + 5, Tcp("10.0.0.2", 443, "10.0.0.1", (ushort)(40000 + i % 7), i % 5 == 0 ? TcpFlags.Fin | TcpFlags.Ack : TcpFlags.Ack)));
            frames.Add((i * 10 + 7, new FrameBuilder().Ethernet().IPv4(i % 2 == 0 ? "10.0.0.3" : "10.0.0.4", i % 2 == 0 ? "10.0.0.4" : "10.0.0.3").Icmp(type: (byte)(i % 2 == 0 ? 8 : 0)).Build()));
        }
        var all = Flows([.. frames]).ToResult();
        var first = Flows([.. frames.Take(frames.Count / 2)]);
        var second = Flows([.. frames.Skip(frames.Count / 2)]);
        second.Merge(first); // the later half first: merge order does not matter
        var merged = second.ToResult();
        Assert.Equal(all.Entries, merged.Entries);
        Assert.Equal(all.Limit, merged.Limit);
        Assert.Equal(8, all.Entries.Count);
    }

    [Fact]
    public void CaptureAnalysis_Flows_CountEveryIpPacketOnce()
    {
        var analysis = Kit.Analyse([
            (1, 1, Tcp("10.0.0.1", 1, "10.0.0.2", 2)),
            (2, 1, Udp("10.0.0.2", 53, "10.0.0.1", 5353)),
            (3, 1, new FrameBuilder().Ethernet(etherType: 0x0806).Payload(new byte[28]).Build()),
        ]);
        var result = analysis.Flows.ToResult();
        Assert.Equal(2, result.Entries.Count);
        Assert.Equal(analysis.ToSummary().Ipv4Packets, result.TotalPackets);
    }

    [Fact]
    public void Observe_ManyInterleavedFlows_CountsEqualAPlainDictionaryOfTheSameKeys()
    {
        // 30,000 flows over 90,000 packets in a scattered order: the index grows and wraps, and packets of one flow
        // arrive close together and far apart (the table counts each packet a little after it is seen).
        var random = new Random(7);
        var expected = new Dictionary<(string, int, string, int), (long Packets, long Bytes)>();
        var flows = new FlowAnalysis();
        for (int i = 0; i < 90_000; i++)
        {
            int flow = i < 30_000 ? i : random.Next(30_000);
            string client = $"10.{flow >> 16 & 255}.{flow >> 8 & 255}.{flow & 255}";
            ushort clientPort = (ushort)(1024 + flow % 50_000);
            bool fromClient = random.Next(2) == 0;
            int payload = random.Next(100);
            var frame = fromClient ? Udp(client, clientPort, "192.0.2.1", 53, payload) : Udp("192.0.2.1", 53, client, clientPort, payload);
            Observe(flows, frame, i);
            // Community ID order: 10.x.x.x sorts before 192.0.2.1, so the client is A.
            var key = (client, (int)clientPort, "192.0.2.1", 53);
            var (packets, bytes) = expected.GetValueOrDefault(key);
            expected[key] = (packets + 1, bytes + 28 + payload);
        }

        Assert.Equal(30_000, flows.DistinctCount);
        var result = flows.ToResult();
        Assert.Equal(expected.Count, result.Entries.Count);
        foreach (var e in result.Entries)
        {
            var (packets, bytes) = expected[(e.AddressA, e.PortA, e.AddressB, e.PortB)];
            Assert.Equal(packets, e.Packets);
            Assert.Equal(bytes, e.IpBytes);
        }
    }

    [Fact]
    public void DistinctCount_RightAfterAPacket_IncludesIt()
    {
        var flows = new FlowAnalysis();
        Observe(flows, Udp("10.0.0.1", 1000, "10.0.0.2", 53));
        Assert.Equal(1, flows.DistinctCount);
        Observe(flows, Udp("10.0.0.3", 1000, "10.0.0.2", 53));
        Observe(flows, Udp("10.0.0.2", 53, "10.0.0.3", 1000));
        Assert.Equal(2, flows.DistinctCount);
        Assert.Equal(3, flows.ToResult().TotalPackets);
    }

    [Fact]
    public void AddressTexts_ManyAddressesSharingSlots_EachTextIsItsAddresss()
    {
        var texts = new AddressTexts();
        var random = new Random(11);
        for (int i = 0; i < 100_000; i++)
        {
            uint v4 = (uint)random.Next(1 << 20); // fewer than the draws: addresses come back, some after their slot was taken
            Assert.Equal(new System.Net.IPAddress(new[] { (byte)(v4 >> 24), (byte)(v4 >> 16), (byte)(v4 >> 8), (byte)v4 }).ToString(), texts.Of(4, 0, v4));
            ulong high = 0x20010db800000000UL | (uint)random.Next(4), low = (ulong)random.Next(1 << 10);
            var bytes = new byte[16];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes, high);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(8), low);
            Assert.Equal(new System.Net.IPAddress(bytes).ToString(), texts.Of(6, high, low));
        }
        // The same address as IPv4 and as IPv6 keeps its own text.
        Assert.Equal("0.0.0.1", texts.Of(4, 0, 1));
        Assert.Equal("::1", texts.Of(6, 0, 1));
        Assert.Equal("0.0.0.1", texts.Of(4, 0, 1));
    }
}
