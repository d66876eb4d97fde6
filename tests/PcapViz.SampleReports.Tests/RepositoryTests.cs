using System.Text.RegularExpressions;
using PcapViz.TestSupport;

namespace PcapViz.SampleReports.Tests;

/// <summary>
/// The repository explains itself: code, tests and docs cite documents that are in it (docs/, docs/schema/), never
/// the design notes beside the checkout, and every relative link of the Markdown documents leads to a file. Test
/// data under ../shared (the corpora, the reference schemas) stays where it is and may be named.
/// </summary>
public sealed partial class RepositoryTests
{
    private static readonly string[] Roots = ["src", "tests", "docs", "bench", "deploy", "templates", "sample-reports", ".ci"];
    private static readonly string[] TopFiles = ["README.md", ".editorconfig", "Directory.Build.props", "Directory.Packages.props"];
    private static readonly string[] TextExtensions = [".cs", ".md", ".json", ".props", ".csproj", ".targets", ".sh", ".yaml", ".yml", ".sbatch", ".txt", ".html", ".sbn", ""];

    /// <summary>Data folders of ../shared that tests and docs may name.</summary>
    private static readonly string[] SharedData = ["corpus", "corpus-expected", "corpus-l7", "corpus-l7-expected", "reference"];

    [Fact]
    public void RepositoryFiles_CiteNoDocumentOutsideTheRepository()
    {
        // Spelt in pieces so that this file does not cite them itself.
        string[] outside = ["DESIGN" + ".md", "STYLE" + ".md", "MEASUREMENTS" + ".md"];
        var problems = new List<string>();
        foreach (var (relative, text) in RepositoryTextFiles())
        {
            int lineNumber = 0;
            foreach (string line in text.Split('\n'))
            {
                lineNumber++;
                foreach (string name in outside)
                    if (line.Contains(name, StringComparison.Ordinal)) problems.Add($"{relative}:{lineNumber}: cites {name}, which is not in the repository");
                foreach (Match m in SharedPath().Matches(line))
                    if (!SharedData.Contains(m.Groups[1].Value, StringComparer.Ordinal))
                        problems.Add($"{relative}:{lineNumber}: names ../shared/{m.Groups[1].Value}, which is not test data");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void MarkdownDocuments_RelativeLinks_LeadToFilesInTheRepository()
    {
        string root = TestEnvironment.RepositoryRoot;
        var problems = new List<string>();
        var documents = Directory.EnumerateFiles(root, "*.md", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(Path.GetRelativePath(root, f)));
        foreach (string document in documents)
        {
            foreach (Match m in MarkdownLink().Matches(File.ReadAllText(document)))
            {
                string target = m.Groups[1].Value;
                if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal)) continue;
                string full = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(document)!, target));
                if (!File.Exists(full) && !Directory.Exists(full))
                    problems.Add($"{Path.GetRelativePath(root, document)}: link to '{target}' leads nowhere");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    private static IEnumerable<(string Relative, string Text)> RepositoryTextFiles()
    {
        string root = TestEnvironment.RepositoryRoot;
        var files = TopFiles.Select(f => Path.Combine(root, f)).Where(File.Exists)
            .Concat(Roots.Select(r => Path.Combine(root, r)).Where(Directory.Exists)
                .SelectMany(r => Directory.EnumerateFiles(r, "*", SearchOption.AllDirectories)));
        foreach (string file in files)
        {
            string relative = Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/');
            if (IsBuildOutput(relative) || !TextExtensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase)) continue;
            if (new FileInfo(file).Length > 4 << 20) continue; // generated pages and captures, not prose
            yield return (relative, File.ReadAllText(file));
        }
    }

    private static bool IsBuildOutput(string relative) =>
        relative.Replace('\\', '/').Split('/').Any(part => part is "bin" or "obj" or ".git" or "node_modules" or "TestResults");

    [GeneratedRegex(@"\.\./shared/([A-Za-z0-9_-]+)")]
    private static partial Regex SharedPath();

    [GeneratedRegex(@"\]\(([^)\s#]+)(?:#[^)]*)?\)")]
    private static partial Regex MarkdownLink();
}
