namespace PcapViz.Tests;

/// <summary>Paths in the repository and the shared corpus beside it.</summary>
internal static class Repo
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PcapViz.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No PcapViz.sln above {AppContext.BaseDirectory}.");
    });

    public static string Root => RootPath.Value;

    public static string Path_(params string[] parts) => Path.Combine([Root, .. parts]);

    public static bool OnCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>../shared/corpus beside the checkout; skips the test when absent (fails on CI, where it must be present).</summary>
    public static string RequireCorpus()
    {
        string dir = Path.GetFullPath(Path.Combine(Root, "..", "shared", "corpus"));
        if (Directory.Exists(dir) && Directory.EnumerateFiles(dir).Any(f => !f.EndsWith(".md", StringComparison.Ordinal))) return dir;
        const string message = "../shared/corpus not found: the scale-out corpus test is skipped";
        if (OnCi) Assert.Fail($"{message} — but CI=true, where the corpus must be present.");
        Assert.Skip(message);
        return null!;
    }

    /// <summary>Skips the test when a tool is missing; on CI a missing tool is a failure (.ci/run installs it).</summary>
    public static void RequireTool(bool present, string what)
    {
        if (present) return;
        if (OnCi) Assert.Fail($"{what} — but CI=true, where .ci/run installs it.");
        Assert.Skip(what);
    }

    /// <summary>The directory of an executable on PATH, or null.</summary>
    public static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/sbin"])
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
}
