using PcapViz.Orchestration;

namespace PcapViz.Tests;

/// <summary>A result whose bulky parts wait on disk reads back exactly as it was, and only while the run lasts.</summary>
public sealed class CaptureSpillTests
{
    private static CaptureResult Sample(TempDirectory t, string name)
    {
        string path = t.File(name);
        using (var file = File.Create(path)) SampleCaptures.Write(name, file);
        return CaptureAnalyzer.Analyze(path, name, name.Replace('.', '-'), new AnalysisOptions(), cancellationToken: TestContext.Current.CancellationToken);
    }

    private static byte[] Json(CaptureResult capture) => Kit.AnalysisJson(capture);

    [Fact]
    public void Keep_BeyondTheBudget_SpillsAndReadsBackTheSameResult()
    {
        using var t = new TempDirectory();
        var first = Sample(t, "office-lan.pcap");
        var second = Sample(t, SampleCaptures.FileNames.First(n => n != "office-lan.pcap"));
        Assert.True(first.Weight > 100 && second.Weight > 100);
        string spillDir = t.File("spill");
        using var spill = new CaptureSpill(spillDir, budget: first.Weight);

        var keptFirst = spill.Keep(first);
        var keptSecond = spill.Keep(second);

        Assert.Same(first, keptFirst); // within the budget: held as it is
        Assert.True(keptSecond.IsSpilled);
        Assert.Equal(0, keptSecond.Weight);
        Assert.Equal(1, spill.SpilledCount);
        Assert.Single(Directory.GetFiles(spillDir));
        // Every part reads back as analysed, and so does the result as a whole.
        Assert.Equal(Json(second), Json(keptSecond));
        Assert.Equal(second.SourceIps.Entries, keptSecond.SourceIps.Entries);
        Assert.Equal(second.Traffic.Bins, keptSecond.Traffic.Bins);
        Assert.Equal(second.Summary, keptSecond.Summary);
        var held = keptSecond.Held();
        Assert.False(held.IsSpilled);
        Assert.Equal(Json(second), Json(held));
    }

    [Fact]
    public void With_OnASpilledResult_BringsTheOtherPartsBackIntoMemory()
    {
        using var t = new TempDirectory();
        var capture = Sample(t, "office-lan.pcap");
        using var spill = new CaptureSpill(t.File("spill"), budget: 0);
        var spilled = spill.Keep(capture);
        Assert.True(spilled.IsSpilled);

        var changed = spilled with { Traffic = TrafficResult.Empty };

        Assert.False(changed.IsSpilled);
        Assert.Empty(changed.Traffic.Bins);
        Assert.Equal(capture.SourceIps.Entries, changed.SourceIps.Entries);
        Assert.Equal(capture.DnsQueries.Entries, changed.DnsQueries.Entries);
        Assert.Equal(Json(capture with { Traffic = TrafficResult.Empty }), Json(changed));
    }

    [Fact]
    public void Dispose_RemovesTheSpillAndLaterReadsSayWhy()
    {
        using var t = new TempDirectory();
        var capture = Sample(t, "office-lan.pcap");
        string dir = t.File("spill");
        var spill = new CaptureSpill(dir, budget: 0);
        var spilled = spill.Keep(capture);
        Assert.True(Directory.Exists(dir));

        spill.Dispose();

        Assert.False(Directory.Exists(dir));
        var ex = Assert.Throws<InvalidOperationException>(() => spilled.SourceIps);
        Assert.Contains(capture.Id, ex.Message, StringComparison.Ordinal);
        // The small parts stay in memory: the final summary of a run still has them.
        Assert.Equal(capture.Summary, spilled.Summary);
        Assert.Equal(capture.Status, spilled.Status);
    }

    public static TheoryData<string> SampleNames => [.. SampleCaptures.FileNames];

    [Theory]
    [MemberData(nameof(SampleNames))]
    public void Codec_EverySample_ReadsBackToTheSameAnalysisJson(string name)
    {
        using var t = new TempDirectory();
        var capture = Sample(t, name);
        using var stream = new MemoryStream();
        CaptureDetailsCodec.Write(stream, capture.Details);
        stream.Position = 0;
        var read = CaptureDetailsCodec.Read(stream);

        Assert.Equal(Json(capture), Json(capture with { SourceIps = read.SourceIps, DnsQueries = read.DnsQueries, Traffic = read.Traffic, Context = read.Context, Conversations = read.Conversations }));
        Assert.Equal(capture.Conversations.Entries, read.Conversations.Entries);
        Assert.Equal(capture.Conversations.Limit, read.Conversations.Limit);
    }

    [Fact]
    public void Codec_GeoIpFieldsAndLimits_ReadBackExactly()
    {
        var sources = new SourceIpResult([
            new SourceIpEntry("192.0.2.1", 4, 7, 700)
            {
                AddressClass = "documentation", Country = "DE", Asn = 3320, AsOrg = "Example AG", MoreNames = 3,
                Names = new ValueList<AddressName>([new("a.example", NameSources.Dns), new("b.example", NameSources.Tls), new("b.example", NameSources.Http)]),
            },
            new SourceIpEntry("2001:db8::1", 6, 1, 60) { AddressClass = "documentation" },
        ], new DistinctLimit(2, true, 5, 500, 4));
        var set = new BoundedSet(new ValueList<string>(["10.0.0.1"]), false);
        var limit = new DistinctLimit(2, true, 3, 0, 1);
        var application = new ApplicationResult(
            [new ServerNameEntry("b.example", NameSources.Tls, 2, set, set)], limit,
            [new TlsClientEntry("", "t10i010000_000000000000_000000000000", 1, set) { Alpn = set, Versions = set, ServerNames = set }], limit,
            [new TlsServerEntry("00112233445566778899aabbccddeeff", "TLS 1.0", "0x0005", 1, set) { ServerNames = set }], limit,
            [new CertificateEntry(new string('c', 64), false, "", "", ValueList<string>.Empty, "", "", 1, ValueList<string>.Empty) { Servers = set }], limit,
            [new HttpRequestEntry("", "CONNECT", "b.example:443", "", 1, set) { Statuses = new ValueList<NamedCount>([new("200", 1)]) }], limit,
            [new ServerAddressName("192.0.2.1", 4, "b.example", NameSources.Tls, 2)], limit)
        {
            Counters = new ApplicationCounters(4, 3, 2, 1),
        };
        var details = new CaptureDetails(sources, new DnsQueryResult([], DistinctLimit.NotExceeded(2)), TrafficResult.Empty, ContextResult.Empty) { Application = application };
        using var stream = new MemoryStream();
        CaptureDetailsCodec.Write(stream, details);
        stream.Position = 0;

        var read = CaptureDetailsCodec.Read(stream);

        Assert.Equal(sources.Entries, read.SourceIps.Entries);
        Assert.Equal(sources.Limit, read.SourceIps.Limit);
        Assert.Same(read.SourceIps.Entries[0].AddressClass, read.SourceIps.Entries[1].AddressClass); // one string for a repeated value
        Assert.Equal(application.ServerNames, read.Application.ServerNames);
        Assert.Equal(application.TlsClients, read.Application.TlsClients);
        Assert.Equal(application.TlsServers, read.Application.TlsServers);
        Assert.Equal(application.Certificates, read.Application.Certificates);
        Assert.Equal(application.HttpRequests, read.Application.HttpRequests);
        Assert.Equal(application.AddressNames, read.Application.AddressNames);
        Assert.Equal(application.Limits, read.Application.Limits);
        Assert.Equal(application.Counters, read.Application.Counters);
    }

    [Fact]
    public void Codec_CutShortOrForeignFile_ThrowsInsteadOfInventingEntries()
    {
        using var t = new TempDirectory();
        var capture = Sample(t, "office-lan.pcap");
        using var stream = new MemoryStream();
        CaptureDetailsCodec.Write(stream, capture.Details);
        byte[] bytes = stream.ToArray();

        Assert.ThrowsAny<IOException>(() => CaptureDetailsCodec.Read(new MemoryStream(bytes[..(bytes.Length / 2)])));
        Assert.Throws<InvalidDataException>(() => CaptureDetailsCodec.Read(new MemoryStream("{\"schemaVersion\": 2}"u8.ToArray())));
    }
}
