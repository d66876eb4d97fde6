using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using PcapViz.Generator;

namespace PcapViz.Tests;

/// <summary>
/// `report --slices` (issue 26): a slice per flagged beacon and watchlist hit of each capture, written into the bundle,
/// listed in the manifest and linked from the pages. Which packets each slice must hold is worked out by tshark from
/// the generated capture itself (its display filter on the finding's addresses and port), not by PcapViz.
/// </summary>
public sealed class ReportSlicesTests : IDisposable
{
    private readonly TempDir _t = new();

    public void Dispose() => _t.Dispose();

    /// <summary>One hour of <see cref="BeaconTraffic"/>: 10.9.0.10 calls 203.0.113.80:443 every minute among background traffic.</summary>
    private string Input()
    {
        string input = _t.Dir("in");
        BeaconTraffic.WriteFile(Path.Combine(input, "beacon.pcap"), BeaconPattern.Regular, hours: 1, intervalSeconds: 60, seed: 3);
        return input;
    }

    private string Watchlist(string text)
    {
        string path = _t["watch.txt"];
        File.WriteAllText(path, text);
        return path;
    }

    private static string CaptureId(string bundle) =>
        Path.GetFileName(Assert.Single(Directory.GetDirectories(Path.Combine(bundle, "captures"))));

    /// <summary>The manifest's outputs under slices/, path to SHA-256.</summary>
    private static Dictionary<string, string> ListedSlices(string bundle) =>
        Bundle.Manifest(bundle).GetProperty("outputs").EnumerateArray()
            .Select(o => (Path: o.GetProperty("path").GetString()!, Sha: o.GetProperty("sha256").GetString()!))
            .Where(o => o.Path.StartsWith("slices/", StringComparison.Ordinal))
            .ToDictionary(o => o.Path, o => o.Sha, StringComparer.Ordinal);

    /// <summary>The frame numbers of the capture that match a tshark display filter.</summary>
    private static List<int> Frames(string capture, string filter) =>
        [.. Tshark(["-r", capture, "-Y", filter, "-T", "fields", "-e", "frame.number"]).Select(l => int.Parse(l, CultureInfo.InvariantCulture))];

    /// <summary>The packet numbers a slice's packets came from, by their comments ("beacon.pcap packet 17").</summary>
    private static List<int> SlicedFrames(string slice) =>
        [.. Tshark(["-r", slice, "-T", "fields", "-e", "frame.comment"]).Select(c =>
        {
            Assert.StartsWith("beacon.pcap packet ", c, StringComparison.Ordinal);
            return int.Parse(c["beacon.pcap packet ".Length..], CultureInfo.InvariantCulture);
        })];

    private static List<string> Tshark(string[] args) => RunTool("tshark", args);

    private static List<string> RunTool(string name, string[] args)
    {
        string? tool = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
        TestEnvironment.Require(tool is not null, $"{name} is not installed (Debian package tshark).");
        var psi = new ProcessStartInfo(tool!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var lines = new List<string>();
        while (p.StandardOutput.ReadLine() is { } line) if (line.Length > 0) lines.Add(line);
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{name} {string.Join(' ', args)} exited {p.ExitCode}: {stderr.Result}");
        return lines;
    }

    /// <summary>The flagged beacons analysis.json lists for the capture, in order: (client, server, port).</summary>
    private static List<(string Client, string Server, int Port)> Flagged(string bundle, string id)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(bundle, "captures", id, "analysis.json")));
        return [.. doc.RootElement.GetProperty("beacons").EnumerateArray()
            .Where(b => b.GetProperty("flagged").GetBoolean())
            .Select(b => (b.GetProperty("client").GetString()!, b.GetProperty("server").GetString()!, b.GetProperty("port").GetInt32()))];
    }

    [Fact]
    public void Slices_BeaconAndWatchlistHit_HoldExactlyTheirFlowsPackets_AreListedAndLinked()
    {
        string input = Input();
        string capture = Path.Combine(input, "beacon.pcap");
        string bundle = _t["bundle"];
        var r = Cli.Run("report", input, "-o", bundle, "--format", "html,json", "--watchlist", Watchlist("10.9.0.53  the resolver\n"), "--slices");
        Assert.True(r.ExitCode == 0, r.ToString());
        string id = CaptureId(bundle);

        // The regular caller is the first flagged pair, so its slice is beacon-1.
        var flagged = Flagged(bundle, id);
        Assert.Equal(("10.9.0.10", "203.0.113.80", 443), flagged[0]);
        var listed = ListedSlices(bundle);
        var expectedFiles = flagged.Select((_, i) => $"slices/{id}/beacon-{i + 1}.pcapng").Append($"slices/{id}/watch-1.pcapng").Order(StringComparer.Ordinal);
        Assert.Equal(expectedFiles, listed.Keys.Order(StringComparer.Ordinal));
        foreach (var (path, sha) in listed)
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(bundle, path)))), sha);
        Assert.Equal(listed.Count, Directory.GetFiles(Path.Combine(bundle, "slices"), "*", SearchOption.AllDirectories).Length);

        var beacon = Frames(capture, "ip.addr == 10.9.0.10 && ip.addr == 203.0.113.80 && tcp.port == 443");
        Assert.True(beacon.Count >= 50 * 5, $"{beacon.Count} packets"); // about 60 connections of several packets each
        Assert.Equal(beacon, SlicedFrames(Path.Combine(bundle, "slices", id, "beacon-1.pcapng")));
        var resolver = Frames(capture, "ip.addr == 10.9.0.53");
        Assert.NotEmpty(resolver);
        Assert.Equal(resolver, SlicedFrames(Path.Combine(bundle, "slices", id, "watch-1.pcapng")));

        var verify = Cli.Run("verify", bundle);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Empty(Directory.GetDirectories(_t.Root, ".bundle.spill-*")); // the slices' scratch files are gone

        string page = File.ReadAllText(Path.Combine(bundle, "captures", id, "report.html"));
        Assert.Contains($"<a href=\"../../slices/{id}/beacon-1.pcapng\">beacon-1.pcapng ({beacon.Count:#,0} packets)</a>", page, StringComparison.Ordinal);
        Assert.Contains($"<a class=\"mono\" href=\"../../slices/{id}/watch-1.pcapng\">watch-1.pcapng ({resolver.Count:#,0} packets)</a>", page, StringComparison.Ordinal);
        string index = File.ReadAllText(Path.Combine(bundle, "index.html"));
        Assert.Contains($"<a class=\"mono\" href=\"slices/{id}/watch-1.pcapng\">beacon.pcap: watch-1.pcapng ({resolver.Count:#,0} packets)</a>", index, StringComparison.Ordinal);
    }

    [Fact]
    public void Slices_AreNamedInThePdfs()
    {
        string input = Input();
        string bundle = _t["bundle"];
        var r = Cli.Run("report", input, "-o", bundle, "--format", "pdf", "--watchlist", Watchlist("10.9.0.53\n"), "--slices");
        Assert.True(r.ExitCode == 0, r.ToString());
        string id = CaptureId(bundle);
        static string PdfText(string pdf) => string.Join(' ', RunTool("pdftotext", ["-layout", "-enc", "UTF-8", pdf, "-"])
            .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        string report = PdfText(Path.Combine(bundle, "captures", id, "report.pdf"));
        Assert.Contains($"Packet slices in the bundle: 1: slice: slices/{id}/beacon-1.pcapng (", report, StringComparison.Ordinal);
        // The ticket's findings table names the file (its folder is the capture's, in the Captures column).
        Assert.Contains("10.9.0.53 10.9.0.53 120 beacon.pcap watch-1.pcapng", PdfText(Path.Combine(bundle, "ticket.pdf")), StringComparison.Ordinal);
    }

    [Fact]
    public void Slices_AreTheSameBytesWhateverJobs_AndARunWithoutSlicesWritesNone()
    {
        string input = Input();
        BeaconTraffic.WriteFile(Path.Combine(input, "second.pcap"), BeaconPattern.Regular, hours: 1, intervalSeconds: 30, seed: 4);
        string watch = Watchlist("10.9.0.53\n");
        var one = Cli.Run("report", input, "-o", _t["one"], "--format", "json", "--watchlist", watch, "--slices", "--jobs", "1");
        // ... and whether the results waited on disk (--results-in-memory 0) or not.
        var four = Cli.Run("report", input, "-o", _t["four"], "--format", "json", "--watchlist", watch, "--slices", "--jobs", "4", "--results-in-memory", "0");
        Assert.True(one.ExitCode == 0 && four.ExitCode == 0, one + "\n" + four);
        var slices = Bundle.Snapshot(Path.Combine(_t["one"], "slices"));
        Assert.Equal(2 * 2, slices.Count(s => s.Key.EndsWith("/beacon-1.pcapng", StringComparison.Ordinal) || s.Key.EndsWith("/watch-1.pcapng", StringComparison.Ordinal)));
        Bundle.AssertIdentical(Bundle.Snapshot(_t["one"]), Bundle.Snapshot(_t["four"]));
        Assert.Empty(Directory.GetDirectories(_t.Root, ".*.spill-*"));

        string plain = _t["plain"];
        var without = Cli.Run("report", input, "-o", plain, "--format", "html,json", "--watchlist", watch);
        Assert.True(without.ExitCode == 0, without.ToString());
        Assert.False(Directory.Exists(Path.Combine(plain, "slices")));
        Assert.Empty(ListedSlices(plain));
        Assert.DoesNotContain(".pcapng", File.ReadAllText(Path.Combine(plain, "index.html")), StringComparison.Ordinal);
    }

    [Fact]
    public void Slices_PerCapture_AreBounded_AndThePageSaysHowManyAreLeft()
    {
        string input = Input();
        string capture = Path.Combine(input, "beacon.pcap");
        string bundle = _t["bundle"];
        // Every source address is a hit: far more findings than slices per capture.
        var r = Cli.Run("report", input, "-o", bundle, "--format", "html,json", "--watchlist", Watchlist("0.0.0.0/0  everything\n"), "--slices");
        Assert.True(r.ExitCode == 0, r.ToString());
        string id = CaptureId(bundle);
        int beacons = Flagged(bundle, id).Count;
        int sources = Tshark(["-r", capture, "-T", "fields", "-e", "ip.src"]).Distinct(StringComparer.Ordinal).Count();
        Assert.True(beacons + sources > 50, $"{beacons} beacons, {sources} sources");

        var listed = ListedSlices(bundle);
        Assert.Equal(50, listed.Count);
        Assert.Equal(beacons, listed.Keys.Count(p => p.Split('/')[^1].StartsWith("beacon-", StringComparison.Ordinal)));
        Assert.Contains($"slices/{id}/watch-{50 - beacons}.pcapng", listed.Keys);
        int left = beacons + sources - 50;
        string page = File.ReadAllText(Path.Combine(bundle, "captures", id, "report.html"));
        Assert.Contains($"{left} more findings of this capture have no packet slice: at most 50 slices are written per capture", page, StringComparison.Ordinal);
        Assert.True(Cli.Run("verify", bundle).ExitCode == 0);
    }

    [Fact]
    public void Slices_ReachingMaxSliceBytes_SayItInTheSliceAndOnThePage()
    {
        string input = Input();
        string bundle = _t["bundle"];
        var r = Cli.Run("report", input, "-o", bundle, "--format", "html,json", "--slices", "--max-slice-bytes", "2048");
        Assert.True(r.ExitCode == 0, r.ToString());
        string id = CaptureId(bundle);
        string slice = Path.Combine(bundle, "slices", id, "beacon-1.pcapng");
        int packets = SlicedFrames(slice).Count;
        Assert.InRange(packets, 1, 2048 / 60); // every packet block is larger than 60 bytes
        Assert.Contains("INCOMPLETE: the slice reached its size bound of 2048 bytes", string.Join('\n', RunTool("capinfos", ["-k", slice])), StringComparison.Ordinal);
        Assert.Contains($"beacon-1.pcapng ({packets} packet{(packets == 1 ? "" : "s")}, INCOMPLETE: reached --max-slice-bytes (2,048 bytes)",
            File.ReadAllText(Path.Combine(bundle, "captures", id, "report.html")), StringComparison.Ordinal);
    }

    [Fact]
    public void Slices_ThatCannotBeWritten_FailTheRun_AndThePreviousBundleStays()
    {
        string input = Input();
        string bundle = _t["bundle"];
        Assert.Equal(0, Cli.Run("report", input, "-o", bundle, "--format", "json").ExitCode);
        var before = Bundle.Snapshot(bundle);
        // A file where the run puts its scratch folder (beside the output, named after this process): no slice can be cut.
        string obstacle = Path.Combine(_t.Root, $".bundle.spill-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}");
        File.WriteAllText(obstacle, "in the way");
        var r = Cli.Run("report", input, "-o", bundle, "--format", "json", "--slices");
        File.Delete(obstacle);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Writing the bundle failed: ", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("is left as it was.", r.Stderr, StringComparison.Ordinal);
        Bundle.AssertIdentical(before, Bundle.Snapshot(bundle));
    }

    /// <summary>
    /// With --pseudonymise the slices hold the packets a plain run's slices hold (by their comments), rewritten: the
    /// beacon's pair as the bundle shows it (its pseudonyms) in every packet's IP header, no original address in the
    /// slice, the manifest listing each; the watchlist matched the real resolver address.
    /// </summary>
    [Fact]
    public void Slices_WithPseudonymise_HoldThePlainRunsPackets_Rewritten_AndAreListed()
    {
        string input = Input();
        string key = _t["key"];
        File.WriteAllBytes(key, [.. Enumerable.Range(0, 32).Select(i => (byte)(0x90 + i))]);
        string watch = Watchlist("10.9.0.53  the resolver\n");
        string plain = _t["plain"], bundle = _t["bundle"];
        Assert.Equal(0, Cli.Run("report", input, "-o", plain, "--format", "json", "--watchlist", watch, "--slices").ExitCode);
        var r = Cli.Run("report", input, "-o", bundle, "--format", "html,json", "--watchlist", watch, "--slices", "--pseudonymise", key);
        Assert.True(r.ExitCode == 0, r.ToString());
        string id = CaptureId(bundle);
        Assert.Equal(CaptureId(plain), id);
        var listed = ListedSlices(bundle);
        Assert.Equal(ListedSlices(plain).Keys.Order(StringComparer.Ordinal), listed.Keys.Order(StringComparer.Ordinal));
        foreach (var (path, sha) in listed)
        {
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(bundle, path)))), sha);
            Assert.Equal(SlicedFrames(Path.Combine(plain, path)), SlicedFrames(Path.Combine(bundle, path)));
            var addresses = Tshark(["-r", Path.Combine(bundle, path), "-T", "fields", "-e", "ip.src", "-e", "ip.dst"]);
            Assert.DoesNotContain(addresses, a => a.Contains("10.9.0.10", StringComparison.Ordinal) || a.Contains("10.9.0.53", StringComparison.Ordinal) ||
                a.Contains("203.0.113.80", StringComparison.Ordinal));
        }
        // beacon-1 is the regular caller's pair, as the pseudonymised bundle shows it.
        var (client, server, _) = Flagged(bundle, id)[0];
        Assert.NotEqual("10.9.0.10", client);
        var pairs = Tshark(["-r", Path.Combine(bundle, "slices", id, "beacon-1.pcapng"), "-T", "fields", "-e", "ip.src", "-e", "ip.dst"]);
        Assert.All(pairs, p => Assert.True(p == $"{client}\t{server}" || p == $"{server}\t{client}", p));
        Assert.Equal(0, Cli.Run("verify", bundle).ExitCode);
    }

    [Fact]
    public void Slices_WithPlan_AndBoundWithoutSlices_AreUsageErrors()
    {
        string input = Input();
        string bundle = _t["bundle"];
        var shard = Cli.Run("report", "--plan", _t["plan.json"], "--shard", "0", "-o", bundle, "--slices");
        Assert.Equal(1, shard.ExitCode);
        Assert.Contains("pcapviz: --slices: a shard does not write slices", shard.Stderr, StringComparison.Ordinal);

        var bound = Cli.Run("report", input, "-o", bundle, "--max-slice-bytes", "4096");
        Assert.Equal(1, bound.ExitCode);
        Assert.Contains("pcapviz: --max-slice-bytes needs --slices.", bound.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(bundle));
    }
}
