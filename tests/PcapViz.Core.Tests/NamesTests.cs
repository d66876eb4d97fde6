using System.Text;
using PcapViz.Export;

namespace PcapViz.Tests;

/// <summary>One name per idea (Names): every value has one spelling, and parsing it back rejects anything else.</summary>
public sealed class NamesTests
{
    [Fact]
    public void EveryEnumValue_HasANameThatParsesBack()
    {
        foreach (var v in Enum.GetValues<CaptureStatus>()) Assert.Equal(v, Names.ParseStatus(Names.Of(v)));
        foreach (var v in Enum.GetValues<CaptureFormat>()) Assert.Equal(v, Names.ParseFormat(Names.Of(v)));
        foreach (var v in Enum.GetValues<CaptureCompression>()) Assert.Equal(v, Names.ParseCompression(Names.Of(v)));
        foreach (var v in Enum.GetValues<DnsProtocol>()) Assert.Equal(v, Names.ParseProtocol(Names.Of(v)));
        foreach (var v in Enum.GetValues<IssueSeverity>()) Assert.Equal(v, Names.ParseSeverity(Names.Of(v)));
        Assert.Equal(["ok", "partial", "failed"], Enum.GetValues<CaptureStatus>().Select(Names.Of));
        Assert.Equal(["dns", "mdns", "llmnr"], Enum.GetValues<DnsProtocol>().Select(Names.Of));
    }

    [Theory]
    [InlineData("OK")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("succeeded")]
    public void ParseStatus_UnknownOrMiscased_IsAnErrorNamingTheValue(string? text)
    {
        var ex = Assert.Throws<InvalidDataException>(() => Names.ParseStatus(text));
        Assert.Contains("expected ok, partial, failed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LinkTypes_OneNameEverywhere()
    {
        Assert.Equal("Ethernet", Names.LinkType(1));
        Assert.Equal("1 (Ethernet)", Names.LinkTypeWithNumber(1));
        Assert.Equal("Linux cooked capture (SLL)", Names.LinkType(113));
        Assert.Equal("802.11 with radiotap header", Names.LinkType(127));
        // The decoder's table names link types through the same module: pinned to the text, since comparing
        // LinkTypes.Name with Names.LinkType (which it calls) could not fail.
        Assert.Equal("raw IP", PcapViz.Decoding.LinkTypes.Name(PcapViz.Decoding.LinkTypes.Raw));
        Assert.Equal("raw IP", Names.LinkType(12));
        Assert.Equal("147 (unknown link type)", Names.LinkTypeWithNumber(147));
    }

    [Theory]
    [InlineData(0, "0 bytes")]
    [InlineData(1, "1 byte")]
    [InlineData(1023, "1,023 bytes")]
    [InlineData(1024, "1.00 KiB")]
    [InlineData(12_345_678, "11.8 MiB")]
    [InlineData(1_300_000_000, "1.21 GiB")]
    [InlineData(150L * 1024 * 1024, "150 MiB")]
    public void Bytes_BinaryUnits(long bytes, string expected) => Assert.Equal(expected, Names.Bytes(bytes));

    [Fact]
    public void ByteCount_ExactThenBinary() =>
        Assert.Equal(("12,345,678 bytes (11.8 MiB)", "512 bytes", "46.9 KiB/s"), (Names.ByteCount(12_345_678), Names.ByteCount(512), Names.ByteRate(48_000)));

    [Theory]
    [InlineData("\"status\": \"partial\"", "\"status\": \"Partial\"")]
    [InlineData("\"format\": \"pcapng\"", "\"format\": \"pcap-ng\"")]
    [InlineData("\"compression\": \"gzip\"", "\"compression\": \"zstd\"")]
    [InlineData("\"protocol\": \"mdns\"", "\"protocol\": \"bonjour\"")]
    [InlineData("\"severity\": \"error\"", "\"severity\": \"fatal\"")]
    [InlineData("\"timestampPrecision\": \"nanoseconds\"", "\"timestampPrecision\": \"picoseconds\"")]
    public void AnalysisJsonReader_UnknownName_RefusedInsteadOfDefaulted(string written, string replaced)
    {
        var ms = new MemoryStream();
        var sample = ExportTestsSample.Value;
        AnalysisJsonExporter.Write(ms, sample, "9.9.9");
        string json = Encoding.UTF8.GetString(ms.ToArray());
        Assert.Contains(written, json, StringComparison.Ordinal);
        var bytes = Encoding.UTF8.GetBytes(json.Replace(written, replaced, StringComparison.Ordinal));
        var ex = Assert.Throws<InvalidDataException>(() => AnalysisJsonReader.Read(new MemoryStream(bytes), sample.Input));
        Assert.Contains("Unknown", ex.Message, StringComparison.Ordinal);
    }

    private static readonly Lazy<CaptureResult> ExportTestsSample = new(() => new CaptureResult(
        "x", new CaptureInput("x.pcap", "/x.pcap", 1, new string('a', 64), DateTimeOffset.UnixEpoch), CaptureStatus.Partial,
        new CaptureFileInfo(CaptureFormat.PcapNg, CaptureCompression.Gzip, [1], Names.Nanoseconds),
        CaptureSummary.Empty with { Packets = 1 },
        new SourceIpResult([], DistinctLimit.NotExceeded(10)),
        new DnsQueryResult([new DnsQueryEntry("a.local", DnsProtocol.Mdns, 1)], DistinctLimit.NotExceeded(10)),
        new TrafficResult(2, [new TrafficBin(0, 1, 0)]),
        [new CaptureIssue(IssueSeverity.Error, "truncated-record", "cut", 24, 0)]));
}
