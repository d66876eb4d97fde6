using System.Text.Json;
using System.Text.Json.Serialization;
using Xunit;

namespace PcapViz.Tests;

/// <summary>One entry of conformance-exceptions.json: where docs/analysis.md knowingly differs from scapy.</summary>
/// <param name="CompareWith">"tshark": compare the field with the tshark oracle instead; "none": do not compare it.</param>
public sealed record ConformanceException(
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("field")] string Field,
    [property: JsonPropertyName("compareWith")] string CompareWith,
    [property: JsonPropertyName("reason")] string Reason)
{
    public static IReadOnlyList<ConformanceException> Load() =>
        JsonSerializer.Deserialize<List<ConformanceException>>(
            System.IO.File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "conformance-exceptions.json"))) ?? [];
}

/// <summary>
/// PcapViz's analyses (CaptureAnalyzer, 2-second bins) against the scapy oracle in ../shared/corpus-expected, field by
/// field, for every corpus file; listed exceptions are compared with tshark instead, or not at all.
/// </summary>
public sealed class ConformanceTests
{
    private static readonly IReadOnlyList<ConformanceException> Exceptions = ConformanceException.Load();

    public static TheoryData<string> Files() => Corpus.Files();

    [Theory]
    [MemberData(nameof(Files))]
    public void Conformance_CorpusFile_MatchesScapyOrListedOracle(string fileName)
    {
        Corpus.Require(fileName);
        var output = TestContext.Current.TestOutputHelper;
        var ours = CorpusResults.Get(fileName);
        var scapy = OracleResult.Load(fileName, OracleResult.Scapy);
        var tshark = OracleResult.Load(fileName, OracleResult.Tshark);
        var failures = new List<string>();
        foreach (string field in Fields.All)
        {
            var exception = Exceptions.SingleOrDefault(e => e.File == fileName && e.Field == field);
            if (exception is null)
            {
                if (scapy.Mismatch(ours, field) is { } m) failures.Add($"vs scapy: {m}");
                continue;
            }
            output?.WriteLine($"{field}: compared with {exception.CompareWith} ({exception.Reason})");
            if (exception.CompareWith == "none") continue;
            if (tshark.Mismatch(ours, field) is { } mismatch) failures.Add($"vs tshark: {mismatch}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void ConformanceExceptions_AreWellFormedAndStillNeeded()
    {
        var names = Corpus.RequireDirectory() is not null ? Corpus.FileNames().ToHashSet(StringComparer.Ordinal) : [];
        var problems = new List<string>();
        foreach (var g in Exceptions.GroupBy(e => (e.File, e.Field)).Where(g => g.Count() > 1))
            problems.Add($"{g.Key.File} {g.Key.Field}: listed {g.Count()} times");
        foreach (var e in Exceptions)
        {
            string where = $"{e.File} {e.Field}";
            if (!names.Contains(e.File)) { problems.Add($"{where}: no such corpus file"); continue; }
            if (!Fields.All.Contains(e.Field)) problems.Add($"{where}: field must be one of {string.Join("|", Fields.All)}");
            if (e.CompareWith is not ("tshark" or "none")) problems.Add($"{where}: compareWith must be tshark or none");
            if (string.IsNullOrWhiteSpace(e.Reason)) problems.Add($"{where}: a reason is required");
            if (Fields.All.Contains(e.Field) && OracleResult.Load(e.File, OracleResult.Scapy).Mismatch(CorpusResults.Get(e.File), e.Field) is null)
                problems.Add($"{where}: stale exception, PcapViz now matches scapy");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Conformance_Summary_CountsFilesMatchingScapyExactly()
    {
        var files = Corpus.RequireDirectory() is not null ? Corpus.FileNames() : [];
        var exact = new List<string>();
        var differing = new List<string>();
        foreach (string f in files)
        {
            var scapy = OracleResult.Load(f, OracleResult.Scapy);
            var ours = CorpusResults.Get(f);
            var fields = Fields.All.Where(field => scapy.Mismatch(ours, field) is not null).ToArray();
            if (fields.Length == 0) exact.Add(f);
            else differing.Add($"{f} [{string.Join(", ", fields.Select(field => $"{field}→{Exceptions.SingleOrDefault(e => e.File == f && e.Field == field)?.CompareWith ?? "UNLISTED"}"))}]");
        }
        string summary = $"{exact.Count} of {files.Count} corpus files match scapy exactly; exceptions: {string.Join("; ", differing)}";
        TestContext.Current.TestOutputHelper?.WriteLine(summary);
        TestContext.Current.SendDiagnosticMessage(summary);
        Assert.Equal(exact.Count + differing.Count, files.Count);
        Assert.DoesNotContain("UNLISTED", summary, StringComparison.Ordinal);
    }
}
