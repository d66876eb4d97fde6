

namespace PcapViz.Robustness.Tests;

/// <summary>The shared real-world corpus, as the robustness tests read it.</summary>
internal static class RobustnessCorpus
{
    /// <summary>Capture files of ../shared/corpus (sorted). Skips the test visibly when absent; fails on CI.</summary>
    public static IReadOnlyList<string> CorpusFiles()
    {
        string? corpus = TestEnvironment.SharedDirectory("corpus");
        TestEnvironment.Require(corpus is not null, "The real-world corpus ../shared/corpus is not beside the checkout; corpus-based robustness tests need it.");
        var files = Directory.EnumerateFiles(corpus!, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.NotEmpty(files);
        return files;
    }
}
