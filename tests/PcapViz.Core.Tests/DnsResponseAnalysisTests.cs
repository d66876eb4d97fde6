using System.Net;

namespace PcapViz.Tests;

/// <summary>Responses in the DNS analysis: names for addresses, codes per name, NXDOMAIN per client, merging.</summary>
public sealed class DnsResponseAnalysisTests
{
    private static byte[] ToClient(string client, byte[] message, ushort port = 53) =>
        new FrameBuilder().Ethernet().IPv4("10.0.0.53", client).Udp(port, 40000).Payload(message).Build();

    private static byte[] FromClient(string client, byte[] message) =>
        new FrameBuilder().Ethernet().IPv4(client, "10.0.0.53").Udp(40000, 53).Payload(message).Build();

    private static DnsMessageBuilder Response(string name, int rcode = 0, ushort type = DnsCodes.TypeA) =>
        new DnsMessageBuilder { IsResponse = true, Compress = true, ResponseCode = (byte)rcode }.Question(name, type);

    private static (DnsResponseTotals Totals, AddressNameResult Answers, DnsClientResult Clients) Result(DnsQueryAnalysis a) => a.Responses.ToResult();

    [Fact]
    public void Observe_DirectAAnswer_PairCounted()
    {
        var a = new DnsQueryAnalysis();
        Kit.Observe(a, ToClient("10.0.0.7", Response("www.example.com").Answer("www.example.com", IPAddress.Parse("192.0.2.10")).Build()));
        Kit.Observe(a, ToClient("10.0.0.7", Response("WWW.example.com").Answer("www.example.COM", IPAddress.Parse("192.0.2.10")).Build()));
        Assert.Equal([new AddressNameEntry("192.0.2.10", 4, "www.example.com", 2)], Result(a).Answers.Entries);
    }

    [Fact]
    public void Observe_CnameChain_EveryNameOnTheChainGetsTheAddress()
    {
        // www.shop.example → shop.cdn.example → edge7.cdn.example → A 198.51.100.7 and AAAA 2001:db8::7
        var message = Response("www.shop.example")
            .AnswerName("www.shop.example", DnsCodes.TypeCname, "shop.cdn.example")
            .AnswerName("shop.cdn.example", DnsCodes.TypeCname, "edge7.cdn.example")
            .Answer("edge7.cdn.example", IPAddress.Parse("198.51.100.7"))
            .Answer("edge7.cdn.example", IPAddress.Parse("2001:db8::7")).Build();
        var a = new DnsQueryAnalysis();
        Kit.Observe(a, ToClient("10.0.0.7", message));
        Assert.Equal(
        [
            new AddressNameEntry("198.51.100.7", 4, "edge7.cdn.example", 1),
            new AddressNameEntry("198.51.100.7", 4, "shop.cdn.example", 1),
            new AddressNameEntry("198.51.100.7", 4, "www.shop.example", 1),
            new AddressNameEntry("2001:db8::7", 6, "edge7.cdn.example", 1),
            new AddressNameEntry("2001:db8::7", 6, "shop.cdn.example", 1),
            new AddressNameEntry("2001:db8::7", 6, "www.shop.example", 1),
        ], Result(a).Answers.Entries);
    }

    [Fact]
    public void Observe_CnameLoopInAnswers_EachRecordFollowedOnce()
    {
        // a.example CNAME b.example, b.example CNAME a.example, b.example A 192.0.2.1: names a and b, no endless walk.
        var message = Response("a.example")
            .AnswerName("a.example", DnsCodes.TypeCname, "b.example")
            .AnswerName("b.example", DnsCodes.TypeCname, "a.example")
            .Answer("b.example", IPAddress.Parse("192.0.2.1")).Build();
        var a = new DnsQueryAnalysis();
        Kit.Observe(a, ToClient("10.0.0.7", message));
        Assert.Equal(
        [
            new AddressNameEntry("192.0.2.1", 4, "a.example", 1),
            new AddressNameEntry("192.0.2.1", 4, "b.example", 1),
        ], Result(a).Answers.Entries);
    }

    [Fact]
    public void Observe_UnrelatedCname_NotAttached()
    {
        var message = Response("x.example")
            .AnswerName("other.example", DnsCodes.TypeCname, "elsewhere.example")
            .Answer("x.example", IPAddress.Parse("192.0.2.9")).Build();
        var a = new DnsQueryAnalysis();
        Kit.Observe(a, ToClient("10.0.0.7", message));
        Assert.Equal([new AddressNameEntry("192.0.2.9", 4, "x.example", 1)], Result(a).Answers.Entries);
    }

    [Fact]
    public void Observe_AWithWrongLength_NotAPair()
    {
        var message = Response("x.example").Answer("x.example", DnsCodes.TypeA, Kit.Bytes(1, 2, 3, 4, 5)).Build();
        var a = new DnsQueryAnalysis();
        Kit.Observe(a, ToClient("10.0.0.7", message));
        Assert.Empty(Result(a).Answers.Entries);
        Assert.Equal(1, Result(a).Totals.Responses);
    }

    [Fact]
    public void Observe_QueriesAndResponses_TypesAndCodesPerName()
    {
        var a = new DnsQueryAnalysis();
        Kit.Observe(a, FromClient("10.0.0.7", new DnsMessageBuilder().Question("t.example", DnsCodes.TypeTxt).Build()));
        Kit.Observe(a, FromClient("10.0.0.7", new DnsMessageBuilder().Question("t.example", DnsCodes.TypeTxt).Build()));
        Kit.Observe(a, FromClient("10.0.0.7", new DnsMessageBuilder().Question("t.example", DnsCodes.TypeAaaa).Build()));
        Kit.Observe(a, ToClient("10.0.0.7", Response("t.example", 3, DnsCodes.TypeTxt).Build()));
        Kit.Observe(a, ToClient("10.0.0.7", Response("t.example", 3, DnsCodes.TypeTxt).Build()));
        Kit.Observe(a, ToClient("10.0.0.7", Response("t.example", 0, DnsCodes.TypeAaaa).Build()));
        var entry = Assert.Single(a.ToResult().Entries);
        Assert.Equal(3, entry.Queries);
        Assert.Equal([new NamedCount("TXT", 2), new NamedCount("AAAA", 1)], entry.QueryTypes);
        Assert.Equal([new NamedCount("NXDOMAIN", 2), new NamedCount("NOERROR", 1)], entry.ResponseCodes);
        var totals = Result(a).Totals;
        Assert.Equal(3, totals.Responses);
        Assert.Equal(2 / 3.0, totals.NxDomainShare!.Value, 12);
    }

    [Fact]
    public void Observe_NxDomainResponses_CountedPerReceivingClient_MostNxDomainFirst()
    {
        var a = new DnsQueryAnalysis();
        for (int i = 0; i < 3; i++) Kit.Observe(a, ToClient("10.0.0.9", Response($"dga{i}.example", 3).Build()));
        Kit.Observe(a, ToClient("10.0.0.7", Response("ok.example").Build()));
        Kit.Observe(a, ToClient("10.0.0.7", Response("bad.example", 3).Build()));
        Kit.Observe(a, ToClient("10.0.0.7", Response("ok.example").Build()));
        Assert.Equal(
        [
            new DnsClientEntry("10.0.0.9", 4, 3, 3),
            new DnsClientEntry("10.0.0.7", 4, 3, 1),
        ], Result(a).Clients.Entries);
    }

    [Fact]
    public void Observe_MdnsAnnouncementWithoutQuestion_PairsButNoCode()
    {
        var message = new DnsMessageBuilder { IsResponse = true, AuthoritativeAnswer = true, RecursionDesired = false }
            .Answer("printer.local", IPAddress.Parse("192.168.1.5")).Build();
        var a = new DnsQueryAnalysis();
        Kit.Observe(a, new FrameBuilder().Ethernet().IPv4("192.168.1.5", "224.0.0.251").Udp(5353, 5353).Payload(message).Build());
        Assert.Equal([new AddressNameEntry("192.168.1.5", 4, "printer.local", 1)], Result(a).Answers.Entries);
        Assert.Empty(a.ToResult().Entries);
        Assert.Equal(1, Result(a).Totals.Responses);
        Assert.Equal(0, Result(a).Totals.WithQuestion);
        Assert.Empty(Result(a).Clients.Entries);
    }

    [Fact]
    public void Observe_MalformedResponse_CountedApartNotUsed()
    {
        var a = new DnsQueryAnalysis();
        var broken = Response("x.example").Answer("x.example", IPAddress.Parse("192.0.2.1")).Build();
        Kit.Observe(a, ToClient("10.0.0.7", broken[..^2])); // rdata cut short
        Assert.Equal(1, a.Responses.Malformed);
        Assert.Equal(0, a.Malformed);
        Assert.Empty(a.ToResult().Entries);
        Assert.Empty(Result(a).Answers.Entries);
    }

    [Fact]
    public void Observe_ResponseOverTcp_Read()
    {
        var message = Response("tcp.example").Answer("tcp.example", IPAddress.Parse("192.0.2.44")).Build();
        var frame = new FrameBuilder().Ethernet().IPv4("10.0.0.53", "10.0.0.7").Tcp(53, 40000).Payload(DnsMessageBuilder.TcpFraming(message)).Build();
        var a = new DnsQueryAnalysis();
        Kit.Observe(a, frame);
        Assert.Equal([new AddressNameEntry("192.0.2.44", 4, "tcp.example", 1)], Result(a).Answers.Entries);
    }

    [Fact]
    public void Observe_MorePairsThanLimit_LightestFoldedAndBounded()
    {
        var a = new DnsQueryAnalysis(maxDistinct: 4);
        for (int i = 0; i < 3; i++) Kit.Observe(a, ToClient("10.0.0.7", Response("heavy.example").Answer("heavy.example", IPAddress.Parse("192.0.2.1")).Build()));
        for (int i = 1; i <= 4; i++) Kit.Observe(a, ToClient("10.0.0.7", Response($"n{i}.example").Answer($"n{i}.example", IPAddress.Parse($"192.0.2.{10 + i}")).Build()));
        var answers = Result(a).Answers;
        Assert.True(answers.Limit.Exceeded);
        Assert.Equal(new AddressNameEntry("192.0.2.1", 4, "heavy.example", 3), answers.Entries[0]);
        Assert.Equal(7, answers.Entries.Sum(e => e.Answers) + answers.Limit.OtherPackets);
        Assert.True(answers.Limit.MaxUndercount >= 1);
    }

    /// <summary>A mixed exchange: queries, responses with CNAMEs and NXDOMAINs, over several clients.</summary>
    private static List<byte[]> Exchange()
    {
        var frames = new List<byte[]>();
        for (int i = 0; i < 12; i++)
        {
            string client = $"10.0.0.{1 + i % 3}";
            string name = $"h{i % 5}.example.org";
            frames.Add(FromClient(client, new DnsMessageBuilder().Question(name, i % 2 == 0 ? DnsCodes.TypeA : DnsCodes.TypeAaaa).Build()));
            var response = Response(name, i % 4 == 0 ? 3 : 0);
            if (i % 4 != 0)
                response.AnswerName(name, DnsCodes.TypeCname, "edge.cdn.example").Answer("edge.cdn.example", IPAddress.Parse($"192.0.2.{i % 6}"));
            frames.Add(ToClient(client, response.Build()));
        }
        return frames;
    }

    [Fact]
    public void Merge_TwoHalvesInEitherOrder_EqualsOnePass()
    {
        var frames = Exchange();
        var whole = new DnsQueryAnalysis();
        foreach (var f in frames) Kit.Observe(whole, f);
        static DnsQueryAnalysis Half(IEnumerable<byte[]> part)
        {
            var h = new DnsQueryAnalysis();
            foreach (var f in part) Kit.Observe(h, f);
            return h;
        }
        var first = Half(frames.Take(9));
        var second = Half(frames.Skip(9));
        var ab = Half([]);
        ab.Merge(first);
        ab.Merge(second);
        var ba = Half([]);
        ba.Merge(second);
        ba.Merge(first);
        foreach (var merged in new[] { ab, ba })
        {
            Assert.Equal(whole.ToResult().Entries, merged.ToResult().Entries);
            var (wt, wa, wc) = Result(whole);
            var (mt, ma, mc) = Result(merged);
            Assert.Equal(wt, mt);
            Assert.Equal(wa.Entries, ma.Entries);
            Assert.Equal(wc.Entries, mc.Entries);
        }
        Assert.NotEmpty(Result(whole).Answers.Entries);
        Assert.Contains(whole.ToResult().Entries, e => e.ResponseCodes.Any(c => c.Name == "NXDOMAIN"));
    }

    [Fact]
    public void MergeResults_CapturesThroughJson_EqualsOnePass()
    {
        // Two "captures" written to analysis.json, read back and merged as run totals are: same context as one pass.
        var frames = Exchange();
        static CaptureResult Capture(IEnumerable<byte[]> part, string id)
        {
            var analysis = Kit.Analyse(part.Select((f, i) => (Kit.Jan2024Nanos + i, 1, f)));
            var input = new CaptureInput(id + ".pcap", "/x/" + id, 1, new string('0', 64), DateTimeOffset.UnixEpoch);
            var result = PcapViz.Orchestration.CaptureAnalyzer.Finish(id, input, new CaptureFileInfo(PcapViz.Model.CaptureFormat.Pcap, CaptureCompression.None, [1], "microseconds"), analysis, new IssueLog());
            var ms = new MemoryStream();
            PcapViz.Export.AnalysisJsonExporter.Write(ms, result, "t");
            return PcapViz.Export.AnalysisJsonReader.Read(new MemoryStream(ms.ToArray()), input);
        }
        var whole = Capture(frames, "whole");
        var options = new AnalysisOptions();
        var merged = PcapViz.Orchestration.RunTotals.BuildWithContext([Capture(frames.Skip(7), "b"), Capture(frames.Take(7), "a")], options);
        Assert.Equal(whole.SourceIps.Entries, merged.SourceIps.Entries);
        Assert.Equal(whole.DnsQueries.Entries, merged.Dns.Entries);
        Assert.Equal(whole.Context.Responses, merged.Context.Responses);
        Assert.Equal(whole.Context.Answers.Entries, merged.Context.Answers.Entries);
        Assert.Equal(whole.Context.Clients.Entries, merged.Context.Clients.Entries);
        Assert.Equal(whole.Context.Domains, merged.Context.Domains);
        Assert.Contains(new AddressNameEntry("192.0.2.1", 4, "h1.example.org", 1), whole.Context.Answers.Entries);
    }

    [Fact]
    public void ContextBuilder_NamesForAddress_MostAnsweredFirstAtMostTenAndHowManyMore()
    {
        // 12 names answered with 192.0.2.80 (n0 once … n11 twelve times), and the address is a busy source.
        var frames = new List<byte[]>();
        for (int n = 0; n < 12; n++)
            for (int k = 0; k <= n; k++)
                frames.Add(ToClient("10.0.0.7", Response($"n{n}.example").Answer($"n{n}.example", IPAddress.Parse("192.0.2.80")).Build()));
        frames.Add(new FrameBuilder().Ethernet().IPv4("192.0.2.80", "10.0.0.7").Udp(443, 40000).Payload([1]).Build());
        var analysis = Kit.Analyse(frames.Select((f, i) => (Kit.Jan2024Nanos + i, 1, f)));
        var input = new CaptureInput("c.pcap", "/c.pcap", 1, "", DateTimeOffset.UnixEpoch);
        var result = PcapViz.Orchestration.CaptureAnalyzer.Finish("c", input, null, analysis, new IssueLog());
        var server = Assert.Single(result.SourceIps.Entries, e => e.Address == "192.0.2.80");
        Assert.Equal(["n11.example", "n10.example", "n9.example", "n8.example", "n7.example", "n6.example", "n5.example",
            "n4.example", "n3.example", "n2.example"], server.Names.Select(n => n.Name));
        Assert.All(server.Names, n => Assert.Equal(NameSources.Dns, n.Source));
        Assert.Equal(2, server.MoreNames);
        Assert.Equal("documentation", server.AddressClass);
        var client = Assert.Single(result.SourceIps.Entries, e => e.Address == "10.0.0.53");
        Assert.Empty(client.Names);
        Assert.Equal("private", client.AddressClass);
        var n11 = Assert.Single(result.DnsQueries.Entries, e => e.Name == "n11.example");
        Assert.Equal(0, n11.Queries);
        Assert.Equal([new NamedCount("NOERROR", 12)], n11.ResponseCodes);
        Assert.Equal("n11.example", n11.RegisteredDomain); // "example" has no PSL rule: the default rule makes it the suffix
    }
}
