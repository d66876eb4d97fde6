namespace PcapViz.Tests;

/// <summary>
/// Issue 15, the CLI: unknown options and commands named with the closest valid one, problems found before reading
/// reported before it, counts with the noun in the right number, the render phase in the log lines and a final line
/// that names the files needing a look.
/// </summary>
public sealed class CliMessageTests : IDisposable
{
    private readonly TempDir _t = new();

    public void Dispose() => _t.Dispose();

    private string Inputs(int captures)
    {
        string dir = _t.Dir("in");
        for (int i = 0; i < captures; i++) Captures.Tiny(Path.Combine(dir, $"c{i}.pcap"), seed: i + 1, packets: 3);
        return dir;
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>A log line without its timestamp: "info rendering 2 captures".</summary>
    private static string[] LogLines(string stderr) =>
        Lines(stderr).Select(l => l.Length > 21 && l[20] == ' ' ? l[21..] : l).ToArray();

    [Fact]
    public void Report_MistypedOption_IsNamedWithTheClosestOneBeforeAnythingRuns()
    {
        string input = Inputs(1);
        string output = _t["out"];

        var r = Cli.Run("report", input, "--outptu", output);

        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Equal(["pcapviz: `--outptu`: unknown option; did you mean `--output`?", "Run 'pcapviz report --help' for the options."], Lines(r.Stderr));
        Assert.False(Path.Exists(output));
    }

    [Fact]
    public void Report_SeveralUnknownOptions_EachIsNamedAtOnce()
    {
        string input = Inputs(1);

        var r = Cli.Run("report", input, "-o", _t["out"], "--formt=json", "--incr", "--zzzzzz", "-x");

        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Equal(
        [
            "pcapviz: `--formt`: unknown option; did you mean `--format`?",
            "pcapviz: `--incr`: unknown option; did you mean `--incremental`?",
            "pcapviz: `--zzzzzz`: unknown option.",
            "pcapviz: `-x`: unknown option.",
            "Run 'pcapviz report --help' for the options.",
        ], Lines(r.Stderr));
    }

    [Fact]
    public void Report_MistypedOptionValues_AreNamedWithTheClosestValidOne()
    {
        string input = Inputs(1);

        var r = Cli.Run("report", input, "-o", _t["out"], "--format", "html,jsn", "--paper", "leter", "--timezone", "Europe/Berln", "--fail-on", "nothing");

        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Equal(
        [
            "pcapviz: --timezone: 'Europe/Berln' is not a known IANA time zone; did you mean `Europe/Berlin`?",
            "pcapviz: --format: 'jsn' is not one of html, pdf, json, csv, stix, misp, all; did you mean `json`?",
            "pcapviz: --paper: 'leter' is neither a4 nor letter; did you mean `letter`?",
            "pcapviz: --fail-on: 'nothing' is not error, warning, never, watchlist or beacon.",
            "Run 'pcapviz report --help' for the options.",
        ], Lines(r.Stderr));
    }

    [Fact]
    public void UnknownCommand_IsNamedWithTheClosestOne()
    {
        var report = Cli.Run("reprot", _t["in"], "-o", _t["out"]);
        Assert.True(report.ExitCode == 1, report.ToString());
        Assert.Equal(["pcapviz: `reprot`: unknown command; did you mean `report`?", "Run 'pcapviz --help' for the options."], Lines(report.Stderr));

        var history = Cli.Run("history", "shwo", _t["db"]);
        Assert.True(history.ExitCode == 1, history.ToString());
        Assert.Equal(["pcapviz: `shwo`: unknown command; did you mean `show`?", "Run 'pcapviz history --help' for the options."], Lines(history.Stderr));

        var far = Cli.Run("frobnicate");
        Assert.True(far.ExitCode == 1, far.ToString());
        Assert.Equal("pcapviz: `frobnicate`: unknown command.", Lines(far.Stderr)[0]);
    }

    [Fact]
    public void Report_InputNamedLikeAnOptionAfterDoubleDash_IsRead()
    {
        string dir = _t.Dir("odd");
        Captures.Tiny(Path.Combine(dir, "-x.pcap"), seed: 1);
        string previous = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(dir);
        try
        {
            var r = Cli.Run("report", "-o", _t["out"], "--format", "json", "--", "-x.pcap");
            Assert.True(r.ExitCode == 0, r.ToString());
        }
        finally
        {
            Directory.SetCurrentDirectory(previous);
        }
    }

    [Fact]
    public void Report_OneAndTwoCaptures_CountsTakeTheNounInTheRightNumber()
    {
        string one = _t.Dir("one");
        Captures.Tiny(Path.Combine(one, "a.pcap"), seed: 1, packets: 1);
        var r1 = Cli.Run("report", one, "-o", _t["out1"], "--format", "json");
        Assert.True(r1.ExitCode == 0, r1.ToString());
        Assert.Equal($"Wrote {_t["out1"]}: 1 capture (1 ok, 0 partial, 0 failed), 1 packet, 0 files skipped.", Lines(r1.Stdout).Single());
        Assert.StartsWith("info 1 capture, ", LogLines(r1.Stderr)[0], StringComparison.Ordinal);

        string two = _t.Dir("two");
        Captures.Tiny(Path.Combine(two, "a.pcap"), seed: 1, packets: 1);
        Captures.Tiny(Path.Combine(two, "b.pcap"), seed: 2, packets: 1);
        File.WriteAllText(Path.Combine(two, "notes.txt"), "not a capture");
        var r2 = Cli.Run("report", two, "-o", _t["out2"], "--format", "json");
        Assert.True(r2.ExitCode == 0, r2.ToString());
        Assert.Equal($"Wrote {_t["out2"]}: 2 captures (2 ok, 0 partial, 0 failed), 2 packets, 1 file skipped.", Lines(r2.Stdout)[0]);
        Assert.StartsWith("info 2 captures, ", LogLines(r2.Stderr)[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Report_FailedAndSkippedFiles_TheFinalLineNamesThem()
    {
        string input = Inputs(2);
        File.WriteAllBytes(Path.Combine(input, "bad.pcap"), [0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00]); // pcap magic, header cut short
        File.WriteAllText(Path.Combine(input, "notes.txt"), "not a capture");

        var r = Cli.Run("report", input, "-o", _t["out"], "--format", "json");

        Assert.True(r.ExitCode == 2, r.ToString());
        var stdout = Lines(r.Stdout);
        Assert.Equal($"Wrote {_t["out"]}: 3 captures (2 ok, 0 partial, 1 failed), 6 packets, 1 file skipped.", stdout[0]);
        Assert.Equal("Failed: bad.pcap. Skipped: notes.txt.", stdout[^1]);
    }

    [Fact]
    public void Report_ManyFailedFiles_TheFinalLineNamesAFewAndSaysWhereTheRestAre()
    {
        string input = Inputs(1);
        foreach (char c in "abcde")
            File.WriteAllBytes(Path.Combine(input, $"bad-{c}.pcap"), [0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00]);

        var r = Cli.Run("report", input, "-o", _t["out"], "--format", "json,html");

        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Equal($"Failed: bad-a.pcap, bad-b.pcap, bad-c.pcap and 2 more (every one is listed in {_t["out"]}/index.html and {_t["out"]}/manifest.json).",
            Lines(r.Stdout)[^1]);
    }

    [Fact]
    public void Report_NotATerminal_TheRenderPhaseAppearsAsLogLinesAfterReading()
    {
        string input = Inputs(2);

        var r = Cli.Run("report", input, "-o", _t["out"], "--format", "json,html");

        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = LogLines(r.Stderr);
        int read = Array.FindIndex(lines, l => l.StartsWith("info [2/2] ", StringComparison.Ordinal));
        Assert.True(read >= 0, r.ToString());
        Assert.Equal(["info rendering 2 captures", "info rendered 1/2 captures", "info rendered 2/2 captures", "info rendering the run's files"], lines[(read + 1)..(read + 5)]);
        Assert.Matches(@"^info rendering done in \d+\.\d s$", lines[read + 5]);
        Assert.Equal(read + 6, lines.Length);

        var quiet = Cli.Run("report", input, "-o", _t["out"], "--format", "json,html", "-q");
        Assert.True(quiet.ExitCode == 0, quiet.ToString());
        Assert.Equal("", quiet.Stderr);
        Assert.Equal("", quiet.Stdout);
    }

    [Fact]
    public void Report_VerboseNotATerminal_EveryRenderedCaptureIsALogLine()
    {
        string input = Inputs(3);

        var r = Cli.Run("report", input, "-o", _t["out"], "--format", "json", "-v");

        Assert.True(r.ExitCode == 0, r.ToString());
        var rendered = LogLines(r.Stderr).Where(l => l.StartsWith("info rendered ", StringComparison.Ordinal)).ToList();
        // Rendered in parallel: the counts are in order, the captures in any order.
        Assert.Equal(["1/3", "2/3", "3/3"], rendered.Select(l => l.Split(' ')[2].TrimEnd(':')));
        Assert.Equal(["c0.pcap", "c1.pcap", "c2.pcap"], rendered.Select(l => l.Split(' ')[3]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Report_OutputBelowAFile_RefusedBeforeReadingWithTheOtherProblemsAtOnce()
    {
        string input = Inputs(1);
        string file = _t["file.txt"];
        File.WriteAllText(file, "a file");

        var r = Cli.Run("report", input, _t["missing.pcap"], "-o", Path.Combine(file, "sub", "out"), "--top", "0");

        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Equal(
        [
            $"pcapviz: input '{_t["missing.pcap"]}' does not exist.",
            $"pcapviz: Cannot create the directory '{Path.Combine(file, "sub")}' for the output: '{file}' is a file, not a directory.",
            "pcapviz: --top: 0 is outside 1..1000.",
            "Run 'pcapviz report --help' for the options.",
        ], Lines(r.Stderr));
        Assert.Equal("a file", File.ReadAllText(file));
    }

    [Fact]
    public void Report_OutputIsAFile_RefusedBeforeReading()
    {
        string input = Inputs(1);
        string file = _t["file.txt"];
        File.WriteAllText(file, "a file");

        var r = Cli.Run("report", input, "-o", file);

        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Equal([$"pcapviz: The output '{file}' exists and is not a directory: it is not replaced.", "Run 'pcapviz report --help' for the options."], Lines(r.Stderr));
        Assert.Equal("a file", File.ReadAllText(file));
    }

    [Fact]
    public void Report_MissingParentDirectories_AreCreated()
    {
        string input = Inputs(1);
        string output = Path.Combine(_t.Root, "a", "b", "out");

        var r = Cli.Run("report", input, "-o", output, "--format", "json");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(File.Exists(Path.Combine(output, "manifest.json")));
    }

    [Fact]
    public void Report_BadBeaconIgnoreLine_IsAUsageErrorNamingFileAndLine_BeforeAnythingRuns()
    {
        string input = Inputs(1);
        string output = _t["out"];
        string list = Path.Combine(_t.Dir("lists"), "site.ignore");
        File.WriteAllText(list, "# ours\nudp/123\ntcp/443@10.0.0.0/8\ntcp/https\n");

        var r = Cli.Run("report", input, "-o", output, "--beacon-ignore", list, "--beacon-ignore-defaults", "maybe");

        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains($"--beacon-ignore: {list}, line 4: 'tcp/https' is not a rule", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("--beacon-ignore-defaults: 'maybe' is neither on nor off.", r.Stderr, StringComparison.Ordinal);
        Assert.False(Path.Exists(output));
    }

    [Fact]
    public void Report_BeaconIgnore_IsRecordedInTheManifestAndNotTakenWithPlan()
    {
        string input = Inputs(1);
        string list = Path.Combine(_t.Dir("lists"), "site.ignore");
        File.WriteAllText(list, "udp/4500\n");
        var r = Cli.Run("report", input, "-o", _t["out"], "-q", "--format", "json", "--beacon-ignore", list, "--beacon-ignore-defaults", "off");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("\"defaults=off;rules=1;sha256=", File.ReadAllText(Path.Combine(_t["out"], "manifest.json")), StringComparison.Ordinal);

        var shard = Cli.Run("report", "--plan", Path.Combine(_t.Root, "no-plan.json"), "-o", _t["shard"], "--beacon-ignore", list);
        Assert.True(shard.ExitCode == 1, shard.ToString());
        Assert.Contains("--beacon-ignore and --beacon-ignore-defaults do not apply to a shard", shard.Stderr, StringComparison.Ordinal);
    }
}
