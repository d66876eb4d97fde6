namespace PcapViz.Rendering.Html.Tests;

/// <summary>
/// Compares rendered text with a file under Golden/. To accept new output, run the tests with
/// PCAPVIZ_UPDATE_GOLDEN=1 (the files are rewritten and the test still fails once, so an update is never silent),
/// review the diff, and commit it.
/// </summary>
internal static class Golden
{
    public static void Verify(string name, string actual)
    {
        string dir = Path.Combine(RepoRoot(), "tests", "PcapViz.Rendering.Html.Tests", "Golden");
        string path = Path.Combine(dir, name);
        string? expected = File.Exists(path) ? File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal) : null;
        if (expected == actual) return;
        if (Environment.GetEnvironmentVariable("PCAPVIZ_UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(dir);
            File.WriteAllText(path, actual);
            Assert.Fail($"Golden file {name} was rewritten (PCAPVIZ_UPDATE_GOLDEN=1). Review the diff and run again without the variable.");
        }
        string actualPath = Path.Combine(AppContext.BaseDirectory, "artifacts", "golden-actual", name);
        Directory.CreateDirectory(Path.GetDirectoryName(actualPath)!);
        File.WriteAllText(actualPath, actual);
        if (expected is null)
            Assert.Fail($"Golden file {path} is missing. Actual output: {actualPath}. Create it with PCAPVIZ_UPDATE_GOLDEN=1.");
        int at = 0;
        while (at < expected.Length && at < actual.Length && expected[at] == actual[at]) at++;
        int line = expected.AsSpan(0, at).Count('\n') + 1;
        Assert.Fail($"{name} differs from the golden file at line {line}. Actual output: {actualPath}. " +
                    "If the change is intended, run with PCAPVIZ_UPDATE_GOLDEN=1 and review the diff.");
    }

    /// <summary>The repository root: the nearest parent of the test binary that holds PcapViz.sln
    /// (CallerFilePath is mapped to /_/ in CI builds, so it cannot be used).</summary>
    public static string RepoRoot() => PcapViz.TestSupport.TestEnvironment.RepositoryRoot;
}
