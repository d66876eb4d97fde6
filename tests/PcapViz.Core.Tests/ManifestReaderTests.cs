using System.Text;
using PcapViz.Bundle;

namespace PcapViz.Tests;

/// <summary>manifest.json read defensively: what merge takes from a shard's manifest (outputs, inputs, exporter failures).</summary>
public sealed class ManifestReaderTests
{
    private static BundleManifest? Parse(string json, out string? error) => ManifestReader.TryParse(Encoding.UTF8.GetBytes(json), out error);

    private const string Head = """{"tool":{"name":"pcapviz","version":"9.9"},"outputs":[{"path":"index.html","sizeBytes":5,"sha256":"ab"}]""";

    [Fact]
    public void TryParse_ExporterFailures_ReadWithAndWithoutCapture()
    {
        var manifest = Parse(Head + ""","exporterFailures":[{"exporter":"pdf","captureId":null,"message":"disk full"},""" +
            """{"exporter":"html","captureId":"a-1f2e","message":"template"}]}""", out string? error);

        Assert.Null(error);
        Assert.Equal([new ExporterFailure("pdf", null, "disk full"), new ExporterFailure("html", "a-1f2e", "template")], manifest!.ExporterFailures);
        Assert.Equal([new ManifestOutput("index.html", 5, "ab")], manifest.Outputs);
    }

    [Fact]
    public void TryParse_NoExporterFailures_Empty()
    {
        var manifest = Parse(Head + "}", out string? error);
        Assert.Null(error);
        Assert.Empty(manifest!.ExporterFailures);
    }

    [Theory]
    [InlineData("""{"exporter":"pdf","message":3}""", "exporterFailures[0].message is missing or not a string")]
    [InlineData("""{"exporter":"pdf","captureId":7,"message":"m"}""", "exporterFailures[0].captureId is missing or not a string")]
    [InlineData("\"pdf failed\"", "exporterFailures[0] is not an object")]
    public void TryParse_MalformedExporterFailure_NamesTheField(string entry, string expected)
    {
        Assert.Null(Parse(Head + ",\"exporterFailures\":[" + entry + "]}", out string? error));
        Assert.Equal(expected, error);
    }
}
