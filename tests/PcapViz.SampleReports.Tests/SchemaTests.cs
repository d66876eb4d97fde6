using System.Text.Json.Nodes;
using PcapViz.TestSupport;

namespace PcapViz.SampleReports.Tests;

/// <summary>
/// The shipped sample bundle matches the JSON Schemas in docs/schema, and the schema helper really fails (with the
/// file, the JSON pointer and the message) on a file that breaks its schema, and loads schema sets that name each
/// other by <c>$ref</c> across files (the STIX 2.1 schemas another exporter is checked against).
/// </summary>
public sealed class SchemaTests
{
    private static readonly string[] BundleFileKinds =
        ["manifest.json", "history.json", "shard.json", "cache/index.json", "cache/x.json", "captures/x/analysis.json", "indicators.misp.json", "diff.json", "beacons.json"];

    private static string SampleBundle => Path.Combine(TestEnvironment.RepositoryRoot, "sample-reports", "bundle");

    [Fact]
    public void SampleBundle_EveryJsonFile_MatchesItsSchema()
    {
        var checkedFiles = BundleSchemas.AssertValid(SampleBundle);
        Assert.Contains("manifest.json", checkedFiles);
        Assert.Contains("beacons.json", checkedFiles);
        Assert.Equal(6, checkedFiles.Count(f => f.EndsWith("/analysis.json", StringComparison.Ordinal)));
    }

    [Fact]
    public void EverySchemaFile_IsUsedForABundleFileOrThePlan()
    {
        var mapped = BundleFileKinds.Select(BundleSchemas.For).Append(BundleSchemas.Plan).Select(p => Path.GetFileName(p!)).ToHashSet(StringComparer.Ordinal);
        var present = Directory.GetFiles(BundleSchemas.Directory, "*.json").Select(Path.GetFileName).ToList();
        Assert.All(present, p => Assert.Contains(p!, mapped));
        Assert.All(mapped, m => Assert.Contains(m, present));
    }

    [Fact]
    public void Violations_AnalysisJsonWithWrongValues_NameFilePointerAndMessage()
    {
        using var temp = new TempDirectory("pcapviz-schema-");
        string source = Directory.GetFiles(Path.Combine(SampleBundle, "captures"), "analysis.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        var json = JsonNode.Parse(File.ReadAllText(source))!.AsObject();
        json["status"] = "fine";
        json["sourceIps"]![0]!["addressClass"] = "martian";
        json["summary"]!["firstPacketUtc"] = "2024-03-01 12:00:00";
        json["traffic"]!.AsObject().Remove("gaps");
        string broken = temp.File("captures/x/analysis.json", System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()));

        var violations = JsonSchemaAssert.Violations(BundleSchemas.Analysis, broken);
        var pointers = violations.Select(v => v.JsonPointer).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("/status", pointers);
        Assert.Contains("/sourceIps/0/addressClass", pointers);
        Assert.Contains("/summary/firstPacketUtc", pointers);
        Assert.Contains(violations, v => v.JsonPointer == "/traffic" && v.Message.Contains("gaps", StringComparison.Ordinal));
        Assert.All(violations, v => Assert.Equal(broken, v.File));

        var failure = Assert.ThrowsAny<Exception>(() => JsonSchemaAssert.Valid(BundleSchemas.Analysis, broken));
        Assert.Contains(broken, failure.Message, StringComparison.Ordinal);
        Assert.Contains("/sourceIps/0/addressClass", failure.Message, StringComparison.Ordinal);
        var bundleFailure = Assert.ThrowsAny<Exception>(() => BundleSchemas.AssertValid(temp.Path));
        Assert.Contains("#/status", bundleFailure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AssertValid_JsonFileNoSchemaDescribes_Fails()
    {
        using var temp = new TempDirectory("pcapviz-schema-");
        temp.File("extra.json", "{}"u8.ToArray());
        var failure = Assert.ThrowsAny<Exception>(() => BundleSchemas.AssertValid(temp.Path));
        Assert.Contains("no schema in docs/schema describes 'extra.json'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnalysisSchema_SchemaVersion3WithNamedSources_IsAcceptedButVersion2WithThemIsNot()
    {
        using var temp = new TempDirectory("pcapviz-schema-");
        string source = Directory.GetFiles(Path.Combine(SampleBundle, "captures"), "analysis.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        var json = JsonNode.Parse(File.ReadAllText(source))!.AsObject();
        json["sourceIps"]![0]!["names"] = new JsonArray(new JsonObject { ["name"] = "printer.example.lan", ["source"] = "dns" });
        json["conversations"]![0]!["service"] = "https"; // extra fields are free
        json["schemaVersion"] = 3;
        Assert.Empty(JsonSchemaAssert.Violations(BundleSchemas.Analysis, temp.File("v3.json", System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()))));
        json["schemaVersion"] = 2;
        Assert.Contains(JsonSchemaAssert.Violations(BundleSchemas.Analysis, temp.File("v2.json", System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()))),
            v => v.JsonPointer == "/sourceIps/0/names/0");
        json["schemaVersion"] = 4;
        Assert.Contains(JsonSchemaAssert.Violations(BundleSchemas.Analysis, temp.File("v4.json", System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()))),
            v => v.JsonPointer == "/schemaVersion");
    }

    /// <summary>The STIX 2.1 schemas refer to each other by absolute $id URLs across folders (common/, sdos/ …).</summary>
    [Fact]
    public void Valid_StixBundleWithIdentity_ResolvesRefsAcrossTheStixSchemaFiles()
    {
        string? stix = TestEnvironment.SharedDirectory(Path.Combine("reference", "stix2-json-schemas", "schemas"));
        TestEnvironment.Require(stix is not null, "../shared/reference/stix2-json-schemas (the OASIS STIX 2.1 JSON schemas) is missing.");
        string bundleSchema = Path.Combine(stix, "common", "bundle.json");
        using var temp = new TempDirectory("pcapviz-stix-");
        const string identity = """
            { "type": "identity", "spec_version": "2.1", "id": "identity--5d7c1c8a-3a0b-5f3e-9d35-2b1f7a0c4e11",
              "created": "2024-03-01T00:00:00.000Z", "modified": "2024-03-01T00:00:00.000Z",
              "name": "PcapViz", "identity_class": "system" }
            """;
        string good = temp.File("good.json", System.Text.Encoding.UTF8.GetBytes(
            $$"""{ "type": "bundle", "id": "bundle--0f9b8c52-7d51-4c5e-8a1e-2f1c7b2d9e40", "objects": [ {{identity}} ] }"""));

        JsonSchemaAssert.Valid(bundleSchema, good, schemaRoot: stix);
        JsonSchemaAssert.Valid(Path.Combine(stix, "sdos", "identity.json"), temp.File("identity.json", System.Text.Encoding.UTF8.GetBytes(identity)), schemaRoot: stix);

        // Without its required name, with an id of another type, and a created time that is no timestamp (checked by
        // common/timestamp.json, reached through common/core.json): each rejected.
        string bad = temp.File("bad.json", System.Text.Encoding.UTF8.GetBytes(identity.Replace("\"name\": \"PcapViz\", ", "", StringComparison.Ordinal)
            .Replace("identity--", "indicator--", StringComparison.Ordinal).Replace("\"created\": \"2024-03-01T00:00:00.000Z\"", "\"created\": \"yesterday\"", StringComparison.Ordinal)));
        var violations = JsonSchemaAssert.Violations(Path.Combine(stix, "sdos", "identity.json"), bad, schemaRoot: stix);
        Assert.Contains(violations, v => v.JsonPointer == "" && v.Message.Contains("name", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.JsonPointer == "/id");
        Assert.Contains(violations, v => v.JsonPointer == "/created");
        Assert.Throws<Xunit.Sdk.FailException>(() => JsonSchemaAssert.Valid(bundleSchema, temp.File("bad-bundle.json", System.Text.Encoding.UTF8.GetBytes(
            $$"""{ "type": "bundle", "id": "bundle--0f9b8c52-7d51-4c5e-8a1e-2f1c7b2d9e40", "objects": [ {{File.ReadAllText(bad)}} ] }""")), schemaRoot: stix));
    }
}
