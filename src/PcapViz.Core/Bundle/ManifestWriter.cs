using PcapViz.Export;
using System.Text.Json;
using PcapViz.Model;
using PcapViz.Orchestration;

namespace PcapViz.Bundle;

/// <summary>A capture's entry in manifest.json.</summary>
internal sealed record ManifestInput(CaptureResult Capture, bool Reused, IReadOnlyList<string> Outputs);

/// <summary>
/// Writes manifest.json: tool version, options, every input (path, size, SHA-256, status, outputs) and every
/// output file with its SHA-256. manifest.json does not list itself.
/// </summary>
internal static class ManifestWriter
{
    public const string FileName = "manifest.json";

    public static void Write(Stream stream, RunResult run, IReadOnlyList<ManifestInput> inputs,
        IReadOnlyList<ExporterFailure> failures, IReadOnlyList<OutputFile> outputs, string? previousManifestSha256 = null)
    {
        using var w = new Utf8JsonWriter(stream, AnalysisJsonExporter.WriterOptions);
        w.WriteStartObject();
        w.WriteNumber("schemaVersion", AnalysisJsonExporter.SchemaVersion);
        w.WriteStartObject("tool");
        w.WriteString("name", "pcapviz");
        w.WriteString("version", run.Info.ToolVersion);
        w.WriteEndObject();
        w.WriteString("generatedUtc", run.Info.GeneratedUtc.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        w.WriteStartArray("roots");
        foreach (string root in run.Info.Inputs) w.WriteStringValue(root);
        w.WriteEndArray();
        w.WriteStartObject("options");
        foreach (var (key, value) in run.Info.CommandLine) w.WriteString(key, value);
        w.WriteEndObject();

        w.WriteStartObject("totals");
        w.WriteNumber("captures", run.Captures.Count);
        w.WriteNumber("ok", run.Captures.Count(c => c.Status == CaptureStatus.Ok));
        w.WriteNumber("partial", run.Captures.Count(c => c.Status == CaptureStatus.Partial));
        w.WriteNumber("failed", run.Captures.Count(c => c.Status == CaptureStatus.Failed));
        w.WriteNumber("packets", run.Totals.Packets);
        w.WriteNumber("ipBytes", run.Totals.IpBytes);
        w.WriteEndObject();

        w.WriteStartArray("inputs");
        foreach (var input in inputs)
        {
            var c = input.Capture;
            w.WriteStartObject();
            w.WriteString("path", c.Input.Path);
            if (c.Input.LinkTarget is { } linkTarget) w.WriteString("linkTarget", linkTarget);
            w.WriteString("id", c.Id);
            w.WriteNumber("sizeBytes", c.Input.SizeBytes);
            w.WriteString("sha256", c.Input.Sha256);
            w.WriteString("status", Names.Of(c.Status));
            w.WriteBoolean("reused", input.Reused);
            w.WriteNumber("packets", c.Summary.Packets);
            w.WriteNumber("errors", c.Issues.Count(i => i.Severity == IssueSeverity.Error));
            w.WriteNumber("warnings", c.Issues.Count(i => i.Severity == IssueSeverity.Warning));
            if (c.Issues.FirstOrDefault(i => i.Severity == IssueSeverity.Error) is { } firstError)
                w.WriteString("firstError", firstError.Message);
            w.WriteStartArray("outputs");
            foreach (string path in input.Outputs) w.WriteStringValue(path);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteStartArray("skipped");
        foreach (var s in run.Skipped)
        {
            w.WriteStartObject();
            w.WriteString("path", s.Path);
            w.WriteString("reason", s.Reason);
            w.WriteBoolean("problem", s.IsProblem);
            w.WriteEndObject();
        }
        w.WriteEndArray();

        if (previousManifestSha256 is not null)
        {
            // --chain: the previous night's manifest, so that a removed or rewritten night breaks the chain.
            w.WriteStartObject("chain");
            w.WriteString("previousManifestSha256", previousManifestSha256);
            w.WriteEndObject();
        }

        w.WriteStartArray("exporterFailures");
        foreach (var f in failures)
        {
            w.WriteStartObject();
            w.WriteString("exporter", f.Exporter);
            if (f.CaptureId is null) w.WriteNull("captureId");
            else w.WriteString("captureId", f.CaptureId);
            w.WriteString("message", f.Message);
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteStartArray("outputs");
        foreach (var o in outputs)
        {
            w.WriteStartObject();
            w.WriteString("path", o.Path);
            w.WriteNumber("sizeBytes", o.SizeBytes);
            w.WriteString("sha256", o.Sha256);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        stream.Write("\n"u8);
    }
}
