using PcapViz.Context;
using PcapViz.Orchestration;

namespace PcapViz.Tests;

/// <summary>--geoip with MaxMind DB files the tests write themselves (<see cref="MaxMindDbWriter"/>); none is committed.</summary>
public sealed class GeoIpTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly DateTimeOffset Built = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private string CountryDb() => _dir.File("country.mmdb", new MaxMindDbWriter("GeoLite2-Country")
        .Add("192.0.2.0/24", new() { ["country"] = new Dictionary<string, object> { ["iso_code"] = "DE" } })
        .Add("198.51.100.0/24", new() { ["registered_country"] = new Dictionary<string, object> { ["iso_code"] = "NL" } })
        .Add("2001:db8::/32", new() { ["country"] = new Dictionary<string, object> { ["iso_code"] = "FR" } })
        .Build(Built));

    private string AsnDb() => _dir.File("asn.mmdb", new MaxMindDbWriter("GeoLite2-ASN")
        .Add("192.0.2.0/25", new() { ["autonomous_system_number"] = 64_500u, ["autonomous_system_organization"] = "Example Net" })
        .Add("2001:db8:1::/48", new() { ["autonomous_system_number"] = 4_200_000_001u, ["autonomous_system_organization"] = "Big ASN" })
        .Build(Built));

    [Fact]
    public void Lookup_CountryAndAsnDatabases_EachFieldFromTheDatabaseThatHasIt()
    {
        using var db = GeoIpDatabases.Open([CountryDb(), AsnDb()]);
        Assert.Equal(new GeoIpInfo("DE", 64_500, "Example Net"), db.Lookup("192.0.2.7"));
        Assert.Equal(new GeoIpInfo("DE", null, null), db.Lookup("192.0.2.200"));
        Assert.Equal(new GeoIpInfo("NL", null, null), db.Lookup("198.51.100.1"));
        Assert.Equal(new GeoIpInfo("FR", 4_200_000_001, "Big ASN"), db.Lookup("2001:db8:1::5"));
        Assert.Equal(default, db.Lookup("10.0.0.1"));
        Assert.Equal(["GeoLite2-Country built 2026-01-02", "GeoLite2-ASN built 2026-01-02"], db.Descriptions);
        Assert.Contains("GeoLite2-ASN@2026-01-02T03:04:05", db.Key);
    }

    [Fact]
    public void Open_NotAMaxMindDb_ClearErrorNamingTheFile()
    {
        string path = _dir.File("fake.mmdb", "not a database at all"u8.ToArray());
        var ex = Assert.Throws<InvalidDataException>(() => GeoIpDatabases.Open([path]));
        Assert.Contains("fake.mmdb", ex.Message);
    }

    [Fact]
    public void Analyze_WithGeoIp_SourcesCarryCountryAndAsn_JsonAndCsvToo()
    {
        var frames = new[]
        {
            new FrameBuilder().Ethernet().IPv4("192.0.2.7", "10.0.0.1").Udp(443, 40000).Payload([1]).Build(),
            new FrameBuilder().Ethernet().IPv4("10.0.0.1", "192.0.2.7").Udp(40000, 443).Payload([1]).Build(),
        };
        string capture = _dir.File("c.pcap", Kit.Pcap(w => { foreach (var f in frames) w.Write(Kit.Jan2024Nanos, f); }));
        using var db = GeoIpDatabases.Open([CountryDb(), AsnDb()]);
        var options = new AnalysisOptions { GeoIp = db };
        var result = CaptureAnalyzer.Analyze(capture, "c.pcap", "c", options, cancellationToken: TestContext.Current.CancellationToken);
        var remote = Assert.Single(result.SourceIps.Entries, e => e.Address == "192.0.2.7");
        Assert.Equal(("DE", 64_500L, "Example Net"), (remote.Country, remote.Asn, remote.AsOrg));
        var local = Assert.Single(result.SourceIps.Entries, e => e.Address == "10.0.0.1");
        Assert.Equal((null, null, null), (local.Country, local.Asn, local.AsOrg));
        Assert.Equal(["GeoLite2-Country built 2026-01-02", "GeoLite2-ASN built 2026-01-02"], result.Context.Facts.GeoIp);

        var ms = new MemoryStream();
        PcapViz.Export.AnalysisJsonExporter.Write(ms, result, "t");
        var read = PcapViz.Export.AnalysisJsonReader.Read(new MemoryStream(ms.ToArray()), result.Input);
        Assert.Equal(result.SourceIps.Entries, read.SourceIps.Entries);
        using var doc = System.Text.Json.JsonDocument.Parse(ms.ToArray());
        var json = doc.RootElement.GetProperty("sourceIps").EnumerateArray().Single(e => e.GetProperty("address").GetString() == "10.0.0.1");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.GetProperty("country").ValueKind);
        // The members only --geoip writes match docs/schema too (no end-to-end run here has a database).
        Assert.Empty(JsonSchemaAssert.Violations(BundleSchemas.Analysis, doc.RootElement, "analysis.json with --geoip"));
    }

    [Fact]
    public void Analyze_WithoutGeoIp_NoLookups()
    {
        var frame = new FrameBuilder().Ethernet().IPv4("192.0.2.7", "10.0.0.1").Udp(443, 40000).Payload([1]).Build();
        string capture = _dir.File("d.pcap", Kit.Pcap(w => w.Write(Kit.Jan2024Nanos, frame)));
        var result = CaptureAnalyzer.Analyze(capture, "d.pcap", "d", new AnalysisOptions(), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Null(Assert.Single(result.SourceIps.Entries).Country);
        Assert.Empty(result.Context.Facts.GeoIp);
    }
}
