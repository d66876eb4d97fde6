using System.Diagnostics;
using PcapViz.Generator;
using PcapViz.TestSupport;

namespace PcapViz.SampleReports.Tests;

/// <summary>
/// sample-reports/ is what a newcomer opens first; it must be exactly what the current code makes. When a test
/// here fails, run sample-reports/regenerate.sh and commit the result.
/// </summary>
public sealed class SampleReportsTests
{
    private const string SourceDateEpoch = "1700000000"; // the value regenerate.sh uses

    private static string RepositoryRoot() => TestEnvironment.RepositoryRoot;

    [Fact]
    public void SampleInputs_RegeneratedByTheGenerator_AreByteIdenticalToTheCommittedOnes()
    {
        string committed = Path.Combine(RepositoryRoot(), "sample-reports", "inputs");
        string fresh = Directory.CreateTempSubdirectory("pcapviz-samples-").FullName;
        try
        {
            SampleCaptures.WriteAll(fresh);
            AssertSameTree(committed, fresh, "sample-reports/inputs");
        }
        finally
        {
            Directory.Delete(fresh, recursive: true);
        }
    }

    [Fact]
    public void SampleBundle_RegeneratedFromTheCommittedInputs_IsByteIdenticalToTheCommittedOne()
    {
        string root = RepositoryRoot();
        string output = Directory.CreateTempSubdirectory("pcapviz-sample-bundle-").FullName;
        try
        {
            // Run the real command line as a separate process from the repository root, exactly as
            // regenerate.sh does, so the recorded input root ("sample-reports/inputs") is the same.
            string bundle = Path.Combine(output, "bundle");
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = root,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "pcapviz.dll"));
            foreach (string a in new[] { "report", "sample-reports/inputs", "-o", bundle, "--quiet" }) start.ArgumentList.Add(a);
            start.Environment["SOURCE_DATE_EPOCH"] = SourceDateEpoch;
            using var process = Process.Start(start)!;
            string stderr = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), "pcapviz did not finish in 3 minutes");
            Assert.True(process.ExitCode == 0, $"pcapviz exited {process.ExitCode}: {stderr}");
            AssertSameTree(Path.Combine(root, "sample-reports", "bundle"), bundle, "sample-reports/bundle");
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    private static void AssertSameTree(string expected, string actual, string label)
    {
        static List<string> Files(string dir) => Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dir, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal).ToList();
        var expectedFiles = Files(expected);
        var actualFiles = Files(actual);
        Assert.True(expectedFiles.SequenceEqual(actualFiles),
            $"{label} is out of date (run sample-reports/regenerate.sh): files differ.\ncommitted: {string.Join(", ", expectedFiles)}\nfresh:     {string.Join(", ", actualFiles)}");
        var differing = expectedFiles.Where(f => !SameContent(f, Path.Combine(expected, f), Path.Combine(actual, f))).ToList();
        Assert.True(differing.Count == 0, $"{label} is out of date (run sample-reports/regenerate.sh): {string.Join(", ", differing)} differ.");
    }

    /// <summary>
    /// Bytes must match, except where bytes depend on the PDF library's version rather than on PcapViz: a PDF is
    /// compared by its page count and the text of each page, and manifest.json with the size and SHA-256 of its
    /// PDFs left out (everything else in it, hashes of every other file included, must match byte for byte).
    /// </summary>
    private static bool SameContent(string relativePath, string expectedPath, string actualPath)
    {
        if (relativePath.EndsWith(".pdf", StringComparison.Ordinal))
            return PdfText(expectedPath).SequenceEqual(PdfText(actualPath));
        if (relativePath == "manifest.json")
            return ManifestWithoutPdfHashes(expectedPath) == ManifestWithoutPdfHashes(actualPath);
        return File.ReadAllBytes(expectedPath).AsSpan().SequenceEqual(File.ReadAllBytes(actualPath));
    }

    private static List<string> PdfText(string path)
    {
        using var document = UglyToad.PdfPig.PdfDocument.Open(path);
        return document.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))).ToList();
    }

    private static string ManifestWithoutPdfHashes(string path)
    {
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllBytes(path))!.AsObject();
        foreach (var output in manifest["outputs"]?.AsArray() ?? [])
        {
            if (output is System.Text.Json.Nodes.JsonObject file &&
                file["path"]?.GetValue<string>().EndsWith(".pdf", StringComparison.Ordinal) == true)
            {
                file.Remove("sizeBytes");
                file.Remove("sha256");
            }
        }
        return manifest.ToJsonString();
    }
}
