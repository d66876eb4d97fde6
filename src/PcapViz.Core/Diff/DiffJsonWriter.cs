using System.Text.Json;
using PcapViz.Export;

namespace PcapViz.Diff;

/// <summary>
/// Writes <c>diff.json</c> (docs/schema/diff.schema.json): the two bundles, then per kind <c>appeared</c>,
/// <c>disappeared</c> and <c>changed</c>, complete, each entry with its value and both sides' counts. Nothing in it
/// depends on the clock: the same two bundles give the same bytes.
/// </summary>
internal static class DiffJsonWriter
{
    public const string FileName = "diff.json";

    public const int SchemaVersion = 1;

    public static void Write(Stream stream, BundleDiff diff) =>
        JsonOut.WriteDocument(stream, w =>
        {
            w.WriteNumber("schemaVersion", SchemaVersion);
            w.WriteTool(diff.ToolVersion);
            WriteSide(w, "old", diff.Old);
            WriteSide(w, "new", diff.New);
            w.WriteBoolean("hasChanges", diff.HasChanges);
            w.WriteStartObject("kinds");
            foreach (var k in diff.Kinds)
            {
                w.WriteStartObject(k.Kind.Name);
                w.WriteBoolean("compared", k.Compared);
                w.WriteStringOrNull("notCompared", k.NotCompared);
                w.WriteString("rankedBy", k.Kind.Ranking.Name);
                w.WriteStrings("measures", k.Kind.Measures.Select(m => m.Name));
                w.WriteNumber("oldDistinct", k.OldDistinct);
                w.WriteNumber("newDistinct", k.NewDistinct);
                w.WriteNumber("unchanged", k.Unchanged);
                w.WriteStartObject("limitExceeded");
                w.WriteBoolean("old", k.OldLimitExceeded);
                w.WriteBoolean("new", k.NewLimitExceeded);
                w.WriteEndObject();
                WriteEntries(w, "appeared", k.Appeared, k.Kind);
                WriteEntries(w, "disappeared", k.Disappeared, k.Kind);
                WriteEntries(w, "changed", k.Changed, k.Kind);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        });

    private static void WriteSide(Utf8JsonWriter w, string name, DiffSide side)
    {
        w.WriteStartObject(name);
        w.WriteString("path", side.Path);
        w.WriteString("manifestSha256", side.ManifestSha256);
        w.WriteString("toolVersion", side.ToolVersion);
        w.WriteStringOrNull("generatedUtc", side.GeneratedUtc);
        w.WriteStartArray("analysisSchemaVersions");
        foreach (int v in side.SchemaVersions) w.WriteNumberValue(v);
        w.WriteEndArray();
        w.WriteNumber("captures", side.Captures);
        w.WriteNumber("ok", side.Ok);
        w.WriteNumber("partial", side.Partial);
        w.WriteNumber("failed", side.Failed);
        w.WriteEndObject();
    }

    private static void WriteEntries(Utf8JsonWriter w, string name, IReadOnlyList<DiffEntry> entries, DiffKind kind) =>
        w.WriteObjects(name, entries, (w, e) =>
        {
            w.WriteString("value", e.Value);
            WriteCounts(w, "old", e.Old, kind);
            WriteCounts(w, "new", e.New, kind);
            w.WriteNumber("change", e.Change);
            w.WriteNumberOrNull("relativeChange", DiffReport.RoundedRelative(e));
        });

    private static void WriteCounts(Utf8JsonWriter w, string name, IReadOnlyList<long> counts, DiffKind kind)
    {
        w.WriteStartObject(name);
        for (int i = 0; i < counts.Count; i++) w.WriteNumber(kind.Measures[i].Name, counts[i]);
        w.WriteEndObject();
    }
}
