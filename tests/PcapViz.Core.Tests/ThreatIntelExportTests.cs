using System.Globalization;
using System.Text.Json;
using PcapViz.Export;

namespace PcapViz.Tests;

/// <summary>
/// The findings behind the STIX and MISP exports (docs/output.md, "Threat-intelligence exports") on a hand-built run that
/// holds every kind: an address hit seen as a source and one not, name hits STIX or MISP cannot hold, a new registered
/// domain that also carries DNS signals, a signal-only domain. The corpus runs (tests/PcapViz.Cli.Tests) have no new
/// registered domain, since the history does not yet record registered domains.
/// </summary>
public sealed class ThreatIntelExportTests
{
    private const long Generated = 1_709_251_200; // 2024-03-01T00:00:00Z

    [Fact]
    public void Uuid5_Rfc9562Example_MatchesThePublishedValue()
    {
        // RFC 9562 Appendix A.4: the DNS namespace and "www.example.com".
        var dns = new Guid("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
        Assert.Equal("2ed6657d-e927-568b-95e1-2665a8aea6a2", Uuid5.Text(Uuid5.Create(dns, "www.example.com")));
    }

    private static CaptureResult Capture(string id, long firstNanos, long lastNanos, string[] sources, params DnsDomainEntry[] domains)
    {
        var summary = new CaptureSummary(10, 10, 0, 1000, 900, firstNanos, lastNanos, 0, 0);
        var ips = new SourceIpResult(sources.Select(a => new SourceIpEntry(a, a.Contains(':') ? 6 : 4, 5, 500)).ToList(), DistinctLimit.NotExceeded(1000));
        var context = new ContextResult(DnsResponseTotals.Empty, AddressNameResult.Empty(1000), DnsClientResult.Empty(1000), domains, ContextFacts.None);
        return new CaptureResult(id, new CaptureInput(id + ".pcap", "/in/" + id + ".pcap", 100, new string('a', 64), DateTimeOffset.UnixEpoch),
            CaptureStatus.Ok, null, summary, ips, new DnsQueryResult([], DistinctLimit.NotExceeded(1000)), TrafficResult.Empty, []) { Context = context };
    }

    private static DnsDomainEntry Domain(string name, long queries, params string[] signals) =>
        new(name, queries, 3, 0, 0, 0, 10, 0, 1.0, new ValueList<string>(signals));

    private static IndicatorSighting[] In(params string[] ids) => ids.Select(i => new IndicatorSighting(i, null)).ToArray();

    /// <summary>Capture a: 2024-01-01 00:00:00.000000500 to 00:01:00.000001001; capture b a day later.</summary>
    private static RunResult Run()
    {
        var a = Capture("a", Kit.Jan2024Nanos + 500, Kit.Jan2024Nanos + 60_000_001_001, ["192.0.2.7", "10.0.0.1"],
            Domain("evil.example", 7, DnsSignals.HighEntropy, DnsSignals.LongLabels), Domain("quiet.example", 2));
        var b = Capture("b", Kit.Jan2024Nanos + 86_400_000_000_000, Kit.Jan2024Nanos + 86_460_000_000_000, ["2001:db8::5"],
            Domain("evil.example", 3, DnsSignals.TxtHeavy), Domain("tunnel.example", 40, DnsSignals.ManyDistinctNames));
        var captures = new List<CaptureResult> { a, b };
        var sources = new SourceIpResult([new SourceIpEntry("192.0.2.7", 4, 5, 500), new SourceIpEntry("10.0.0.1", 4, 5, 500), new SourceIpEntry("2001:db8::5", 6, 5, 500)],
            DistinctLimit.NotExceeded(1000));
        static WatchlistHit Hit(IndicatorKind kind, string value, string entry, string label, int line, long count, params string[] ids) =>
            new(kind, value, entry, label, "lists/ours.txt", line, count, In(ids));
        var memory = new RunHistory
        {
            Database = "history.db",
            HistoryBeganUtc = DateTimeOffset.FromUnixTimeSeconds(Generated - 86_400),
            RunsBefore = 1,
            WatchlistsChecked = true,
            WatchlistEntries = 4,
            NewDomains = [new NewIndicator(IndicatorKind.Domain, "evil.example", 10, In("a", "b")), new NewIndicator(IndicatorKind.Domain, "new.example", 1, In("b"))],
            WatchlistHits =
            [
                Hit(IndicatorKind.Address, "192.0.2.7", "192.0.2.0/24", "<b>scanner</b> & \"friends\"", 3, 5, "a"),
                Hit(IndicatorKind.Address, "198.51.100.9", "198.51.100.9", "", 4, 2, "b"),
                Hit(IndicatorKind.Address, "2001:db8::5", "2001:db8::/32", "docs", 5, 5, "b"),
                Hit(IndicatorKind.Address, "::ffff:192.0.2.1", "::ffff:0:0/96", "mapped", 6, 1, "b"),
                Hit(IndicatorKind.Name, "_ldap._tcp.evil.example", "evil.example", "C2", 2, 1, "a"),
                Hit(IndicatorKind.Name, "x\\001y.evil.example", "evil.example", "C2", 2, 1, "a"),
                Hit(IndicatorKind.Name, "www.evil.example", "evil.example", "C2", 2, 4, "a", "b"),
            ],
        };
        return new RunResult(new RunInfo("9.9.9-test", DateTimeOffset.FromUnixTimeSeconds(Generated), ["/in"], []), new AnalysisSettings(), captures,
            a.Summary.Add(b.Summary), sources, new DnsQueryResult([], DistinctLimit.NotExceeded(1000)), TrafficResult.Empty, []) { History = memory };
    }

    [Fact]
    public void Build_HitsNewDomainsAndSignals_OneFindingPerIndicatorWithEveryReason()
    {
        var findings = ThreatFindings.Build(Run(), CancellationToken.None);
        Assert.Equal(
            ["address 192.0.2.7", "address 198.51.100.9", "address 2001:db8::5", "address ::ffff:192.0.2.1",
             "name _ldap._tcp.evil.example", "name www.evil.example", "name x\\001y.evil.example",
             "domain evil.example", "domain new.example", "domain tunnel.example"],
            findings.Select(f => JsonNames.Of(f.Kind) + " " + f.Value));

        var evil = findings.Single(f => f.Kind == IndicatorKind.Domain && f.Value == "evil.example");
        Assert.True(evil.IsNew);
        Assert.False(evil.IsWatchlistHit);
        Assert.Equal([DnsSignals.LongLabels, DnsSignals.HighEntropy, DnsSignals.TxtHeavy], evil.Signals); // in DnsSignals' order
        Assert.Equal(["a", "b"], evil.CaptureIds);
        Assert.Equal(10, evil.Count);
        Assert.Equal(Kit.Jan2024Nanos + 500, evil.FirstPacketEpochNanos);
        Assert.Equal(Kit.Jan2024Nanos + 86_460_000_000_000, evil.LastPacketEpochNanos);
        Assert.Equal("new: never seen since the history began (2024-02-29, 1 earlier run); DNS signals: long-labels, high-entropy, txt-heavy",
            evil.Reason(Run().History!.NewScope()));

        Assert.Equal(40, findings.Single(f => f.Value == "tunnel.example").Count);
        Assert.True(findings.Single(f => f.Value == "192.0.2.7").IsSource);
        Assert.False(findings.Single(f => f.Value == "198.51.100.9").IsSource);
        Assert.DoesNotContain(findings, f => f.Value == "quiet.example");
    }

    [Fact]
    public void StixWrite_HandBuiltRun_ValidAgainstSchemasWithUnholdableNamesLeftOut()
    {
        var run = Run();
        byte[] bytes = Write(s => StixExporter.Write(s, run, ThreatFindings.Build(run, CancellationToken.None)));
        using var document = JsonDocument.Parse(bytes);
        var objects = document.RootElement.GetProperty("objects").EnumerateArray().ToList();
        var report = objects.Single(o => o.GetProperty("type").GetString() == "report");
        Assert.Equal(2, report.GetProperty("x_pcapviz_left_out").GetInt32()); // _ldap._tcp… and x\001y…
        Assert.Equal(8, objects.Count(o => o.GetProperty("type").GetString() == "observed-data"));

        var observed = objects.Where(o => o.GetProperty("type").GetString() == "observed-data").ToList();
        var byValue = observed.ToDictionary(o => Value(objects, o.GetProperty("object_refs")[0].GetString()!));
        Assert.Equal("2024-01-01T00:00:00.000000Z", byValue["evil.example"].GetProperty("first_observed").GetString()); // 500 ns: rounded down
        Assert.Equal("2024-01-02T00:01:00.000000Z", byValue["evil.example"].GetProperty("last_observed").GetString());
        Assert.Equal("2024-01-01T00:01:00.000002Z", byValue["192.0.2.7"].GetProperty("last_observed").GetString()); // 1,001 ns: rounded up
        Assert.Equal(["new-registered-domain", "dns-signal"], byValue["evil.example"].GetProperty("labels").EnumerateArray().Select(e => e.GetString()));
        var toSource = objects.Single(o => o.GetProperty("id").GetString() == byValue["192.0.2.7"].GetProperty("object_refs")[1].GetString());
        Assert.True(toSource.TryGetProperty("src_ref", out _));
        var toDestination = objects.Single(o => o.GetProperty("id").GetString() == byValue["198.51.100.9"].GetProperty("object_refs")[1].GetString());
        Assert.True(toDestination.TryGetProperty("dst_ref", out _));
        Assert.Contains(objects, o => o.GetProperty("type").GetString() == "ipv6-addr" && o.GetProperty("value").GetString() == "2001:db8::5");
        Assert.Contains(objects, o => o.GetProperty("type").GetString() == "ipv6-addr" && o.GetProperty("value").GetString() == "::ffff:c000:201");
        // The hostile label arrives as text, escaped by the writer.
        Assert.DoesNotContain("<b>", System.Text.Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);

        string? root = TestEnvironment.SharedDirectory(Path.Combine("reference", "stix2-json-schemas"));
        TestEnvironment.Require(root is not null, "../shared/reference/stix2-json-schemas is absent.");
        string schemas = Path.Combine(root, "schemas");
        Assert.Empty(JsonSchemaAssert.Violations(Path.Combine(schemas, "common", "bundle.json"), document.RootElement, "bundle", schemas));
        foreach (var o in objects)
        {
            string type = o.GetProperty("type").GetString()!;
            string schema = Path.Combine(schemas, type is "identity" or "observed-data" or "report" ? "sdos" : "observables", type + ".json");
            Assert.Empty(JsonSchemaAssert.Violations(schema, o, type, schemas));
        }
    }

    [Fact]
    public void StixSchema_CreatedWithoutMilliseconds_Rejected()
    {
        // Why created, modified and published always carry milliseconds: the schemas refuse whole seconds there (and
        // so prove the validation is not vacuous). A domain-name with escaped bytes, by contrast, passes the schema's
        // lax idn-hostname check; STIX still asks for a valid domain name, so the exporter leaves such names out itself.
        string? root = TestEnvironment.SharedDirectory(Path.Combine("reference", "stix2-json-schemas"));
        TestEnvironment.Require(root is not null, "../shared/reference/stix2-json-schemas is absent.");
        string schemas = Path.Combine(root, "schemas");
        using var identity = JsonDocument.Parse("""{"type":"identity","spec_version":"2.1","id":"identity--2ed6657d-e927-568b-95e1-2665a8aea6a2","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z","name":"x"}""");
        Assert.NotEmpty(JsonSchemaAssert.Violations(Path.Combine(schemas, "sdos", "identity.json"), identity.RootElement, "identity", schemas));
        using var fixedIdentity = JsonDocument.Parse("""{"type":"identity","spec_version":"2.1","id":"identity--2ed6657d-e927-568b-95e1-2665a8aea6a2","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"x"}""");
        Assert.Empty(JsonSchemaAssert.Violations(Path.Combine(schemas, "sdos", "identity.json"), fixedIdentity.RootElement, "identity", schemas));
    }

    [Fact]
    public void MispWrite_HandBuiltRun_TypedAttributesSortedWithReasons()
    {
        var run = Run();
        byte[] bytes = Write(s => MispExporter.Write(s, run, ThreatFindings.Build(run, CancellationToken.None)));
        using var document = JsonDocument.Parse(bytes);
        var e = document.RootElement.GetProperty("Event");
        var attributes = e.GetProperty("Attribute").EnumerateArray()
            .ToDictionary(a => a.GetProperty("type").GetString() + " " + a.GetProperty("value").GetString());
        Assert.Equal(
            ["domain evil.example", "domain new.example", "domain tunnel.example", "hostname _ldap._tcp.evil.example", "hostname www.evil.example",
             "ip-dst 198.51.100.9", "ip-dst ::ffff:192.0.2.1", "ip-src 192.0.2.7", "ip-src 2001:db8::5"],
            attributes.Keys);
        Assert.Contains("name left out", e.GetProperty("info").GetString(), StringComparison.Ordinal); // x\001y…
        Assert.True(attributes["ip-src 192.0.2.7"].GetProperty("to_ids").GetBoolean());
        Assert.Equal("watchlist lists/ours.txt:3 192.0.2.0/24 (<b>scanner</b> & \"friends\")", attributes["ip-src 192.0.2.7"].GetProperty("comment").GetString());
        Assert.False(attributes["domain evil.example"].GetProperty("to_ids").GetBoolean());
        Assert.Equal("DNS signals: many-distinct-names", attributes["domain tunnel.example"].GetProperty("comment").GetString());
        Assert.Equal("2024-01-01T00:00:00.000000Z", attributes["domain evil.example"].GetProperty("first_seen").GetString());
        Assert.Equal("9", e.GetProperty("attribute_count").GetString());
        Assert.Equal("2024-03-01", e.GetProperty("date").GetString());
    }

    [Fact]
    public void Write_ServerNameAndFingerprintHits_MispTypesThemStixKeepsTheNameOnly()
    {
        const string ja3 = "8a77a67b7efcd2e3a00787e1df1a5f05", ja4 = "q13d0312h3_55b375c5d22e_06cda9e17597";
        var plain = Run();
        var run = plain with
        {
            History = plain.History! with
            {
                NewDomains = [],
                WatchlistHits =
                [
                    new WatchlistHit(IndicatorKind.ServerName, "cdn.evil.example", "evil.example", "C2", "lists/ours.txt", 2, 3, In("a")),
                    new WatchlistHit(IndicatorKind.Ja4, ja4, "ja4:" + ja4, "bot", "lists/ours.txt", 7, 2, In("b")),
                    new WatchlistHit(IndicatorKind.Ja3, ja3, "ja3:" + ja3, "", "lists/ours.txt", 8, 2, In("b")),
                ],
            },
        };
        var findings = ThreatFindings.Build(run, CancellationToken.None);

        byte[] misp = Write(s => MispExporter.Write(s, run, findings));
        using var document = JsonDocument.Parse(misp);
        var attributes = document.RootElement.GetProperty("Event").GetProperty("Attribute").EnumerateArray()
            .ToDictionary(a => a.GetProperty("type").GetString() + " " + a.GetProperty("value").GetString());
        Assert.Equal(["domain evil.example", "domain tunnel.example", "hostname cdn.evil.example", "ja3-fingerprint-md5 " + ja3, "text " + ja4], attributes.Keys);
        Assert.All(attributes.Keys.Where(k => !k.StartsWith("domain", StringComparison.Ordinal)), k => Assert.True(attributes[k].GetProperty("to_ids").GetBoolean()));
        // MISP has no JA4 type: the text attribute says what it holds.
        Assert.Equal("JA4 TLS client fingerprint; watchlist lists/ours.txt:7 ja4:" + ja4 + " (bot)", attributes["text " + ja4].GetProperty("comment").GetString());
        Assert.Equal("watchlist lists/ours.txt:8 ja3:" + ja3, attributes["ja3-fingerprint-md5 " + ja3].GetProperty("comment").GetString());

        byte[] stix = Write(s => StixExporter.Write(s, run, findings));
        using var bundle = JsonDocument.Parse(stix);
        var objects = bundle.RootElement.GetProperty("objects").EnumerateArray().ToList();
        // STIX has no object for a client fingerprint: both are left out and counted; the server name is a domain-name.
        Assert.Equal(2, objects.Single(o => o.GetProperty("type").GetString() == "report").GetProperty("x_pcapviz_left_out").GetInt32());
        Assert.Contains(objects, o => o.GetProperty("type").GetString() == "domain-name" && o.GetProperty("value").GetString() == "cdn.evil.example");
        Assert.DoesNotContain(objects, o => o.TryGetProperty("value", out var v) && v.GetString() is ja3 or ja4);
        Assert.Contains(objects, o => o.TryGetProperty("x_pcapviz_indicator_kind", out var k) && k.GetString() == "server-name");
    }

    [Fact]
    public void Write_SameRunUnderOtherCultures_SameBytesAndIdsChangeWithContent()
    {
        var run = Run();
        byte[] Both() => [.. Write(s => StixExporter.Write(s, run, ThreatFindings.Build(run, CancellationToken.None))),
            .. Write(s => MispExporter.Write(s, run, ThreatFindings.Build(run, CancellationToken.None)))];
        byte[] invariant = Both();
        var saved = CultureInfo.CurrentCulture;
        try
        {
            foreach (string culture in new[] { "de-DE", "tr-TR", "ar-SA" })
            {
                CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo(culture);
                Assert.Equal(invariant, Both());
            }
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }

        // Another generation time is another run: other ids, not only other times.
        var later = run with { Info = run.Info with { GeneratedUtc = run.Info.GeneratedUtc.AddDays(1) } };
        using var first = JsonDocument.Parse(Write(s => StixExporter.Write(s, run, ThreatFindings.Build(run, CancellationToken.None))));
        using var second = JsonDocument.Parse(Write(s => StixExporter.Write(s, later, ThreatFindings.Build(later, CancellationToken.None))));
        Assert.NotEqual(first.RootElement.GetProperty("id").GetString(), second.RootElement.GetProperty("id").GetString());
        // The tool's identity and the observables are the same objects whatever the run.
        Assert.Equal(first.RootElement.GetProperty("objects")[0].GetProperty("id").GetString(), second.RootElement.GetProperty("objects")[0].GetProperty("id").GetString());
    }

    private static string Value(List<JsonElement> objects, string id) =>
        objects.Single(o => o.GetProperty("id").GetString() == id).GetProperty("value").GetString()!;

    private static byte[] Write(Action<Stream> write)
    {
        using var stream = new MemoryStream();
        write(stream);
        return stream.ToArray();
    }
}
