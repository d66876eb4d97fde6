using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using PcapViz.Context;
using PcapViz.Pseudonymisation;

namespace PcapViz.Tests;

/// <summary>
/// docs/pseudonymisation.md, "Pseudonymised bundles": <c>--pseudonymise KEYFILE</c> on report and merge. The no-leak
/// search over both corpora (every original global unicast address and every meaningful label below the public suffix
/// of a plain run, searched in every file of the pseudonymised bundle, PDFs through pdftotext, the history database and
/// the terminal output), the same pseudonyms for the same key on every night (history's "new" works), other pseudonyms
/// under another key, the key never written, key-file errors, and merge applying the key to plain shards.
/// </summary>
public sealed partial class PseudonymisationTests : IDisposable
{
    /// <summary>Labels shorter than this are not searched: a 1–3 character label ("www", "ns1", "a", "tv") occurs by
    /// chance in any text (numbers, hashes, words) and says nothing about who talked to whom.</summary>
    private const int MinLabelLength = 4;

    private readonly TempDir _t = new();

    public void Dispose() => _t.Dispose();

    private string Key(string name = "key", int seed = 1)
    {
        string path = _t[name];
        File.WriteAllBytes(path, KeyBytes(seed));
        return path;
    }

    /// <summary>32 fixed "random" bytes (not text, so the file is a raw key).</summary>
    private static byte[] KeyBytes(int seed) => Enumerable.Range(0, 32).Select(i => (byte)(0x80 + ((i * 37 + seed * 101) % 127))).ToArray();

    private static string Shared(string name)
    {
        string? dir = TestEnvironment.SharedDirectory(name);
        TestEnvironment.Require(dir is not null, $"../shared/{name} is absent.");
        return dir;
    }

    [Fact]
    public void NoLeak_BothCorpora_NoOriginalGlobalAddressOrLabelInAnyFileOfThePseudonymisedBundle()
    {
        string corpus = Shared("corpus"), l7 = Shared("corpus-l7");
        TestEnvironment.Require(HasPdfToText(), "pdftotext (poppler-utils) is not installed.");

        // 1. The originals, as a plain run writes them.
        string plain = _t["plain"];
        var p = Cli.Run("report", corpus, l7, "-o", plain, "--format", "json", "-q", "--fail-on", "never");
        Assert.True(p.ExitCode == 0, p.ToString());
        var (addresses, names) = Originals(plain);
        var captureWords = new HashSet<string>(StringComparer.Ordinal);
        foreach (string file in Directory.EnumerateFiles(corpus, "*", SearchOption.AllDirectories).Concat(Directory.EnumerateFiles(l7, "*", SearchOption.AllDirectories)))
            captureWords.UnionWith(Words(file));
        var (labels, excluded) = LabelsBelowSuffix(names, captureWords, ToolWords());
        Assert.True(addresses.Count > 100 && labels.Count > 50, $"{addresses.Count} addresses, {labels.Count} labels: the corpora should give many.");

        // 2. The pseudonymised run of the same inputs with every output, a history and a watchlist of real values (so
        //    hits, new indicators and trend are written too).
        string watchlist = _t["watch.txt"];
        var watched = addresses.Take(3).Concat(names.Where(n => n.Contains('.', StringComparison.Ordinal) && !n.EndsWith(".arpa", StringComparison.Ordinal)).Take(3)).ToList();
        File.WriteAllLines(watchlist, watched.Select((v, i) => $"{v} watched-{i}"));
        string bundle = _t["shared"], history = _t["history.db"];
        var r = Cli.Run("report", corpus, l7, "-o", bundle, "--format", "all,stix,misp", "--pseudonymise", Key(),
            "--history", history, "--watchlist", watchlist, "-v", "--fail-on", "never");
        Assert.True(r.ExitCode == 0, r.ToString());
        using (var hitsJson = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(bundle, "history.json"))))
            Assert.True(hitsJson.RootElement.GetProperty("watchlistHits").GetArrayLength() >= watched.Count, "every watched value should be hit");

        // 3. Every file of the bundle, the history database and the terminal output, searched for every original.
        var texts = new List<(string File, string Text)>();
        long bytes = 0;
        foreach (string file in Directory.EnumerateFiles(bundle, "*", SearchOption.AllDirectories).Append(history)
                     .Concat(Directory.EnumerateFiles(Path.GetDirectoryName(history)!, "history.db-*")))
        {
            bytes += new FileInfo(file).Length;
            foreach (string text in Readable(file)) texts.Add((Path.GetRelativePath(_t.Root, file), text.ToLowerInvariant()));
        }
        texts.Add(("stdout+stderr", (r.Stdout + r.Stderr).ToLowerInvariant()));

        var patterns = addresses.Select(a => (What: $"address {a}", Pattern: new Regex(@"(?<![0-9a-z.:])" + Regex.Escape(a.ToLowerInvariant()) + @"(?![0-9a-z:]|\.[0-9])", RegexOptions.CultureInvariant)))
            .Concat(labels.Select(l => (What: $"label {l}", Pattern: new Regex(@"(?<![0-9a-z_-])" + Regex.Escape(l) + @"(?![0-9a-z_-])", RegexOptions.CultureInvariant))))
            .ToList();
        // The search finds what it looks for: every value is found in the plain run's own files.
        var plainTexts = Directory.EnumerateFiles(plain, "*", SearchOption.AllDirectories).SelectMany(Readable).Select(t => t.ToLowerInvariant()).ToList();
        var unfound = patterns.Where(p => !plainTexts.Any(t => p.Pattern.IsMatch(t))).Select(p => p.What).ToList();
        Assert.True(unfound.Count == 0, "not found in the plain bundle: " + string.Join(", ", unfound.Take(20)));

        var leaks = patterns.SelectMany(p => texts.Where(t => p.Pattern.IsMatch(t.Text)).Select(t => $"{p.What} in {t.File}")).ToList();
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"no-leak: {addresses.Count} global addresses and {labels.Count} labels searched in {texts.Count} texts of {Directory.EnumerateFiles(bundle, "*", SearchOption.AllDirectories).Count()} bundle files + history database + terminal ({bytes:N0} bytes); labels not searched: {excluded}"));
        Assert.True(leaks.Count == 0, string.Join('\n', leaks.Take(50)));

        // The manifest says how, and is valid against its schema.
        BundleSchemas.AssertValid(bundle);
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(bundle, "manifest.json")));
        Assert.Matches("^[0-9a-f]{16}$", manifest.RootElement.GetProperty("pseudonymisation").GetProperty("keyId").GetString());
    }

    [Fact]
    public void SameKey_SamePseudonymsInEveryRunAndForm_OtherKeyOthers_ClassesAndCountsKept()
    {
        string input = _t.Dir("in");
        Captures.Samples(input);
        string plain = _t["plain"], a1 = _t["a1"], a2 = _t["a2"], b = _t["b"];
        string hexKey = _t["key.hex"], base64Key = _t["key.b64"];
        byte[] keyA = KeyBytes(1);
        File.WriteAllText(hexKey, Convert.ToHexString(keyA) + "\n");
        File.WriteAllText(base64Key, "  " + Convert.ToBase64String(keyA) + "\r\n");
        Assert.Equal(0, Cli.Run("report", input, "-o", plain, "--format", "json", "-q").ExitCode);
        var r1 = Cli.Run("report", input, "-o", a1, "--pseudonymise", Key(), "-q");
        Assert.True(r1.ExitCode == 0, r1.ToString());
        // The same key in another form and on another night: the same bundle, byte for byte.
        Assert.Equal(0, Cli.Run("report", input, "-o", a2, "--pseudonymise", hexKey, "-q").ExitCode);
        Bundle.AssertIdentical(Bundle.Snapshot(a1), Bundle.Snapshot(a2));
        Assert.Equal(0, Cli.Run("report", input, "-o", _t["a3"], "--pseudonymise", base64Key, "--format", "json", "-q").ExitCode);
        Bundle.AssertIdentical(Bundle.Snapshot(a1), Bundle.Snapshot(_t["a3"]), f => f.EndsWith("analysis.json", StringComparison.Ordinal));
        Assert.Equal(0, Cli.Run("report", input, "-o", b, "--pseudonymise", Key("other", seed: 2), "--format", "json", "-q").ExitCode);
        BundleSchemas.AssertValid(a1);

        // Each capture's pseudonyms are the engine's pseudonyms of its originals, with the same counts and classes
        // (the engine's mapping itself is tested against the Crypto-PAn vectors in PcapViz.Core.Tests).
        using var keyA1 = new Pseudonymiser(PseudonymKey.FromBytes(keyA));
        using var keyB = new Pseudonymiser(PseudonymKey.FromBytes(KeyBytes(2)));
        int globals = 0, names = 0;
        foreach (string capture in Directory.EnumerateDirectories(Path.Combine(plain, "captures")).Select(d => Path.GetFileName(d)))
        {
            var original = Sources(plain, capture);
            var underA = Sources(a1, capture);
            var underB = Sources(b, capture);
            Assert.Equal(original.Count, underA.Count);
            foreach (var (address, (packets, addressClass)) in original)
            {
                string pa = keyA1.Address(address), pb = keyB.Address(address);
                Assert.Equal((packets, addressClass), underA[pa]);
                Assert.Equal((packets, addressClass), underB[pb]);
                if (addressClass != AddressClasses.Public) continue;
                globals++;
                Assert.NotEqual(address, pa);
                Assert.NotEqual(pa, pb);
                Assert.False(underA.ContainsKey(address), $"{capture}: {address} kept");
            }
            var originalNames = QueryNames(plain, capture);
            var namesA = QueryNames(a1, capture);
            Assert.Equal(originalNames.Count, namesA.Count);
            foreach (var (name, queries) in originalNames)
            {
                Assert.Equal(queries, namesA[keyA1.Name(name)]);
                if (keyA1.Name(name) != name) names++;
            }
        }
        Assert.True(globals >= 3 && names >= 20, $"{globals} global addresses, {names} names: the samples should have more.");
    }

    /// <summary>A capture's source addresses: packets and class.</summary>
    private static Dictionary<string, (long Packets, string Class)> Sources(string bundle, string capture)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(bundle, "captures", capture, "analysis.json")));
        return doc.RootElement.GetProperty("sourceIps").EnumerateArray().ToDictionary(e => e.GetProperty("address").GetString()!,
            e => (e.GetProperty("packets").GetInt64(), e.GetProperty("addressClass").GetString()!), StringComparer.Ordinal);
    }

    /// <summary>A capture's query names and their queries (summed over protocols).</summary>
    private static Dictionary<string, long> QueryNames(string bundle, string capture)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(bundle, "captures", capture, "analysis.json")));
        return doc.RootElement.GetProperty("dnsQueries").EnumerateArray().GroupBy(e => e.GetProperty("name").GetString()!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(e => e.GetProperty("queries").GetInt64()), StringComparer.Ordinal);
    }

    [Fact]
    public void History_TwoPseudonymisedNights_NewIsWhatPlainNightsCallNew_UnderTheKey_AndWatchlistsMatchOriginals()
    {
        string night1 = _t.Dir("night1"), night2 = _t.Dir("night2");
        var samples = Captures.Samples(_t.Dir("samples"));
        File.Copy(samples.Single(s => s.EndsWith("office-lan.pcap", StringComparison.Ordinal)), Path.Combine(night1, "office-lan.pcap"));
        File.Copy(Path.Combine(night1, "office-lan.pcap"), Path.Combine(night2, "office-lan.pcap"));
        File.Copy(samples.Single(s => s.EndsWith("cafe-wifi-radiotap.pcap", StringComparison.Ordinal)), Path.Combine(night2, "cafe-wifi-radiotap.pcap"));
        string list = _t["watch.txt"];
        File.WriteAllText(list, "94.197.231.23 office uplink\nlitware.io tracker\n94.197.0.0/16 provider\n");
        string key = Key();
        foreach (var (night, n) in new[] { (night1, 1), (night2, 2) })
        {
            var plain = Cli.Run("report", night, "-o", _t[$"plain{n}"], "--format", "json", "--history", _t["plain.db"], "--watchlist", list, "-q");
            Assert.True(plain.ExitCode == 0, plain.ToString());
            var shared = Cli.Run("report", night, "-o", _t[$"shared{n}"], "--format", "json", "--history", _t["shared.db"], "--watchlist", list, "--pseudonymise", key, "-q");
            Assert.True(shared.ExitCode == 0, shared.ToString());
        }
        using var pseudonyms = new Pseudonymiser(PseudonymKey.FromBytes(KeyBytes(1)));
        using var plain2 = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_t["plain2"], "history.json")));
        using var shared2 = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_t["shared2"], "history.json")));
        Assert.Equal(1, shared2.RootElement.GetProperty("runsBefore").GetInt32());
        foreach (string kind in new[] { "addresses", "names", "domains" })
        {
            var expected = plain2.RootElement.GetProperty("new").GetProperty(kind).EnumerateArray()
                .Select(e => kind == "addresses" ? pseudonyms.Address(e.GetProperty("value").GetString()!) : pseudonyms.Name(e.GetProperty("value").GetString()!))
                .Order(StringComparer.Ordinal).ToList();
            var actual = shared2.RootElement.GetProperty("new").GetProperty(kind).EnumerateArray().Select(e => e.GetProperty("value").GetString()!)
                .Order(StringComparer.Ordinal).ToList();
            Assert.True(expected.Count > 0, kind);
            Assert.Equal(expected, actual);
        }
        // Watchlists matched the originals; the hits name pseudonyms, and the entries and labels are pseudonymised too.
        var plainHits = plain2.RootElement.GetProperty("watchlistHits").EnumerateArray().ToList();
        var sharedHits = shared2.RootElement.GetProperty("watchlistHits").EnumerateArray().ToList();
        Assert.Equal(plainHits.Count, sharedHits.Count);
        Assert.Contains(sharedHits, h => h.GetProperty("value").GetString() == pseudonyms.Address("94.197.231.23") &&
                                         h.GetProperty("entry").GetString() == pseudonyms.Address("94.197.231.23") &&
                                         h.GetProperty("label").GetString() == pseudonyms.Text("office uplink"));
        Assert.Contains(sharedHits, h => h.GetProperty("kind").GetString() == "domain" && h.GetProperty("value").GetString() == pseudonyms.Name("litware.io") &&
                                         h.GetProperty("entry").GetString() == pseudonyms.Name("litware.io"));
        // A range hits through its network's pseudonym, cut to the prefix: the pseudonym of an address inside shares it.
        string uplink = pseudonyms.Address("94.197.231.23");
        Assert.Contains(sharedHits, h => h.GetProperty("value").GetString() == uplink &&
                                         h.GetProperty("entry").GetString() == string.Join('.', uplink.Split('.').Take(2)) + ".0.0/16" &&
                                         h.GetProperty("label").GetString() == pseudonyms.Text("provider"));
        string text = File.ReadAllText(Path.Combine(_t["shared2"], "history.json"));
        Assert.DoesNotContain("94.197.231.23", text, StringComparison.Ordinal);
        Assert.DoesNotContain("litware", text, StringComparison.Ordinal);
        Assert.DoesNotContain("uplink", text, StringComparison.Ordinal);
    }

    [Fact]
    public void SpilledResults_SameBundleAsHeld_WatchlistsStillMatchTheOriginals()
    {
        string input = _t.Dir("in");
        Captures.Samples(input);
        string list = _t["watch.txt"], key = Key();
        File.WriteAllText(list, "94.197.231.23\nkitewire.app\n");
        // Every result waits on disk (budget 0): the pseudonyms are written over the spilled originals only after the
        // watchlists have matched them.
        var spilled = Cli.Run("report", input, "-o", _t["spilled"], "--pseudonymise", key, "--watchlist", list, "--results-in-memory", "0", "--format", "json,csv,html", "-q");
        Assert.True(spilled.ExitCode == 0, spilled.ToString());
        Assert.Equal(0, Cli.Run("report", input, "-o", _t["held"], "--pseudonymise", key, "--watchlist", list, "--format", "json,csv,html", "-q").ExitCode);
        Bundle.AssertIdentical(Bundle.Snapshot(_t["held"]), Bundle.Snapshot(_t["spilled"]));
        using var history = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_t["spilled"], "history.json")));
        var kinds = history.RootElement.GetProperty("watchlistHits").EnumerateArray().Select(h => h.GetProperty("kind").GetString()).ToHashSet();
        Assert.Equal(["address", "domain", "name"], kinds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void KeyBytes_InNoFormInAnyOutputFile()
    {
        string input = _t.Dir("in");
        Captures.Samples(input);
        string bundle = _t["out"];
        var r = Cli.Run("report", input, "-o", bundle, "--format", "all,stix,misp", "--pseudonymise", Key(), "--history", _t["h.db"], "-v");
        Assert.True(r.ExitCode == 0, r.ToString());
        byte[] key = KeyBytes(1);
        var forms = new List<byte[]>
        {
            key, key[..16], key[16..],
            Encoding.ASCII.GetBytes(Convert.ToHexStringLower(key)), Encoding.ASCII.GetBytes(Convert.ToHexString(key)),
            Encoding.ASCII.GetBytes(Convert.ToHexStringLower(key[..16])), Encoding.ASCII.GetBytes(Convert.ToHexStringLower(key[16..])),
            Encoding.ASCII.GetBytes(Convert.ToBase64String(key)), Encoding.ASCII.GetBytes(Convert.ToBase64String(key).TrimEnd('=')),
        };
        var files = Directory.EnumerateFiles(bundle, "*", SearchOption.AllDirectories).Append(_t["h.db"]).ToList();
        Assert.True(files.Count > 20);
        foreach (string file in files)
        {
            byte[] bytes = File.ReadAllBytes(file);
            foreach (byte[] form in forms)
                Assert.True(bytes.AsSpan().IndexOf(form) < 0, $"{file} holds a form of the key ({form.Length} bytes)");
        }
        foreach (byte[] form in forms.Skip(3))
            Assert.DoesNotContain(Encoding.ASCII.GetString(form), r.Stdout + r.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    public static TheoryData<string, byte[]?, string> BadKeys => new()
    {
        { "empty.key", [], "is empty" },
        { "short.key", "0123456789abcdef"u8.ToArray(), "holds 16 hex digits" },
        { "notkey.key", Encoding.ASCII.GetBytes(new string('z', 64) + "!"), "neither hex digits nor base64" },
        { "split.key", Encoding.ASCII.GetBytes(new string('a', 32) + " " + new string('b', 32)), "whitespace inside" },
        { "base64.key", Encoding.ASCII.GetBytes(Convert.ToBase64String(new byte[16])), "base64 of 16 bytes" },
        { "binary.key", Enumerable.Repeat((byte)0x81, 33).ToArray(), "33 bytes that are not text" },
        { "missing.key", null, "cannot be read" },
    };

    [Theory]
    [MemberData(nameof(BadKeys))]
    public void BadKeyFile_UsageErrorNamingTheFileAndWhatIsWrong_NothingWritten(string name, byte[]? content, string what)
    {
        string input = _t.Dir("in");
        Captures.Tiny(Path.Combine(input, "a.pcap"));
        string key = _t[name];
        if (content is not null) File.WriteAllBytes(key, content);
        foreach (string[] args in new[] { new[] { "report", input }, new[] { "merge", _t.Dir("shard") } })
        {
            var r = Cli.Run([.. args, "-o", _t["out"], "--pseudonymise", key]);
            Assert.Equal(1, r.ExitCode);
            Assert.Contains("--pseudonymise", r.Stderr, StringComparison.Ordinal);
            Assert.Contains(key, r.Stderr, StringComparison.Ordinal);
            Assert.Contains(what, r.Stderr, StringComparison.Ordinal);
            Assert.False(Directory.Exists(_t["out"]));
        }
    }

    [Fact]
    public void KeyFileIsADirectory_OrWithIncrementalOrOnAShard_UsageError()
    {
        string input = _t.Dir("in");
        Captures.Tiny(Path.Combine(input, "a.pcap"));
        var dir = Cli.Run("report", input, "-o", _t["out"], "--pseudonymise", _t.Dir("keys"));
        Assert.Equal(1, dir.ExitCode);
        Assert.Contains($"Pseudonym key file '{_t["keys"]}' is a directory", dir.Stderr, StringComparison.Ordinal);
        var incremental = Cli.Run("report", input, "-o", _t["out"], "--pseudonymise", Key(), "--incremental");
        Assert.Equal(1, incremental.ExitCode);
        Assert.Contains("--incremental: a pseudonymised bundle keeps no cache", incremental.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, Cli.Run("plan", input, "--shards", "1", "-o", _t["plan.json"], "-q").ExitCode);
        var shard = Cli.Run("report", "--plan", _t["plan.json"], "--shard", "0", "-o", _t["s0"], "--pseudonymise", Key());
        Assert.Equal(1, shard.ExitCode);
        Assert.Contains("give --pseudonymise to 'pcapviz merge'", shard.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_t["out"]) || Directory.Exists(_t["s0"]));
    }

    [Fact]
    public void Merge_PlainShards_PseudonymisedBundleIsTheReportRunsByteForByte()
    {
        string input = _t.Dir("in");
        Captures.Samples(input);
        string key = Key(), plan = _t["plan.json"];
        Assert.Equal(0, Cli.Run("plan", input, "--shards", "2", "-o", plan, "-q").ExitCode);
        foreach (int k in new[] { 0, 1 })
            Assert.Equal(0, Cli.Run("report", "--plan", plan, "--shard", k.ToString(CultureInfo.InvariantCulture), "-o", _t[$"s{k}"], "-q").ExitCode);
        // The shards keep the originals (they stay inside, like the captures); the merge applies the key.
        Assert.Contains(Directory.EnumerateFiles(_t["s0"], "analysis.json", SearchOption.AllDirectories).Concat(Directory.EnumerateFiles(_t["s1"], "analysis.json", SearchOption.AllDirectories)),
            f => File.ReadAllText(f).Contains("\"94.197.231.23\"", StringComparison.Ordinal));
        var merged = Cli.Run("merge", _t["s0"], _t["s1"], "-o", _t["merged"], "--pseudonymise", key, "-q");
        Assert.True(merged.ExitCode == 0, merged.ToString());
        Assert.Equal(0, Cli.Run("report", input, "-o", _t["single"], "--pseudonymise", key, "-q").ExitCode);
        Bundle.AssertIdentical(Bundle.Snapshot(_t["single"]), Bundle.Snapshot(_t["merged"]));
        Assert.DoesNotContain(Directory.EnumerateFiles(_t["merged"], "*", SearchOption.AllDirectories),
            f => !f.EndsWith(".pdf", StringComparison.Ordinal) && File.ReadAllText(f).Contains("94.197.231.23", StringComparison.Ordinal));
    }

    [Fact]
    public void Diff_PlainBundles_SameDiffAsOfPseudonymisedBundles_NoOriginalInAnyFile_AlreadyPseudonymisedRefused()
    {
        TestEnvironment.Require(HasPdfToText(), "pdftotext (poppler-utils) is not installed.");
        string all = _t.Dir("all"), part = _t.Dir("part");
        Captures.Samples(all);
        foreach (string f in Directory.GetFiles(all).Order(StringComparer.Ordinal).Take(3)) File.Copy(f, Path.Combine(part, Path.GetFileName(f)));
        string key = Key();
        foreach (var (input, name) in new[] { (part, "old"), (all, "new") })
        {
            Assert.Equal(0, Cli.Run("report", input, "-o", _t[name], "--format", "json", "-q").ExitCode);
            Assert.Equal(0, Cli.Run("report", input, "-o", _t["p" + name], "--format", "json", "--pseudonymise", key, "-q").ExitCode);
        }

        // Pseudonymising the diff of the originals gives the diff of the pseudonymised bundles.
        var diff = Cli.Run("diff", _t["old"], _t["new"], "-o", _t["d"], "--pseudonymise", key);
        Assert.True(diff.ExitCode == 0, diff.ToString());
        Assert.Equal(0, Cli.Run("diff", _t["pold"], _t["pnew"], "-o", _t["pd"], "-q").ExitCode);
        static string Kinds(string bundle)
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(bundle, "diff.json")));
            return doc.RootElement.GetProperty("kinds").GetRawText();
        }
        string kinds = Kinds(_t["d"]);
        Assert.Equal(Kinds(_t["pd"]), kinds);
        Assert.Equal(0, Cli.Run("diff", _t["old"], _t["new"], "-o", _t["plain-diff"], "-q").ExitCode);
        Assert.NotEqual(Kinds(_t["plain-diff"]), kinds);

        // No original global address or name in any file of the diff bundle, nor on the terminal.
        var (addresses, names) = Originals(_t["new"]);
        var (oldAddresses, oldNames) = Originals(_t["old"]);
        Assert.NotEmpty(addresses);
        var texts = Directory.EnumerateFiles(_t["d"], "*", SearchOption.AllDirectories).SelectMany(Readable).Append(diff.Stdout + diff.Stderr).ToList();
        // Names of at least two labels and eight characters; not the reverse-lookup zones (in-addr.arpa, ip6.arpa),
        // public suffixes with nothing below them to hide.
        var searched = names.Concat(oldNames).Where(n => n.Contains('.', StringComparison.Ordinal) && n.Length >= 8 && !n.EndsWith(".arpa", StringComparison.Ordinal));
        foreach (string original in addresses.Concat(oldAddresses).Concat(searched).Distinct())
            Assert.DoesNotContain(texts, t => t.Contains(original, StringComparison.Ordinal));

        using (var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_t["d"], "manifest.json"))))
        {
            var how = manifest.RootElement.GetProperty("pseudonymisation");
            Assert.Equal(Pseudonymiser.Method, how.GetProperty("method").GetString());
            Assert.Equal(manifest.RootElement.GetProperty("options").GetProperty("pseudonymise").GetString(), how.GetProperty("keyId").GetString());
        }
        Assert.Equal(0, Cli.Run("verify", _t["d"]).ExitCode);

        var twice = Cli.Run("diff", _t["pold"], _t["new"], "-o", _t["twice"], "--pseudonymise", key);
        Assert.Equal(1, twice.ExitCode);
        Assert.Contains("is pseudonymised already", twice.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_t["twice"]));
    }

    /// <summary>Every original global unicast address (as analysis.json writes it) and every name of the plain run.</summary>
    private static (List<string> Addresses, List<string> Names) Originals(string plain)
    {
        var addresses = new SortedSet<string>(StringComparer.Ordinal);
        var names = new SortedSet<string>(StringComparer.Ordinal);
        void Walk(JsonElement e, string? key)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var p in e.EnumerateObject()) Walk(p.Value, p.Name);
                    break;
                case JsonValueKind.Array:
                    foreach (var x in e.EnumerateArray()) Walk(x, key);
                    break;
                case JsonValueKind.String:
                    string v = e.GetString()!;
                    if (key == "address" && IsGlobalUnicast(v)) addresses.Add(v);
                    if (key is "name" or "names" or "domain" or "registeredDomain" && v.Length > 0) names.Add(v);
                    break;
            }
        }
        foreach (string file in Directory.EnumerateFiles(Path.Combine(plain, "captures"), "analysis.json", SearchOption.AllDirectories))
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
            Walk(doc.RootElement, null);
        }
        return ([.. addresses], [.. names]);
    }

    /// <summary>Outside every special-purpose block (class "public"): the global unicast addresses, and the IPv6
    /// addresses outside 2000::/3 that malformed packets give, which the map replaces as well.</summary>
    private static bool IsGlobalUnicast(string text) =>
        IPAddress.TryParse(text, out _) && AddressClasses.Of(text) == AddressClasses.Public;

    /// <summary>
    /// The labels below the public suffix (the registered domain's labels but its suffix, and everything in front) of
    /// every name, at least <see cref="MinLabelLength"/> characters of [a-z0-9_-], less those the bundle shows for
    /// another reason: a label that is also a suffix label of some name (kept on purpose: "local" of host.local), a
    /// word of a capture's file name (file names are kept), a word of PcapViz's own text (its sources, templates and
    /// the shipped plotly.js: "docs", "meta", "video" …), or a number (counts, times and sizes are kept).
    /// </summary>
    private static (List<string> Labels, string Excluded) LabelsBelowSuffix(List<string> names, HashSet<string> captureWords, HashSet<string> toolWords)
    {
        var below = new SortedSet<string>(StringComparer.Ordinal);
        var suffixLabels = new HashSet<string>(StringComparer.Ordinal);
        foreach (string name in names)
        {
            string n = name.TrimEnd('.');
            string registered = RegisteredDomains.Of(n, PublicSuffixList.Embedded);
            int dot = registered.IndexOf('.', StringComparison.Ordinal);
            string suffix = dot < 0 || !n.EndsWith(registered, StringComparison.Ordinal) ? "" : registered[(dot + 1)..];
            string front = suffix.Length == 0 ? n : n[..^(suffix.Length + 1)];
            foreach (string s in suffix.Split('.', StringSplitOptions.RemoveEmptyEntries)) suffixLabels.Add(s);
            foreach (string l in front.Split('.', StringSplitOptions.RemoveEmptyEntries)) below.Add(l);
        }
        int shortOrEscaped = 0, alsoSuffix = 0, capture = 0, tool = 0, number = 0;
        var kept = new List<string>();
        var toolHits = new List<string>();
        foreach (string label in below)
        {
            if (label.Length < MinLabelLength || !LabelPattern().IsMatch(label)) shortOrEscaped++;
            else if (label.All(char.IsAsciiDigit)) number++;
            else if (suffixLabels.Contains(label)) alsoSuffix++;
            else if (captureWords.Contains(label)) capture++;
            else if (toolWords.Contains(label))
            {
                tool++;
                toolHits.Add(label);
            }
            else kept.Add(label);
        }
        return (kept, string.Create(CultureInfo.InvariantCulture,
            $"{shortOrEscaped} short or escaped, {number} numbers, {alsoSuffix} also suffix labels, {capture} words of capture file names, {tool} words of PcapViz's own text ({string.Join(' ', toolHits)})"));
    }

    [GeneratedRegex("^[a-z0-9_-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelPattern();

    [GeneratedRegex("[a-z0-9_-]+", RegexOptions.CultureInvariant)]
    private static partial Regex WordPattern();

    /// <summary>A C# string literal: raw (three quotes) or regular, verbatim and interpolated alike (roughly: enough to
    /// tell the text a program can print from its comments).</summary>
    [GeneratedRegex(@"""""""[\s\S]*?""""""|""(?:[^""\\\n]|\\.)*""", RegexOptions.CultureInvariant)]
    private static partial Regex StringLiteralPattern();

    private static IEnumerable<string> Words(string path) =>
        WordPattern().Matches(path.ToLowerInvariant()).Select(m => m.Value);

    /// <summary>The words of PcapViz's own text: the string literals of its sources (not the generator's sample
    /// names, which are no part of the tool), the facts data it ships, its templates, and the plotly.js it ships.</summary>
    private static HashSet<string> ToolWords()
    {
        var words = new HashSet<string>(StringComparer.Ordinal);
        string root = TestEnvironment.RepositoryRoot;
        foreach (string file in Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories)
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}PcapViz.Generator{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
            foreach (Match literal in StringLiteralPattern().Matches(File.ReadAllText(file).ToLowerInvariant()))
                words.UnionWith(WordPattern().Matches(literal.Value).Select(m => m.Value));
        // The facts data shipped inside the tool (IANA service names such as "bootps", the address registry).
        foreach (string file in Directory.EnumerateFiles(Path.Combine(root, "src", "PcapViz.Core", "Context", "Data"), "*.txt"))
            words.UnionWith(WordPattern().Matches(File.ReadAllText(file).ToLowerInvariant()).Select(m => m.Value));
        foreach (string file in Directory.EnumerateFiles(Path.Combine(root, "templates"), "*", SearchOption.AllDirectories))
            words.UnionWith(WordPattern().Matches(File.ReadAllText(file).ToLowerInvariant()).Select(m => m.Value));
        var plotly = typeof(Plotly.NET.GenericChart).Assembly;
        foreach (string resource in plotly.GetManifestResourceNames().Where(n => n.StartsWith("Plotly.NET.plotly-", StringComparison.Ordinal)))
        {
            using var stream = plotly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            words.UnionWith(WordPattern().Matches(reader.ReadToEnd().ToLowerInvariant()).Select(m => m.Value));
        }
        return words;
    }

    /// <summary>The text of a file as a reader meets it: PDFs through pdftotext (also with line breaks removed, so a
    /// value wrapped over two lines is found), gzip and zip members unpacked, anything else as UTF-8.</summary>
    private static IEnumerable<string> Readable(string file)
    {
        byte[] bytes = File.ReadAllBytes(file);
        if (bytes.AsSpan().StartsWith("%PDF"u8))
        {
            string text = PdfToText(file);
            yield return text;
            yield return text.Replace("\n", "", StringComparison.Ordinal);
        }
        else if (bytes.AsSpan().StartsWith(new byte[] { 0x1F, 0x8B }))
        {
            using var gz = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var reader = new StreamReader(gz, Encoding.UTF8);
            yield return reader.ReadToEnd();
        }
        else if (bytes.AsSpan().StartsWith("PK\x03\x04"u8))
        {
            using var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
            foreach (var entry in zip.Entries)
            {
                using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
                yield return reader.ReadToEnd();
            }
        }
        else
        {
            yield return Encoding.UTF8.GetString(bytes);
        }
    }

    private static bool HasPdfToText()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pdftotext", "-v") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false });
            process!.WaitForExit();
            return true;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static string PdfToText(string pdf)
    {
        var psi = new ProcessStartInfo("pdftotext") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-enc");
        psi.ArgumentList.Add("UTF-8");
        psi.ArgumentList.Add(pdf);
        psi.ArgumentList.Add("-");
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        string text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"pdftotext {pdf}: {stderr.Result}");
        Assert.False(string.IsNullOrWhiteSpace(text), $"pdftotext found no text in {pdf}");
        return text;
    }
}
