using System.Text.Encodings.Web;
using System.Text.Json;
using PcapViz.Model;

namespace PcapViz.Export;

/// <summary>
/// How every JSON file of a bundle is written (analysis.json, history.json, manifest.json, the shard plan and the
/// shard file): one indented object with the same writer options and a final newline, and the few member shapes
/// they share, so that a null, a list of names or the skipped inputs look the same in each of them.
/// </summary>
internal static class JsonOut
{
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        // The default encoder escapes <, >, &, ', + and non-ASCII: safe even if a file is pasted into HTML.
        Encoder = JavaScriptEncoder.Default,
        NewLine = "\n",
    };

    /// <summary>The same options on one line: for JSON that is hashed (UUIDv5 ids) or kept one record to a line.</summary>
    public static readonly JsonWriterOptions CompactWriterOptions = WriterOptions with { Indented = false };

    /// <summary>Writes one JSON object to <paramref name="stream"/>: <paramref name="members"/> fill it; a newline ends the file.</summary>
    public static void WriteDocument(Stream stream, Action<Utf8JsonWriter> members)
    {
        using (var w = new Utf8JsonWriter(stream, WriterOptions))
        {
            w.WriteStartObject();
            members(w);
            w.WriteEndObject();
            w.Flush();
        }
        stream.Write("\n"u8);
    }

    /// <summary><c>"tool": { "name": "pcapviz", "version": … }</c>.</summary>
    public static void WriteTool(this Utf8JsonWriter w, string version)
    {
        w.WriteStartObject("tool");
        w.WriteString("name", "pcapviz");
        w.WriteString("version", version);
        w.WriteEndObject();
    }

    public static void WriteStringOrNull(this Utf8JsonWriter w, string property, string? value)
    {
        if (value is null) w.WriteNull(property);
        else w.WriteString(property, value);
    }

    public static void WriteNumberOrNull(this Utf8JsonWriter w, string property, long? value)
    {
        if (value is long v) w.WriteNumber(property, v);
        else w.WriteNull(property);
    }

    public static void WriteNumberOrNull(this Utf8JsonWriter w, string property, double? value)
    {
        if (value is double v) w.WriteNumber(property, v);
        else w.WriteNull(property);
    }

    /// <summary>An array of strings, in the given order.</summary>
    public static void WriteStrings(this Utf8JsonWriter w, string property, IEnumerable<string> values)
    {
        w.WriteStartArray(property);
        foreach (string value in values) w.WriteStringValue(value);
        w.WriteEndArray();
    }

    /// <summary>An object of string members, in the given order (the options of a run or a plan).</summary>
    public static void WriteStringMembers(this Utf8JsonWriter w, string property, IEnumerable<KeyValuePair<string, string>> members)
    {
        w.WriteStartObject(property);
        foreach (var (key, value) in members) w.WriteString(key, value);
        w.WriteEndObject();
    }

    /// <summary>An array with one object per item; <paramref name="members"/> writes an item's members.</summary>
    public static void WriteObjects<T>(this Utf8JsonWriter w, string property, IEnumerable<T> items, Action<Utf8JsonWriter, T> members)
    {
        w.WriteStartArray(property);
        foreach (var item in items)
        {
            w.WriteStartObject();
            members(w, item);
            w.WriteEndObject();
            // A writer over a stream keeps everything in memory until it is flushed: without this, an analysis.json of
            // 200,000 names (80 MB) was held whole, in a buffer grown by doubling, before a byte reached the file.
            if (w.BytesPending >= FlushBytes) w.Flush();
        }
        w.WriteEndArray();
    }

    /// <summary>
    /// As <see cref="WriteObjects{T}"/>, but each item is one compact object on a line of its own: for arrays of
    /// 100,000s of flat rows (conversations), a third of the bytes of the indented form, as easy to grep as a CSV
    /// line, and as cheap to write. <paramref name="format"/> writes the object's UTF-8 bytes into the span it is
    /// given (at least <paramref name="maxLineBytes"/> long) and returns how many it wrote: the caller answers for
    /// it being valid, compact JSON as <see cref="Utf8JsonWriter"/> would write it.
    /// </summary>
    public static void WriteRawLines<T>(this Utf8JsonWriter w, string property, IEnumerable<T> items, int maxLineBytes, RawLineFormatter<T> format)
    {
        w.WriteStartArray(property);
        // A raw value is written as it is, after the separator: its line break and indentation are its own (the
        // array's members sit one level deeper than the property that names it).
        int indentation = 1 + 2 * w.CurrentDepth;
        var line = new byte[indentation + maxLineBytes];
        line.AsSpan(0, indentation).Fill((byte)' ');
        line[0] = (byte)'\n';
        foreach (var item in items)
        {
            int length = format(item, line.AsSpan(indentation));
            w.WriteRawValue(line.AsSpan(0, indentation + length), skipInputValidation: true);
            if (w.BytesPending >= FlushBytes) w.Flush();
        }
        w.WriteEndArray();
    }

    /// <summary>Bytes a writer may hold before a long array hands them to the stream.</summary>
    internal const int FlushBytes = 1 << 16;

    /// <summary>The <c>skipped</c> array of manifest.json and of a shard plan: path, reason and whether it is a problem.</summary>
    public static void WriteSkipped(this Utf8JsonWriter w, IEnumerable<SkippedInput> skipped) =>
        w.WriteObjects("skipped", skipped, static (w, s) =>
        {
            w.WriteString("path", s.Path);
            w.WriteString("reason", s.Reason);
            w.WriteBoolean("problem", s.IsProblem);
        });
}

/// <summary>Writes one item of <see cref="JsonOut.WriteRawLines{T}"/> as UTF-8 into <paramref name="line"/>; returns the bytes written.</summary>
internal delegate int RawLineFormatter<in T>(T item, Span<byte> line);
