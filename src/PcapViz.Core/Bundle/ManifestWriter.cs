using PcapViz.Export;
using System.Text.Json;
using PcapViz.Model;

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
        JsonOut.WriteDocument(stream, w =>
        {
            w.WriteNumber("schemaVersion", AnalysisJsonExporter.SchemaVersion);
            w.WriteTool(run.Info.ToolVersion);
            w.WriteString("generatedUtc", TimeFormat.IsoUtcSeconds(run.Info.GeneratedUtc.ToUnixTimeSeconds()));
            w.WriteStrings("roots", run.Info.Inputs);
            w.WriteStringMembers("options", run.Info.CommandLine);

            w.WriteStartObject("totals");
            w.WriteNumber("captures", run.Captures.Count);
            w.WriteNumber("ok", run.Captures.Count(c => c.Status == CaptureStatus.Ok));
            w.WriteNumber("partial", run.Captures.Count(c => c.Status == CaptureStatus.Partial));
            w.WriteNumber("failed", run.Captures.Count(c => c.Status == CaptureStatus.Failed));
            w.WriteNumber("packets", run.Totals.Packets);
            w.WriteNumber("ipBytes", run.Totals.IpBytes);
            w.WriteEndObject();

            w.WriteObjects("inputs", inputs, static (w, input) =>
            {
                var c = input.Capture;
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
                w.WriteStrings("outputs", input.Outputs);
            });

            w.WriteSkipped(run.Skipped);

            if (run.Info.Pseudonymisation is { } pseudonyms) WritePseudonymisation(w, pseudonyms.Method, pseudonyms.KeyId);

            if (previousManifestSha256 is not null)
            {
                // --chain: the previous night's manifest, so that a removed or rewritten night breaks the chain.
                w.WriteStartObject("chain");
                w.WriteString("previousManifestSha256", previousManifestSha256);
                w.WriteEndObject();
            }

            w.WriteObjects("exporterFailures", failures, static (w, f) =>
            {
                w.WriteString("exporter", f.Exporter);
                w.WriteStringOrNull("captureId", f.CaptureId);
                w.WriteString("message", f.Message);
            });

            WriteOutputs(w, outputs);
        });
    }

    /// <summary>
    /// The manifest of a diff bundle (`pcapviz diff`): the same shape, so `verify` and the next run's ownership check
    /// read it as any other, with no captures of its own (<c>inputs</c> empty, <c>totals</c> zero), the two bundles
    /// compared as <c>roots</c> and, with their manifests' SHA-256, in <c>diff</c>.
    /// </summary>
    public static void WriteDiff(Stream stream, Diff.BundleDiff diff, IReadOnlyList<KeyValuePair<string, string>> options, IReadOnlyList<OutputFile> outputs)
    {
        JsonOut.WriteDocument(stream, w =>
        {
            w.WriteNumber("schemaVersion", AnalysisJsonExporter.SchemaVersion);
            w.WriteTool(diff.ToolVersion);
            w.WriteString("generatedUtc", TimeFormat.IsoUtcSeconds(diff.GeneratedUtc.ToUnixTimeSeconds()));
            w.WriteStrings("roots", [diff.Old.Path, diff.New.Path]);
            w.WriteStringMembers("options", options);
            w.WriteStartObject("totals");
            foreach (string total in (string[])["captures", "ok", "partial", "failed", "packets", "ipBytes"]) w.WriteNumber(total, 0);
            w.WriteEndObject();
            w.WriteStartArray("inputs");
            w.WriteEndArray();
            w.WriteSkipped([]);
            w.WriteStartObject("diff");
            foreach (var side in (Diff.DiffSide[])[diff.Old, diff.New])
            {
                w.WriteStartObject(side.Role);
                w.WriteString("path", side.Path);
                w.WriteString("manifestSha256", side.ManifestSha256);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            if (diff.PseudonymKeyId is { } keyId) WritePseudonymisation(w, PcapViz.Pseudonymisation.Pseudonymiser.Method, keyId);
            w.WriteStartArray("exporterFailures");
            w.WriteEndArray();
            WriteOutputs(w, outputs);
        });
    }

    /// <summary>--pseudonymise: how, and which key (a one-way id); never the key (docs/pseudonymisation.md).</summary>
    private static void WritePseudonymisation(Utf8JsonWriter w, string method, string keyId)
    {
        w.WriteStartObject("pseudonymisation");
        w.WriteString("addresses", PcapViz.Pseudonymisation.Pseudonymiser.AddressMethod);
        w.WriteString("names", PcapViz.Pseudonymisation.Pseudonymiser.NameMethod);
        w.WriteString("text", PcapViz.Pseudonymisation.Pseudonymiser.TextMethod);
        w.WriteString("method", method);
        w.WriteString("keyId", keyId);
        w.WriteEndObject();
    }

    private static void WriteOutputs(Utf8JsonWriter w, IReadOnlyList<OutputFile> outputs) =>
        w.WriteObjects("outputs", outputs, static (w, o) =>
        {
            w.WriteString("path", o.Path);
            w.WriteNumber("sizeBytes", o.SizeBytes);
            w.WriteString("sha256", o.Sha256);
        });
}
