namespace PcapViz.Tests;

/// <summary>DNS over TCP across segments and DNS in IP fragments, through CaptureAnalysis (docs/analysis.md, "Reassembly").</summary>
public sealed class ReassemblyTests
{
    private static byte[] Query(string name, ushort id = 1) => new DnsMessageBuilder { Id = id }.Question(name).Build();

    private const uint Isn = 1000;

    /// <summary>A client → resolver TCP segment on one connection; <paramref name="offset"/> is the stream offset after the SYN.</summary>
    private static byte[] Segment(int offset, byte[] data, ushort port = 40000, string client = "10.0.0.5", TcpFlags flags = TcpFlags.Ack | TcpFlags.Psh) =>
        new FrameBuilder().Ethernet().IPv4(client, "10.0.0.53").Tcp(port, 53, seq: (uint)(Isn + 1 + offset), ack: 1, flags: flags).Payload(data).Build();

    private static byte[] Syn(ushort port = 40000, string client = "10.0.0.5") =>
        new FrameBuilder().Ethernet().IPv4(client, "10.0.0.53").Tcp(port, 53, seq: Isn, flags: TcpFlags.Syn).Build();

    private static (CaptureAnalysis Analysis, IReadOnlyList<CaptureIssue> Issues) Run(params byte[][] frames)
    {
        var issues = new IssueLog();
        var analysis = Kit.Analyse(frames.Select((f, i) => (Kit.Jan2024Nanos + i * 1_000_000L, 1, f)), issues: issues);
        analysis.Complete(issues);
        return (analysis, issues.ToList());
    }

    private static Dictionary<string, long> Names(CaptureAnalysis analysis) =>
        analysis.DnsQueries.ToResult().Entries.ToDictionary(e => e.Name, e => e.Queries);

    [Fact]
    public void Tcp_PrefixInOneSegmentMessageInNext_CountedOnce()
    {
        var stream = DnsMessageBuilder.TcpFraming(Query("split.example"));
        var (a, issues) = Run(Syn(), Segment(0, stream[..2]), Segment(2, stream[2..]));
        Assert.Equal(1, Names(a)["split.example"]);
        Assert.Empty(issues);
        Assert.Equal(0, a.ToSummary().TcpDnsStreamGaps);
    }

    [Fact]
    public void Tcp_PrefixSplitAcrossSegments_Counted()
    {
        var stream = DnsMessageBuilder.TcpFraming(Query("onebyte.example"));
        var (a, _) = Run(Syn(), Segment(0, stream[..1]), Segment(1, stream[1..5]), Segment(5, stream[5..]));
        Assert.Equal(1, Names(a)["onebyte.example"]);
    }

    [Fact]
    public void Tcp_MessageEndAndNextMessageInOneSegment_BothCounted()
    {
        var stream = DnsMessageBuilder.TcpFraming(Query("a.example", 1), Query("b.example", 2), Query("c.example", 3));
        int cut1 = 10, cut2 = stream.Length - 7;
        var (a, _) = Run(Syn(), Segment(0, stream[..cut1]), Segment(cut1, stream[cut1..cut2]), Segment(cut2, stream[cut2..]));
        Assert.Equal(new Dictionary<string, long> { ["a.example"] = 1, ["b.example"] = 1, ["c.example"] = 1 }, Names(a));
    }

    [Fact]
    public void Tcp_Retransmission_CountedOnce()
    {
        var stream = DnsMessageBuilder.TcpFraming(Query("again.example"));
        var (a, _) = Run(Syn(), Segment(0, stream), Segment(0, stream), Segment(0, stream[..8]));
        Assert.Equal(1, Names(a)["again.example"]);
    }

    [Fact]
    public void Tcp_OverlappingSegments_FirstBytesWinMessageCountedOnce()
    {
        var stream = DnsMessageBuilder.TcpFraming(Query("overlap.example"), Query("second.example", 2));
        int mid = stream.Length / 2;
        // The second segment starts 6 bytes before the first one's end (with different bytes there: the first copy wins).
        var overlapping = stream[(mid - 6)..].ToArray();
        overlapping[0] ^= 0xFF;
        var (a, _) = Run(Syn(), Segment(0, stream[..mid]), Segment(mid - 6, overlapping));
        Assert.Equal(new Dictionary<string, long> { ["overlap.example"] = 1, ["second.example"] = 1 }, Names(a));
    }

    [Fact]
    public void Tcp_OutOfOrder_ReorderedBySequence()
    {
        var stream = DnsMessageBuilder.TcpFraming(Query("late.example"), Query("early.example", 2));
        int c1 = 5, c2 = 30;
        var (a, issues) = Run(Syn(), Segment(c2, stream[c2..]), Segment(c1, stream[c1..c2]), Segment(0, stream[..c1]));
        Assert.Equal(new Dictionary<string, long> { ["late.example"] = 1, ["early.example"] = 1 }, Names(a));
        Assert.Empty(issues);
    }

    [Fact]
    public void Tcp_TwoDirectionsAndTwoConnections_KeptApart()
    {
        var one = DnsMessageBuilder.TcpFraming(Query("one.example"));
        var two = DnsMessageBuilder.TcpFraming(Query("two.example"));
        var (a, _) = Run(Syn(40000), Syn(40001), Segment(0, one[..3], 40000), Segment(0, two[..3], 40001),
            Segment(3, two[3..], 40001), Segment(3, one[3..], 40000));
        Assert.Equal(new Dictionary<string, long> { ["one.example"] = 1, ["two.example"] = 1 }, Names(a));
    }

    [Fact]
    public void Tcp_NoSyn_FirstSegmentStartsStream()
    {
        var stream = DnsMessageBuilder.TcpFraming(Query("midway.example"));
        var (a, _) = Run(Segment(100, stream[..4]), Segment(104, stream[4..]));
        Assert.Equal(1, Names(a)["midway.example"]);
    }

    [Fact]
    public void Tcp_HoleNeverFilled_GapCountedStreamReadOnAfterIt()
    {
        var lost = DnsMessageBuilder.TcpFraming(Query("lost.example"));
        var filler = new byte[PcapViz.Decoding.Reassembly.TcpDnsReassembler.MaxOutOfOrderBytes / 2]; // two of these overflow the out-of-order budget
        var after = DnsMessageBuilder.TcpFraming(Query("after.example"));
        int hole = lost.Length;
        // The first message's bytes never arrive; segments beyond the hole pile up until the budget is exceeded.
        var (a, issues) = Run(Syn(), Segment(hole, filler), Segment(hole + filler.Length, filler), Segment(hole + 2 * filler.Length, after));
        Assert.False(Names(a).ContainsKey("lost.example"));
        Assert.Equal(1, Names(a)["after.example"]);
        Assert.Equal(1, a.ToSummary().TcpDnsStreamGaps);
        var issue = Assert.Single(issues, i => i.Code == IssueCodes.TcpDnsStreamLoss);
        Assert.Equal(3, issue.PacketIndex);
    }

    [Fact]
    public void Tcp_CaptureEndsInsideMessage_CountedAsGap()
    {
        var stream = DnsMessageBuilder.TcpFraming(Query("cut.example"));
        var (a, issues) = Run(Syn(), Segment(0, stream[..10]));
        Assert.Empty(Names(a));
        Assert.Equal(1, a.ToSummary().TcpDnsStreamGaps);
        Assert.Single(issues, i => i.Code == IssueCodes.TcpDnsStreamLoss);
    }

    [Fact]
    public void Tcp_ManyFlowsEachHoldingPartOfAMessage_OldestEvictedAndCounted()
    {
        // Each flow holds half of a large message; the memory cap keeps only so many of them.
        var big = DnsMessageBuilder.TcpFraming(new DnsMessageBuilder { Id = 1 }.Question("big.example").Build().Concat(new byte[60_000]).ToArray());
        int flows = (int)(PcapViz.Decoding.Reassembly.TcpDnsReassembler.MemoryCap / 60_000) + 20;
        var frames = new List<byte[]>();
        for (int i = 0; i < flows; i++)
        {
            string client = $"10.1.{i / 200}.{i % 200}";
            frames.Add(Syn(40000, client));
            frames.Add(Segment(0, big[..30_002], 40000, client));
            frames.Add(Segment(30_002, big[30_002..60_002], 40000, client));
        }
        var (a, issues) = Run([.. frames]);
        var summary = a.ToSummary();
        Assert.InRange(summary.TcpDnsFlowsEvicted, 20, flows);
        // The flows still held at the end are cut inside their message.
        Assert.Equal(flows, summary.TcpDnsFlowsEvicted + summary.TcpDnsStreamGaps);
        Assert.Single(issues, i => i.Code == IssueCodes.TcpDnsStreamLoss);
    }

    [Fact]
    public void Tcp_NewSynOnSameTuple_StartsNewStream()
    {
        var first = DnsMessageBuilder.TcpFraming(Query("first.example"));
        var second = DnsMessageBuilder.TcpFraming(Query("second.example"));
        var newSyn = new FrameBuilder().Ethernet().IPv4("10.0.0.5", "10.0.0.53").Tcp(40000, 53, seq: 777, flags: TcpFlags.Syn).Build();
        var newData = new FrameBuilder().Ethernet().IPv4("10.0.0.5", "10.0.0.53").Tcp(40000, 53, seq: 778, flags: TcpFlags.Ack).Payload(second).Build();
        var (a, _) = Run(Syn(), Segment(0, first[..5]), newSyn, newData);
        Assert.Equal(1, Names(a)["second.example"]);
        Assert.Equal(1, a.ToSummary().TcpDnsStreamGaps); // the first stream ended inside its message
    }

    // ---------------------------------------------------------------- IP fragments

    private static byte[] UdpDatagram(string src, string dst, byte[] dns, bool v6) =>
        (v6 ? new FrameBuilder().IPv6(src, dst) : new FrameBuilder().IPv4(src, dst)).Udp(40000, 53).Payload(dns).Build()[(v6 ? 40 : 20)..];

    private static byte[] V4Fragment(byte[] datagram, int start, int end, bool more, ushort id = 0x1234, string src = "10.0.0.5") =>
        new FrameBuilder().Ethernet().IPv4(src, "10.0.0.53", protocol: 17, id: id, moreFragments: more, fragmentOffset: (ushort)(start / 8))
            .Payload(datagram.AsSpan(start, end - start)).Build();

    private static byte[] V6Fragment(byte[] datagram, int start, int end, bool more, uint id = 0xABCDEF) =>
        new FrameBuilder().Ethernet().IPv6("2001:db8::5", "2001:db8::53").Fragment((ushort)(start / 8), more, id, nextHeader: 17)
            .Payload(datagram.AsSpan(start, end - start)).Build();

    private static byte[] LongQuery(string label) =>
        new DnsMessageBuilder { Id = 9 }.Question(label + "." + string.Join('.', Enumerable.Repeat(new string('x', 60), 3)) + ".example").Build();

    [Fact]
    public void Ipv4Fragments_InOrder_DnsCountedOnceSourcesPerFrame()
    {
        var dns = LongQuery("frag4");
        var datagram = UdpDatagram("10.0.0.5", "10.0.0.53", dns, v6: false);
        var (a, issues) = Run(V4Fragment(datagram, 0, 96, true), V4Fragment(datagram, 96, 200, true), V4Fragment(datagram, 200, datagram.Length, false));
        Assert.Equal(1, Assert.Single(Names(a)).Value);
        Assert.Equal(3, a.ToSummary().Ipv4Packets);
        Assert.Equal(3, a.SourceIps.ToResult().Entries.Single().Packets);
        Assert.Equal(datagram.Length + 3 * 20, a.ToSummary().IpBytes);
        Assert.Empty(issues);
    }

    [Fact]
    public void Ipv4Fragments_OutOfOrderAndDuplicated_CountedOnce()
    {
        var datagram = UdpDatagram("10.0.0.5", "10.0.0.53", LongQuery("shuffled"), v6: false);
        var last = V4Fragment(datagram, 104, datagram.Length, false);
        var first = V4Fragment(datagram, 0, 48, true);
        var (a, issues) = Run(last, first, last, first, V4Fragment(datagram, 48, 104, true));
        Assert.Equal(1, Assert.Single(Names(a)).Value);
        Assert.Empty(issues);
    }

    [Fact]
    public void Ipv4Fragments_OverlapWithOtherBytes_FirstWinsConflictWarned()
    {
        var dns = LongQuery("overlap4");
        var datagram = UdpDatagram("10.0.0.5", "10.0.0.53", dns, v6: false);
        var liar = datagram.ToArray();
        for (int i = 64; i < 120; i++) liar[i] ^= 0x5A; // would corrupt the name if it won
        var (a, issues) = Run(V4Fragment(datagram, 0, 120, true), V4Fragment(liar, 64, 160, true), V4Fragment(datagram, 160, datagram.Length, false));
        Assert.StartsWith("overlap4.", Assert.Single(Names(a)).Key, StringComparison.Ordinal);
        Assert.Single(issues, i => i.Code == IssueCodes.OverlappingFragments);
    }

    [Fact]
    public void Ipv4Fragments_NeverCompleted_CountedInSummaryAndWarnedNotCountedAsDns()
    {
        var datagram = UdpDatagram("10.0.0.5", "10.0.0.53", LongQuery("missing"), v6: false);
        var (a, issues) = Run(V4Fragment(datagram, 0, 96, true), V4Fragment(datagram, 200, datagram.Length, false));
        Assert.Empty(Names(a));
        Assert.Equal(1, a.ToSummary().IncompleteFragmentedDatagrams);
        Assert.Equal(2, a.ToSummary().Ipv4Packets);
        var issue = Assert.Single(issues, i => i.Code == IssueCodes.IncompleteFragments);
        Assert.Equal(0, issue.PacketIndex);
    }

    [Fact]
    public void Ipv4Fragments_LastFragmentAfterTimeout_Incomplete()
    {
        var datagram = UdpDatagram("10.0.0.5", "10.0.0.53", LongQuery("slow"), v6: false);
        var issues = new IssueLog();
        var frames = new[]
        {
            (Kit.Jan2024Nanos, 1, V4Fragment(datagram, 0, 96, true)),
            (Kit.Jan2024Nanos + PcapViz.Decoding.Reassembly.IpFragmentReassembler.TimeoutNanos + 1, 1, V4Fragment(datagram, 96, datagram.Length, false)),
        };
        var a = Kit.Analyse(frames, issues: issues);
        a.Complete(issues);
        Assert.Empty(Names(a));
        Assert.Equal(2, a.ToSummary().IncompleteFragmentedDatagrams); // the first timed out; the second half never completes
    }

    [Fact]
    public void Ipv4Fragments_InterleavedDatagrams_KeptApartById()
    {
        var d1 = UdpDatagram("10.0.0.5", "10.0.0.53", LongQuery("first"), v6: false);
        var d2 = UdpDatagram("10.0.0.5", "10.0.0.53", LongQuery("second"), v6: false);
        var (a, _) = Run(V4Fragment(d1, 0, 96, true, id: 1), V4Fragment(d2, 0, 96, true, id: 2),
            V4Fragment(d2, 96, d2.Length, false, id: 2), V4Fragment(d1, 96, d1.Length, false, id: 1));
        Assert.Equal(2, Names(a).Count);
    }

    [Fact]
    public void Ipv4Fragments_MemoryCap_OldestDroppedAsIncomplete()
    {
        // Many open datagrams, each holding a large first fragment, never completed: the cap bounds what is held.
        var payload = new byte[8 + 1400];
        payload[1] = 53; payload[3] = 53; // UDP ports 53 → bytes are kept
        var frames = new List<byte[]>();
        int count = (int)(PcapViz.Decoding.Reassembly.IpFragmentReassembler.MemoryCap / 2048) + 50;
        for (int i = 0; i < count; i++)
            frames.Add(V4Fragment(payload, 0, payload.Length - 4, true, id: (ushort)i, src: $"10.2.{i / 250}.{i % 250}"));
        var (a, issues) = Run([.. frames]);
        Assert.Equal(count, a.ToSummary().IncompleteFragmentedDatagrams);
        Assert.Single(issues, i => i.Code == IssueCodes.IncompleteFragments);
    }

    [Fact]
    public void Ipv4Fragments_InconsistentLength_Incomplete()
    {
        var datagram = UdpDatagram("10.0.0.5", "10.0.0.53", LongQuery("liar"), v6: false);
        var (a, _) = Run(V4Fragment(datagram, 0, 96, true), V4Fragment(datagram, 96, 160, false), V4Fragment(datagram, 96, datagram.Length, false));
        Assert.Empty(Names(a));
        Assert.Equal(1, a.ToSummary().IncompleteFragmentedDatagrams);
    }

    [Fact]
    public void Ipv6Fragments_Reassembled_DnsCounted()
    {
        var datagram = UdpDatagram("2001:db8::5", "2001:db8::53", LongQuery("frag6"), v6: true);
        var (a, issues) = Run(V6Fragment(datagram, 0, 104, true), V6Fragment(datagram, 104, datagram.Length, false));
        Assert.StartsWith("frag6.", Assert.Single(Names(a)).Key, StringComparison.Ordinal);
        Assert.Equal(2, a.ToSummary().Ipv6Packets);
        Assert.Equal(2, a.SourceIps.ToResult().Entries.Single().Packets);
        Assert.Empty(issues);
    }

    [Fact]
    public void Ipv6Fragments_NeverCompleted_Incomplete()
    {
        var datagram = UdpDatagram("2001:db8::5", "2001:db8::53", LongQuery("frag6"), v6: true);
        var (a, issues) = Run(V6Fragment(datagram, 104, datagram.Length, false));
        Assert.Empty(Names(a));
        Assert.Equal(1, a.ToSummary().IncompleteFragmentedDatagrams);
        Assert.Single(issues, i => i.Code == IssueCodes.IncompleteFragments);
    }

    [Fact]
    public void Fragments_NonDnsDatagram_CompletesWithoutDns()
    {
        var datagram = new FrameBuilder().IPv4("10.0.0.5", "10.0.0.9").Udp(40000, 9999).Payload(new byte[300]).Build()[20..];
        var (a, issues) = Run(V4Fragment(datagram, 0, 160, true), V4Fragment(datagram, 160, datagram.Length, false));
        Assert.Empty(Names(a));
        Assert.Equal(0, a.ToSummary().IncompleteFragmentedDatagrams);
        Assert.Empty(issues);
    }

    [Fact]
    public void TcpDnsInsideFragments_ReassembledThenStreamed()
    {
        var stream = DnsMessageBuilder.TcpFraming(LongQuery("tcpfrag"));
        var datagram = new FrameBuilder().IPv4("10.0.0.5", "10.0.0.53").Tcp(40000, 53, seq: 5).Payload(stream).Build()[20..];
        var f1 = new FrameBuilder().Ethernet().IPv4("10.0.0.5", "10.0.0.53", protocol: 6, id: 3, moreFragments: true).Payload(datagram.AsSpan(0, 96)).Build();
        var f2 = new FrameBuilder().Ethernet().IPv4("10.0.0.5", "10.0.0.53", protocol: 6, id: 3, fragmentOffset: 12).Payload(datagram.AsSpan(96)).Build();
        var (a, _) = Run(f1, f2);
        Assert.StartsWith("tcpfrag.", Assert.Single(Names(a)).Key, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- parallel chunks

    [Fact]
    public void DeferredChunks_MergedAndReplayed_SameAsOnePass()
    {
        var stream = DnsMessageBuilder.TcpFraming(Query("a.example", 1), Query("b.example", 2));
        var datagram = UdpDatagram("10.0.0.5", "10.0.0.53", LongQuery("chunked"), v6: false);
        var frames = new[]
        {
            Syn(), Segment(0, stream[..7]), V4Fragment(datagram, 0, 96, true),
            Segment(7, stream[7..30]), V4Fragment(datagram, 96, datagram.Length, false), Segment(30, stream[30..]),
        };
        var (whole, wholeIssues) = Run(frames);

        // Two workers see alternate frames, as ParallelCaptureAnalyzer hands out batches.
        var workers = new[] { new CaptureAnalysis(new AnalysisOptions(), deferReassembly: true), new CaptureAnalysis(new AnalysisOptions(), deferReassembly: true) };
        var logs = new[] { new IssueLog(), new IssueLog() };
        for (int i = 0; i < frames.Length; i++)
            workers[i % 2].Observe(new RawPacket(frames[i], Kit.Jan2024Nanos + i * 1_000_000L, frames[i].Length, 1, 0, 0), logs[i % 2], i);
        workers[0].Merge(workers[1]);
        workers[0].CompleteDeferred();
        var issues = new IssueLog();
        workers[0].Complete(issues);

        Assert.Equal(3, Names(whole).Count);
        Assert.Equal(Names(whole), Names(workers[0]));
        Assert.Equal(whole.ToSummary(), workers[0].ToSummary());
        Assert.Equal(wholeIssues, issues.ToList());
    }

    // ---------------------------------------------------------------- responses through reassembly (context)

    /// <summary>A resolver → client response with <paramref name="count"/> A records for <paramref name="name"/>
    /// (192.0.2.1, .2, …), the question first.</summary>
    private static byte[] AResponse(string name, int count, int rcode = 0, ushort id = 7)
    {
        var b = new DnsMessageBuilder { Id = id, IsResponse = true, Compress = false, ResponseCode = (byte)rcode }.Question(name);
        for (int i = 1; i <= count; i++) b.Answer(name, System.Net.IPAddress.Parse($"192.0.2.{i}"));
        return b.Build();
    }

    private static HashSet<(string Address, string Name)> Pairs(CaptureAnalysis a) =>
        a.DnsQueries.Responses.ToResult().Answers.Entries.Select(e => (e.Address, e.Name)).ToHashSet();

    [Fact]
    public void Tcp_ResponsesSplitAcrossSegments_AnswersCodesAndClientReachContext()
    {
        // Resolver → client on one connection: an answered response and an NXDOMAIN, cut inside the length
        // prefix and inside the answer section. The receiving client is the packets' destination.
        var stream = DnsMessageBuilder.TcpFraming(AResponse("split.example", 2), AResponse("missing.example", 0, rcode: 3, id: 8));
        static byte[] ToClient(int offset, byte[] data) =>
            new FrameBuilder().Ethernet().IPv4("10.0.0.53", "10.0.0.5").Tcp(53, 40000, seq: (uint)(Isn + 1 + offset), ack: 1, flags: TcpFlags.Ack | TcpFlags.Psh).Payload(data).Build();
        int c1 = 1, c2 = 40;
        var (a, issues) = Run(ToClient(0, stream[..c1]), ToClient(c1, stream[c1..c2]), ToClient(c2, stream[c2..]));

        Assert.Equal(new HashSet<(string, string)> { ("192.0.2.1", "split.example"), ("192.0.2.2", "split.example") }, Pairs(a));
        var (totals, _, clients) = a.DnsQueries.Responses.ToResult();
        Assert.Equal(2, totals.Responses);
        Assert.Equal(1, totals.NxDomain);
        Assert.Equal([new DnsClientEntry("10.0.0.5", 4, 2, 1)], clients.Entries);
        var missing = Assert.Single(a.DnsQueries.ToResult().Entries, e => e.Name == "missing.example");
        Assert.Equal(new[] { new NamedCount("NXDOMAIN", 1) }, missing.ResponseCodes);
        Assert.Empty(issues);
    }

    [Fact]
    public void Ipv4Fragments_Response_AnswersAndClientReachContextOnce()
    {
        var dns = AResponse("frag4.example", 20); // 20 answers: well over one 96-byte fragment
        var datagram = new FrameBuilder().IPv4("10.0.0.53", "10.0.0.5").Udp(53, 40000).Payload(dns).Build()[20..];
        byte[] Fragment(int start, int end, bool more) =>
            new FrameBuilder().Ethernet().IPv4("10.0.0.53", "10.0.0.5", protocol: 17, id: 0x77, moreFragments: more, fragmentOffset: (ushort)(start / 8))
                .Payload(datagram.AsSpan(start, end - start)).Build();
        var last = Fragment(200, datagram.Length, false);
        var (a, issues) = Run(Fragment(0, 96, true), last, last, Fragment(96, 200, true)); // out of order, last one twice

        Assert.Equal(Enumerable.Range(1, 20).Select(i => ($"192.0.2.{i}", "frag4.example")).ToHashSet(), Pairs(a));
        Assert.All(a.DnsQueries.Responses.ToResult().Answers.Entries, e => Assert.Equal(1, e.Answers));
        Assert.Equal([new DnsClientEntry("10.0.0.5", 4, 1, 0)], a.DnsQueries.Responses.ToResult().Clients.Entries);
        Assert.Empty(issues);
    }

    [Fact]
    public void Ipv6Fragments_Response_AnswersAndClientReachContext()
    {
        var dns = AResponse("frag6.example", 20);
        var datagram = new FrameBuilder().IPv6("2001:db8::53", "2001:db8::5").Udp(53, 40000).Payload(dns).Build()[40..];
        byte[] Fragment(int start, int end, bool more) =>
            new FrameBuilder().Ethernet().IPv6("2001:db8::53", "2001:db8::5").Fragment((ushort)(start / 8), more, 0x5151, nextHeader: 17)
                .Payload(datagram.AsSpan(start, end - start)).Build();
        var (a, issues) = Run(Fragment(0, 104, true), Fragment(104, datagram.Length, false));

        Assert.Equal(20, Pairs(a).Count(p => p.Name == "frag6.example"));
        Assert.Equal([new DnsClientEntry("2001:db8::5", 6, 1, 0)], a.DnsQueries.Responses.ToResult().Clients.Entries);
        Assert.Empty(issues);
    }

    [Fact]
    public void DeferredChunks_Responses_SameContextAsOnePass()
    {
        var stream = DnsMessageBuilder.TcpFraming(AResponse("one.example", 3), AResponse("gone.example", 0, rcode: 3, id: 9));
        static byte[] ToClient(int offset, byte[] data) =>
            new FrameBuilder().Ethernet().IPv4("10.0.0.53", "10.0.0.5").Tcp(53, 40000, seq: (uint)(Isn + 1 + offset), ack: 1, flags: TcpFlags.Ack | TcpFlags.Psh).Payload(data).Build();
        var frames = new[] { ToClient(0, stream[..20]), ToClient(20, stream[20..50]), ToClient(50, stream[50..]) };
        var (whole, _) = Run(frames);

        var workers = new[] { new CaptureAnalysis(new AnalysisOptions(), deferReassembly: true), new CaptureAnalysis(new AnalysisOptions(), deferReassembly: true) };
        var logs = new[] { new IssueLog(), new IssueLog() };
        for (int i = 0; i < frames.Length; i++)
            workers[i % 2].Observe(new RawPacket(frames[i], Kit.Jan2024Nanos + i * 1_000_000L, frames[i].Length, 1, 0, 0), logs[i % 2], i);
        workers[0].Merge(workers[1]);
        workers[0].Complete(new IssueLog());

        Assert.Equal(3, Pairs(whole).Count);
        var (wholeTotals, wholeAnswers, wholeClients) = whole.DnsQueries.Responses.ToResult();
        var (totals, answers, clients) = workers[0].DnsQueries.Responses.ToResult();
        Assert.Equal(wholeTotals, totals);
        Assert.Equal(wholeAnswers.Entries, answers.Entries);
        Assert.Equal(wholeClients.Entries, clients.Entries);
        Assert.Equal([new DnsClientEntry("10.0.0.5", 4, 2, 1)], workers[0].DnsQueries.Responses.ToResult().Clients.Entries);
    }
}
