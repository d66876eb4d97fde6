using System.Text.Json;
using PcapViz.Analysis;
using PcapViz.Context;
using PcapViz.Export;
using PcapViz.Model;
using PcapViz.Orchestration;
using PcapViz.TestSupport;
using Xunit;

namespace PcapViz.Tests;

/// <summary>
/// docs/schema holds the contract of every JSON file a bundle holds. Over the real captures of the corpus (failed,
/// partial, empty, tunnelled, DNS-heavy), every file written must match it; and the schema's enums must be the
/// code's tables, so that neither can change without the other.
/// </summary>
public sealed class SchemaTests
{
    [Fact]
    public void ReportRunner_CorpusTwiceIncremental_EveryJsonFileMatchesItsSchema()
    {
        string corpus = Corpus.RequireDirectory();
        using var temp = new TempDirectory("pcapviz-schema-corpus-");
        string outDir = temp.File("out");
        RunRequest Request() => new([corpus], outDir, new AnalysisOptions(), [new AnalysisJsonExporter(), new CsvExporter()], "0.0.0-test",
            new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), []) { Jobs = 2, Incremental = true };

        // The second run reads the cache the first wrote and writes it again: both the written and the reused shapes are checked.
        for (int night = 1; night <= 2; night++)
        {
            var outcome = new ReportRunner(Request()).Run(TestContext.Current.CancellationToken);
            Assert.Empty(outcome.FatalErrors);
            var checkedFiles = BundleSchemas.AssertValid(outDir);
            Assert.Contains("manifest.json", checkedFiles);
            Assert.Contains("cache/index.json", checkedFiles);
            Assert.Equal(Corpus.FileNames().Count, checkedFiles.Count(f => f.StartsWith("cache/", StringComparison.Ordinal) && f != "cache/index.json"));
            // Captures that could not be read at all get an analysis.json too (status failed, format unknown).
            Assert.Equal(Corpus.FileNames().Count, checkedFiles.Count(f => f.EndsWith("/analysis.json", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public void AnalysisSchema_Enums_AreTheCodesTables()
    {
        using var schema = JsonDocument.Parse(File.ReadAllBytes(BundleSchemas.Analysis));
        var root = schema.RootElement;
        var defs = root.GetProperty("$defs");
        var props = root.GetProperty("properties");

        Assert.Equal(AddressClasses.All.Order(StringComparer.Ordinal), Enum(defs.GetProperty("addressClass")));
        Assert.Equal(DnsSignals.All.Order(StringComparer.Ordinal), Enum(defs.GetProperty("signal")));
        Assert.Equal(Enum<CaptureStatus>(Names.Of), Enum(defs.GetProperty("status")));
        Assert.Equal(Enum<CaptureFormat>(Names.Of), Enum(props.GetProperty("input").GetProperty("properties").GetProperty("format")));
        Assert.Equal(Enum<CaptureCompression>(Names.Of), Enum(props.GetProperty("input").GetProperty("properties").GetProperty("compression")));
        Assert.Equal(Enum<DnsProtocol>(Names.Of),
            Enum(props.GetProperty("dnsQueries").GetProperty("items").GetProperty("properties").GetProperty("protocol")));
        Assert.Equal(Enum<IssueSeverity>(Names.Of),
            Enum(props.GetProperty("issues").GetProperty("items").GetProperty("properties").GetProperty("severity")));
        Assert.Equal(Enum<IndicatorKind>(Names.Of),
            Enum(defs.GetProperty("watchlistHit").GetProperty("properties").GetProperty("kind")));
        var precision = Enum(props.GetProperty("input").GetProperty("properties").GetProperty("timestampPrecision"));
        Assert.Equal([Names.Microseconds, Names.Nanoseconds], precision);

        // Every response code and every named query type the decoder can write is accepted by the schema, and no other name.
        var codes = defs.GetProperty("responseCodeCounts").GetProperty("propertyNames");
        Assert.Equal(Enumerable.Range(0, 16).Select(Decoding.DnsCodes.ResponseCodeName).Order(StringComparer.Ordinal), Enum(codes));
        var typeNames = defs.GetProperty("queryTypeCounts").GetProperty("propertyNames").GetProperty("anyOf")[0];
        var named = Enumerable.Range(0, 65536).Select(t => Decoding.DnsCodes.TypeName((ushort)t))
            .Where(n => !n.StartsWith("TYPE", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
        Assert.Equal(named, Enum(typeNames));
    }

    [Fact]
    public void HistorySchema_DeviationMetrics_AreTheTrendMetrics()
    {
        using var schema = JsonDocument.Parse(File.ReadAllBytes(BundleSchemas.History));
        var metrics = Enum(schema.RootElement.GetProperty("properties").GetProperty("deviations").GetProperty("items")
            .GetProperty("properties").GetProperty("metric"));
        // Names.TrendMetric gives each known metric a name for people; an unknown one comes back unchanged.
        Assert.All(metrics, m => Assert.NotEqual(m, Names.TrendMetric(m)));
        Assert.Equal("not-a-metric", Names.TrendMetric("not-a-metric"));
    }

    private static List<string> Enum(JsonElement property) =>
        property.GetProperty("enum").EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!)
            .Order(StringComparer.Ordinal).ToList();

    private static List<string> Enum<T>(Func<T, string> name) where T : struct, System.Enum =>
        System.Enum.GetValues<T>().Select(name).Order(StringComparer.Ordinal).ToList();
}
