using System.Text;
using PcapViz.Export;
using PcapViz.Bundle;

namespace PcapViz.Tests;

/// <summary>The bundle transaction that report, merge and shards write through: check, stage, commit or roll back.</summary>
public sealed class BundleTransactionTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pcapviz-tx-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Target => Path.Combine(_root, "out");

    private static void WriteText(IOutputSink sink, string path, string text)
    {
        using var s = sink.Create(path);
        s.Write(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>A minimal PcapViz manifest listing every file with its hash.</summary>
    private static void Manifest(Stream stream, IReadOnlyList<OutputFile> files)
    {
        var sb = new StringBuilder("""{ "tool": { "name": "pcapviz", "version": "t" }, "outputs": [""");
        sb.AppendJoin(", ", files.Select(f => $$"""{ "path": "{{f.Path}}", "sizeBytes": {{f.SizeBytes}}, "sha256": "{{f.Sha256}}" }"""));
        sb.Append("] }");
        stream.Write(Encoding.UTF8.GetBytes(sb.ToString()));
    }

    private void Commit(params (string Path, string Text)[] files)
    {
        using var tx = BundleTransaction.TryBegin(Target, out string? error) ?? throw new InvalidOperationException(error);
        foreach (var (path, text) in files) WriteText(tx.Staging, path, text);
        tx.Commit(Manifest);
    }

    private string[] Entries() => Directory.EnumerateFileSystemEntries(_root, "*", SearchOption.AllDirectories)
        .Select(e => Path.GetRelativePath(_root, e).Replace('\\', '/')).Where(e => !e.EndsWith(".lock", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void Commit_ReplacesThePreviousBundle_WithTheStagedFilesAndTheirManifest()
    {
        Commit(("index.html", "one"), ("captures/a/x.csv", "a"));
        Commit(("index.html", "two"));

        Assert.Equal(["out", "out/index.html", "out/manifest.json"], Entries());
        Assert.Equal("two", File.ReadAllText(Path.Combine(Target, "index.html")));
        var manifest = ManifestReader.TryLoad(Path.Combine(Target, "manifest.json"), out _, out string? error);
        Assert.Null(error);
        Assert.Equal(["index.html"], manifest!.Outputs.Select(o => o.Path));
    }

    [Fact]
    public void DisposeWithoutCommit_LeavesThePreviousBundleAndRemovesStaging()
    {
        Commit(("index.html", "one"));
        using (var tx = BundleTransaction.TryBegin(Target, out _)!)
        {
            WriteText(tx.Staging, "index.html", "half");
            Assert.True(Directory.Exists(tx.StagingDirectory));
            Assert.NotNull(tx.Previous);
        }
        Assert.Equal(["out", "out/index.html", "out/manifest.json"], Entries());
        Assert.Equal("one", File.ReadAllText(Path.Combine(Target, "index.html")));
    }

    [Fact]
    public void Commit_AfterAFailedWrite_ThrowsNamingIt_AndThePreviousBundleStays()
    {
        Commit(("index.html", "one"));
        using (var tx = BundleTransaction.TryBegin(Target, out _)!)
        {
            WriteText(tx.Staging, "assets", "a file where a directory is needed next");
            Assert.ThrowsAny<IOException>(() => WriteText(tx.Staging, "assets/plotly.js", "x"));
            var ex = Assert.Throws<BundleException>(() => tx.Commit(Manifest));
            Assert.Contains("assets/plotly.js", ex.Message, StringComparison.Ordinal);
        }
        Assert.Equal("one", File.ReadAllText(Path.Combine(Target, "index.html")));
        Assert.Equal(["out", "out/index.html", "out/manifest.json"], Entries());
    }

    [Fact]
    public void TryBegin_ForeignOrUnlistedContent_IsRefusedAndUntouched()
    {
        Directory.CreateDirectory(Target);
        File.WriteAllText(Path.Combine(Target, "thesis.tex"), "mine");
        Assert.Null(BundleTransaction.TryBegin(Target, out string? noManifest));
        Assert.Contains("holds no manifest.json", noManifest, StringComparison.Ordinal);

        File.Delete(Path.Combine(Target, "thesis.tex"));
        Commit(("index.html", "one"));
        Directory.CreateDirectory(Path.Combine(Target, "cache"));
        File.WriteAllText(Path.Combine(Target, "cache", "x.json"), "{}");
        using (var ours = BundleTransaction.TryBegin(Target, out string? cacheError))
            Assert.True(ours is not null, cacheError); // cache/*.json is ours even when unlisted

        File.WriteAllText(Path.Combine(Target, "notes.txt"), "an analyst's notes");
        Assert.Null(BundleTransaction.TryBegin(Target, out string? unlisted));
        Assert.Contains("'notes.txt'", unlisted, StringComparison.Ordinal);
        Assert.Equal("an analyst's notes", File.ReadAllText(Path.Combine(Target, "notes.txt")));
        Assert.Equal("one", File.ReadAllText(Path.Combine(Target, "index.html")));
    }

    [Fact]
    public void Scopes_DiscardOnlyTheirOwnFiles()
    {
        var sink = new DirectorySink(_root);
        var kept = sink.Scope();
        var dropped = sink.Scope();
        WriteText(kept, "a.txt", "a");
        WriteText(dropped, "b.txt", "b");
        WriteText(kept, "c.txt", "c");
        dropped.Discard();
        Assert.Equal(["a.txt", "c.txt"], sink.Files.Select(f => f.Path));
        Assert.Equal(["a.txt", "c.txt"], Directory.GetFiles(_root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
