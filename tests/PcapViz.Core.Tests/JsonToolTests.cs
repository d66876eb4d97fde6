using System.Text;
using System.Text.Json;
using PcapViz.Bundle;
using PcapViz.Export;
using PcapViz.ScaleOut;

namespace PcapViz.Tests;

/// <summary>Every JSON file PcapViz writes names the tool the same way (<c>tool</c>: name and version, JsonOut.WriteTool);
/// the files that said <c>toolVersion</c> before are still read at their previous schema version.</summary>
public sealed class JsonToolTests
{
    private sealed class Sink : IOutputSink
    {
        public Dictionary<string, MemoryStream> Files { get; } = [];

        public Stream Create(string relativePath) => Files[relativePath] = new MemoryStream();
    }

    private static JsonElement Parse(byte[] bytes)
    {
        using var doc = JsonDocument.Parse(bytes);
        return doc.RootElement.Clone();
    }

    private static void AssertTool(JsonElement root, string version)
    {
        Assert.Equal("pcapviz", root.GetProperty("tool").GetProperty("name").GetString());
        Assert.Equal(version, root.GetProperty("tool").GetProperty("version").GetString());
        Assert.False(root.TryGetProperty("toolVersion", out _));
    }

    [Fact]
    public void HistoryJson_Written_NamesTheToolAtSchemaVersion4()
    {
        using var ms = new MemoryStream();
        HistoryJsonWriter.Write(ms, new RunHistory(), "1.2.3");
        var root = Parse(ms.ToArray());
        Assert.Equal(4, root.GetProperty("schemaVersion").GetInt32());
        AssertTool(root, "1.2.3");
    }

    [Fact]
    public void CacheIndex_Written_NamesTheToolOnceAndReadsBack()
    {
        var capture = new CaptureResult("a-pcap-1234abcd", new CaptureInput("a.pcap", "/in/a.pcap", 10, new string('b', 64), DateTimeOffset.UnixEpoch),
            CaptureStatus.Ok, null, CaptureSummary.Empty, new SourceIpResult([], DistinctLimit.NotExceeded(10)),
            new DnsQueryResult([], DistinctLimit.NotExceeded(10)), TrafficResult.Empty, []);
        var sink = new Sink();
        IncrementalCache.Write(sink, [capture], "opts", "1.2.3");
        byte[] index = sink.Files[IncrementalCache.IndexFile].ToArray();
        var root = Parse(index);
        Assert.Equal(3, root.GetProperty("schemaVersion").GetInt32());
        AssertTool(root, "1.2.3");
        Assert.False(root.GetProperty("captures")[0].TryGetProperty("toolVersion", out _));
        Assert.Equal((byte)'\n', index[^1]); // ends like every other JSON file JsonOut writes
        var entry = Assert.Single(IncrementalCache.ReadIndex(index));
        Assert.Equal(("a.pcap", "1.2.3"), (entry.Path, entry.ToolVersion));
    }

    [Fact]
    public void CacheIndex_PreviousSchemaVersion2_StillRead()
    {
        byte[] v2 = Encoding.UTF8.GetBytes("""
            {"schemaVersion":2,"captures":[{"path":"a.pcap","id":"a-1","sizeBytes":10,"mtimeTicks":5,"sha256":"bb","options":"opts","toolVersion":"0.9"}]}
            """);
        var entry = Assert.Single(IncrementalCache.ReadIndex(v2));
        Assert.Equal(("a.pcap", "0.9", "opts"), (entry.Path, entry.ToolVersion, entry.OptionsKey));
        Assert.Throws<InvalidOperationException>(() => IncrementalCache.ReadIndex(Encoding.UTF8.GetBytes("""{"schemaVersion":9,"captures":[]}""")));
    }

    [Theory]
    [InlineData("""{"schemaVersion":1,"toolVersion":"0.9"}""", "0.9")]
    [InlineData("""{"schemaVersion":2,"tool":{"name":"pcapviz","version":"1.2.3"}}""", "1.2.3")]
    public void ShardFile_CurrentAndPreviousSchemaVersion_ToolVersionRead(string json, string expected)
    {
        Assert.Equal(expected, ShardRun.ToolVersionOf(Parse(Encoding.UTF8.GetBytes(json))));
    }

    [Fact]
    public void ShardFile_UnknownSchemaVersion_RefusedWithTheVersion()
    {
        var ex = Assert.Throws<InvalidDataException>(() => ShardRun.ToolVersionOf(Parse(Encoding.UTF8.GetBytes("""{"schemaVersion":7}"""))));
        Assert.Contains("schemaVersion 7", ex.Message, StringComparison.Ordinal);
    }
}
