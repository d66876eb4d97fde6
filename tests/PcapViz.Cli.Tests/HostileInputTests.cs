using System.Runtime.InteropServices;
using System.Text;

namespace PcapViz.Tests;

/// <summary>`pcapviz report` against what an input directory or the command line can really hold.</summary>
public sealed class HostileInputTests
{
    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MkFifo(byte[] path, uint mode);

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData("--include", "[z-a]", "reversed")]
    [InlineData("--exclude", "[]", "empty")]
    public void Report_InvalidGlob_UsageErrorNamingThePattern(string option, string pattern, string fault)
    {
        using var t = new TempDir();
        Captures.Samples(t.Dir("in"));
        var r = Cli.Run("report", t["in"], "-o", t["out"], option, pattern);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains($"{option}: glob '{pattern}'", r.Stderr, StringComparison.Ordinal);
        Assert.Contains(fault, r.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(t["out"]));
    }

    [Fact]
    public async Task Report_GlobWithManyStarsAgainstLongNames_Finishes()
    {
        using var t = new TempDir();
        string input = t.Dir("in");
        Captures.Tiny(Path.Combine(input, new string('a', 250)));
        Captures.Tiny(Path.Combine(input, "capture-aaaaaaab"), seed: 1);
        var r = await Cli.RunWithin(Bound, "report", input, "-o", t["out"], "--format", "json", "--include", "*a*a*a*a*a*a*a*b");
        Assert.True(r.ExitCode == 0, r.ToString());
        var path = Assert.Single(Bundle.Manifest(t["out"]).GetProperty("inputs").EnumerateArray()).GetProperty("path").GetString();
        Assert.Equal("capture-aaaaaaab", path);
    }

    [Fact]
    public async Task Report_DevZeroGivenDirectly_ErrorInsteadOfReadingForEver()
    {
        using var t = new TempDir();
        var r = await Cli.RunWithin(Bound, "report", "/dev/zero", "-o", t["out"], "--format", "json");
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("'/dev/zero' is a character device, not a regular file", r.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(t["out"]));
    }

    [Fact]
    public async Task Report_FifoGivenDirectly_ErrorInsteadOfBlocking()
    {
        using var t = new TempDir();
        string fifo = t["pipe.pcap"];
        Assert.Equal(0, MkFifo(Encoding.UTF8.GetBytes(fifo + "\0"), Convert.ToUInt32("644", 8)));
        var r = await Cli.RunWithin(Bound, "report", fifo, "-o", t["out"], "--format", "json");
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("FIFO", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_FifoInInputDirectory_SkippedWithNoteAndRunCompletes()
    {
        using var t = new TempDir();
        string input = t.Dir("in");
        Captures.Tiny(Path.Combine(input, "a.pcap"));
        Assert.Equal(0, MkFifo(Encoding.UTF8.GetBytes(Path.Combine(input, "live.pcap") + "\0"), Convert.ToUInt32("644", 8)));
        var r = await Cli.RunWithin(Bound, "report", input, "-o", t["out"], "--format", "json");
        Assert.True(r.ExitCode == 0, r.ToString());
        var skipped = Assert.Single(Bundle.Manifest(t["out"]).GetProperty("skipped").EnumerateArray());
        Assert.Equal("live.pcap", skipped.GetProperty("path").GetString());
        Assert.Contains("FIFO", skipped.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Report_SymlinkToCapture_ReadAsTargetAndManifestRecordsLinkAndTarget()
    {
        using var t = new TempDir();
        string input = t.Dir("in");
        Directory.CreateDirectory(Path.Combine(input, "real"));
        Captures.Tiny(Path.Combine(input, "real", "x.pcap"), packets: 5);
        File.CreateSymbolicLink(Path.Combine(input, "link.pcap"), Path.Combine(input, "real", "x.pcap"));
        var r = Cli.Run("report", input, "-o", t["out"], "--format", "json");
        Assert.True(r.ExitCode == 0, r.ToString());
        var link = Bundle.Manifest(t["out"]).GetProperty("inputs").EnumerateArray().Single(i => i.GetProperty("path").GetString() == "link.pcap");
        Assert.Equal("real/x.pcap", link.GetProperty("linkTarget").GetString());
        Assert.Equal(new FileInfo(Path.Combine(input, "real", "x.pcap")).Length, link.GetProperty("sizeBytes").GetInt64());
        Assert.Equal(5, link.GetProperty("packets").GetInt64());
        Assert.Equal("ok", link.GetProperty("status").GetString());
    }

    [Fact]
    public void Report_SymlinkLeavingInputRoot_SkippedUnlessFollowExternalLinks()
    {
        using var t = new TempDir();
        Captures.Tiny(t["elsewhere.pcap"], packets: 2);
        string input = t.Dir("in");
        Captures.Tiny(Path.Combine(input, "a.pcap"));
        File.CreateSymbolicLink(Path.Combine(input, "out.pcap"), t["elsewhere.pcap"]);

        var strict = Cli.Run("report", input, "-o", t["strict"], "--format", "json");
        Assert.True(strict.ExitCode == 0, strict.ToString());
        var manifest = Bundle.Manifest(t["strict"]);
        Assert.Equal(["a.pcap"], manifest.GetProperty("inputs").EnumerateArray().Select(i => i.GetProperty("path").GetString()));
        Assert.Contains("outside the input root", manifest.GetProperty("skipped").EnumerateArray().Single().GetProperty("reason").GetString(), StringComparison.Ordinal);

        var allowed = Cli.Run("report", input, "-o", t["allowed"], "--format", "json", "--follow-external-links");
        Assert.True(allowed.ExitCode == 0, allowed.ToString());
        var link = Bundle.Manifest(t["allowed"]).GetProperty("inputs").EnumerateArray().Single(i => i.GetProperty("path").GetString() == "out.pcap");
        Assert.Equal(Path.GetFullPath(t["elsewhere.pcap"]), link.GetProperty("linkTarget").GetString());
        Assert.Equal(2, link.GetProperty("packets").GetInt64());
    }

    [Fact]
    public void Report_NameNotValidUtf8BesideDecoy_ReportedAsErrorNotHidden()
    {
        using var t = new TempDir();
        string input = t.Dir("in");
        // The real capture is "x\xff.pcap"; the decoy "x\uFFFD.pcap" is how .NET decodes that name.
        string real = Path.Combine(input, "tmp.pcap");
        Captures.Tiny(real, packets: 3);
        byte[] rawName = [.. Encoding.UTF8.GetBytes(input + "/x"), 0xFF, .. ".pcap"u8, 0];
        Assert.Equal(0, Rename(Encoding.UTF8.GetBytes(real + "\0"), rawName));
        Captures.Tiny(Path.Combine(input, "x\uFFFD.pcap"), seed: 9);

        var r = Cli.Run("report", input, "-o", t["out"], "--format", "json");

        Assert.True(r.ExitCode == 2, r.ToString());
        var manifest = Bundle.Manifest(t["out"]);
        Assert.Equal(["x\uFFFD.pcap"], manifest.GetProperty("inputs").EnumerateArray().Select(i => i.GetProperty("path").GetString()));
        var skipped = Assert.Single(manifest.GetProperty("skipped").EnumerateArray());
        Assert.Equal("x\\xff.pcap", skipped.GetProperty("path").GetString());
        Assert.Contains("not valid UTF-8", skipped.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("x\\xff.pcap", r.Stderr, StringComparison.Ordinal);
    }

    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int Rename(byte[] from, byte[] to);

    [Fact]
    public async Task Report_TemplateWithEndlessLoop_StopsWithMessageNamingTheTemplate()
    {
        using var t = new TempDir();
        string input = t.Dir("in");
        Captures.Tiny(Path.Combine(input, "a.pcap"));
        string templates = t.Dir("templates");
        File.WriteAllText(Path.Combine(templates, "capture.html"), "{{ while true }}x{{ end }}");
        var r = await Cli.RunWithin(Bound, "report", input, "-o", t["out"], "--format", "html", "--templates", templates);
        Assert.Contains("Template 'capture.html'", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("iteration limit", r.Stderr, StringComparison.Ordinal);
    }
}
