namespace PcapViz.Tests;

/// <summary>Paths in the repository and the shared corpus beside it (over the shared <see cref="TestEnvironment"/>).</summary>
internal static class Repo
{
    public static string Root => TestEnvironment.RepositoryRoot;

    public static string Path_(params string[] parts) => Path.Combine([Root, .. parts]);

    public static bool OnCi => TestEnvironment.IsCi;

    /// <summary>../shared/corpus beside the checkout; skips the test when absent (fails on CI, where it must be present).</summary>
    public static string RequireCorpus()
    {
        string? dir = TestEnvironment.SharedDirectory("corpus");
        TestEnvironment.Require(dir is not null && Directory.EnumerateFiles(dir).Any(f => !f.EndsWith(".md", StringComparison.Ordinal)),
            "../shared/corpus not found beside the checkout; the scale-out corpus test needs it.");
        return dir!;
    }

    /// <summary>Skips the test when a tool is missing; on CI a missing tool is a failure (.ci/run installs it).</summary>
    public static void RequireTool(bool present, string what) => TestEnvironment.Require(present, what);

    /// <summary>The directory of an executable on PATH, or null.</summary>
    public static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/sbin"])
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
}
