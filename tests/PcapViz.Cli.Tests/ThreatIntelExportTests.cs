using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace PcapViz.Tests;

/// <summary>
/// docs/output.md, "Threat-intelligence exports": <c>--format stix</c> and <c>--format misp</c> over real captures. The
/// STIX bundle of a run over the shared corpus (watchlist hits, --history) and over the samples (DNS signals) is valid
/// against the STIX 2.1 JSON schemas (../shared/reference/stix2-json-schemas: the bundle schema, and each object against
/// the schema of its type); the MISP event has the documented structure and types; both are reproducible byte for byte,
/// under another culture and time zone too, listed in the manifest and accepted by verify.
/// </summary>
public sealed class ThreatIntelExportTests : IDisposable
{
    private readonly TempDir _t = new();

    public void Dispose() => _t.Dispose();

    /// <summary>Hits addresses (10/8, the corpus's private senders) and names (reverse lookups); the label is hostile text.</summary>
    private string Watchlist()
    {
        string list = _t["watch.txt"];
        File.WriteAllText(list, "in-addr.arpa reverse <script>alert(1)</script> & \"quoted\"\n10.0.0.0/8 private senders\n");
        return list;
    }

    private static string StixSchemas()
    {
        string? dir = TestEnvironment.SharedDirectory(Path.Combine("reference", "stix2-json-schemas"));
        TestEnvironment.Require(dir is not null, "../shared/reference/stix2-json-schemas (the STIX 2.1 JSON schemas) is absent.");
        return Path.Combine(dir, "schemas");
    }

    private static string Corpus()
    {
        string? dir = TestEnvironment.SharedDirectory("corpus");
        TestEnvironment.Require(dir is not null, "../shared/corpus is absent.");
        return dir;
    }

    [Fact]
    public void StixAndMisp_CorpusWithWatchlistAndHistory_StixValidAgainstSchemasAndMispTyped()
    {
        string schemas = StixSchemas();
        string output = _t["out"];
        var r = Cli.Run("report", Corpus(), "-o", output, "--format", "json,stix,misp", "--history", _t["history.db"], "--watchlist", Watchlist(), "-q", "--fail-on", "never");
        Assert.True(r.ExitCode == 0, r.ToString());

        using var stix = AssertValidStix(schemas, Path.Combine(output, "indicators.stix.json"));
        var objects = stix.RootElement.GetProperty("objects").EnumerateArray().ToList();
        var observed = objects.Where(o => Type(o) == "observed-data").ToList();
        Assert.Contains(observed, o => Labels(o).Contains("watchlist-hit") && o.GetProperty("x_pcapviz_indicator_kind").GetString() == "address");
        Assert.Contains(observed, o => Labels(o).Contains("watchlist-hit") && o.GetProperty("x_pcapviz_indicator_kind").GetString() == "name");
        Assert.Contains(objects, o => Type(o) == "network-traffic" && o.TryGetProperty("src_ref", out _));
        Assert.Contains(objects, o => Type(o) == "domain-name");
        // The hostile label is text in JSON: escaped by the writer, never raw markup.
        string raw = File.ReadAllText(Path.Combine(output, "indicators.stix.json"));
        Assert.DoesNotContain("<script>", raw, StringComparison.Ordinal);
        Assert.Contains(observed, o => o.GetProperty("x_pcapviz_reason").GetString()!.Contains("<script>alert(1)</script>", StringComparison.Ordinal));

        using var misp = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "indicators.misp.json")));
        var attributes = AssertMispEvent(misp.RootElement);
        Assert.Contains(attributes, a => a.GetProperty("type").GetString() == "ip-src" && a.GetProperty("value").GetString()!.StartsWith("10.", StringComparison.Ordinal)
            && a.GetProperty("to_ids").GetBoolean() && a.GetProperty("comment").GetString()!.Contains("private senders", StringComparison.Ordinal));
        Assert.Contains(attributes, a => a.GetProperty("type").GetString() == "hostname" && a.GetProperty("value").GetString()!.EndsWith(".in-addr.arpa", StringComparison.Ordinal));
        // Every finding is in each export or counted as left out there (MISP refuses a single-label name such as a
        // LAN host's registered domain, STIX a name with escaped bytes or '_'), so both account for the same findings.
        var report = objects.Single(o => Type(o) == "report");
        int stixLeftOut = report.TryGetProperty("x_pcapviz_left_out", out var left) ? left.GetInt32() : 0;
        string info = misp.RootElement.GetProperty("Event").GetProperty("info").GetString()!;
        var mispLeft = System.Text.RegularExpressions.Regex.Match(info, @"(\d+) names? left out");
        int mispLeftOut = mispLeft.Success ? int.Parse(mispLeft.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        Assert.Equal(observed.Count + stixLeftOut, attributes.Count + mispLeftOut);
        Assert.True(observed.Count > 0 && attributes.Count > 0);

        // Listed in the manifest like every other output, with their SHA-256; verify accepts the bundle.
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "manifest.json")));
        var listed = manifest.RootElement.GetProperty("outputs").EnumerateArray()
            .ToDictionary(o => o.GetProperty("path").GetString()!, o => o.GetProperty("sha256").GetString()!);
        foreach (string name in new[] { "indicators.stix.json", "indicators.misp.json" })
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(output, name)))), listed[name]);
        var v = Cli.Run("verify", output);
        Assert.True(v.ExitCode == 0, v.ToString());

        // Every JSON file of the bundle against its schema: the STIX file against the STIX bundle schema, the MISP
        // file against docs/schema/misp-event.schema.json.
        var checkedFiles = BundleSchemas.AssertValid(output);
        Assert.Contains("indicators.stix.json", checkedFiles);
        Assert.Contains("indicators.misp.json", checkedFiles);
    }

    [Fact]
    public void Stix_SamplesWithDnsSignals_ValidAndSignalDomainsExported()
    {
        string schemas = StixSchemas();
        string input = _t.Dir("in");
        Captures.Samples(input);
        string output = _t["out"];
        var r = Cli.Run("report", input, "-o", output, "--format", "stix,misp", "-q", "--fail-on", "never");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.False(File.Exists(Path.Combine(output, "history.json")));

        using var stix = AssertValidStix(schemas, Path.Combine(output, "indicators.stix.json"));
        var objects = stix.RootElement.GetProperty("objects").EnumerateArray().ToList();
        var signalled = objects.Where(o => Type(o) == "observed-data" && Labels(o).Contains("dns-signal")).ToList();
        Assert.NotEmpty(signalled);
        Assert.All(signalled, o => Assert.NotEmpty(o.GetProperty("x_pcapviz_dns_signals").EnumerateArray()));
        Assert.DoesNotContain(objects, o => Labels(o).Contains("watchlist-hit"));

        using var misp = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "indicators.misp.json")));
        JsonSchemaAssert.Valid(BundleSchemas.MispEvent, Path.Combine(output, "indicators.misp.json"));
        var attributes = AssertMispEvent(misp.RootElement);
        Assert.NotEmpty(attributes);
        Assert.All(attributes, a =>
        {
            Assert.Equal("domain", a.GetProperty("type").GetString());
            Assert.False(a.GetProperty("to_ids").GetBoolean());
            Assert.StartsWith("DNS signals: ", a.GetProperty("comment").GetString(), StringComparison.Ordinal);
        });
        // Neither export is written unless named; 'all' keeps meaning html,pdf,json,csv.
        string plain = _t["plain"];
        var all = Cli.Run("report", input, "-o", plain, "--format", "all", "-q", "--fail-on", "never");
        Assert.True(all.ExitCode == 0, all.ToString());
        Assert.False(File.Exists(Path.Combine(plain, "indicators.stix.json")));
        Assert.False(File.Exists(Path.Combine(plain, "indicators.misp.json")));
    }

    [Fact]
    public void StixAndMisp_SameInputsTwiceAndUnderAnotherCultureAndZone_SameBytes()
    {
        string input = _t.Dir("in");
        Captures.Samples(input);
        string list = Watchlist();
        string[] Args(string output) => ["report", input, "-o", output, "--format", "stix,misp", "--watchlist", list, "-q", "--fail-on", "never"];

        var a = Cli.Run(Args(_t["a"]));
        Assert.True(a.ExitCode == 0, a.ToString());
        var b = Cli.Run(Args(_t["b"]));
        Assert.True(b.ExitCode == 0, b.ToString());
        var c = RunUnder(CultureInfo.GetCultureInfo("tr-TR"), "Asia/Kolkata", Args(_t["c"]));
        Assert.True(c.ExitCode == 0, c.ToString());

        foreach (string name in new[] { "indicators.stix.json", "indicators.misp.json" })
        {
            byte[] first = File.ReadAllBytes(Path.Combine(_t["a"], name));
            Assert.Equal(first, File.ReadAllBytes(Path.Combine(_t["b"], name)));
            Assert.Equal(first, File.ReadAllBytes(Path.Combine(_t["c"], name)));
        }
    }

    [Fact]
    public void StixAndMisp_PlanShardsAndMerge_SameBytesAsOneMachine()
    {
        string input = _t.Dir("in");
        Captures.Samples(input);
        string list = Watchlist();
        var single = Cli.Run("report", input, "-o", _t["single"], "--format", "stix,misp", "--watchlist", list, "-q", "--fail-on", "never");
        Assert.True(single.ExitCode == 0, single.ToString());

        var plan = Cli.Run("plan", input, "--shards", "2", "--format", "stix,misp", "-o", _t["plan.json"], "-q");
        Assert.True(plan.ExitCode == 0, plan.ToString());
        foreach (string k in new[] { "0", "1" })
        {
            var shard = Cli.Run("report", "--plan", _t["plan.json"], "--shard", k, "-o", _t["shard-" + k], "-q", "--fail-on", "never");
            Assert.True(shard.ExitCode == 0, shard.ToString());
            Assert.False(File.Exists(Path.Combine(_t["shard-" + k], "indicators.stix.json")), "a shard writes no run-level file");
        }
        var merge = Cli.Run("merge", _t["shard-0"], _t["shard-1"], "-o", _t["merged"], "--watchlist", list, "-q", "--fail-on", "never");
        Assert.True(merge.ExitCode == 0, merge.ToString());
        foreach (string name in new[] { "indicators.stix.json", "indicators.misp.json" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(_t["single"], name)), File.ReadAllBytes(Path.Combine(_t["merged"], name)));
    }

    private static CliResult RunUnder(CultureInfo culture, string tz, string[] args)
    {
        var saved = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture, CultureInfo.DefaultThreadCurrentCulture, CultureInfo.DefaultThreadCurrentUICulture);
        string? savedTz = Environment.GetEnvironmentVariable("TZ");
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = culture;
            CultureInfo.DefaultThreadCurrentCulture = CultureInfo.DefaultThreadCurrentUICulture = culture;
            Environment.SetEnvironmentVariable("TZ", tz);
            TimeZoneInfo.ClearCachedData();
            return Cli.Run(args);
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture, CultureInfo.DefaultThreadCurrentCulture, CultureInfo.DefaultThreadCurrentUICulture) = saved;
            Environment.SetEnvironmentVariable("TZ", savedTz);
            TimeZoneInfo.ClearCachedData();
        }
    }

    private static readonly string[] SchemaFolders = ["sdos", "observables", "sros"];

    private static readonly string[] RefMembers = ["src_ref", "dst_ref", "created_by_ref"];

    private static string Type(JsonElement o) => o.GetProperty("type").GetString()!;

    private static List<string> Labels(JsonElement o) =>
        o.TryGetProperty("labels", out var labels) ? labels.EnumerateArray().Select(l => l.GetString()!).ToList() : [];

    /// <summary>
    /// The file against the bundle schema, each object against its own type's schema (sdos/, observables/), every id
    /// unique and every reference resolved inside the bundle; returns the parsed file.
    /// </summary>
    private static JsonDocument AssertValidStix(string schemas, string file)
    {
        JsonSchemaAssert.Valid(Path.Combine(schemas, "common", "bundle.json"), file, schemas);
        var document = JsonDocument.Parse(File.ReadAllBytes(file));
        var objects = document.RootElement.GetProperty("objects").EnumerateArray().ToList();
        var problems = new List<string>();
        foreach (var o in objects)
        {
            string type = Type(o);
            string? schema = SchemaFolders.Select(d => Path.Combine(schemas, d, type + ".json")).FirstOrDefault(File.Exists);
            Assert.True(schema is not null, $"no STIX 2.1 schema for the type '{type}'");
            problems.AddRange(JsonSchemaAssert.Violations(schema, o, $"{Path.GetFileName(file)} {o.GetProperty("id").GetString()}", schemas).Select(v => v.ToString()));
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(20)));

        var ids = objects.Select(o => o.GetProperty("id").GetString()!).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(["identity", "report"], objects.Take(2).Select(Type));
        foreach (var o in objects)
        {
            if (o.TryGetProperty("object_refs", out var refs))
                Assert.All(refs.EnumerateArray(), id => Assert.Contains(id.GetString()!, ids));
            foreach (string member in RefMembers)
                if (o.TryGetProperty(member, out var id)) Assert.Contains(id.GetString()!, ids);
        }
        var report = objects[1];
        Assert.Equal("2024-03-01T00:00:00.000Z", report.GetProperty("published").GetString()); // SOURCE_DATE_EPOCH
        Assert.All(objects.Where(o => Type(o) == "observed-data"), o => Assert.Contains(o.GetProperty("id").GetString()!,
            report.GetProperty("object_refs").EnumerateArray().Select(e => e.GetString()!)));
        return document;
    }

    /// <summary>The event's members and each attribute's, as docs/output.md lists them; returns the attributes.</summary>
    private static List<JsonElement> AssertMispEvent(JsonElement root)
    {
        Assert.Equal(["Event"], root.EnumerateObject().Select(p => p.Name));
        var e = root.GetProperty("Event");
        Assert.True(Guid.TryParse(e.GetProperty("uuid").GetString(), out var eventUuid));
        Assert.Equal(5, eventUuid.Version);
        Assert.StartsWith("PcapViz run 2024-03-01T00:00:00Z: ", e.GetProperty("info").GetString(), StringComparison.Ordinal);
        Assert.Equal("2024-03-01", e.GetProperty("date").GetString());
        Assert.Equal("4", e.GetProperty("threat_level_id").GetString());
        Assert.Equal("0", e.GetProperty("analysis").GetString());
        Assert.Equal("0", e.GetProperty("distribution").GetString());
        Assert.False(e.GetProperty("published").GetBoolean());
        Assert.Equal("1709251200", e.GetProperty("timestamp").GetString());
        var attributes = e.GetProperty("Attribute").EnumerateArray().ToList();
        Assert.Equal(attributes.Count.ToString(CultureInfo.InvariantCulture), e.GetProperty("attribute_count").GetString());
        string[] types = ["ip-src", "ip-dst", "hostname", "domain"];
        foreach (var a in attributes)
        {
            Assert.Contains(a.GetProperty("type").GetString(), types);
            Assert.Equal("Network activity", a.GetProperty("category").GetString());
            Assert.Equal(JsonValueKind.String, a.GetProperty("value").ValueKind);
            Assert.True(a.GetProperty("to_ids").ValueKind is JsonValueKind.True or JsonValueKind.False);
            Assert.NotEmpty(a.GetProperty("comment").GetString()!);
            Assert.True(Guid.TryParse(a.GetProperty("uuid").GetString(), out var u) && u.Version == 5);
            Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$", a.GetProperty("first_seen").GetString()!);
            Assert.True(string.CompareOrdinal(a.GetProperty("first_seen").GetString(), a.GetProperty("last_seen").GetString()) <= 0);
        }
        var keys = attributes.Select(a => a.GetProperty("type").GetString() + "|" + a.GetProperty("value").GetString()).ToList();
        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
        Assert.Equal(keys.Count, attributes.Select(a => a.GetProperty("uuid").GetString()).Distinct().Count());
        return attributes;
    }
}
