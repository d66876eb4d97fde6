using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using PcapViz.Discovery;

namespace PcapViz.Tests;

public sealed class PipelineTests
{
    private static readonly byte[] PcapFile = Kit.Pcap(w => w.Write(Kit.Jan2024Nanos, new byte[60]));
    private static readonly byte[] PcapNgFile = Kit.PcapNg(w => w.AddInterface(1));

    private static TempDirectory Tree()
    {
        var t = new TempDirectory();
        t.File("b.pcap", PcapFile);
        t.File("a.pcap", PcapFile);
        t.File("Z.pcap", PcapFile);
        t.File("notes.txt", Encoding.ASCII.GetBytes("not a capture, just notes\n"));
        t.File("empty.pcap", []);
        t.File("sub/c.pcapng", PcapNgFile);
        t.File("sub/deep/d.pcap.gz", Kit.Pcap(w => w.Write(Kit.Jan2024Nanos, new byte[60]), gzip: true));
        t.File("sub/deep/e.bin", Kit.Bytes(0x28, 0xB5, 0x2F, 0xFD, 1, 2, 3, 4));
        var gzText = new MemoryStream();
        using (var gz = new GZipStream(gzText, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(Encoding.ASCII.GetBytes("hello text inside gzip"));
        t.File("sub/log.gz", gzText.ToArray());
        return t;
    }

    [Fact]
    public void Discover_Directory_FilesBeforeSubdirectoriesInOrdinalOrder()
    {
        using var t = Tree();
        var result = new InputDiscovery([], []).Discover([t.Path]);
        Assert.Empty(result.Errors);
        Assert.Equal(["Z.pcap", "a.pcap", "b.pcap", "sub/c.pcapng", "sub/deep/d.pcap.gz"], result.Inputs.Select(i => i.RelativePath));
        Assert.All(result.Inputs, i => Assert.True(Path.IsPathRooted(i.FullPath)));
        Assert.Equal(PcapFile.Length, result.Inputs[0].SizeBytes);
    }

    [Fact]
    public void Discover_NonCaptureFiles_SkippedWithReason()
    {
        using var t = Tree();
        var skipped = new InputDiscovery([], []).Discover([t.Path]).Skipped.ToDictionary(s => s.Path, s => s.Reason);
        Assert.Contains("text", skipped["notes.txt"]);
        Assert.Contains("empty", skipped["empty.pcap"]);
        Assert.Contains("zstd", skipped["sub/deep/e.bin"]);
        Assert.Contains("gzip", skipped["sub/log.gz"]);
        Assert.Contains("text", skipped["sub/log.gz"]);
    }

    [Theory]
    [InlineData(new[] { "*.pcapng" }, new string[0], new[] { "sub/c.pcapng" })]
    [InlineData(new[] { "**/*.gz" }, new string[0], new[] { "sub/deep/d.pcap.gz" })]
    [InlineData(new[] { "sub/**" }, new string[0], new[] { "sub/c.pcapng", "sub/deep/d.pcap.gz" })]
    [InlineData(new[] { "sub/**/d.pcap.gz" }, new string[0], new[] { "sub/deep/d.pcap.gz" })]
    [InlineData(new string[0], new[] { "sub/**" }, new[] { "Z.pcap", "a.pcap", "b.pcap" })]
    [InlineData(new string[0], new[] { "[ab].pcap", "**/deep/**" }, new[] { "Z.pcap", "sub/c.pcapng" })]
    [InlineData(new[] { "?.pcap" }, new[] { "Z.*" }, new[] { "a.pcap", "b.pcap" })]
    public void Discover_IncludeExcludeGlobs_Filter(string[] includes, string[] excludes, string[] expected)
    {
        using var t = Tree();
        var result = new InputDiscovery(includes, excludes).Discover([t.Path]);
        Assert.Equal(expected, result.Inputs.Select(i => i.RelativePath));
    }

    [Fact]
    public void Glob_DoubleStarSpansDirectoriesSingleStarDoesNot()
    {
        Assert.True(Glob.Parse("a/**/x.pcap").IsMatch("a/b/c/x.pcap"));
        Assert.True(Glob.Parse("a/**/x.pcap").IsMatch("a/x.pcap"));
        Assert.False(Glob.Parse("a/*/x.pcap").IsMatch("a/b/c/x.pcap"));
        Assert.False(Glob.Parse("*.pcap").IsMatch("sub/x.pcap"));
        Assert.False(Glob.Parse("x.pcap").IsMatch("xapcap")); // '.' is literal
    }

    [Fact]
    public void Discover_SymlinkedDirectoryLoop_NotFollowed()
    {
        using var t = Tree();
        string link = Path.Combine(t.Path, "sub", "loop");
        try
        {
            Directory.CreateSymbolicLink(link, t.Path);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException or PlatformNotSupportedException)
        {
            Assert.Skip($"symbolic links cannot be created here: {ex.Message}");
        }
        var result = new InputDiscovery([], []).Discover([t.Path]);
        Assert.Equal(["Z.pcap", "a.pcap", "b.pcap", "sub/c.pcapng", "sub/deep/d.pcap.gz"], result.Inputs.Select(i => i.RelativePath));
        var skip = Assert.Single(result.Skipped, s => s.Path == "sub/loop/");
        Assert.Contains("symbolic link", skip.Reason);
    }

    [Fact]
    public void Discover_SymlinkToFile_Read()
    {
        using var t = Tree();
        string link = Path.Combine(t.Path, "sub", "link.pcap");
        try
        {
            File.CreateSymbolicLink(link, Path.Combine(t.Path, "a.pcap"));
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException or PlatformNotSupportedException)
        {
            Assert.Skip($"symbolic links cannot be created here: {ex.Message}");
        }
        var result = new InputDiscovery([], []).Discover([t.Path]);
        Assert.Contains(result.Inputs, i => i.RelativePath == "sub/link.pcap");
    }

    [Fact]
    public void Discover_MissingInput_Error()
    {
        using var t = new TempDirectory();
        var result = new InputDiscovery([], []).Discover([Path.Combine(t.Path, "nope")]);
        Assert.Empty(result.Inputs);
        Assert.Contains("nope", Assert.Single(result.Errors));
    }

    [Fact]
    public void Discover_FileGivenDirectly_RelativePathIsItsName()
    {
        using var t = Tree();
        var result = new InputDiscovery([], []).Discover([Path.Combine(t.Path, "sub", "c.pcapng")]);
        Assert.Equal("c.pcapng", Assert.Single(result.Inputs).RelativePath);
    }

    [Fact]
    public void CaptureIds_SamePath_StableAcrossRunsAndVersions()
    {
        // Pinned to the id earlier versions gave this path (slug + the first 8 hex of SHA-256("site-a/dns.pcap")): the
        // incremental cache, the history and links into archived bundles rely on it. Comparing two calls in one
        // process, as this test did, could not fail.
        Assert.Equal("site-a-dns-pcap-bfde9f67", CaptureIds.For("site-a/dns.pcap"));
    }

    [Fact]
    public void CaptureIds_Format_SlugPlusFirstEightHexOfSha256()
    {
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("Site A/DNS.pcap")))[..8];
        Assert.Equal("site-a-dns-pcap-" + hash, CaptureIds.For("Site A/DNS.pcap"));
    }

    [Fact]
    public void CaptureIds_PathsWithSameSlug_Differ()
    {
        string[] paths = ["a/b.pcap", "a-b.pcap", "a_b.pcap", "A/B.pcap", "a/b.pcap.gz", "a/b.pcap "];
        var ids = paths.Select(CaptureIds.For).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("C:\\Windows\\con.pcap")]
    [InlineData("a/<b>|c:*?\".pcap")]
    [InlineData("\u202Egnp.exe")]
    [InlineData("日本語/キャプチャ.pcap")]
    [InlineData("...")]
    [InlineData("")]
    public void CaptureIds_HostilePaths_FilesystemSafe(string path)
    {
        string id = CaptureIds.For(path);
        Assert.Matches(new Regex("^[a-z0-9]+(-[a-z0-9]+)*$"), id);
        Assert.InRange(id.Length, 8, 48 + 1 + 8);
        Assert.NotEqual(".", id);
        Assert.NotEqual("..", id);
    }

    [Fact]
    public void CaptureIds_VeryLongPath_Bounded()
    {
        string id = CaptureIds.For(string.Concat(Enumerable.Repeat("directory/", 50)) + "x.pcap");
        Assert.True(id.Length <= 57, id);
    }

    [Theory]
    [InlineData("plain name.pcap", "plain name.pcap")]
    [InlineData("a\u001b[31mred", "a\\u001b[31mred")]
    [InlineData("line\nbreak", "line\\u000abreak")]
    [InlineData("\u202Egnp.exe", "\\u202egnp.exe")]
    [InlineData("x\u2066y\u2069", "x\\u2066y\\u2069")]
    [InlineData("del\u007f", "del\\u007f")]
    [InlineData("c1\u0085", "c1\\u0085")]
    [InlineData("\u202Aembed\u202C", "\\u202aembed\\u202c")] // LRE … PDF (Trojan Source, CVE-2021-42574)
    [InlineData("\u202Bembed", "\\u202bembed")]                    // RLE
    [InlineData("\u2067isolate", "\\u2067isolate")]                // RLI
    [InlineData("para\u2029sep", "para\\u2029sep")]
    public void TerminalSafe_ControlAndBidiCharacters_Escaped(string input, string expected)
    {
        Assert.Equal(expected, Terminal.Safe(input));
    }

    [Fact]
    public void IssueLog_MoreThanTwentyOfOneCode_CappedWithSummary()
    {
        var log = new IssueLog();
        for (int i = 0; i < 25; i++) log.Warn("malformed-ip-header", $"packet {i}", i * 100, i);
        log.Warn("other", "once");
        var list = log.ToList();
        Assert.Equal(20, list.Count(i => i.Code == "malformed-ip-header" && i.PacketIndex is not null));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long?)i), list.Where(i => i.PacketIndex is not null && i.Code == "malformed-ip-header").Select(i => i.PacketIndex));
        var summary = Assert.Single(list, i => i.Code == "malformed-ip-header" && i.PacketIndex is null);
        Assert.Contains("5 more", summary.Message);
        Assert.Contains("25", summary.Message);
        Assert.Equal(IssueSeverity.Warning, summary.Severity);
        Assert.Single(list, i => i.Code == "other");
        Assert.Equal(22, list.Count);
        Assert.False(log.HasErrors);
    }

    [Fact]
    public void IssueLog_Error_SetsHasErrors()
    {
        var log = new IssueLog();
        Assert.False(log.Has("x"));
        log.Error("x", "boom", 1, 2);
        Assert.True(log.HasErrors);
        Assert.True(log.Has("x"));
        Assert.Equal(new CaptureIssue(IssueSeverity.Error, "x", "boom", 1, 2), Assert.Single(log.ToList()));
    }

    [Fact]
    public void IssueLog_ExactlyTwenty_NoSummary()
    {
        var log = new IssueLog();
        for (int i = 0; i < 20; i++) log.Warn("c", "m");
        Assert.Equal(20, log.ToList().Count);
    }
    [Fact]
    public void Discover_SameRelativePathUnderTwoRoots_MadeUniqueAndIdsDiffer()
    {
        using var t = new TempDirectory();
        t.File("site-a/x.pcap", PcapFile);
        t.File("site-b/x.pcap", PcapFile);
        var result = new InputDiscovery([], []).Discover([Path.Combine(t.Path, "site-a"), Path.Combine(t.Path, "site-b")]);
        Assert.Equal(2, result.Inputs.Count);
        Assert.NotEqual(result.Inputs[0].RelativePath, result.Inputs[1].RelativePath);
        Assert.NotEqual(CaptureIds.For(result.Inputs[0].RelativePath), CaptureIds.For(result.Inputs[1].RelativePath));
    }

    [Fact]
    public void Discover_SameRootTwice_EachFileOnce()
    {
        using var t = Tree();
        var result = new InputDiscovery([], []).Discover([t.Path, t.Path, Path.Combine(t.Path, "a.pcap")]);
        Assert.Equal(5, result.Inputs.Count);
    }
}
