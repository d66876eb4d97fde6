using Xunit;

namespace PcapViz.TestSupport;

/// <summary>
/// The JSON Schema files of docs/schema and which file of a bundle each one describes; <see cref="AssertValid"/>
/// checks every JSON file of a bundle, and a JSON file that no schema describes is itself a failure (a new file
/// must come with its schema).
/// </summary>
public static class BundleSchemas
{
    public static string Directory => Path.Combine(TestEnvironment.RepositoryRoot, "docs", "schema");

    public static string Analysis => Schema("analysis.schema.json");

    public static string Manifest => Schema("manifest.schema.json");

    public static string History => Schema("history.schema.json");

    public static string Shard => Schema("shard.schema.json");

    public static string Plan => Schema("plan.schema.json");

    public static string CacheIndex => Schema("cache-index.schema.json");

    public static string MispEvent => Schema("misp-event.schema.json");

    public static string Diff => Schema("diff.schema.json");

    public static string Beacons => Schema("beacons.schema.json");

    /// <summary>The STIX 2.1 JSON schemas (their <c>schemas</c> folder) in ../shared/reference, or null when absent.</summary>
    public static string? StixSchemas =>
        TestEnvironment.SharedDirectory(Path.Combine("reference", "stix2-json-schemas")) is { } d ? Path.Combine(d, "schemas") : null;

    /// <summary>The schema of a bundle file by its path relative to the bundle root ('/'-separated); null when none.</summary>
    public static string? For(string relativePath)
    {
        string[] parts = relativePath.Split('/');
        return parts switch
        {
            ["manifest.json"] => Manifest,
            ["history.json"] => History,
            ["shard.json"] => Shard,
            ["cache", "index.json"] => CacheIndex,
            ["cache", _] => Analysis,
            ["captures", _, "analysis.json"] => Analysis,
            ["indicators.misp.json"] => MispEvent,
            ["diff.json"] => Diff,
            ["beacons.json"] => Beacons,
            ["indicators.stix.json"] => StixSchemas is { } stix ? Path.Combine(stix, "common", "bundle.json") : null,
            _ => null,
        };
    }

    /// <summary>
    /// Validates every .json file under <paramref name="bundle"/> against its schema; fails naming each file, JSON
    /// pointer and message. Returns the relative paths checked, so a test can say which files it expects.
    /// </summary>
    public static IReadOnlyList<string> AssertValid(string bundle)
    {
        var checkedFiles = new List<string>();
        var problems = new List<string>();
        foreach (string file in System.IO.Directory.EnumerateFiles(bundle, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string relative = Path.GetRelativePath(bundle, file).Replace(Path.DirectorySeparatorChar, '/');
            string? schema = For(relative);
            if (schema is null)
            {
                problems.Add($"{file}: no schema in docs/schema describes '{relative}' (add one and map it in BundleSchemas.For)");
                continue;
            }
            checkedFiles.Add(relative);
            // The STIX bundle schema reaches the object schemas in sibling folders: its root is the schemas folder.
            string? root = relative == "indicators.stix.json" ? StixSchemas : null;
            problems.AddRange(JsonSchemaAssert.Violations(schema, file, root).Take(10).Select(v => $"{v} [{Path.GetFileName(schema)}]"));
        }
        if (problems.Count > 0)
            Assert.Fail($"{bundle}: {problems.Count} schema problems:\n" + string.Join("\n", problems.Take(40).Select(p => "  " + p)));
        return checkedFiles;
    }

    private static string Schema(string name) => Path.Combine(Directory, name);
}
