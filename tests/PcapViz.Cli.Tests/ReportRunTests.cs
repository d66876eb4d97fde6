using System.Text.Json;
using PcapViz.Cli;

namespace PcapViz.Tests;

/// <summary>End-to-end runs of <c>pcapviz report</c> in-process: determinism, exit codes, options, odd inputs.</summary>
public sealed class ReportRunTests
{
    [Fact]
    public void Report_Jobs1AndJobs4_WriteByteIdenticalBundlesIncludingHtmlAndPdf()
    {
        using var t = new TempDir();
        string input = t.Dir("in");
        Captures.Samples(input);
        var one = Cli.Run("report", input, "-o", t["one"], "--jobs", "1", "-q");
        Assert.True(one.ExitCode == 0, one.ToString());
        var four = Cli.Run("report", input, "-o", t["four"], "--jobs", "4", "-q");
        Assert.True(four.ExitCode == 0, four.ToString());
        var a = Bundle.Snapshot(t["one"]);
        var b = Bundle.Snapshot(t["four"]);
        Assert.Contains("report.pdf", a.Keys);
        Assert.Contains("index.html", a.Keys);
        Assert.Equal(PcapViz.Generator.SampleCaptures.FileNames.Count, a.Keys.Count(k => k.EndsWith("/report.pdf", StringComparison.Ordinal))); // every sample capture
        Bundle.AssertIdentical(a, b);
    }

    [Fact]
    public void Report_CleanSamples_ExitsZeroAndListsEveryCapture()
    {
        using var t = new TempDir();
        string input = t.Dir("in");
        Captures.Samples(input);
        var r = Cli.Run("report", input, "-o", t["out"], "--format", "json,csv");
        Assert.True(r.ExitCode == 0, r.ToString());
        var manifest = Bundle.Manifest(t["out"]);
        Assert.Equal(
            PcapViz.Generator.SampleCaptures.FileNames.Order(StringComparer.Ordinal),
            manifest.GetProperty("inputs").EnumerateArray().Select(i => i.GetProperty("path").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(manifest.GetProperty("inputs").EnumerateArray(), i => Assert.Equal("ok", i.GetProperty("status").GetString()));
    }

    [Fact]
    public void Report_TruncatedCaptureInInputs_ExitsTwoUnlessFailOnNever()
    {
        using var t = new TempDir();
        string input = t.Dir("in");
        Captures.Samples(input);
        byte[] whole = File.ReadAllBytes(Path.Combine(input, "office-lan.pcap"));
        File.WriteAllBytes(Path.Combine(input, "cut.pcap"), whole[..(whole.Length / 2)]);

        var r = Cli.Run("report", input, "-o", t["out"], "--format", "json");
        Assert.True(r.ExitCode == 2, r.ToString());
        var cut = Bundle.Manifest(t["out"]).GetProperty("inputs").EnumerateArray().Single(i => i.GetProperty("path").GetString() == "cut.pcap");
        Assert.Equal("partial", cut.GetProperty("status").GetString());
        Assert.True(cut.GetProperty("errors").GetInt32() > 0);
        Assert.Contains("cut.pcap", r.Stderr, StringComparison.Ordinal);

        var never = Cli.Run("report", input, "-o", t["out"], "--format", "json", "--fail-on", "never");
        Assert.True(never.ExitCode == 0, never.ToString());
    }

    [Fact]
    public void Report_WarningOnlyCapture_ExitsTwoOnlyWithFailOnWarning()
    {
        using var t = new TempDir();
        string input = t.Dir("in");
        Captures.WarningOnly(Path.Combine(input, "odd-fraction.pcap"));

        var byDefault = Cli.Run("report", input, "-o", t["out"], "--format", "json");
        Assert.True(byDefault.ExitCode == 0, byDefault.ToString());
        var entry = Bundle.Manifest(t["out"]).GetProperty("inputs")[0];
        Assert.Equal(0, entry.GetProperty("errors").GetInt32());
        Assert.True(entry.GetProperty("warnings").GetInt32() > 0);

        var strict = Cli.Run("report", input, "-o", t["out"], "--format", "json", "--fail-on", "warning");
        Assert.True(strict.ExitCode == 2, strict.ToString());
    }

    [Fact]
    public void Report_BeaconingHost_ExitsFiveWithFailOnBeaconAndTheHighestCodeWins()
    {
        using var t = new TempDir();
        string input = t.Dir("in");
        PcapViz.Generator.BeaconTraffic.WriteFile(Path.Combine(input, "night.pcap"), PcapViz.Generator.BeaconPattern.Regular, hours: 2);
        File.WriteAllBytes(Path.Combine(input, "cut.pcap"), File.ReadAllBytes(Path.Combine(input, "night.pcap"))[..5000]);

        // Without beacon in the list the cut capture alone decides (2); with it, 5 wins over 2.
        var byDefault = Cli.Run("report", input, "-o", t["out"], "--format", "json");
        Assert.True(byDefault.ExitCode == 2, byDefault.ToString());
        var both = Cli.Run("report", input, "-o", t["out"], "--format", "json", "--fail-on", "error,beacon");
        Assert.True(both.ExitCode == 5, both.ToString());
        Assert.Equal("error,beacon", Bundle.Manifest(t["out"]).GetProperty("options").GetProperty("failOn").GetString());
        var never = Cli.Run("report", input, "-o", t["out"], "--format", "json", "--fail-on", "never");
        Assert.True(never.ExitCode == 0, never.ToString());

        var mixed = Cli.Run("report", input, "-o", t["bad"], "--format", "json", "--fail-on", "never,beacon");
        Assert.True(mixed.ExitCode == 1, mixed.ToString());
        Assert.Contains("--fail-on: never cannot be combined with other values.", mixed.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_SeveralInvalidOptions_ListsEveryProblemAtOnceAndExitsOne()
    {
        using var t = new TempDir();
        string input = t.Dir("in");
        Captures.Tiny(Path.Combine(input, "a.pcap"));
        var r = Cli.Run("report", input, "-o", t["out"], "--top", "0", "--paper", "a5", "--bin", "x");
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("--top", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("--paper", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("--bin", r.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(t["out"]), "a usage error must write nothing");
    }

    [Fact]
    public void Report_RunPdfUnknownValue_NamedWithTheValidOnesAndNothingWritten()
    {
        using var t = new TempDir();
        string input = t.Dir("in");
        Captures.Tiny(Path.Combine(input, "a.pcap"));

        var r = Cli.Run("report", input, "-o", t["out"], "--run-pdf", "sometimes");

        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("--run-pdf: 'sometimes' is not summary, full or auto.", r.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(t["out"]), "a usage error must write nothing");
    }

    /// <summary>
    /// 29 clean captures and one with a warning: above 25 captures the run PDF is a summary by default (a section only
    /// for the capture with the warning), --run-pdf full gives every capture a section, --run-pdf summary is the default's
    /// output here; the manifest records the choice. Pages are counted in the PDF's page objects.
    /// </summary>
    [Fact]
    public void Report_ThirtyCaptures_RunPdfIsASummaryUnlessFullIsAsked()
    {
        using var t = new TempDir();
        string input = t.Dir("in");
        for (int i = 0; i < 29; i++) Captures.Tiny(Path.Combine(input, $"night-{i:D2}.pcap"), seed: i + 1);
        Captures.WarningOnly(Path.Combine(input, "odd.pcap"));

        var auto = Cli.Run("report", input, "-o", t["auto"], "--format", "pdf", "-q", "--fail-on", "never");
        var full = Cli.Run("report", input, "-o", t["full"], "--format", "pdf", "-q", "--fail-on", "never", "--run-pdf", "FULL");
        var summary = Cli.Run("report", input, "-o", t["summary"], "--format", "pdf", "-q", "--fail-on", "never", "--run-pdf", "summary");

        foreach (var r in new[] { auto, full, summary }) Assert.True(r.ExitCode == 0, r.ToString());
        byte[] autoPdf = File.ReadAllBytes(Path.Combine(t["auto"], "report.pdf"));
        byte[] fullPdf = File.ReadAllBytes(Path.Combine(t["full"], "report.pdf"));
        Assert.StartsWith("/capture-odd-", Assert.Single(CaptureDestinations(autoPdf)), StringComparison.Ordinal);
        Assert.Equal(30, CaptureDestinations(fullPdf).Count);
        Assert.True(PageCount(autoPdf) * 4 < PageCount(fullPdf), $"auto {PageCount(autoPdf)} pages, full {PageCount(fullPdf)} pages");
        Assert.Equal(CaptureDestinations(autoPdf), CaptureDestinations(File.ReadAllBytes(Path.Combine(t["summary"], "report.pdf"))));
        Assert.Equal("auto", Bundle.Manifest(t["auto"]).GetProperty("options").GetProperty("runPdf").GetString());
        Assert.Equal("full", Bundle.Manifest(t["full"]).GetProperty("options").GetProperty("runPdf").GetString());
        // Each capture's own PDF is complete whatever the run PDF holds.
        string id = Path.GetFileName(Assert.Single(Directory.GetDirectories(Path.Combine(t["auto"], "captures"), "night-03*")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(t["full"], "captures", id, "report.pdf")),
            File.ReadAllBytes(Path.Combine(t["auto"], "captures", id, "report.pdf")));
    }

    /// <summary>Named destinations of capture sections (Skia writes them as PDF names: /capture-&lt;id&gt;).</summary>
    private static List<string> CaptureDestinations(byte[] pdf) =>
        System.Text.RegularExpressions.Regex.Matches(System.Text.Encoding.Latin1.GetString(pdf), @"/capture-[^\s/\[\]<>()]+")
            .Select(m => m.Value).Distinct().Order(StringComparer.Ordinal).ToList();

    private static int PageCount(byte[] pdf) =>
        System.Text.RegularExpressions.Regex.Count(System.Text.Encoding.Latin1.GetString(pdf), @"/Type\s*/Page(?![a-zA-Z])");

    [Fact]
    public void Report_Help_ListsEveryOptionAndTheExitCodes()
    {
        var r = Cli.Run("report", "--help");
        Assert.True(r.ExitCode == 0, r.ToString());
        foreach (string option in new[] { "--output", "-o", "--include", "--exclude", "--bin", "--top", "--timezone", "--format", "--paper", "--run-pdf",
                     "--self-contained-html", "--templates", "--jobs", "--incremental", "--fail-on", "--max-distinct", "--allow-empty", "--sign-key", "--chain",
                     "--quiet", "--verbose" })
            Assert.Contains(option, r.Stdout, StringComparison.Ordinal);
        Assert.Contains("Exit codes", r.Stdout, StringComparison.Ordinal);
        foreach (string code in new[] { "0 ", "1 ", "2 ", "3 ", "130" })
            Assert.Contains("  " + code, r.Stdout, StringComparison.Ordinal);
        Assert.Contains("SOURCE_DATE_EPOCH", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("never '/', a mount point, a symbolic link", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_Help_ListsEveryOptionAndTheExitCodes()
    {
        var r = Cli.Run("verify", "--help");
        Assert.True(r.ExitCode == 0, r.ToString());
        foreach (string option in new[] { "--key", "--chain", "--inputs", "--recompute", "--jobs" })
            Assert.Contains(option, r.Stdout, StringComparison.Ordinal);
        Assert.Contains("0 intact, 2 a problem was found", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Version_Flag_PrintsTheToolVersion()
    {
        var r = Cli.Run("--version");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(CliApp.ToolVersion, r.Stdout.Trim());
        Assert.Matches(@"^\d+\.\d+\.\d+", CliApp.ToolVersion);
    }

    [Fact]
    public void Report_NonCaptureFileInDirectory_IsSkippedAndListedWithoutFailingTheRun()
    {
        using var t = new TempDir();
        string input = t.Dir("in");
        Captures.Tiny(Path.Combine(input, "a.pcap"));
        File.WriteAllText(Path.Combine(input, "notes.txt"), "not a capture\n");
        File.WriteAllBytes(Path.Combine(input, "archive.zip"), [0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0]);
        var r = Cli.Run("report", input, "-o", t["out"], "--format", "json");
        Assert.True(r.ExitCode == 0, r.ToString());
        var manifest = Bundle.Manifest(t["out"]);
        Assert.Equal(["a.pcap"], manifest.GetProperty("inputs").EnumerateArray().Select(i => i.GetProperty("path").GetString()));
        var skipped = manifest.GetProperty("skipped").EnumerateArray().ToDictionary(s => s.GetProperty("path").GetString()!, s => s);
        Assert.Equal(["archive.zip", "notes.txt"], skipped.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("zip", skipped["archive.zip"].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.False(skipped["notes.txt"].GetProperty("problem").GetBoolean());
    }

    [Fact]
    public void Report_OutputDirectoryThatIsNotABundle_IsRefusedAndLeftUntouched()
    {
        using var t = new TempDir();
        string input = t.Dir("in");
        Captures.Tiny(Path.Combine(input, "a.pcap"));
        string output = t.Dir("precious");
        File.WriteAllText(Path.Combine(output, "thesis.tex"), "do not delete");
        Directory.CreateDirectory(Path.Combine(output, "figures"));
        File.WriteAllBytes(Path.Combine(output, "figures", "1.png"), [1, 2, 3]);
        var before = Bundle.Snapshot(output);

        var r = Cli.Run("report", input, "-o", output, "--format", "json");
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("not a PcapViz bundle", r.Stderr, StringComparison.Ordinal);
        Bundle.AssertIdentical(before, Bundle.Snapshot(output));
        Assert.Equal(["figures", "thesis.tex"], Directory.EnumerateFileSystemEntries(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Report_FileNamesWithOddCharacters_WritesBundleAndListsThemAsValidJson()
    {
        using var t = new TempDir();
        string input = t.Dir("in");
        string[] names = ["with space.pcap", "ünïcødé-名前.pcap", "new\nline.pcap", "quote'.pcap", "double\"quote.pcap", "less<than>.pcap", "back\\slash.pcap", "tab\t.pcap"];
        for (int i = 0; i < names.Length; i++) Captures.Tiny(Path.Combine(input, names[i]), seed: i + 1);
        var r = Cli.Run("report", input, "-o", t["out"], "--format", "json,csv,html");
        Assert.True(r.ExitCode == 0, r.ToString());

        string raw = File.ReadAllText(Path.Combine(t["out"], "manifest.json"));
        var manifest = Bundle.Manifest(t["out"]);
        var listed = manifest.GetProperty("inputs").EnumerateArray().ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), listed.Select(i => i.GetProperty("path").GetString()!).Order(StringComparer.Ordinal));
        Assert.DoesNotContain("new\nline", raw, StringComparison.Ordinal);
        // Every capture has its own folder with a readable analysis.json naming the input exactly.
        foreach (var input1 in listed)
        {
            string id = input1.GetProperty("id").GetString()!;
            Assert.Matches("^[A-Za-z0-9._-]+$", id);
            using var analysis = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(t["out"], "captures", id, "analysis.json")));
            Assert.Equal(input1.GetProperty("path").GetString(), analysis.RootElement.GetProperty("input").GetProperty("path").GetString());
        }
        Assert.Equal(names.Length, listed.Select(i => i.GetProperty("id").GetString()).Distinct().Count());
        string index = File.ReadAllText(Path.Combine(t["out"], "index.html"));
        Assert.DoesNotContain("less<than>", index, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_SymbolicLinkLoopsInInputDirectory_FinishWithoutHangingAndCountEachCaptureOnce()
    {
        using var t = new TempDir();
        string input = t.Dir("in");
        string sub = t.Dir("in/sub");
        Captures.Tiny(Path.Combine(input, "a.pcap"), seed: 1);
        Captures.Tiny(Path.Combine(sub, "b.pcap"), seed: 2);
        Directory.CreateSymbolicLink(Path.Combine(sub, "up"), input);        // in/sub/up -> in
        Directory.CreateSymbolicLink(Path.Combine(input, "self"), ".");       // in/self -> in
        File.CreateSymbolicLink(Path.Combine(input, "x.pcap"), Path.Combine(input, "y.pcap"));
        File.CreateSymbolicLink(Path.Combine(input, "y.pcap"), Path.Combine(input, "x.pcap"));

        var r = await Cli.RunWithin(TimeSpan.FromSeconds(60), "report", input, "-o", t["out"], "--format", "json");
        Assert.True(r.ExitCode is 0 or 2, r.ToString());
        var manifest = Bundle.Manifest(t["out"]);
        Assert.Equal(["a.pcap", "sub/b.pcap"], manifest.GetProperty("inputs").EnumerateArray().Select(i => i.GetProperty("path").GetString()).Order(StringComparer.Ordinal));
        var skipped = manifest.GetProperty("skipped").EnumerateArray().Select(s => s.GetProperty("path").GetString()!).ToList();
        Assert.Contains(skipped, s => s.StartsWith("self", StringComparison.Ordinal));
        Assert.Contains(skipped, s => s.StartsWith("sub/up", StringComparison.Ordinal));
        Assert.Contains("x.pcap", skipped);
        Assert.Contains("y.pcap", skipped);
    }

    [Fact]
    public void Report_UnreadableFile_IsReportedOrReadAsRootCan()
    {
        using var t = new TempDir();
        string input = t.Dir("in");
        Captures.Tiny(Path.Combine(input, "a.pcap"), seed: 1);
        string locked = Path.Combine(input, "locked.pcap");
        Captures.Tiny(locked, seed: 2);
        File.SetUnixFileMode(locked, UnixFileMode.None);
        bool canStillRead;
        try
        {
            using (File.OpenRead(locked)) { }
            canStillRead = true; // root (CAP_DAC_OVERRIDE) ignores the mode bits
        }
        catch (UnauthorizedAccessException)
        {
            canStillRead = false;
        }

        var r = Cli.Run("report", input, "-o", t["out"], "--format", "json");
        var manifest = Bundle.Manifest(t["out"]);
        var inputs = manifest.GetProperty("inputs").EnumerateArray().Select(i => i.GetProperty("path").GetString()).ToList();
        if (canStillRead)
        {
            TestContext.Current.TestOutputHelper?.WriteLine("Running with permission to read mode-000 files (root): the file is analysed like any other.");
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal(["a.pcap", "locked.pcap"], inputs);
        }
        else
        {
            Assert.Equal(["a.pcap"], inputs);
            var skipped = manifest.GetProperty("skipped").EnumerateArray().Single(s => s.GetProperty("path").GetString() == "locked.pcap");
            Assert.True(skipped.GetProperty("problem").GetBoolean());
            Assert.Contains("cannot be read", skipped.GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.Contains("locked.pcap", r.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Report_TwoThousandTinyCaptures_ListsEveryOneWithItsOwnId()
    {
        using var t = new TempDir();
        string input = t.Dir("in");
        const int count = 2000;
        for (int i = 0; i < count; i++)
            Captures.Tiny(Path.Combine(t.Dir($"in/d{i % 20:D2}"), $"c{i:D4}.pcap"), seed: i);
        // The time it takes is measured in bench/, not asserted here; the limit only stops a hung run.
        var r = await Cli.RunWithin(TimeSpan.FromMinutes(10), "report", input, "-o", t["out"], "--format", "json", "-q");
        Assert.True(r.ExitCode == 0, r.ToString());
        var inputs = Bundle.Manifest(t["out"]).GetProperty("inputs").EnumerateArray().ToList();
        Assert.Equal(count, inputs.Count);
        Assert.Equal(count, inputs.Select(i => i.GetProperty("id").GetString()).Distinct().Count());
        Assert.Equal(count, Directory.GetFiles(Path.Combine(t["out"], "captures"), "analysis.json", SearchOption.AllDirectories).Length);
    }
}
