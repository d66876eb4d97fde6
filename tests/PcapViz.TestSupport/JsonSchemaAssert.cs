using System.Collections.Concurrent;
using System.Text.Json;
using Json.Schema;
using Xunit;

namespace PcapViz.TestSupport;

/// <summary>One way a JSON file breaks its schema: where (a JSON pointer into the file) and why.</summary>
public sealed record SchemaViolation(string File, string JsonPointer, string Message)
{
    public override string ToString() => $"{File}#{JsonPointer}: {Message}";
}

/// <summary>
/// Validates JSON files against JSON Schema (draft 2020-12) files with JsonSchema.Net, <c>format</c> asserted.
/// A schema may <c>$ref</c> other schema files: every <c>.json</c> file under the schema root (by default the
/// schema's own directory) can be the target, found by its path or by its <c>$id</c> (the STIX 2.1 schemas name
/// each other by absolute <c>$id</c> URLs; nothing is fetched from the network).
/// </summary>
public static class JsonSchemaAssert
{
    private static readonly ConcurrentDictionary<string, SchemaRoot> Roots = new(StringComparer.Ordinal);

    /// <summary>
    /// Fails the test unless <paramref name="jsonPath"/> is valid against <paramref name="schemaPath"/>, naming the
    /// file, the JSON pointer and the message of each violation.
    /// </summary>
    /// <param name="schemaRoot">The folder whose schema files <c>$ref</c> may reach; default: the schema's folder.</param>
    public static void Valid(string schemaPath, string jsonPath, string? schemaRoot = null)
    {
        var violations = Violations(schemaPath, jsonPath, schemaRoot);
        if (violations.Count > 0)
            Assert.Fail($"{jsonPath} is not valid against {schemaPath} ({violations.Count} violations):\n" +
                string.Join("\n", violations.Take(20).Select(v => "  " + v)));
    }

    /// <summary>The violations of <paramref name="jsonPath"/> against <paramref name="schemaPath"/>; empty when valid.</summary>
    public static IReadOnlyList<SchemaViolation> Violations(string schemaPath, string jsonPath, string? schemaRoot = null)
    {
        using var document = ParseFile(jsonPath);
        return Violations(schemaPath, document.RootElement, jsonPath, schemaRoot);
    }

    /// <summary>The violations of an already parsed <paramref name="instance"/>; <paramref name="label"/> names it in messages.</summary>
    public static IReadOnlyList<SchemaViolation> Violations(string schemaPath, JsonElement instance, string label, string? schemaRoot = null)
    {
        string fullSchema = Path.GetFullPath(schemaPath);
        string root = Path.GetFullPath(schemaRoot ?? Path.GetDirectoryName(fullSchema)!);
        var schema = Roots.GetOrAdd(root, r => new SchemaRoot(r)).Schema(fullSchema);
        var options = new EvaluationOptions { OutputFormat = OutputFormat.Hierarchical, RequireFormatValidation = true };
        var results = schema.Evaluate(instance, options);
        if (results.IsValid) return [];
        var violations = new List<SchemaViolation>();
        Collect(results, label, violations);
        if (violations.Count == 0) violations.Add(new SchemaViolation(label, "", "invalid (the validator gave no message)"));
        return violations;
    }

    /// <summary>
    /// The errors of the failing nodes only: a branch that failed inside an <c>anyOf</c> that another branch passed
    /// is valid as a whole and says nothing about the file.
    /// </summary>
    private static void Collect(EvaluationResults node, string label, List<SchemaViolation> violations)
    {
        if (node.IsValid) return;
        foreach (var (keyword, message) in node.Errors ?? new Dictionary<string, string>())
            violations.Add(new SchemaViolation(label, node.InstanceLocation.ToString(), $"{message} ({keyword} at {node.EvaluationPath})"));
        foreach (var child in node.Details ?? []) Collect(child, label, violations);
    }

    private static JsonDocument ParseFile(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException ex)
        {
            Assert.Fail($"{path} is not JSON: {ex.Message}");
            throw;
        }
    }

    /// <summary>The schema files under one folder, built once each into one registry.</summary>
    private sealed class SchemaRoot
    {
        private readonly BuildOptions _options;
        private readonly Dictionary<string, string> _fileById = new(StringComparer.Ordinal);
        private readonly Dictionary<string, JsonSchema> _built = new(StringComparer.Ordinal);
        private readonly Lock _lock = new();

        public SchemaRoot(string root)
        {
            foreach (string file in Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories))
            {
                string full = Path.GetFullPath(file);
                _fileById[new Uri(full).AbsoluteUri] = full;
                using var doc = JsonDocument.Parse(File.ReadAllBytes(full));
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("$id", out var id) &&
                    id.ValueKind == JsonValueKind.String && Uri.TryCreate(id.GetString(), UriKind.Absolute, out var uri))
                    _fileById[WithoutFragment(uri)] = full;
            }
            var registry = new SchemaRegistry { Fetch = (uri, _) => Fetch(uri) };
            _options = new BuildOptions { SchemaRegistry = registry };
        }

        public JsonSchema Schema(string file)
        {
            lock (_lock) return Build(file);
        }

        /// <summary>A $ref to a schema not built yet: the file with that path or $id (the lock is reentrant).</summary>
        private JsonSchema? Fetch(Uri uri)
        {
            if (!_fileById.TryGetValue(WithoutFragment(uri), out string? file)) return null;
            lock (_lock) return Build(file);
        }

        private JsonSchema Build(string file)
        {
            if (_built.TryGetValue(file, out var schema)) return schema;
            schema = JsonSchema.FromFile(file, _options);
            _built[file] = schema;
            return schema;
        }

        private static string WithoutFragment(Uri uri) => uri.GetLeftPart(UriPartial.Query);
    }
}
