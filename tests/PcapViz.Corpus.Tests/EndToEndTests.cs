using System.Text.Json;
using PcapViz.Analysis;
using PcapViz.Export;
using PcapViz.Model;
using PcapViz.Orchestration;
using Xunit;

namespace PcapViz.Tests;

/// <summary>The whole pipeline (discovery, analysis, JSON and CSV exporters, manifest) over the corpus directory.</summary>
public sealed class EndToEndTests
{
    [Fact]
    public void ReportRunner_Corpus_WritesBundleAndReportsEveryBadCapture()
    {
        string corpus = Corpus.RequireDirectory();
        var captures = Corpus.FileNames();
        string temp = Path.Combine(Path.GetTempPath(), $"pcapviz-e2e-{Guid.NewGuid():N}");
        string outDir = Path.Combine(temp, "out");
        try
        {
            var request = new RunRequest([corpus], outDir, new AnalysisOptions(),
                [new AnalysisJsonExporter(), new CsvExporter()], "0.0.0-test",
                new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), []) { Jobs = 2 };
            var outcome = new ReportRunner(request).Run(TestContext.Current.CancellationToken);

            Assert.Empty(outcome.FatalErrors);
            // Some corpus files are corrupt on purpose (invalid pcap version, SHB option too long, ...).
            Assert.Equal(ExitCodes.CapturesWithIssues, outcome.ExitCode);

            using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "manifest.json")));
            var inputs = manifest.RootElement.GetProperty("inputs").EnumerateArray()
                .ToDictionary(i => i.GetProperty("path").GetString()!, i => i, StringComparer.Ordinal);
            Assert.Equal(captures.Count, inputs.Count);
            Assert.Equal(79, inputs.Count);
            foreach (string name in captures) Assert.True(inputs.ContainsKey(name), $"manifest.json does not list {name}");
            Assert.Contains(manifest.RootElement.GetProperty("skipped").EnumerateArray(),
                s => s.GetProperty("path").GetString() == "SOURCES.md");

            var run = outcome.Run!;
            Assert.Equal(captures.Count, run.Captures.Count);
            foreach (var capture in run.Captures)
            {
                string analysis = Path.Combine(outDir, "captures", capture.Id, AnalysisJsonExporter.FileName);
                if (capture.Status != CaptureStatus.Failed)
                    Assert.True(File.Exists(analysis), $"{capture.Input.Path}: no {AnalysisJsonExporter.FileName}");
                if (capture.Status is CaptureStatus.Failed or CaptureStatus.Partial)
                    Assert.True(capture.Issues.Any(i => i.Severity == IssueSeverity.Error && i.ByteOffset is not null),
                        $"{capture.Input.Path} is {capture.Status} without an error issue that has a byte offset");
                Assert.Equal(JsonNames.Of(capture.Status), inputs[capture.Input.Path].GetProperty("status").GetString());
            }
            var bad = run.Captures.Where(c => c.Status != CaptureStatus.Ok).Select(c => $"{c.Input.Path}: {c.Status}").ToArray();
            TestContext.Current.TestOutputHelper?.WriteLine($"{run.Captures.Count} captures, not ok: {string.Join("; ", bad)}");
            Assert.NotEmpty(bad);
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }
}
