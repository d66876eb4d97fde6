using System.Diagnostics;
using System.Text.RegularExpressions;

namespace PcapViz.Robustness.Tests;

/// <summary>
/// A bounded slice of the coverage-guided fuzzer (bench/PcapViz.Fuzz; long runs: see bench/RESULTS.md): reader,
/// decoder and DNS parser under SharpFuzz edge coverage, seeded with the sample captures. Fails on any finding.
/// </summary>
public sealed partial class CoverageFuzzSliceTests
{
    [Fact]
    public async Task Fuzzer_BoundedSlice_FindsNothingAndReachesEdgesTheSeedsDoNot()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "pcapviz-fuzz.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing (the project reference copies it)");
        string findings = Path.Combine(Path.GetTempPath(), "pcapviz-fuzz-findings-" + Guid.NewGuid().ToString("N"));
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { dll, "--seconds", "45", "--execs", "3000", "--seed", "7", "--findings", findings }) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using (var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
        {
            limit.CancelAfter(TimeSpan.FromMinutes(5));
            await process.WaitForExitAsync(limit.Token);
        }
        string output = await stdout + await stderr;
        try
        {
            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}:\n{output}");
            var done = Done().Match(output);
            Assert.True(done.Success, output);
            int seedEdges = int.Parse(done.Groups["seed"].Value, System.Globalization.CultureInfo.InvariantCulture);
            int edges = int.Parse(done.Groups["edges"].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(seedEdges > 100, $"the instrumentation reports almost no coverage:\n{output}");
            Assert.True(edges > seedEdges, $"the mutations reached no new edge: not coverage-guided?\n{output}");
            Assert.Equal("0", done.Groups["findings"].Value);
        }
        finally
        {
            if (Directory.Exists(findings)) Directory.Delete(findings, recursive: true);
        }
    }

    [GeneratedRegex(@"done: \d+ execs in [\d.]+ s, corpus \d+ -> \d+, edges (?<seed>\d+) -> (?<edges>\d+), findings (?<findings>\d+)")]
    private static partial Regex Done();
}
