using System.IO.Compression;
using PcapViz.TestSupport;
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

    public static string? Directory => TestEnvironment.SharedDirectory("corpus");

    public static string? ExpectedDirectory => TestEnvironment.SharedDirectory("corpus-expected");

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
        TestEnvironment.Require(Directory is not null && ExpectedDirectory is not null,
            "../shared/corpus and ../shared/corpus-expected not found beside the checkout; corpus tests need them.");
        return Directory!;
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

}
