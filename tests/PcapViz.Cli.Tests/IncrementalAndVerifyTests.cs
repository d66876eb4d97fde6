namespace PcapViz.Tests;

/// <summary><c>--incremental</c> reuse rules and <c>pcapviz verify</c>.</summary>
public sealed class IncrementalAndVerifyTests
{
    private static bool IsData(string path) =>
        path.StartsWith("captures/", StringComparison.Ordinal) && (path.EndsWith(".json", StringComparison.Ordinal) || path.EndsWith(".csv", StringComparison.Ordinal));

    private static (TempDir Temp, string Input) SampleInput()
    {
        var t = new TempDir();
        string input = t.Dir("in");
        Captures.Samples(input);
        return (t, input);
    }

    [Fact]
    public void Report_IncrementalOverUnchangedInputs_ReusesEveryCaptureAndEqualsAFreshBundle()
    {
        var (t, input) = SampleInput();
        using var _ = t;
        var first = Cli.Run("report", input, "-o", t["inc"], "--format", "json,csv", "--incremental");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.All(Bundle.ReusedByPath(t["inc"]).Values, Assert.False);

        var second = Cli.Run("report", input, "-o", t["inc"], "--format", "json,csv", "--incremental");
        Assert.True(second.ExitCode == 0, second.ToString());
        var reused = Bundle.ReusedByPath(t["inc"]);
        Assert.Equal(PcapViz.Generator.SampleCaptures.FileNames.Count, reused.Count); // every sample capture
        Assert.All(reused, kv => Assert.True(kv.Value, $"{kv.Key} was not reused"));

        var fresh = Cli.Run("report", input, "-o", t["fresh"], "--format", "json,csv");
        Assert.True(fresh.ExitCode == 0, fresh.ToString());
        var inc = Bundle.Snapshot(t["inc"]);
        // analysis.json + 6 CSVs (source_ips, dns_queries, dns_domains, server_names, traffic, conversations) for each sample capture: 7 files
        Assert.Equal(7 * PcapViz.Generator.SampleCaptures.FileNames.Count, inc.Keys.Count(IsData));
        Bundle.AssertIdentical(Bundle.Snapshot(t["fresh"]), inc, IsData);
    }

    [Fact]
    public void Report_IncrementalOverUnchangedInputs_CarriesRenderedFilesOverUnlessAltered_AndRerendersWhenAnOptionChanges()
    {
        var (t, input) = SampleInput();
        using var _ = t;
        string output = t["inc"];
        // The first run renders with another generation time than every later run (Cli.Run fixes SOURCE_DATE_EPOCH),
        // so a page that was carried over keeps the first time and one that was rendered again shows the new one.
        string? saved = Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH");
        Environment.SetEnvironmentVariable("SOURCE_DATE_EPOCH", "1600000000");
        try
        {
            Assert.Equal(0, PcapViz.Cli.CliApp.Run(["report", input, "-o", output, "--incremental", "-q"], TextWriter.Null, TextWriter.Null));
        }
        finally
        {
            Environment.SetEnvironmentVariable("SOURCE_DATE_EPOCH", saved);
        }
        var first = Bundle.Snapshot(output);
        string page = first.Keys.First(k => k.StartsWith("captures/", StringComparison.Ordinal) && k.EndsWith("/report.html", StringComparison.Ordinal));
        string otherPage = first.Keys.Last(k => k.StartsWith("captures/", StringComparison.Ordinal) && k.EndsWith("/report.html", StringComparison.Ordinal));
        Assert.NotEqual(page, otherPage);

        // Nothing changed: every rendered file is carried over byte for byte (with the first run's time); only the
        // manifest (its generation time) is new.
        var second = Cli.Run("report", input, "-o", output, "--incremental");
        Assert.True(second.ExitCode == 0, second.ToString());
        Bundle.AssertIdentical(first, Bundle.Snapshot(output), path => path != "manifest.json");
        Assert.Equal(0, Cli.Run("verify", output).ExitCode);

        // Tamper with one page of the old bundle: it must not be carried over but rendered again, and since that
        // capture's files are new, so are the run's.
        File.AppendAllText(Path.Combine(output, page), "<!-- altered -->");
        var third = Cli.Run("report", input, "-o", output, "--incremental");
        Assert.True(third.ExitCode == 0, third.ToString());
        var carried = Bundle.Snapshot(output);
        Assert.Equal(first[otherPage], carried[otherPage]);
        Assert.Equal(first[otherPage.Replace(".html", ".pdf", StringComparison.Ordinal)], carried[otherPage.Replace(".html", ".pdf", StringComparison.Ordinal)]);
        Assert.NotEqual(first[page], carried[page]);
        Assert.DoesNotContain("<!-- altered -->", System.Text.Encoding.UTF8.GetString(carried[page]), StringComparison.Ordinal);
        Assert.NotEqual(first["index.html"], carried["index.html"]);
        Assert.Equal(0, Cli.Run("verify", output).ExitCode);

        // Another option: every rendered file is made again.
        var fourth = Cli.Run("report", input, "-o", output, "--incremental", "--top", "5");
        Assert.True(fourth.ExitCode == 0, fourth.ToString());
        var rerendered = Bundle.Snapshot(output);
        Assert.NotEqual(first[otherPage], rerendered[otherPage]);
        Assert.NotEqual(first["index.html"], rerendered["index.html"]);
        Assert.All(Bundle.ReusedByPath(output).Values, Assert.True); // the analyses themselves are still reused
    }

    [Fact]
    public void Report_IncrementalAfterTouchReplaceAndSilentEdit_ReanalysesExactlyThoseCaptures()
    {
        var (t, input) = SampleInput();
        using var _ = t;
        Assert.Equal(0, Cli.Run("report", input, "-o", t["inc"], "--format", "json", "--incremental").ExitCode);

        // Touched: same bytes, new modification time.
        string touched = Path.Combine(input, "office-lan.pcap");
        File.SetLastWriteTimeUtc(touched, File.GetLastWriteTimeUtc(touched).AddHours(1));
        // Replaced: other content under the same name.
        string replaced = Path.Combine(input, "home-mdns-llmnr-ns-be.pcap");
        Captures.Tiny(replaced, seed: 42, packets: 3);
        // Silently edited: one byte changed, same size, modification time put back; only the SHA-256 tells.
        string edited = Path.Combine(input, "gateway-two-interfaces.pcapng");
        var mtime = File.GetLastWriteTimeUtc(edited);
        byte[] bytes = File.ReadAllBytes(edited);
        bytes[^8] ^= 0xFF;
        File.WriteAllBytes(edited, bytes);
        File.SetLastWriteTimeUtc(edited, mtime);

        var r = Cli.Run("report", input, "-o", t["inc"], "--format", "json", "--incremental");
        Assert.True(r.ExitCode is 0 or 2, r.ToString());
        var reused = Bundle.ReusedByPath(t["inc"]);
        Assert.False(reused["office-lan.pcap"], "touched file was reused");
        Assert.False(reused["home-mdns-llmnr-ns-be.pcap"], "replaced file was reused");
        Assert.False(reused["gateway-two-interfaces.pcapng"], "file with changed bytes (same size and mtime) was reused");
        Assert.True(reused["branch-office-qinq.pcap.gz"], "unchanged file was not reused");
        var replacedEntry = Bundle.Manifest(t["inc"]).GetProperty("inputs").EnumerateArray().Single(i => i.GetProperty("path").GetString() == "home-mdns-llmnr-ns-be.pcap");
        Assert.Equal(3, replacedEntry.GetProperty("packets").GetInt64());
    }

    [Fact]
    public void Report_IncrementalWithChangedBinWidth_ReanalysesEveryCapture()
    {
        var (t, input) = SampleInput();
        using var _ = t;
        Assert.Equal(0, Cli.Run("report", input, "-o", t["inc"], "--format", "json", "--incremental").ExitCode);
        var r = Cli.Run("report", input, "-o", t["inc"], "--format", "json", "--incremental", "--bin", "10");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.All(Bundle.ReusedByPath(t["inc"]), kv => Assert.False(kv.Value, $"{kv.Key} reused across a --bin change"));
        var fresh = Cli.Run("report", input, "-o", t["fresh"], "--format", "json", "--bin", "10");
        Assert.True(fresh.ExitCode == 0, fresh.ToString());
        Bundle.AssertIdentical(Bundle.Snapshot(t["fresh"]), Bundle.Snapshot(t["inc"]), IsData);
    }

    [Fact]
    public void Verify_UntouchedBundle_SaysIntactAndExitsZero()
    {
        var (t, input) = SampleInput();
        using var _ = t;
        Assert.Equal(0, Cli.Run("report", input, "-o", t["out"], "--format", "json,csv").ExitCode);
        var v = Cli.Run("verify", t["out"]);
        Assert.True(v.ExitCode == 0, v.ToString());
        Assert.StartsWith("intact", v.Stdout.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_ModifiedDeletedAndAddedFiles_ExitsTwoNamingEach()
    {
        var (t, input) = SampleInput();
        using var _ = t;
        Assert.Equal(0, Cli.Run("report", input, "-o", t["out"], "--format", "json,csv").ExitCode);
        var outputs = Bundle.Manifest(t["out"]).GetProperty("outputs").EnumerateArray().Select(o => o.GetProperty("path").GetString()!).ToList();
        string modified = outputs.First(p => p.EndsWith("analysis.json", StringComparison.Ordinal));
        string deleted = outputs.First(p => p.EndsWith("traffic.csv", StringComparison.Ordinal));
        File.AppendAllText(Path.Combine(t["out"], modified), " ");
        File.Delete(Path.Combine(t["out"], deleted));
        File.WriteAllText(Path.Combine(t["out"], "captures", "smuggled.html"), "<script>alert(1)</script>");

        var v = Cli.Run("verify", t["out"]);
        Assert.True(v.ExitCode == 2, v.ToString());
        var lines = v.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => l.Contains(modified, StringComparison.Ordinal) && !l.Contains(deleted, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(deleted, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("captures/smuggled.html", StringComparison.Ordinal));
        Assert.Contains("NOT intact", v.Stdout, StringComparison.Ordinal);
        Assert.Equal(4, lines.Length); // one line per problem, then the verdict
    }

    [Fact]
    public void Verify_DirectoryWithoutManifest_ExitsOne()
    {
        using var t = new TempDir();
        string dir = t.Dir("nothing");
        File.WriteAllText(Path.Combine(dir, "index.html"), "<html></html>");
        var v = Cli.Run("verify", dir);
        Assert.True(v.ExitCode == 1, v.ToString());
        Assert.Contains("manifest.json", v.Stderr, StringComparison.Ordinal);
    }
}
