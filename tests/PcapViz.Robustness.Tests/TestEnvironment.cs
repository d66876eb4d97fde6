namespace PcapViz.Robustness.Tests;

/// <summary>Where the repository and the shared real-world corpus are, and temp directories that clean up.</summary>
internal static class TestEnvironment
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PcapViz.sln"))) return dir.FullName;
        throw new InvalidOperationException($"PcapViz.sln not found above {AppContext.BaseDirectory}.");
    }

    /// <summary>Capture files of ../shared/corpus (sorted). Skips the test visibly when absent; fails on CI.</summary>
    public static IReadOnlyList<string> CorpusFiles()
    {
        string corpus = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "corpus"));
        if (!Directory.Exists(corpus))
        {
            string message = $"The real-world corpus is not at {corpus}; corpus-based robustness tests need it.";
            if (IsCi) Assert.Fail(message + " (CI=true: the corpus is required.)");
            Assert.Skip(message);
        }
        var files = Directory.EnumerateFiles(corpus, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.NotEmpty(files);
        return files;
    }
}

/// <summary>A fresh directory under the system temp path, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "pcapviz-robust-")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
