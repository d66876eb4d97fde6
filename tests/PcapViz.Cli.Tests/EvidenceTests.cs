using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace PcapViz.Tests;

/// <summary>Issue 10, "evidence that proves itself": verify hardening, signatures, the chain of nights, inputs and recomputation.</summary>
public sealed class EvidenceTests : IDisposable
{
    private readonly TempDir _t = new();

    public void Dispose() => _t.Dispose();

    private (string Input, string Output) Made(params string[] extra)
    {
        string input = _t.Dir("in");
        if (!File.Exists(Path.Combine(input, "a.pcap")))
        {
            Captures.Tiny(Path.Combine(input, "a.pcap"), seed: 1, packets: 3);
            Captures.Tiny(Path.Combine(input, "b.pcap"), seed: 2, packets: 2);
        }
        string output = _t["out"];
        var r = Cli.Run(["report", input, "-o", output, "--format", "json,csv,html", .. extra]);
        Assert.True(r.ExitCode == 0, r.ToString());
        return (input, output);
    }

    private (string Private, string Public) Keys(string name = "key")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string priv = _t[name + ".pem"], pub = _t[name + ".pub.pem"];
        File.WriteAllText(priv, key.ExportECPrivateKeyPem());
        File.WriteAllText(pub, key.ExportSubjectPublicKeyInfoPem());
        return (priv, pub);
    }

    /// <summary>Replaces a listed file and writes its new SHA-256 and size into the manifest (an attacker's edit).</summary>
    private static void Forge(string bundle, string path, byte[] content)
    {
        File.WriteAllBytes(Path.Combine(bundle, path), content);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(bundle, "manifest.json")))!;
        foreach (var o in manifest["outputs"]!.AsArray())
        {
            if ((string?)o!["path"] != path) continue;
            o["sha256"] = Convert.ToHexStringLower(SHA256.HashData(content));
            o["sizeBytes"] = content.Length;
        }
        File.WriteAllText(Path.Combine(bundle, "manifest.json"), manifest.ToJsonString());
    }

    [Theory]
    [InlineData("""{ "tool": { "name": "pcapviz", "version": "1" }, "outputs": [ { "path": 5, "sizeBytes": 1, "sha256": "x" } ] }""", "outputs[0].path")]
    [InlineData("""{ "tool": { "name": "pcapviz", "version": "1" }, "outputs": null }""", "outputs")]
    [InlineData("""{ "tool": { "name": "pcapviz", "version": "1" }, "outputs": [ null ] }""", "outputs[0]")]
    [InlineData("""{ "tool": { "name": "pcapviz", "version": "1" }, "outputs": [ { "path": "a", "sizeBytes": "big", "sha256": "x" } ] }""", "sizeBytes")]
    [InlineData("""{ "tool": null, "outputs": [] }""", "tool")]
    [InlineData("""[ 1, 2 ]""", "not a JSON object")]
    [InlineData("""{ "tool": { "name": "pcapviz", """, "not valid JSON")]
    public void Verify_MalformedManifest_ExitsOneWithAMessage(string manifest, string expected)
    {
        string bundle = _t.Dir("bad");
        File.WriteAllText(Path.Combine(bundle, "manifest.json"), manifest);
        var r = Cli.Run("verify", bundle);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains(expected, r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_ManifestThatIsAFifoOrASymlink_IsNotOpened()
    {
        string bundle = _t.Dir("fifo");
        MakeFifo(Path.Combine(bundle, "manifest.json"));
        var r = await Cli.RunWithin(TimeSpan.FromSeconds(60), "verify", bundle);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("not a regular file", r.Stderr, StringComparison.Ordinal);

        string linked = _t.Dir("linked");
        File.WriteAllText(_t["elsewhere.json"], """{ "tool": { "name": "pcapviz", "version": "1" }, "outputs": [] }""");
        File.CreateSymbolicLink(Path.Combine(linked, "manifest.json"), _t["elsewhere.json"]);
        var l = Cli.Run("verify", linked);
        Assert.True(l.ExitCode == 1, l.ToString());
        Assert.Contains("symbolic link", l.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_ListedFilesReplacedByAFifoAndASymlink_ReportedNotFollowed()
    {
        var (_, output) = Made();
        string index = Path.Combine(output, "index.html");
        string copy = _t["index-copy.html"];
        File.Move(index, copy);
        File.CreateSymbolicLink(index, copy); // same bytes behind the link: following it would say "intact"
        string csv = Directory.GetFiles(output, "traffic.csv", SearchOption.AllDirectories)[0];
        File.Delete(csv);
        MakeFifo(csv);

        var r = await Cli.RunWithin(TimeSpan.FromSeconds(60), "verify", output);

        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("index.html: is a symbolic link", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("traffic.csv: is a FIFO", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_SignedBundle_IntactWithTheKey_AndAForgedManifestFailsOnlyWithTheKey()
    {
        var keys = Keys();
        var (_, output) = Made("--sign-key", keys.Private);
        Assert.True(File.Exists(Path.Combine(output, "manifest.json.sig")));
        var ok = Cli.Run("verify", output, "--key", keys.Public);
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Contains("signed with this key", ok.Stdout, StringComparison.Ordinal);

        Forge(output, "index.html", Encoding.UTF8.GetBytes("<p>nothing to see</p>"));

        Assert.Equal(0, Cli.Run("verify", output).ExitCode); // hashes alone cannot tell: the forger recomputed them
        var forged = Cli.Run("verify", output, "--key", keys.Public);
        Assert.True(forged.ExitCode == 2, forged.ToString());
        Assert.Contains("signature does not match", forged.Stdout, StringComparison.Ordinal);

        var other = Keys("other");
        Assert.Equal(2, Cli.Run("verify", output, "--key", other.Public).ExitCode);
    }

    [Fact]
    public void Report_SignKey_RejectsAPublicKeyAndAnotherCurve()
    {
        var keys = Keys();
        string input = _t.Dir("in");
        Captures.Tiny(Path.Combine(input, "a.pcap"));
        var r = Cli.Run("report", input, "-o", _t["out"], "--sign-key", keys.Public);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("private key", r.Stderr, StringComparison.Ordinal);
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        File.WriteAllText(_t["p384.pem"], p384.ExportECPrivateKeyPem());
        var c = Cli.Run("report", input, "-o", _t["out"], "--sign-key", _t["p384.pem"]);
        Assert.True(c.ExitCode == 1, c.ToString());
        Assert.Contains("P-256", c.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_t["out"]));
    }

    [Fact]
    public void Report_IncrementalCacheEditedUnsigned_IsNotReused()
    {
        var (input, output) = Made("--incremental");
        string entry = Directory.GetFiles(Path.Combine(output, "cache"), "a-*.json")[0];
        File.WriteAllText(entry, File.ReadAllText(entry).Replace("\"packets\": 3", "\"packets\": 3000", StringComparison.Ordinal));

        var r = Cli.Run("report", input, "-o", output, "--format", "json,csv,html", "--incremental");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.False(Bundle.ReusedByPath(output)["a.pcap"]);
        Assert.True(Bundle.ReusedByPath(output)["b.pcap"]);
        Assert.Equal(3, AnalysisOf(output, "a.pcap").GetProperty("summary").GetProperty("packets").GetInt64());
    }

    [Fact]
    public void Report_IncrementalCacheForgedWithManifest_IsNotReusedUnderTheSignKey()
    {
        var keys = Keys();
        var (input, output) = Made("--incremental", "--sign-key", keys.Private);
        string entry = Directory.GetFiles(Path.Combine(output, "cache"), "a-*.json")[0];
        string relative = Path.GetRelativePath(output, entry).Replace('\\', '/');
        Forge(output, relative, Encoding.UTF8.GetBytes(File.ReadAllText(entry).Replace("\"packets\": 3", "\"packets\": 3000", StringComparison.Ordinal)));

        var r = Cli.Run("report", input, "-o", output, "--format", "json,csv,html", "--incremental", "--sign-key", keys.Private);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("not signed with this key", r.Stderr, StringComparison.Ordinal);
        Assert.All(Bundle.ReusedByPath(output).Values, Assert.False);
        Assert.Equal(3, AnalysisOf(output, "a.pcap").GetProperty("summary").GetProperty("packets").GetInt64());
        Assert.Equal(0, Cli.Run("verify", output, "--key", keys.Public).ExitCode);
    }

    [Fact]
    public void VerifyChain_ThreeNights_IntactThenARemovedAndARewrittenNightAreDetected()
    {
        string input = _t.Dir("in");
        Captures.Tiny(Path.Combine(input, "a.pcap"));
        string archive = _t.Dir("archive");
        string? previous = null;
        foreach (string night in new[] { "n1", "n2", "n3" })
        {
            string output = _t["out"];
            Captures.Tiny(Path.Combine(input, night + ".pcap"), seed: night[1]);
            var r = previous is null
                ? Cli.Run("report", input, "-o", output, "--format", "json")
                : Cli.Run("report", input, "-o", output, "--format", "json", "--chain", Path.Combine(previous, "manifest.json"));
            Assert.True(r.ExitCode == 0, r.ToString());
            previous = Path.Combine(archive, night);
            CopyTree(output, previous);
        }
        string n1 = Path.Combine(archive, "n1"), n2 = Path.Combine(archive, "n2"), n3 = Path.Combine(archive, "n3");
        Assert.False(Bundle.Manifest(n1).TryGetProperty("chain", out _));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(n1, "manifest.json")))),
            Bundle.Manifest(n2).GetProperty("chain").GetProperty("previousManifestSha256").GetString());

        var intact = Cli.Run("verify", "--chain", n1, n2, n3);
        Assert.True(intact.ExitCode == 0, intact.ToString());

        var removed = Cli.Run("verify", "--chain", n1, n3);
        Assert.True(removed.ExitCode == 2, removed.ToString());
        Assert.Contains("a night was removed", removed.Stdout, StringComparison.Ordinal);

        string csv = Directory.GetFiles(n2, "*.json", SearchOption.AllDirectories).First(f => f.EndsWith("analysis.json", StringComparison.Ordinal));
        Forge(n2, Path.GetRelativePath(n2, csv).Replace('\\', '/'), Encoding.UTF8.GetBytes("{}"));
        var rewritten = Cli.Run("verify", "--chain", n1, n2, n3);
        Assert.True(rewritten.ExitCode == 2, rewritten.ToString());
        Assert.Contains($"{n3}: chain", rewritten.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void VerifyInputs_AlteredAndMissingCaptures_ExitTwoNamingEach()
    {
        var (input, output) = Made();
        var ok = Cli.Run("verify", output, "--inputs", input);
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Contains("inputs: 2 captures match", ok.Stdout, StringComparison.Ordinal);

        Captures.Tiny(Path.Combine(input, "a.pcap"), seed: 7, packets: 3); // same size, other bytes
        File.Delete(Path.Combine(input, "b.pcap"));
        var r = Cli.Run("verify", output, "--inputs", input);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("input     a.pcap: SHA-256 is", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("input     b.pcap: the capture is not found", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void VerifyInputs_BeforeOrAfterTheBundle_MeansTheSame()
    {
        var (input, output) = Made();
        // The manifest's roots point at the captures: --inputs needs no value, wherever it stands.
        var before = Cli.Run("verify", "--inputs", output);
        var after = Cli.Run("verify", output, "--inputs");
        Assert.True(before.ExitCode == 0, before.ToString());
        Assert.Contains("inputs: 2 captures match", before.Stdout, StringComparison.Ordinal);
        Assert.Equal(after, before);
        // Roots given after the bundle: the same wherever --inputs stands.
        Assert.Equal(Cli.Run("verify", output, input, "--inputs"), Cli.Run("verify", "--inputs", output, input));
        Assert.Equal(before.Stdout, Cli.Run("verify", "--inputs", output, input).Stdout);
        // Without --inputs or --recompute a second path is no root, and without --chain no second bundle.
        var two = Cli.Run("verify", output, input);
        Assert.True(two.ExitCode == 1, two.ToString());
        Assert.Contains("verify takes one bundle", two.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void VerifyRecompute_AForgedDataFileWithItsHashRecomputed_IsDetected()
    {
        var (input, output) = Made();
        var ok = Cli.Run("verify", output, "--recompute", "--inputs", input);
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Contains("recomputed: every data file is identical", ok.Stdout, StringComparison.Ordinal);

        string csv = Directory.GetFiles(output, "source_ips.csv", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        string relative = Path.GetRelativePath(output, csv).Replace('\\', '/');
        Forge(output, relative, Encoding.UTF8.GetBytes(File.ReadAllText(csv).Replace("10.0.0.1", "10.6.6.6", StringComparison.Ordinal)));
        Assert.Equal(0, Cli.Run("verify", output).ExitCode);

        var r = Cli.Run("verify", output, "--recompute", "--inputs", input);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains($"recomputed {relative}: differs", r.Stdout, StringComparison.Ordinal);
    }

    private static System.Text.Json.JsonElement AnalysisOf(string bundle, string path)
    {
        string id = Bundle.Manifest(bundle).GetProperty("inputs").EnumerateArray().First(i => i.GetProperty("path").GetString() == path).GetProperty("id").GetString()!;
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(bundle, "captures", id, "analysis.json")));
        return doc.RootElement.Clone();
    }

    private static void CopyTree(string from, string to)
    {
        foreach (string f in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, f));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(f, target);
        }
    }

    private static void MakeFifo(string path)
    {
        using var p = Process.Start(new ProcessStartInfo("mkfifo", [path]))!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }
}
