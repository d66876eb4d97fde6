using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PcapViz.Tests;

/// <summary>`pcapviz diff OLD NEW -o OUT` end to end: bundles written by `pcapviz report`, compared.</summary>
public sealed class DiffTests
{
    /// <summary>The kinds every schemaVersion 2 bundle lists: diff.json member → (analysis.json array, key member).</summary>
    private static readonly (string Kind, string Array, string Key)[] Kinds =
    [
        ("sourceIps", "sourceIps", "address"),
        ("names", "dnsQueries", "name"),
        ("registeredDomains", "dnsDomains", "domain"),
    ];

    [Fact]
    public void Diff_SamplesHalfAgainstAll_TheOtherHalfAppeared_AndReversedDisappeared()
    {
        using var t = new TempDir();
        var files = Captures.Samples(t.Dir("samples")).Order(StringComparer.Ordinal).ToList();
        HalfAgainstAll(t, files);
    }

    [Fact]
    public void Diff_CorpusHalfAgainstAll_TheOtherHalfAppeared_AndReversedDisappeared()
    {
        string? corpus = TestEnvironment.SharedDirectory("corpus");
        TestEnvironment.Require(corpus is not null, "../shared/corpus is absent; the corpus diff test needs it.");
        using var t = new TempDir();
        var files = Directory.GetFiles(corpus).Where(f => Path.GetFileName(f) != "SOURCES.md").Order(StringComparer.Ordinal).ToList();
        Assert.True(files.Count >= 4, $"{corpus} holds {files.Count} files");
        HalfAgainstAll(t, files);
    }

    /// <summary>
    /// Bundles of every other file (A), of the rest (B) and of all of them: A → all lists exactly what B has and A has
    /// not as appeared, with B's sums as its new counts; all → A lists it as disappeared. The expected sets and sums
    /// come from the per-capture analysis.json files of A and B, read here.
    /// </summary>
    private static void HalfAgainstAll(TempDir t, List<string> files)
    {
        var half = files.Where((_, i) => i % 2 == 0).ToList();
        var other = files.Where((_, i) => i % 2 == 1).ToList();
        Report(t["a"], half);
        Report(t["b"], other);
        Report(t["all"], files);
        var a = Sums(t["a"]);
        var b = Sums(t["b"]);
        var all = Sums(t["all"]);
        bool incomplete = Statuses(t["all"]).Any(s => s != "ok");

        var forward = Cli.Run("diff", t["a"], t["all"], "-o", t["a-all"]);
        Assert.True(forward.ExitCode == (incomplete ? 2 : 0), forward.ToString());
        var backward = Cli.Run("diff", t["all"], t["a"], "-o", t["all-a"]);
        Assert.True(backward.ExitCode == (incomplete ? 2 : 0), backward.ToString());
        using var f = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(t["a-all"], "diff.json")));
        using var r = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(t["all-a"], "diff.json")));

        foreach (var (kind, _, _) in Kinds)
        {
            var onlyB = b[kind].Keys.Except(a[kind].Keys).ToHashSet();
            Assert.Equal(a[kind].Keys.Union(b[kind].Keys).Order(StringComparer.Ordinal), all[kind].Keys.Order(StringComparer.Ordinal)); // the whole is both halves

            var fk = f.RootElement.GetProperty("kinds").GetProperty(kind);
            Assert.True(fk.GetProperty("compared").GetBoolean(), kind);
            var appeared = Entries(fk, "appeared");
            Assert.Equal(onlyB.Order(StringComparer.Ordinal), appeared.Keys.Order(StringComparer.Ordinal));
            foreach (var (value, counts) in appeared)
                Assert.True(b[kind][value].SequenceEqual(counts.New) && counts.Old.All(c => c == 0), $"{kind} {value}: new counts {string.Join(',', counts.New)}, B has {string.Join(',', b[kind][value])}");
            Assert.Empty(Entries(fk, "disappeared"));
            // What both halves have grows by B's counts: changed, unless B's entry counts nothing of what is measured.
            var changed = Entries(fk, "changed");
            foreach (var (value, counts) in changed)
            {
                Assert.True(a[kind].ContainsKey(value) && b[kind].ContainsKey(value), $"{kind} {value} changed but is not in both halves");
                Assert.Equal(a[kind][value], counts.Old);
                Assert.Equal(a[kind][value].Zip(b[kind][value], (x, y) => x + y), counts.New);
            }
            var inBoth = a[kind].Keys.Intersect(b[kind].Keys).Where(v => b[kind][v].Any(c => c > 0)).ToHashSet();
            Assert.Equal(inBoth.Order(StringComparer.Ordinal), changed.Keys.Order(StringComparer.Ordinal));

            var rk = r.RootElement.GetProperty("kinds").GetProperty(kind);
            Assert.Equal(onlyB.Order(StringComparer.Ordinal), Entries(rk, "disappeared").Keys.Order(StringComparer.Ordinal));
            Assert.Empty(Entries(rk, "appeared"));
        }
        // Appeared is ranked by what matters: bytes for addresses, queries for names.
        var addresses = f.RootElement.GetProperty("kinds").GetProperty("sourceIps").GetProperty("appeared").EnumerateArray()
            .Select(e => e.GetProperty("new").GetProperty("ipBytes").GetInt64()).ToList();
        Assert.Equal(addresses.OrderDescending(), addresses);

        BundleSchemas.AssertValid(t["a-all"]);
        var verify = Cli.Run("verify", t["a-all"]);
        Assert.True(verify.ExitCode == 0, verify.ToString());
    }

    [Fact]
    public void Diff_BundleWithItself_HasNoChanges()
    {
        using var t = new TempDir();
        Report(t["b"], Captures.Samples(t.Dir("samples")));
        var result = Cli.Run("diff", t["b"], t["b"], "-o", t["d"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("no changes", result.Stdout, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(t["d"], "diff.json")));
        Assert.False(doc.RootElement.GetProperty("hasChanges").GetBoolean());
        var sums = Sums(t["b"]);
        foreach (var (kind, _, _) in Kinds)
        {
            var k = doc.RootElement.GetProperty("kinds").GetProperty(kind);
            Assert.Empty(Entries(k, "appeared"));
            Assert.Empty(Entries(k, "disappeared"));
            Assert.Empty(Entries(k, "changed"));
            Assert.Equal(sums[kind].Count, k.GetProperty("unchanged").GetInt32());
            Assert.True(sums[kind].Count > 0, kind); // the samples hold some of each
        }
        Assert.Contains("No changes", File.ReadAllText(Path.Combine(t["d"], "diff.html")), StringComparison.Ordinal);
        Assert.Contains("No changes: the source addresses, query names, registered domains,", PdfText(Path.Combine(t["d"], "diff.pdf")), StringComparison.Ordinal);
        Assert.Contains("are the same in both bundles", PdfText(Path.Combine(t["d"], "diff.pdf")), StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_OlderSchemaBundle_ComparesWhatBothList_AndSaysWhatItCouldNot()
    {
        using var t = new TempDir();
        var samples = Captures.Samples(t.Dir("samples"));
        Report(t["old"], samples);
        Report(t["new"], samples);
        // The old bundle as an earlier release wrote it: schemaVersion 1, without the context members (dnsDomains among them).
        foreach (string file in ListedAnalysisFiles(t["old"]))
        {
            RewriteListed(t["old"], file, node =>
            {
                node["schemaVersion"] = 1;
                foreach (string member in (string[])["dnsDomains", "dnsResponses", "dnsAnswers", "dnsClients", "contextData", "conversations", "services", "beacons", "longConnections"])
                    node.AsObject().Remove(member);
            });
        }
        var result = Cli.Run("diff", t["old"], t["new"], "-o", t["d"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(t["d"], "diff.json")));
        Assert.Equal([1], doc.RootElement.GetProperty("old").GetProperty("analysisSchemaVersions").EnumerateArray().Select(v => v.GetInt32()));
        var kinds = doc.RootElement.GetProperty("kinds");
        foreach (string kind in (string[])["sourceIps", "names"])
        {
            Assert.True(kinds.GetProperty(kind).GetProperty("compared").GetBoolean(), kind);
            Assert.Empty(Entries(kinds.GetProperty(kind), "appeared"));
            Assert.Empty(Entries(kinds.GetProperty(kind), "changed"));
        }
        var domains = kinds.GetProperty("registeredDomains");
        Assert.False(domains.GetProperty("compared").GetBoolean());
        Assert.Contains("schemaVersion 1", domains.GetProperty("notCompared").GetString(), StringComparison.Ordinal);
        Assert.Empty(Entries(domains, "appeared")); // not "everything appeared"
        // The new bundle lists conversations and services, the old one could not: not compared, with the reason.
        foreach (string kind in (string[])["conversations", "services"])
        {
            Assert.False(kinds.GetProperty(kind).GetProperty("compared").GetBoolean(), kind);
            Assert.Empty(Entries(kinds.GetProperty(kind), "appeared"));
        }
        Assert.Contains("Registered domains were not compared", File.ReadAllText(Path.Combine(t["d"], "diff.html")), StringComparison.Ordinal);
        BundleSchemas.AssertValid(t["d"]);
    }

    [Fact]
    public void Diff_SchemaVersion3Conversations_AreComparedWhenBothList_AndNotWhenOneDoesNot()
    {
        using var t = new TempDir();
        string capture = Path.Combine(t.Dir("in"), "one.pcap");
        Captures.Tiny(capture);
        Report(t["old"], [capture]);
        Report(t["new"], [capture]);
        Report(t["v2"], [capture]);
        static JsonObject Conversation(string b, int port, long bytesAToB, long bytesBToA) => new()
        {
            ["protocol"] = "tcp", ["protocolNumber"] = 6, ["version"] = 4, ["addressA"] = "10.0.0.1", ["portA"] = 51000,
            ["addressB"] = b, ["portB"] = port, ["packetsAToB"] = 3, ["ipBytesAToB"] = bytesAToB, ["packetsBToA"] = 2, ["ipBytesBToA"] = bytesBToA,
        };
        void ToVersion3(string bundle, params JsonObject[] conversations)
        {
            foreach (string file in ListedAnalysisFiles(bundle))
                RewriteListed(bundle, file, node =>
                {
                    node["schemaVersion"] = 3;
                    node["conversations"] = new JsonArray(conversations.Select(c => (JsonNode)c.DeepClone()).ToArray());
                });
        }
        // The "v2" bundle as a release before flows wrote it: no conversations.
        foreach (string file in ListedAnalysisFiles(t["v2"]))
            RewriteListed(t["v2"], file, node => node.AsObject().Remove("conversations"));
        ToVersion3(t["old"], Conversation("192.0.2.7", 443, 100, 900));
        ToVersion3(t["new"], Conversation("192.0.2.7", 443, 100, 4900), Conversation("2001:db8::9", 853, 70, 30));

        var result = Cli.Run("diff", t["old"], t["new"], "-o", t["d"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(t["d"], "diff.json")));
        var conversations = doc.RootElement.GetProperty("kinds").GetProperty("conversations");
        Assert.Equal("ipBytes", conversations.GetProperty("rankedBy").GetString());
        var appeared = Entries(conversations, "appeared");
        Assert.Equal(["tcp 10.0.0.1:51000 ↔ [2001:db8::9]:853"], appeared.Keys);
        Assert.Equal([100L, 5], appeared.Values.Single().New); // bytes both ways, packets both ways
        var changed = conversations.GetProperty("changed").EnumerateArray().Single();
        Assert.Equal("tcp 10.0.0.1:51000 ↔ 192.0.2.7:443", changed.GetProperty("value").GetString());
        Assert.Equal(4000, changed.GetProperty("change").GetInt64());
        Assert.Equal(4.0, changed.GetProperty("relativeChange").GetDouble());
        BundleSchemas.AssertValid(t["d"]);

        var mixed = Cli.Run("diff", t["v2"], t["new"], "-o", t["d2"]);
        Assert.True(mixed.ExitCode == 0, mixed.ToString());
        using var doc2 = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(t["d2"], "diff.json")));
        var notCompared = doc2.RootElement.GetProperty("kinds").GetProperty("conversations");
        Assert.False(notCompared.GetProperty("compared").GetBoolean());
        Assert.Contains("old bundle", notCompared.GetProperty("notCompared").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_NotABundle_ExitsOneNamingTheDirectoryAndWhy_AndWritesNothing()
    {
        using var t = new TempDir();
        Report(t["b"], Captures.Samples(t.Dir("samples")));
        File.WriteAllText(Path.Combine(t.Dir("plain"), "notes.txt"), "hello");
        File.WriteAllText(t["file"], "x");

        (string Bundle, string Why)[] cases =
        [
            (t["missing"], "does not exist"),
            (t["plain"], "holds no manifest.json"),
            (t["file"], "is not a directory"),
        ];
        foreach (var (bundle, why) in cases)
        {
            var result = Cli.Run("diff", bundle, t["b"], "-o", t["d"]);
            Assert.True(result.ExitCode == 1, result.ToString());
            Assert.Contains($"the old bundle '{bundle}'", result.Stderr, StringComparison.Ordinal);
            Assert.Contains(why, result.Stderr, StringComparison.Ordinal);
            Assert.False(Directory.Exists(t["d"]), "a diff bundle was written");
        }

        // A diff bundle is not a report bundle.
        Assert.Equal(0, Cli.Run("diff", t["b"], t["b"], "-o", t["d1"]).ExitCode);
        var diffOfDiff = Cli.Run("diff", t["b"], t["d1"], "-o", t["d"]);
        Assert.True(diffOfDiff.ExitCode == 1, diffOfDiff.ToString());
        Assert.Contains($"the new bundle '{t["d1"]}' is a diff bundle", diffOfDiff.Stderr, StringComparison.Ordinal);

        // An analysis.json altered after the bundle was written is named, and nothing is compared.
        string altered = ListedAnalysisFiles(t["b"]).First();
        File.AppendAllText(Path.Combine(t["b"], altered), " ");
        var tampered = Cli.Run("diff", t["b"], t["b"], "-o", t["d"]);
        Assert.True(tampered.ExitCode == 1, tampered.ToString());
        Assert.Contains(altered, tampered.Stderr, StringComparison.Ordinal);
        Assert.Contains("altered", tampered.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(t["d"]));
    }

    [Fact]
    public void Diff_OutputThatIsNotABundle_IsLeftUntouched_AndABundleBeingComparedIsRefused()
    {
        using var t = new TempDir();
        Report(t["b"], Captures.Samples(t.Dir("samples")));
        string foreign = Path.Combine(t.Dir("mine"), "thesis.tex");
        File.WriteAllText(foreign, "precious");
        var result = Cli.Run("diff", t["b"], t["b"], "-o", t["mine"]);
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("not replaced", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("precious", File.ReadAllText(foreign));
        Assert.Single(Directory.GetFileSystemEntries(t["mine"]));

        var before = Bundle.Snapshot(t["b"]);
        var onItself = Cli.Run("diff", t["b"], t["b"], "-o", t["b"]);
        Assert.True(onItself.ExitCode == 1, onItself.ToString());
        Assert.Contains("being compared", onItself.Stderr, StringComparison.Ordinal);
        Bundle.AssertIdentical(before, Bundle.Snapshot(t["b"]));

        // A diff bundle is ours to replace: a second diff into it succeeds.
        Assert.Equal(0, Cli.Run("diff", t["b"], t["b"], "-o", t["d"]).ExitCode);
        Assert.Equal(0, Cli.Run("diff", t["b"], t["b"], "-o", t["d"]).ExitCode);
    }

    [Fact]
    public void Diff_SameBundles_GiveIdenticalJsonAndPdf_WhateverTheTimeAndCulture_AndThePageDiffersOnlyInItsTime()
    {
        using var t = new TempDir();
        var samples = Captures.Samples(t.Dir("samples")).Order(StringComparer.Ordinal).ToList();
        Report(t["a"], samples.Take(3));
        Report(t["b"], samples.Skip(2));
        Assert.Equal(0, Cli.Run("diff", t["a"], t["b"], "-o", t["d1"]).ExitCode);
        string? epoch = Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH");
        var culture = CultureInfo.CurrentCulture;
        Environment.SetEnvironmentVariable("SOURCE_DATE_EPOCH", "1800000000");
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
        try
        {
            Assert.Equal(0, PcapViz.Cli.CliApp.Run(["diff", t["a"], t["b"], "-o", t["d2"], "-q"], TextWriter.Null, TextWriter.Null));
        }
        finally
        {
            Environment.SetEnvironmentVariable("SOURCE_DATE_EPOCH", epoch);
            CultureInfo.CurrentCulture = culture;
        }
        foreach (string file in (string[])["diff.json", "diff.pdf"])
            Assert.True(File.ReadAllBytes(Path.Combine(t["d1"], file)).SequenceEqual(File.ReadAllBytes(Path.Combine(t["d2"], file))), $"{file} differs");
        string first = File.ReadAllText(Path.Combine(t["d1"], "diff.html"));
        string second = File.ReadAllText(Path.Combine(t["d2"], "diff.html"));
        Assert.Contains("2024-03-01 00:00:00", first, StringComparison.Ordinal);
        Assert.Contains("2027-01-15 08:00:00", second, StringComparison.Ordinal);
        Assert.Equal(first, second.Replace("2027-01-15 08:00:00", "2024-03-01 00:00:00", StringComparison.Ordinal));
        Assert.Contains("appeared", first, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_HostileName_IsEscapedInThePage_AndInTheJson()
    {
        using var t = new TempDir();
        string capture = Path.Combine(t.Dir("in"), "one.pcap");
        Captures.Tiny(capture);
        Report(t["old"], [capture]);
        Report(t["new"], [capture]);
        const string hostile = "<script>alert(1)</script>\u202e.example";
        foreach (string file in ListedAnalysisFiles(t["new"]))
            RewriteListed(t["new"], file, node => node["dnsQueries"]!.AsArray().Add(new JsonObject { ["name"] = hostile, ["protocol"] = "dns", ["queries"] = 7 }));
        var result = Cli.Run("diff", t["old"], t["new"], "-o", t["d"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        string html = File.ReadAllText(Path.Combine(t["d"], "diff.html"));
        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
        Assert.DoesNotContain("\u202e", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;\\u202e.example", html, StringComparison.Ordinal); // in the box and the table
        string json = File.ReadAllText(Path.Combine(t["d"], "diff.json"));
        Assert.DoesNotContain("<script>", json, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(hostile, Entries(doc.RootElement.GetProperty("kinds").GetProperty("names"), "appeared").Keys.Single());
        string pdf = PdfText(Path.Combine(t["d"], "diff.pdf"));
        Assert.DoesNotContain("\u202e", pdf, StringComparison.Ordinal);
        Assert.Contains("<script>alert(1)</script>", pdf, StringComparison.Ordinal); // shown as text, in the box and the table
    }

    /// <summary>The words of every page as PdfPig reads them, joined by spaces.</summary>
    private static string PdfText(string path)
    {
        using var doc = UglyToad.PdfPig.PdfDocument.Open(path);
        return string.Join("\n", doc.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))));
    }

    [Fact]
    public void Diff_ACaptureOverItsDistinctLimit_IsFlaggedForTheKindsItBounds()
    {
        using var t = new TempDir();
        string capture = Path.Combine(t.Dir("in"), "one.pcap");
        Captures.Tiny(capture);
        Report(t["old"], [capture]);
        Report(t["new"], [capture]);
        foreach (string file in ListedAnalysisFiles(t["new"]))
            RewriteListed(t["new"], file, node => node["limits"]!["dnsQueries"]!["exceeded"] = true);
        var result = Cli.Run("diff", t["old"], t["new"], "-o", t["d"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(t["d"], "diff.json")));
        var kinds = doc.RootElement.GetProperty("kinds");
        bool Flagged(string kind, string side) => kinds.GetProperty(kind).GetProperty("limitExceeded").GetProperty(side).GetBoolean();
        Assert.True(Flagged("names", "new") && Flagged("registeredDomains", "new"));
        Assert.False(Flagged("names", "old") || Flagged("sourceIps", "new"));
        Assert.Contains("In the new bundle, a capture held more distinct query names than its limit", File.ReadAllText(Path.Combine(t["d"], "diff.html")), StringComparison.Ordinal);
    }

    private static void Report(string output, IEnumerable<string> inputs)
    {
        var result = Cli.Run(["report", .. inputs, "-o", output, "--format", "json", "-q"]);
        Assert.True(result.ExitCode is 0 or 2, result.ToString());
    }

    /// <summary>The analysis.json files a bundle's manifest lists.</summary>
    private static List<string> ListedAnalysisFiles(string bundle)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(bundle, "manifest.json")));
        return manifest.RootElement.GetProperty("outputs").EnumerateArray().Select(o => o.GetProperty("path").GetString()!)
            .Where(p => p.EndsWith("/analysis.json", StringComparison.Ordinal)).ToList();
    }

    private static List<string> Statuses(string bundle) =>
        ListedAnalysisFiles(bundle).Select(f =>
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(bundle, f)));
            return doc.RootElement.GetProperty("status").GetString()!;
        }).ToList();

    /// <summary>Per kind: every value and its measures (as diff.json orders them) summed over the bundle's analysis.json files.</summary>
    private static Dictionary<string, Dictionary<string, long[]>> Sums(string bundle)
    {
        var measures = new Dictionary<string, string[]>
        {
            ["sourceIps"] = ["ipBytes", "packets"], ["names"] = ["queries"], ["registeredDomains"] = ["queries", "responses", "nxdomain"],
        };
        var sums = Kinds.ToDictionary(k => k.Kind, _ => new Dictionary<string, long[]>(StringComparer.Ordinal));
        foreach (string file in ListedAnalysisFiles(bundle))
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(bundle, file)));
            foreach (var (kind, array, key) in Kinds)
            {
                foreach (var e in doc.RootElement.GetProperty(array).EnumerateArray())
                {
                    string value = e.GetProperty(key).GetString()!;
                    long[] counts = measures[kind].Select(m => e.GetProperty(m).GetInt64()).ToArray();
                    sums[kind][value] = sums[kind].TryGetValue(value, out var before) ? before.Zip(counts, (x, y) => x + y).ToArray() : counts;
                }
            }
        }
        return sums;
    }

    /// <summary>The entries of one list of a kind in diff.json: value → (old counts, new counts) in the kind's measure order.</summary>
    private static Dictionary<string, (long[] Old, long[] New)> Entries(JsonElement kind, string list)
    {
        var measures = kind.GetProperty("measures").EnumerateArray().Select(m => m.GetString()!).ToArray();
        return kind.GetProperty(list).EnumerateArray().ToDictionary(
            e => e.GetProperty("value").GetString()!,
            e => (measures.Select(m => e.GetProperty("old").GetProperty(m).GetInt64()).ToArray(), measures.Select(m => e.GetProperty("new").GetProperty(m).GetInt64()).ToArray()),
            StringComparer.Ordinal);
    }

    /// <summary>Edits a listed file of a bundle and records its new SHA-256 and size in the manifest, as a bundle written that way would have them.</summary>
    private static void RewriteListed(string bundle, string relative, Action<JsonNode> edit)
    {
        string path = Path.Combine(bundle, relative);
        var node = JsonNode.Parse(File.ReadAllBytes(path))!;
        edit(node);
        byte[] bytes = Encoding.UTF8.GetBytes(node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.WriteAllBytes(path, bytes);
        string manifestPath = Path.Combine(bundle, "manifest.json");
        var manifest = JsonNode.Parse(File.ReadAllBytes(manifestPath))!;
        var listed = manifest["outputs"]!.AsArray().Single(o => (string)o!["path"]! == relative)!;
        listed["sha256"] = Convert.ToHexStringLower(SHA256.HashData(bytes));
        listed["sizeBytes"] = bytes.Length;
        File.WriteAllText(manifestPath, manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
