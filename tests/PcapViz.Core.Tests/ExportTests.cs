using System.Text;
using PcapViz.Export;

namespace PcapViz.Tests;

public sealed class ExportTests
{
    [Theory]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("+49 30", "'+49 30")]
    [InlineData("-2", "'-2")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tx", "'\tx")]
    [InlineData("\rx", "\"'\rx\"")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("line\nbreak", "\"line\nbreak\"")]
    [InlineData("=a,b", "\"'=a,b\"")]
    [InlineData("example.com", "example.com")]
    [InlineData("a=b", "a=b")]
    [InlineData("", "")]
    public void Cell_FormulaPrefixesAndSpecialCharacters_DefusedAndQuoted(string value, string expected)
    {
        Assert.Equal(expected, CsvExporter.Cell(value));
    }

    private static CaptureResult Sample() => new(
        "site-a-dns-pcap-1234abcd",
        new CaptureInput("site-a/dns.pcap", "/data/site-a/dns.pcap", 123_456, new string('a', 64), DateTimeOffset.UnixEpoch),
        CaptureStatus.Partial,
        new CaptureFileInfo(PcapViz.Model.CaptureFormat.PcapNg, CaptureCompression.Gzip, [1, 113, 276], "nanoseconds"),
        new CaptureSummary(1000, 700, 250, 80_000, 65_000, Kit.Jan2024Nanos + 123_456_789, Kit.Jan2024Nanos + 61_000_000_001, 12, 3),
        new SourceIpResult(
            [new SourceIpEntry("10.0.0.1", 4, 600, 40_000)
             {
                 AddressClass = "private", Names = NameSources.FromDns(["=evil.example", "www.example.com"]), MoreNames = 2,
                 Country = "DE", Asn = 64_500, AsOrg = "Example, \"Net\"",
             },
             new SourceIpEntry("2001:db8::1", 6, 250, 20_000) { AddressClass = "documentation" },
             new SourceIpEntry("::ffff:192.0.2.1", 6, 100, 5_000) { AddressClass = "ipv4-mapped" }],
            new DistinctLimit(200_000, true, 42, 4_200, 7)),
        new DnsQueryResult(
            [new DnsQueryEntry("<script>alert(1)</script>.example", DnsProtocol.Dns, 5)
             {
                 RegisteredDomain = "<script>alert(1)</script>.example",
                 QueryTypes = new([new NamedCount("TXT", 4), new NamedCount("TYPE65280", 1)]),
                 ResponseCodes = new([new NamedCount("NXDOMAIN", 3), new NamedCount("RCODE12", 1)]),
             },
             new DnsQueryEntry(@"a\032b.local", DnsProtocol.Mdns, 2),
             new DnsQueryEntry("wpad", DnsProtocol.Llmnr, 1), new DnsQueryEntry("ünïcode\u2028.example", DnsProtocol.Dns, 1)],
            new DistinctLimit(200_000, false, 0, 0, 0)),
        new TrafficResult(5, [new TrafficBin(Kit.Jan2024Seconds, 10, 1000), new TrafficBin(Kit.Jan2024Seconds + 5, 0, 0), new TrafficBin(Kit.Jan2024Seconds + 5000, 2, 300)]),
        [new CaptureIssue(IssueSeverity.Error, "truncated-record", "Record 1,000 at byte offset 80,024 is cut \"short\" <here>.", 80_024, 1000),
         new CaptureIssue(IssueSeverity.Warning, "distinct-limit", "folded", null, null)])
    {
        Context = new ContextResult(
            new DnsResponseTotals(9, 8, 1, new([new NamedCount("NXDOMAIN", 5), new NamedCount("NOERROR", 3)])),
            new AddressNameResult([new AddressNameEntry("10.0.0.1", 4, "=evil.example", 3), new AddressNameEntry("2001:db8::1", 6, "www.example.com", 1)],
                new DistinctLimit(200_000, true, 11, 0, 2)),
            new DnsClientResult([new DnsClientEntry("10.0.0.1", 4, 8, 5)], new DistinctLimit(200_000, false, 0, 0, 0)),
            [new DnsDomainEntry("<script>alert(1)</script>.example", 5, 1, 4, 3, 4, 8, 0, 3.25, new(["txt-heavy", "nxdomain-heavy"]))],
            new ContextFacts("2026-08-19 e8c9a2b", "2026-11-30", new(["GeoLite2-Country built 2026-01-02"]))),
        Conversations = new ConversationResult(
            [new ConversationEntry(6, 4, "1.2.3.4", 1122, "5.6.7.8", 3344, 3, 300, 2, 4000, Kit.Jan2024Nanos + 1_000, Kit.Jan2024Nanos + 2_000_000_001,
                 TcpFlagsSeen.Syn | TcpFlagsSeen.SynAck | TcpFlagsSeen.Fin, CommunityIdHash.Parse("1:wCb3OG7yAFWelaUydu0D+125CLM=")),
             new ConversationEntry(1, 4, "1.2.3.4", 8, "5.6.7.8", 0, 1, 84, 0, 0, Kit.Jan2024Nanos, Kit.Jan2024Nanos,
                 TcpFlagsSeen.None, CommunityIdHash.Parse("1:crodRHL2FEsHjbv3UkRrfbs4bZ0="))],
            new DistinctLimit(200_000, true, 9, 900, 1)),
    };

    private static byte[] Write(CaptureResult result) => Kit.AnalysisJson(result, "9.9.9");

    [Fact]
    public void AnalysisJson_WriteThenRead_EveryFieldEqual()
    {
        var original = Sample();
        var read = AnalysisJsonReader.Read(new MemoryStream(Write(original)), original.Input);

        Assert.Equal(original.Id, read.Id);
        Assert.Same(original.Input, read.Input);
        Assert.Equal(original.Status, read.Status);
        Assert.NotNull(read.File);
        Assert.Equal(original.File!.Format, read.File!.Format);
        Assert.Equal(original.File.Compression, read.File.Compression);
        Assert.Equal(original.File.LinkTypes, read.File.LinkTypes);
        Assert.Equal(original.File.TimestampPrecision, read.File.TimestampPrecision);
        Assert.Equal(original.Summary, read.Summary);
        Assert.Equal(original.SourceIps.Entries, read.SourceIps.Entries);
        Assert.Equal(original.SourceIps.Limit, read.SourceIps.Limit);
        Assert.Equal(original.DnsQueries.Entries, read.DnsQueries.Entries);
        Assert.Equal(original.DnsQueries.Limit, read.DnsQueries.Limit);
        Assert.Equal(original.Traffic.BinSeconds, read.Traffic.BinSeconds);
        Assert.Equal(original.Traffic.Bins, read.Traffic.Bins);
        Assert.Equal([new TrafficGap(Kit.Jan2024Seconds + 10, Kit.Jan2024Seconds + 5000)], read.Traffic.Gaps);
        Assert.Equal(original.Issues, read.Issues);
        Assert.Equal(original.Context.Responses, read.Context.Responses);
        Assert.Equal(original.Context.Answers.Entries, read.Context.Answers.Entries);
        Assert.Equal(original.Context.Answers.Limit, read.Context.Answers.Limit);
        Assert.Equal(original.Context.Clients.Entries, read.Context.Clients.Entries);
        Assert.Equal(original.Context.Clients.Limit, read.Context.Clients.Limit);
        Assert.Equal(original.Context.Domains, read.Context.Domains);
        Assert.Equal(original.Context.Facts, read.Context.Facts);
        Assert.Equal(original.Conversations.Entries, read.Conversations.Entries);
        Assert.Equal(original.Conversations.Limit, read.Conversations.Limit);
    }

    [Fact]
    public void AnalysisJson_Conversations_FieldsAsDocumented()
    {
        using var doc = System.Text.Json.JsonDocument.Parse(Write(Sample()));
        var flow = doc.RootElement.GetProperty("conversations")[0];
        Assert.Equal(
            "protocol=tcp protocolNumber=6 version=4 addressA=1.2.3.4 portA=1122 addressB=5.6.7.8 portB=3344 " +
            "packetsAToB=3 ipBytesAToB=300 packetsBToA=2 ipBytesBToA=4000 " +
            "firstPacketUtc=2024-01-01T00:00:00.000001Z lastPacketUtc=2024-01-01T00:00:02.000000Z " +
            "firstPacketEpochNanos=1704067200000001000 lastPacketEpochNanos=1704067202000000001 " +
            "tcpFlagsSeen=[syn,syn-ack,fin] handshakeSeen=True communityId=1:wCb3OG7yAFWelaUydu0D+125CLM=",
            string.Join(' ', flow.EnumerateObject().Select(p => p.Name + "=" + (p.Value.ValueKind == System.Text.Json.JsonValueKind.Array
                ? "[" + string.Join(',', p.Value.EnumerateArray().Select(x => x.GetString())) + "]"
                : p.Value.ToString()))));
        Assert.True(doc.RootElement.GetProperty("limits").GetProperty("conversations").GetProperty("exceeded").GetBoolean());
    }

    [Fact]
    public void AnalysisJson_WithoutConversations_ReadWithNone()
    {
        // A bundle written before flows were analysed has neither the array nor its limit.
        var node = System.Text.Json.Nodes.JsonNode.Parse(Write(Sample()))!.AsObject();
        Assert.True(node.Remove("conversations"));
        Assert.True(node["limits"]!.AsObject().Remove("conversations"));
        var read = AnalysisJsonReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(node.ToJsonString())), Sample().Input);
        Assert.Empty(read.Conversations.Entries);
        Assert.False(read.Conversations.Limit.Exceeded);
    }

    [Fact]
    public void AnalysisJson_WithoutGeoIp_NoCountryOrAsnFields()
    {
        var original = Sample() with { Context = Sample().Context with { Facts = ContextFacts.None } };
        using var doc = System.Text.Json.JsonDocument.Parse(Write(original));
        var first = doc.RootElement.GetProperty("sourceIps")[0];
        Assert.False(first.TryGetProperty("country", out _));
        Assert.False(first.TryGetProperty("asn", out _));
        Assert.Equal("private", first.GetProperty("addressClass").GetString());
        var read = AnalysisJsonReader.Read(new MemoryStream(Write(original)), original.Input);
        Assert.Null(read.SourceIps.Entries[0].Country);
        Assert.Null(read.SourceIps.Entries[0].Asn);
    }

    [Fact]
    public void AnalysisJson_FailedCaptureWithoutFileInfo_RoundTrips()
    {
        var original = Sample() with
        {
            Status = CaptureStatus.Failed, File = null, Summary = CaptureSummary.Empty,
            SourceIps = new SourceIpResult([], DistinctLimit.NotExceeded(10)), DnsQueries = new DnsQueryResult([], DistinctLimit.NotExceeded(10)),
            Traffic = TrafficResult.Empty,
        };
        var read = AnalysisJsonReader.Read(new MemoryStream(Write(original)), original.Input);
        Assert.Equal(CaptureStatus.Failed, read.Status);
        Assert.Null(read.File);
        Assert.Equal(CaptureSummary.Empty, read.Summary);
        Assert.Empty(read.Traffic.Bins);
    }

    [Fact]
    public void AnalysisJson_UntrustedNames_NoRawAngleBracketOrLineSeparator()
    {
        string json = Encoding.UTF8.GetString(Write(Sample()));
        Assert.DoesNotContain("<", json);
        Assert.DoesNotContain(">", json);
        Assert.DoesNotContain("\u2028", json);
        Assert.Contains("\\u003Cscript\\u003E", json, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void AnalysisJson_SchemaFields_PresentWithDesignNames()
    {
        using var doc = System.Text.Json.JsonDocument.Parse(Write(Sample()));
        var root = doc.RootElement;
        Assert.Equal(3, root.GetProperty("schemaVersion").GetInt32());
        var input = root.GetProperty("input");
        Assert.Equal("site-a/dns.pcap", input.GetProperty("path").GetString());
        Assert.Equal("pcapng", input.GetProperty("format").GetString());
        Assert.Equal("gzip", input.GetProperty("compression").GetString());
        Assert.Equal("nanoseconds", input.GetProperty("timestampPrecision").GetString());
        var summary = root.GetProperty("summary");
        Assert.Equal("2024-01-01T00:00:00.123456Z", summary.GetProperty("firstPacketUtc").GetString());
        Assert.Equal("2024-01-01T00:01:01.000000Z", summary.GetProperty("lastPacketUtc").GetString());
        Assert.Equal(60.876543212, summary.GetProperty("durationSeconds").GetDouble(), 9);
        Assert.Equal("10.0.0.1", root.GetProperty("sourceIps")[0].GetProperty("address").GetString());
        Assert.Equal("mdns", root.GetProperty("dnsQueries")[1].GetProperty("protocol").GetString());
        var source = root.GetProperty("sourceIps")[0];
        Assert.Equal("private", source.GetProperty("addressClass").GetString());
        Assert.Equal("=evil.example", source.GetProperty("names")[0].GetProperty("name").GetString());
        Assert.Equal("dns", source.GetProperty("names")[0].GetProperty("source").GetString());
        Assert.Equal("DE", source.GetProperty("country").GetString());
        Assert.Equal(64_500, source.GetProperty("asn").GetInt64());
        var query = root.GetProperty("dnsQueries")[0];
        Assert.Equal("<script>alert(1)</script>.example", query.GetProperty("registeredDomain").GetString());
        Assert.Equal(4, query.GetProperty("queryTypes").GetProperty("TXT").GetInt64());
        Assert.Equal(3, query.GetProperty("responseCodes").GetProperty("NXDOMAIN").GetInt64());
        var domain = root.GetProperty("dnsDomains")[0];
        Assert.Equal(5, domain.GetProperty("queries").GetInt64());
        Assert.Equal(1, domain.GetProperty("distinctNames").GetInt32());
        Assert.Equal("txt-heavy", domain.GetProperty("signals")[0].GetString());
        var traffic = root.GetProperty("traffic");
        Assert.Equal(5, traffic.GetProperty("binSeconds").GetInt32());
        Assert.Equal("2024-01-01T00:00:05Z", traffic.GetProperty("bins")[1].GetProperty("startUtc").GetString());
        Assert.False(traffic.TryGetProperty("outsidePackets", out _));
        var gap = Assert.Single(traffic.GetProperty("gaps").EnumerateArray());
        Assert.Equal("2024-01-01T00:00:10Z", gap.GetProperty("fromUtc").GetString());
        Assert.Equal("2024-01-01T01:23:20Z", gap.GetProperty("toUtc").GetString());
        var issue = root.GetProperty("issues")[0];
        Assert.Equal("error", issue.GetProperty("severity").GetString());
        Assert.Equal(80_024, issue.GetProperty("byteOffset").GetInt64());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, root.GetProperty("issues")[1].GetProperty("byteOffset").ValueKind);
    }

    [Fact]
    public void AnalysisJson_SameResultTwice_SameBytes()
    {
        Assert.Equal(Write(Sample()), Write(Sample()));
    }
    [Theory]
    [InlineData(0L, "1970-01-01T00:00:00.000000Z")]
    [InlineData(-1L, "1969-12-31T23:59:59.999999Z")]
    [InlineData(Kit.Jan2024Nanos + 999_999_999L, "2024-01-01T00:00:00.999999Z")]
    public void IsoUtcMicros_Truncates(long nanos, string expected)
    {
        Assert.Equal(expected, TimeFormat.IsoUtcMicros(nanos));
    }

    [Fact]
    public void IsoUtcMicros_OverTheWholeRangeOfNanoseconds_AsDateTimeOffsetPrintsIt()
    {
        // Every time a capture can hold (1677 to 2262), leap days and centuries included, against .NET's calendar.
        var random = new Random(17);
        var times = new List<long> { long.MinValue, long.MaxValue, 951_782_400_000_000_000L /* 2000-02-29 */, 4_107_542_400_000_000_000L /* 2100-03-01 */ };
        for (int i = 0; i < 20_000; i++) times.Add(random.NextInt64(long.MinValue, long.MaxValue));
        foreach (long nanos in times)
        {
            long ticks = Math.DivRem(nanos, 100, out long rest) - (rest < 0 ? 1 : 0);
            var expected = DateTimeOffset.UnixEpoch.AddTicks(ticks).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(expected, TimeFormat.IsoUtcMicros(nanos));
        }
    }
    private sealed class MemorySink : IOutputSink
    {
        public Dictionary<string, MemoryStream> Files { get; } = [];

        public Stream Create(string relativePath) => Files[relativePath] = new MemoryStream();

        public string Text(string path) => Encoding.UTF8.GetString(Files[path].ToArray());
    }

    [Fact]
    public void CsvExporter_FiveFiles_ExactContent()
    {
        var both = new BoundedSet(new ValueList<string>(["192.0.2.1", "192.0.2.2"]), false);
        var one = new BoundedSet(new ValueList<string>(["10.0.0.9"]), true);
        var none = DistinctLimit.NotExceeded(10);
        var capture = Sample() with
        {
            DnsQueries = new DnsQueryResult(
                [new DnsQueryEntry("=cmd|' /C calc'!A0", DnsProtocol.Dns, 5), new DnsQueryEntry("a,b", DnsProtocol.Mdns, 2)],
                DistinctLimit.NotExceeded(10)),
            Application = new ApplicationResult(
                [new ServerNameEntry("=HYPERLINK(\"x\")", NameSources.Tls, 3, one, both), new ServerNameEntry("a,b.example", NameSources.Http, 1, one, one)], none,
                [], none, [], none, [], none, [], none, [], none),
        };
        var sink = new MemorySink();
        new CsvExporter().ExportCapture(capture, null!, sink, TestContext.Current.CancellationToken);
        string dir = "captures/site-a-dns-pcap-1234abcd/";
        string[] files = [dir + "conversations.csv", dir + "dns_domains.csv", dir + "dns_queries.csv", dir + "server_names.csv", dir + "source_ips.csv", dir + "traffic.csv"];
        Assert.Equal(files, sink.Files.Keys.Order(StringComparer.Ordinal));
        // Shares are of every source's packets, listed and "other", as the pages count them (docs/report-view.md):
        // 600 + 250 + 100 + 42 = 992, so 600/992, 250/992, 100/992 to six decimals.
        Assert.Equal(
            "address,version,packets,share,ip_bytes,address_class,names,more_names,name_sources,country,asn,as_org\n" +
            "10.0.0.1,4,600,0.604839,40000,private,'=evil.example www.example.com,2,dns dns,DE,64500,\"Example, \"\"Net\"\"\"\n" +
            "2001:db8::1,6,250,0.252016,20000,documentation,,0,,,,\n" +
            "::ffff:192.0.2.1,6,100,0.100806,5000,ipv4-mapped,,0,,,,\n", sink.Text(dir + "source_ips.csv"));
        Assert.Equal(
            "name,protocol,queries,registered_domain,query_types,response_codes\n" +
            "'=cmd|' /C calc'!A0,dns,5,,,\n" +
            "\"a,b\",mdns,2,,,\n", sink.Text(dir + "dns_queries.csv"));
        Assert.Equal(
            "server_name,source,count,clients,clients_complete,servers,servers_complete,server_addresses\n" +
            "\"'=HYPERLINK(\"\"x\"\")\",tls,3,1,true,2,false,192.0.2.1 192.0.2.2\n" +
            "\"a,b.example\",http,1,1,true,1,true,10.0.0.9\n", sink.Text(dir + "server_names.csv"));
        Assert.Equal(
            "domain,queries,distinct_names,responses,nxdomain,txt_null_queries,max_label_length,long_label_names,mean_entropy,signals\n" +
            "<script>alert(1)</script>.example,5,1,4,3,4,8,0,3.25,txt-heavy nxdomain-heavy\n", sink.Text(dir + "dns_domains.csv"));
        Assert.Equal(
            "start_utc,start_epoch_seconds,bin_seconds,packets,ip_bytes\n" +
            "2024-01-01T00:00:00Z,1704067200,5,10,1000\n" +
            "2024-01-01T00:00:05Z,1704067205,5,0,0\n" +
            "2024-01-01T01:23:20Z,1704072200,5,2,300\n", sink.Text(dir + "traffic.csv"));
        Assert.Equal(
            "protocol,protocol_number,address_a,port_a,address_b,port_b,packets_a_to_b,ip_bytes_a_to_b,packets_b_to_a,ip_bytes_b_to_a,first_packet_utc,last_packet_utc,tcp_flags_seen,community_id\n" +
            "tcp,6,1.2.3.4,1122,5.6.7.8,3344,3,300,2,4000,2024-01-01T00:00:00.000001Z,2024-01-01T00:00:02.000000Z,syn syn-ack fin,1:wCb3OG7yAFWelaUydu0D+125CLM=\n" +
            "icmp,1,1.2.3.4,8,5.6.7.8,0,1,84,0,0,2024-01-01T00:00:00.000000Z,2024-01-01T00:00:00.000000Z,,1:crodRHL2FEsHjbv3UkRrfbs4bZ0=\n",
            sink.Text(dir + "conversations.csv"));
    }

    /// <summary>The sample written as schemaVersion 1 did: no gaps, dense bins, outside counts.</summary>
    private static string Version1(string bins, long outsidePackets)
    {
        string json = Encoding.UTF8.GetString(Write(Sample()));
        int start = json.IndexOf("\"traffic\":", StringComparison.Ordinal);
        int end = json.IndexOf("\"limits\":", StringComparison.Ordinal);
        string traffic = $"\"traffic\": {{ \"binSeconds\": 5, \"outsidePackets\": {outsidePackets}, \"outsideIpBytes\": {outsidePackets * 10}, \"bins\": [{bins}] }},\n  ";
        return json[..start].Replace("\"schemaVersion\": 3", "\"schemaVersion\": 1", StringComparison.Ordinal) + traffic + json[end..];
    }

    private static string Bin(long start, long packets, long bytes) =>
        $"{{ \"startUtc\": \"x\", \"startEpochSeconds\": {start}, \"packets\": {packets}, \"ipBytes\": {bytes} }}";

    [Fact]
    public void AnalysisJson_Version1WithEveryPacketOnTheTimeline_ReadWithLongEmptyRunsAsGaps()
    {
        long j = Kit.Jan2024Seconds;
        // Dense version 1 bins: 1 busy, 61 empty (a gap under version 2), 1 busy, 60 empty (kept), 1 busy.
        var bins = new List<string> { Bin(j, 1, 10) };
        for (int i = 1; i <= 61; i++) bins.Add(Bin(j + 5 * i, 0, 0));
        bins.Add(Bin(j + 5 * 62, 2, 20));
        for (int i = 63; i <= 122; i++) bins.Add(Bin(j + 5 * i, 0, 0));
        bins.Add(Bin(j + 5 * 123, 3, 30));
        var read = AnalysisJsonReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(Version1(string.Join(",", bins), 0))), Sample().Input);
        Assert.Equal(5, read.Traffic.BinSeconds);
        Assert.Equal([new TrafficGap(j + 5, j + 310)], read.Traffic.Gaps);
        Assert.Equal(1 + 62, read.Traffic.Bins.Count);
        Assert.Equal((6L, 60L), (read.Traffic.Bins.Sum(b => b.Packets), read.Traffic.Bins.Sum(b => b.IpBytes)));
        Assert.Equal(Sample().Summary, read.Summary);
    }

    [Fact]
    public void AnalysisJson_Version1ThatLeftPacketsOut_Refused()
    {
        string json = Version1(Bin(Kit.Jan2024Seconds, 1, 10), 4);
        var ex = Assert.Throws<InvalidDataException>(() => AnalysisJsonReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(json)), Sample().Input));
        Assert.Contains("left 4 packets out", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"schemaVersion\": 4")]
    [InlineData("\"schemaVersion\": 0")]
    public void AnalysisJson_UnknownSchemaVersion_Refused(string version)
    {
        string json = Encoding.UTF8.GetString(Write(Sample())).Replace("\"schemaVersion\": 3", version, StringComparison.Ordinal);
        Assert.Contains(version, json, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => AnalysisJsonReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(json)), Sample().Input));
    }

    [Fact]
    public void AnalysisJson_GapsThatDisagreeWithTheBins_Refused()
    {
        string json = Encoding.UTF8.GetString(Write(Sample())).Replace("\"toEpochSeconds\": 1704072200", "\"toEpochSeconds\": 1704072195", StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => AnalysisJsonReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(json)), Sample().Input));
    }

    [Fact]
    public void AnalysisJson_WithoutTheContextFields_ReadWithAnEmptyContext()
    {
        // A file written before the context (schemaVersion 1, or 2 from the timeline work alone) has none of its fields.
        var node = System.Text.Json.Nodes.JsonNode.Parse(Write(Sample()))!.AsObject();
        foreach (string name in new[] { "dnsDomains", "dnsResponses", "dnsAnswers", "dnsClients", "contextData" }) Assert.True(node.Remove(name), name);
        foreach (string name in new[] { "dnsAnswers", "dnsClients" }) Assert.True(node["limits"]!.AsObject().Remove(name), name);
        foreach (var e in node["sourceIps"]!.AsArray())
            foreach (string name in new[] { "addressClass", "names", "moreNames", "country", "asn", "asOrg" }) e!.AsObject().Remove(name);
        foreach (var e in node["dnsQueries"]!.AsArray())
            foreach (string name in new[] { "registeredDomain", "queryTypes", "responseCodes" }) e!.AsObject().Remove(name);
        var read = AnalysisJsonReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(node.ToJsonString())), Sample().Input);
        Assert.Same(ContextResult.Empty, read.Context);
        Assert.Equal(Sample().SourceIps.Entries.Select(e => (e.Address, e.Packets)), read.SourceIps.Entries.Select(e => (e.Address, e.Packets)));
        Assert.All(read.SourceIps.Entries, e => Assert.Empty(e.Names));
        Assert.Equal(Sample().DnsQueries.Entries.Select(e => (e.Name, e.Queries)), read.DnsQueries.Entries.Select(e => (e.Name, e.Queries)));
        Assert.Equal(Sample().Traffic.Bins, read.Traffic.Bins);
    }

    [Fact]
    public void AnalysisJson_SchemaVersion2_ReadWithNamesFromDnsAndNoApplicationLayer()
    {
        // What PcapViz wrote before schemaVersion 3: names as plain strings, no application-layer fields or limits.
        var node = System.Text.Json.Nodes.JsonNode.Parse(Write(Sample()))!.AsObject();
        Assert.Equal(3, node["schemaVersion"]!.GetValue<int>());
        node["schemaVersion"] = 2;
        string[] application = ["serverNames", "tlsClients", "tlsServers", "certificates", "httpRequests", "serverAddressNames"];
        foreach (string name in application.Append("applicationCounters")) Assert.True(node.Remove(name), name);
        foreach (string name in application) Assert.True(node["limits"]!.AsObject().Remove(name), name);
        foreach (var e in node["sourceIps"]!.AsArray())
        {
            var names = e!["names"]!.AsArray().Select(n => n!["name"]!.GetValue<string>()).ToList();
            e["names"] = new System.Text.Json.Nodes.JsonArray(names.Select(n => (System.Text.Json.Nodes.JsonNode?)n).ToArray());
        }
        var read = AnalysisJsonReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(node.ToJsonString())), Sample().Input);
        Assert.Equal(Sample().SourceIps.Entries.Select(e => (e.Address, string.Join(' ', e.Names))), read.SourceIps.Entries.Select(e => (e.Address, string.Join(' ', e.Names))));
        Assert.Contains(read.SourceIps.Entries, e => e.Names.Count > 0);
        Assert.All(read.SourceIps.Entries.SelectMany(e => e.Names), n => Assert.Equal(NameSources.Dns, n.Source));
        Assert.Empty(read.Application.ServerNames);
        Assert.Empty(read.Application.HttpRequests);
        Assert.Equal(Sample().Context.Answers.Entries, read.Context.Answers.Entries);
        Assert.Equal(Sample().Context.Domains, read.Context.Domains);
    }

    [Fact]
    public void AnalysisJson_ApplicationLayer_RoundTrips()
    {
        var set = new BoundedSet(new ValueList<string>(["10.0.0.1", "10.0.0.2"]), false);
        var limit = new DistinctLimit(10, true, 4, 0, 2);
        var capture = Sample() with
        {
            Application = new ApplicationResult(
                [new ServerNameEntry("www.example.com", NameSources.Quic, 3, set, set)], limit,
                [new TlsClientEntry("0123456789abcdef0123456789abcdef", "q13d0310h3_55b375c5d22e_06cda9e17597", 3, set)
                    { ServerNames = set, Alpn = new BoundedSet(new ValueList<string>(["h3"]), true), Versions = new BoundedSet(new ValueList<string>(["TLS 1.3"]), true) }], limit,
                [new TlsServerEntry("fedcba9876543210fedcba9876543210", "TLS 1.2", "0xc02f", 2, set) { ServerNames = set }], limit,
                [new CertificateEntry(new string('b', 64), true, "CN=a", "CN=b", new ValueList<string>(["a.example"]), "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z", 5,
                    new ValueList<string>([CertificateSignals.Expired, CertificateSignals.NameMismatch])) { ServerNames = set, Servers = set }], limit,
                [new HttpRequestEntry("h.example", "GET", "/x?y=1", "curl/8", 7, set) { Statuses = new ValueList<NamedCount>([new("200", 6), new("404", 1)]) }], limit,
                [new ServerAddressName("192.0.2.1", 4, "www.example.com", NameSources.Quic, 3)], limit)
            {
                Counters = new ApplicationCounters(9, 1, 2, 3),
            },
        };
        var read = AnalysisJsonReader.Read(new MemoryStream(Write(capture)), capture.Input);
        Assert.Equal(capture.Application.ServerNames, read.Application.ServerNames);
        Assert.Equal(capture.Application.TlsClients, read.Application.TlsClients);
        Assert.Equal(capture.Application.TlsServers, read.Application.TlsServers);
        Assert.Equal(capture.Application.Certificates, read.Application.Certificates);
        Assert.Equal(capture.Application.HttpRequests, read.Application.HttpRequests);
        Assert.Equal(capture.Application.AddressNames, read.Application.AddressNames);
        Assert.Equal(capture.Application.Limits, read.Application.Limits);
        Assert.Equal(capture.Application.Counters, read.Application.Counters);
    }
}
