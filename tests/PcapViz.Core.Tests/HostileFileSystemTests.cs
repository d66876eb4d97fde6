using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using PcapViz.Discovery;
using PcapViz.Orchestration;

namespace PcapViz.Tests;

/// <summary>Input discovery and reading against what a real (or hostile) file system holds.</summary>
public sealed class HostileFileSystemTests
{
    private static readonly byte[] PcapFile = Kit.Pcap(w => w.Write(Kit.Jan2024Nanos, new byte[60]));

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MkFifo(byte[] path, uint mode);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open(byte[] path, int flags, uint mode);

    [DllImport("libc", EntryPoint = "write", SetLastError = true)]
    private static extern nint Write(int fd, byte[] buffer, nint count);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);

    private static byte[] Z(string path) => Encoding.UTF8.GetBytes(path + "\0");

    private static string Fifo(string path)
    {
        Assert.True(MkFifo(Z(path), Convert.ToUInt32("644", 8)) == 0, $"mkfifo failed: errno {Marshal.GetLastPInvokeError()}");
        return path;
    }

    /// <summary>Creates a file whose name is the given raw bytes (which .NET's string paths cannot express).</summary>
    private static void RawNameFile(string directory, byte[] name, byte[] content)
    {
        byte[] path = [.. Encoding.UTF8.GetBytes(directory + "/"), .. name, 0];
        int fd = Open(path, 0x41 /* O_WRONLY | O_CREAT */, Convert.ToUInt32("644", 8));
        Assert.True(fd >= 0, $"open failed: errno {Marshal.GetLastPInvokeError()}");
        Assert.Equal(content.Length, (int)Write(fd, content, content.Length));
        Assert.Equal(0, Close(fd));
    }

    /// <summary>Discovery on a worker thread: a discovery that opens a FIFO blocks for ever, which fails the test here.</summary>
    private static DiscoveryResult DiscoverWithin(InputDiscovery discovery, params string[] roots)
    {
        var task = Task.Factory.StartNew(() => discovery.Discover(roots), TestContext.Current.CancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Assert.True(task.Wait(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken), "discovery did not finish: it blocked on something it opened");
        return task.Result;
    }

    [Fact]
    public void Discover_FifoAndSocketInDirectory_SkippedWithNoteNeverOpened()
    {
        using var t = new TempDirectory();
        t.File("a.pcap", PcapFile);
        Fifo(Path.Combine(t.Path, "pipe.pcap"));
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(Path.Combine(t.Path, "sock.pcap")));

        var result = DiscoverWithin(new InputDiscovery([], []), t.Path);

        Assert.Empty(result.Errors);
        Assert.Equal(["a.pcap"], result.Inputs.Select(i => i.RelativePath));
        var skipped = result.Skipped.ToDictionary(s => s.Path);
        Assert.Contains("FIFO", skipped["pipe.pcap"].Reason, StringComparison.Ordinal);
        Assert.Contains("not opened", skipped["pipe.pcap"].Reason, StringComparison.Ordinal);
        Assert.Contains("socket", skipped["sock.pcap"].Reason, StringComparison.Ordinal);
        Assert.False(skipped["pipe.pcap"].IsProblem);
    }

    [Fact]
    public void Discover_FifoOrDeviceGivenDirectly_IsAnErrorNamingIt()
    {
        using var t = new TempDirectory();
        string fifo = Fifo(Path.Combine(t.Path, "pipe"));

        var result = DiscoverWithin(new InputDiscovery([], []), fifo, "/dev/zero");

        Assert.Empty(result.Inputs);
        Assert.Equal(2, result.Errors.Count);
        Assert.Contains("FIFO", result.Errors[0], StringComparison.Ordinal);
        Assert.Contains("/dev/zero", result.Errors[1], StringComparison.Ordinal);
        Assert.Contains("character device", result.Errors[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_CharacterDevice_RefusedInsteadOfReadForEver()
    {
        var ex = Assert.Throws<IOException>(() => CaptureAnalyzer.Analyze("/dev/zero", "zero", "zero", new AnalysisOptions(), null, TestContext.Current.CancellationToken));
        Assert.Contains("character device", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Discover_SymlinkToCaptureInsideRoot_ReadAsTargetWithTargetRecorded()
    {
        using var t = new TempDirectory();
        string target = t.File("real/a.pcap", PcapFile);
        File.CreateSymbolicLink(Path.Combine(t.Path, "link.pcap"), target);

        var result = new InputDiscovery([], []).Discover([t.Path]);

        var link = Assert.Single(result.Inputs, i => i.RelativePath == "link.pcap");
        Assert.Equal(PcapFile.Length, link.SizeBytes);
        Assert.Equal("real/a.pcap", link.LinkTarget);
        Assert.Null(Assert.Single(result.Inputs, i => i.RelativePath == "real/a.pcap").LinkTarget);
        var analysed = CaptureAnalyzer.Analyze(link.FullPath, link.RelativePath, "x", new AnalysisOptions(), null, TestContext.Current.CancellationToken);
        Assert.Equal(1, analysed.Summary.Packets);
        Assert.Equal(PcapFile.Length, analysed.Input.SizeBytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(PcapFile)), analysed.Input.Sha256);
        Assert.DoesNotContain(analysed.Issues, i => i.Code == "file-changed");
    }

    [Fact]
    public void Discover_SymlinkLeavingTheRoot_SkippedUnlessAllowed()
    {
        using var outside = new TempDirectory();
        string target = outside.File("secret.pcap", PcapFile);
        using var t = new TempDirectory();
        t.File("a.pcap", PcapFile);
        File.CreateSymbolicLink(Path.Combine(t.Path, "escape.pcap"), target);

        var strict = new InputDiscovery([], []).Discover([t.Path]);
        Assert.Equal(["a.pcap"], strict.Inputs.Select(i => i.RelativePath));
        var skip = Assert.Single(strict.Skipped, s => s.Path == "escape.pcap");
        Assert.Contains("outside the input root", skip.Reason, StringComparison.Ordinal);
        Assert.Contains("--follow-external-links", skip.Reason, StringComparison.Ordinal);

        var allowed = new InputDiscovery([], [], followExternalLinks: true).Discover([t.Path]);
        var escape = Assert.Single(allowed.Inputs, i => i.RelativePath == "escape.pcap");
        Assert.Equal(Path.GetFullPath(target), escape.LinkTarget);
        Assert.Equal(PcapFile.Length, escape.SizeBytes);
    }

    [Fact]
    public void Discover_NameNotValidUtf8BesideDecoy_EachReportedNeverHidden()
    {
        using var t = new TempDirectory();
        // The real capture is called "x\xff.pcap"; the decoy "x\uFFFD.pcap" is what .NET shows for both.
        RawNameFile(t.Path, [(byte)'x', 0xFF, (byte)'.', (byte)'p', (byte)'c', (byte)'a', (byte)'p'], PcapFile);
        t.File("x\uFFFD.pcap", Kit.Pcap(w => { }));

        var result = new InputDiscovery([], []).Discover([t.Path]);

        Assert.Equal(["x\uFFFD.pcap"], result.Inputs.Select(i => i.RelativePath));
        var bad = Assert.Single(result.Skipped);
        Assert.Equal("x\\xff.pcap", bad.Path);
        Assert.True(bad.IsProblem);
        Assert.Contains("not valid UTF-8", bad.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[z-a]", "reversed")]
    [InlineData("[]", "empty")]
    [InlineData("a[!]b", "empty")]
    public void Glob_InvalidPattern_ErrorNamesIt(string pattern, string fault)
    {
        var ex = Assert.Throws<GlobPatternException>(() => Glob.Parse(pattern));
        Assert.Contains($"'{pattern}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(fault, ex.Message, StringComparison.Ordinal);
        Assert.Throws<GlobPatternException>(() => new InputDiscovery([pattern], []));
    }

    [Fact]
    public void Glob_ManyStarsAgainstLongName_Answers()
    {
        // A backtracking matcher takes longer than the age of the universe here; this one is linear in the name.
        var glob = Glob.Parse("*a*a*a*a*a*a*a*b");
        Assert.False(glob.IsMatch(new string('a', 100_000)));
        Assert.True(glob.IsMatch(new string('a', 100_000) + "b"));
    }

    [Theory]
    [InlineData("a/**/x.pcap", "a/x.pcap", true)]
    [InlineData("a/**/x.pcap", "a/b/c/x.pcap", true)]
    [InlineData("a/**/x.pcap", "a/bx.pcap", false)]
    [InlineData("**", "a/b", true)]
    [InlineData("*.pcap", "sub/x.pcap", false)]
    [InlineData("[!a]*.pcap", "b.pcap", true)]
    [InlineData("[!a]*.pcap", "a.pcap", false)]
    [InlineData("[^a-c]", "d", true)]
    [InlineData("[a-c]", "/", false)]
    [InlineData("?", "/", false)]
    [InlineData("x[", "x[", true)]
    [InlineData("site-[0-9][0-9]/*.pcap", "site-07/a.pcap", true)]
    public void Glob_Matches(string pattern, string text, bool expected) => Assert.Equal(expected, Glob.Parse(pattern).IsMatch(text));

    [Fact]
    public void Analyze_CaptureGrowingWhileRead_ReadsAndHashesTheSizeSeenAtOpenAndWarns()
    {
        using var t = new TempDirectory();
        var original = Kit.Pcap(w => { for (int i = 0; i < 3; i++) w.Write(Kit.Jan2024Nanos + i, new byte[60]); });
        string path = t.File("growing.pcap", original);
        // One more complete record (16-byte header + 60 bytes), appended after the file is open: a capture daemon writing.
        var more = Kit.Pcap(w => w.Write(Kit.Jan2024Nanos + 9, new byte[60]))[24..];

        var result = CaptureAnalyzer.Analyze(path, "growing.pcap", "g", new AnalysisOptions(), 1, null,
            () => { using var f = new FileStream(path, FileMode.Append); f.Write(more); }, TestContext.Current.CancellationToken);

        Assert.Equal(original.Length + more.Length, new FileInfo(path).Length);
        Assert.Equal(original.Length, result.Input.SizeBytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(original)), result.Input.Sha256);
        Assert.Equal(3, result.Summary.Packets);
        Assert.Equal(CaptureStatus.Ok, result.Status);
        Assert.DoesNotContain(result.Issues, i => i.Severity == IssueSeverity.Error);
        var warning = Assert.Single(result.Issues, i => i.Code == "file-changed");
        Assert.Contains("still be being written", warning.Message, StringComparison.Ordinal);
    }
}
