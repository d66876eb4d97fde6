using System.IO.Compression;
using Xunit;

namespace PcapViz.Tests;

/// <summary>
/// Finds the shared corpus next to the repository (../shared/corpus from the folder holding PcapViz.sln). The corpus
/// is never copied into the repository. When it is missing, corpus tests skip with a visible message, except on CI
/// (environment variable CI=true), where a missing corpus is a failure.
/// </summary>
public static class Corpus
{
    /// <summary>Theory row used when the corpus is missing, so that the test runs once and skips (or fails) visibly.</summary>
    public const string Missing = "(corpus missing)";

    private static readonly Lazy<string?> RepositoryRoot = new(FindRepositoryRoot);

    public static string? Directory => Existing(RepositoryRoot.Value is { } root ? Path.Combine(root, "..", "shared", "corpus") : null);

    public static string? ExpectedDirectory => Existing(RepositoryRoot.Value is { } root ? Path.Combine(root, "..", "shared", "corpus-expected") : null);

    /// <summary>Capture files of the corpus (every file but SOURCES.md), sorted by name.</summary>
    public static IReadOnlyList<string> FileNames()
    {
        if (Directory is not { } dir) return [];
        return System.IO.Directory.GetFiles(dir)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(n => !n.Equals("SOURCES.md", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>One row per capture file, or a single <see cref="Missing"/> row.</summary>
    public static TheoryData<string> Files()
    {
        var names = FileNames();
        var data = new TheoryData<string>();
        if (names.Count == 0) data.Add(Missing);
        foreach (var n in names) data.Add(n);
        return data;
    }

    /// <summary>Returns the full path of a corpus file; skips the test (fails on CI) when the corpus is absent.</summary>
    public static string Require(string fileName)
    {
        string dir = RequireDirectory();
        Assert.NotEqual(Missing, fileName);
        return Path.Combine(dir, fileName);
    }

    public static string RequireDirectory()
    {
        if (Directory is { } dir && ExpectedDirectory is not null) return dir;
        const string message = "../shared/corpus not found: corpus tests skipped";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            Assert.Fail($"{message} — but CI=true, where the corpus (and ../shared/corpus-expected) must be present.");
        Assert.Skip(message);
        return null!; // not reached: Assert.Skip throws
    }

    public static bool IsGzip(string path)
    {
        using var f = File.OpenRead(path);
        return f.ReadByte() == 0x1F && f.ReadByte() == 0x8B;
    }

    /// <summary>libpcap does not read gzip: expand to a temporary file (deleted by the caller).</summary>
    public static string Decompress(string path)
    {
        string temp = Path.Combine(Path.GetTempPath(), $"pcapviz-corpus-{Guid.NewGuid():N}-{Path.GetFileNameWithoutExtension(path)}");
        using var input = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var output = File.Create(temp);
        input.CopyTo(output);
        return temp;
    }

    private static string? Existing(string? path) => path is not null && System.IO.Directory.Exists(path) ? Path.GetFullPath(path) : null;

    private static string? FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PcapViz.sln"))) return dir.FullName;
        return null;
    }
}
