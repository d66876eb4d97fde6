using System.Globalization;
using PcapViz.Generator;
using PcapViz.Model;
using PcapViz.Rendering.Html;

namespace PcapViz.History.Tests;

/// <summary>
/// Baselines per indicator (docs/history.md): nights built through the real history API into real SQLite files, with
/// results whose volumes each test chose, so every median and ratio below is worked out by hand.
/// </summary>
public sealed class BaselineTests
{
    private const long Day = 86_400;

    /// <summary>A capture with exactly these addresses (IP bytes) and query names (queries); names grouped by registered domain.</summary>
    private static CaptureResult Capture(string path, (string Address, long Bytes)[] addresses, (string Name, long Queries)[] names)
    {
        var plain = Model.Capture(path, addresses.Select(a => a.Address).ToArray(), names.Select(n => n.Name).ToArray());
        var sources = addresses.Select(a => new SourceIpEntry(a.Address, 4, Math.Max(1, a.Bytes / 1000), a.Bytes)).ToList();
        var queries = names.Select(n => new DnsQueryEntry(n.Name, DnsProtocol.Dns, n.Queries)
        {
            RegisteredDomain = PcapViz.Context.RegisteredDomains.Of(n.Name, PcapViz.Context.PublicSuffixList.Embedded),
        }).ToList();
        return plain with
        {
            SourceIps = new SourceIpResult(sources, plain.SourceIps.Limit),
            DnsQueries = new DnsQueryResult(queries, plain.DnsQueries.Limit),
            Context = ContextResult.Empty with { Domains = PcapViz.Context.DnsDomainSignals.Build(queries) },
        };
    }

    private static RunResult NightRun(int night, (string Address, long Bytes)[] addresses, (string Name, long Queries)[] names) =>
        Model.Run(Model.Night1 + night * Day, Capture($"n{night:D3}/c.pcap", addresses, names));

    private static RunHistory Recall(string db, RunResult run, BaselineSettings? settings = null, bool record = true)
    {
        using var h = HistoryDatabase.Open(db, TimeSpan.FromSeconds(1));
        using var tx = h.BeginRun();
        var memory = tx.Recall(run, "history.db", null, 30, settings ?? new BaselineSettings());
        if (record) tx.Record(run);
        return memory;
    }

    private static readonly string[] NewGroups = ["addresses", "names", "domains", "serverNames", "ja4"];
    private static readonly string[] Addresses = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"];
    private static readonly string[] Names4 = ["mail.alpha.example", "www.alpha.example", "api.beta.example", "www.beta.example"];

    /// <summary>
    /// Nights 1..30: every address sends 20, 21 or 22 MB (night % 3), every name is asked 200, 210 or 220 times; so each
    /// address's median is 21,000,000 bytes, each name's 210 queries, each domain's (two names) 420. Night 31 (31 % 3 = 1)
    /// repeats the median for everything, except where <paramref name="tonight"/> says otherwise.
    /// </summary>
    private static RunHistory ThirtyNightsThen(string db, Func<string, long, long>? tonight = null, (string, long)[]? extraAddresses = null,
        (string, long)[]? extraNames = null)
    {
        for (int night = 1; night <= 30; night++)
        {
            int step = night % 3;
            Recall(db, NightRun(night, Addresses.Select(a => (a, 20_000_000L + step * 1_000_000L)).ToArray(),
                Names4.Select(n => (n, 200L + step * 10)).ToArray()));
        }
        tonight ??= (_, v) => v;
        var addresses = Addresses.Select(a => (a, tonight(a, 21_000_000))).Concat(extraAddresses ?? []).ToArray();
        var names = Names4.Select(n => (n, tonight(n, 210))).Concat(extraNames ?? []).ToArray();
        return Recall(db, NightRun(31, addresses, names));
    }

    [Fact]
    public void ThirtyNights_OneAddressTenfoldOnNight31_OnlyItIsListed_WithItsThirtyRunsAndTonight()
    {
        using var t = new TempDirectory("pcapviz-baseline-");
        string db = t.File("h.db");
        var memory = ThirtyNightsThen(db, (key, v) => key == "10.0.0.3" ? 210_000_000 : v);

        var d = Assert.Single(memory.AboveBaseline);
        Assert.Equal((IndicatorKind.Address, "10.0.0.3", 210_000_000L, 21_000_000.0, 10.0), (d.Kind, d.Value, d.Volume, d.Median, d.Ratio));
        Assert.Equal(VolumeUnit.Bytes, d.Unit);
        Assert.Equal(30, d.EarlierRuns);
        Assert.Equal(31, d.History.Count);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(Model.Night1 + Day), d.History[0].RunUtc); // night 1, oldest first
        Assert.Equal(20_000_000 + 1_000_000, d.History[0].Volume);                                   // 1 % 3 = 1
        Assert.Equal(20_000_000 + 2_000_000, d.History[1].Volume);
        Assert.Equal(20_000_000, d.History[29].Volume);                                              // night 30, 30 % 3 = 0
        Assert.Equal((true, 210_000_000L), (d.History[30].Tonight, d.History[30].Volume));
        Assert.Equal([PcapViz.Discovery.CaptureIds.For("n031/c.pcap")], d.Captures.Select(c => c.CaptureId));
        // Judged: the 5 addresses, 4 names and 2 registered domains, all above the default minimum volumes.
        Assert.Equal(5 + 4 + 2, memory.BaselineJudged);
        Assert.Empty(memory.NewAddresses);
    }

    [Fact]
    public void ThirtyNights_AName_TenfoldOnNight31_IsListedInQueries_AndItsDomainWhenItRisesEnough()
    {
        using var t = new TempDirectory("pcapviz-baseline-");
        string db = t.File("h.db");
        // www.beta.example 2,100 queries (10 × 210); its domain beta.example: 2,100 + 210 = 2,310 against a median of 420: 5.5×.
        var memory = ThirtyNightsThen(db, (key, v) => key == "www.beta.example" ? 2_100 : v);

        Assert.Equal([(IndicatorKind.Name, "www.beta.example", 2_100L, 210.0), (IndicatorKind.Domain, "beta.example", 2_310L, 420.0)],
            memory.AboveBaseline.Select(x => (x.Kind, x.Value, x.Volume, x.Median)));
        Assert.Equal(5.5, memory.AboveBaseline[1].Ratio, 9);
        Assert.All(memory.AboveBaseline, x => Assert.Equal(VolumeUnit.Queries, x.Unit));
    }

    [Fact]
    public void IndicatorNewOnNight31_IsNew_NotAboveBaseline()
    {
        using var t = new TempDirectory("pcapviz-baseline-");
        string db = t.File("h.db");
        var memory = ThirtyNightsThen(db, (key, v) => key == "10.0.0.3" ? 210_000_000 : v,
            extraAddresses: [("10.9.9.9", 900_000_000)], extraNames: [("huge.gamma.example", 50_000)]);

        Assert.Equal(["10.0.0.3"], memory.AboveBaseline.Select(x => x.Value));
        Assert.Equal(["10.9.9.9"], memory.NewAddresses.Select(n => n.Value));
        Assert.Equal(["huge.gamma.example"], memory.NewNames.Select(n => n.Value));
        Assert.Equal(["gamma.example"], memory.NewDomains.Select(n => n.Value));
        Assert.Equal(5 + 4 + 2, memory.BaselineJudged); // the new ones are not judged
    }

    [Fact]
    public void MinimumVolume_BelowIsNeitherJudgedNorListed_AtItIsListed()
    {
        using var t = new TempDirectory("pcapviz-baseline-");
        string db = t.File("h.db");
        for (int night = 1; night <= 5; night++)
            Recall(db, NightRun(night, [("10.1.0.1", 100_000)], [("quiet.example", 5)]));
        // Tonight tenfold: 1,000,000 bytes and 50 queries, below the defaults (10,000,000 bytes, 100 queries).
        var tonight = NightRun(6, [("10.1.0.1", 1_000_000)], [("quiet.example", 50)]);

        var byDefault = Recall(db, tonight, record: false);
        Assert.Empty(byDefault.AboveBaseline);
        Assert.Equal(0, byDefault.BaselineJudged);

        var atTheMinimum = Recall(db, tonight, new BaselineSettings(MinBytes: 1_000_000, MinQueries: 50), record: false);
        // All three tenfold: listed by ratio, then kind (address, name, domain), then value.
        Assert.Equal([(IndicatorKind.Address, "10.1.0.1"), (IndicatorKind.Name, "quiet.example"), (IndicatorKind.Domain, "quiet.example")],
            atTheMinimum.AboveBaseline.Select(x => (x.Kind, x.Value)));
        Assert.All(atTheMinimum.AboveBaseline, x => Assert.Equal(10.0, x.Ratio));

        var justAbove = Recall(db, tonight, new BaselineSettings(MinBytes: 1_000_001, MinQueries: 51), record: false);
        Assert.Empty(justAbove.AboveBaseline);
        Assert.Equal(0, justAbove.BaselineJudged);
    }

    [Fact]
    public void Ratio_IsSettable_TonightMustReachIt()
    {
        using var t = new TempDirectory("pcapviz-baseline-");
        string db = t.File("h.db");
        for (int night = 1; night <= 5; night++)
            Recall(db, NightRun(night, [("10.1.0.2", 20_000_000)], []));
        var tonight = NightRun(6, [("10.1.0.2", 80_000_000)], []); // 4×
        Assert.Empty(Recall(db, tonight, record: false).AboveBaseline); // default 5
        Assert.Equal(["10.1.0.2"], Recall(db, tonight, new BaselineSettings(Ratio: 4), record: false).AboveBaseline.Select(x => x.Value));
        Assert.Empty(Recall(db, tonight, new BaselineSettings(Ratio: 4.01), record: false).AboveBaseline);
    }

    [Fact]
    public void BaselineRuns_OnlyTheLastNRunsCount()
    {
        using var t = new TempDirectory("pcapviz-baseline-");
        string db = t.File("h.db");
        // Nights 1..20: 100 MB; nights 21..30: 10 MB. Tonight 60 MB.
        for (int night = 1; night <= 30; night++)
            Recall(db, NightRun(night, [("10.2.0.1", night <= 20 ? 100_000_000 : 10_000_000)], []));
        var tonight = NightRun(31, [("10.2.0.1", 60_000_000)], []);

        // Over 30 runs the median is 100 MB (20 of 30): 0.6×, not listed.
        Assert.Empty(Recall(db, tonight, new BaselineSettings(Runs: 30), record: false).AboveBaseline);
        // Over the last 10 runs (nights 21..30) it is 10 MB: 6×, listed with exactly those 10 runs.
        var ten = Assert.Single(Recall(db, tonight, new BaselineSettings(Runs: 10), record: false).AboveBaseline);
        Assert.Equal((10_000_000.0, 10), (ten.Median, ten.EarlierRuns));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(Model.Night1 + 21 * Day), ten.History[0].RunUtc);
        // Over 21 runs (nights 10..30): 11 × 100 MB and 10 × 10 MB: median 100 MB.
        Assert.Empty(Recall(db, tonight, new BaselineSettings(Runs: 21), record: false).AboveBaseline);
        // Over 19 runs (nights 12..30): 9 × 100 MB and 10 × 10 MB: median 10 MB.
        Assert.Equal(19, Assert.Single(Recall(db, tonight, new BaselineSettings(Runs: 19), record: false).AboveBaseline).EarlierRuns);
    }

    [Fact]
    public void Baseline_IsOverTheRunsTheIndicatorAppearedIn_AbsentRunsAreNotZeros()
    {
        using var t = new TempDirectory("pcapviz-baseline-");
        string db = t.File("h.db");
        // 10.3.0.1 appears on even nights only (15 of 30), at 20 MB. Were absent nights zeros, its median would be 10 MB.
        for (int night = 1; night <= 30; night++)
            Recall(db, NightRun(night, night % 2 == 0 ? [("10.3.0.1", 20_000_000), ("10.3.0.2", 20_000_000)] : [("10.3.0.2", 20_000_000)], []));
        var tonight = NightRun(31, [("10.3.0.1", 90_000_000), ("10.3.0.2", 20_000_000)], []);
        // 4.5× its own median: not listed at ratio 5 (it would be 9× against zeros).
        Assert.Empty(Recall(db, tonight, record: false).AboveBaseline);
        var d = Assert.Single(Recall(db, tonight, new BaselineSettings(Ratio: 4.5), record: false).AboveBaseline);
        Assert.Equal((20_000_000.0, 15), (d.Median, d.EarlierRuns));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(Model.Night1 + 2 * Day), d.History[0].RunUtc);
    }

    [Fact]
    public void TooFewEarlierRuns_NotJudged_ThreeAreEnough()
    {
        using var t = new TempDirectory("pcapviz-baseline-");
        string db = t.File("h.db");
        Recall(db, NightRun(1, [("10.4.0.1", 20_000_000)], []));
        Recall(db, NightRun(2, [("10.4.0.1", 20_000_000)], []));
        // Two earlier runs: not judged however high tonight is.
        var third = Recall(db, NightRun(3, [("10.4.0.1", 200_000_000)], []));
        Assert.Empty(third.AboveBaseline);
        Assert.Equal(0, third.BaselineJudged);
        // Three earlier runs (20, 20, 200 MB: median 20 MB): judged, and 2,000 MB is 100×.
        var fourth = Recall(db, NightRun(4, [("10.4.0.1", 2_000_000_000)], []));
        Assert.Equal(1, fourth.BaselineJudged);
        var d = Assert.Single(fourth.AboveBaseline);
        Assert.Equal((20_000_000.0, 100.0, 3), (d.Median, d.Ratio, d.EarlierRuns));
        Assert.Equal(3, BaselineSettings.MinRuns);
    }

    [Fact]
    public void RerunOfANight_JudgesAgainstTheRunsBeforeIt_AndRecordsNothingTwice()
    {
        using var t = new TempDirectory("pcapviz-baseline-");
        string db = t.File("h.db");
        for (int night = 1; night <= 3; night++) Recall(db, NightRun(night, [("10.6.0.1", 20_000_000)], []));
        var fourth = NightRun(4, [("10.6.0.1", 200_000_000)], []);
        var first = Recall(db, fourth);
        var again = Recall(db, fourth);
        Assert.Equal(first.AboveBaseline.Select(x => (x.Value, x.Median, x.EarlierRuns)), again.AboveBaseline.Select(x => (x.Value, x.Median, x.EarlierRuns)));
        Assert.Equal(3, Assert.Single(again.AboveBaseline).EarlierRuns);
        Assert.Equal(["20000000", "20000000", "20000000", "200000000"], Sql.Rows(db, "SELECT volume FROM run_indicator ORDER BY run_id"));
    }

    [Fact]
    public void OlderDatabase_Migrated_ItsRunsHaveUnknownVolumes_NeverZeros_AndThreeNewRunsAreNeeded()
    {
        using var t = new TempDirectory("pcapviz-baseline-");
        string db = t.File("h.db");
        // A history as schema version 3 wrote it: five runs in which 10.5.0.1 sent 1,000 packets each.
        using (var h = HistoryDatabase.Open(db, TimeSpan.FromSeconds(1), migrateTo: 3))
        {
            Assert.Equal(3, h.SchemaVersion);
            using var cmd = h.Connection.CreateCommand();
            var sql = new System.Text.StringBuilder();
            sql.Append("INSERT INTO indicator VALUES (1, 'address', '10.5.0.1', 1, 5, 1, 2);\n");
            for (int run = 1; run <= 5; run++)
            {
                string r = run.ToString(CultureInfo.InvariantCulture), epoch = (Model.Night1 - (6 - run) * Day).ToString(CultureInfo.InvariantCulture);
                sql.Append(CultureInfo.InvariantCulture, $"""
                    INSERT INTO run (run_id, run_key, run_utc, run_epoch, tool_version, captures, failed_captures, packets, ip_bytes, distinct_sources, distinct_names, dns_queries, nxdomain_status)
                    VALUES ({r}, 'old{r}', '2024-02-2{r}T00:00:00Z', {epoch}, 'old', 1, 0, 1000, 20000000, 1, 0, 0, 'unknown');
                    INSERT INTO capture VALUES ('sha{r}', 1000, 'ok', 1000, 20000000, 1, 2, {r});
                    INSERT INTO run_capture VALUES ({r}, 'c-{r}', 'old/c{r}.pcap', 'sha{r}');
                    INSERT INTO capture_indicator VALUES ('sha{r}', 1, 1000);

                    """);
            }
            cmd.CommandText = sql.ToString();
            cmd.ExecuteNonQuery();
        }
        using (var h = HistoryDatabase.Open(db, TimeSpan.FromSeconds(1))) Assert.Equal(HistorySchema.CurrentVersion, h.SchemaVersion);
        Assert.Equal("ok", Sql.IntegrityCheck(db));
        Assert.Equal(Enumerable.Repeat("unknown", 5), Sql.Rows(db, "SELECT volumes_status FROM run ORDER BY run_id"));
        Assert.Equal(0, Sql.Count(db, "run_indicator"));

        // The old runs count for "new" (10.5.0.1 is known) but not for its baseline: nights 1..3 are not judged.
        for (int night = 1; night <= 3; night++)
        {
            var m = Recall(db, NightRun(night, [("10.5.0.1", 20_000_000)], []));
            Assert.Empty(m.NewAddresses);
            Assert.Equal(0, m.BaselineJudged);
        }
        Assert.Equal(["unknown", "unknown", "unknown", "unknown", "unknown", "recorded", "recorded", "recorded"], Sql.Rows(db, "SELECT volumes_status FROM run ORDER BY run_id"));
        // Night 4: three runs of known volume, 20 MB each; tonight 10× is listed, over those three runs only.
        var d = Assert.Single(Recall(db, NightRun(4, [("10.5.0.1", 200_000_000)], [])).AboveBaseline);
        Assert.Equal((20_000_000.0, 3), (d.Median, d.EarlierRuns));
        Assert.All(d.History, p => Assert.True(p.RunUtc.ToUnixTimeSeconds() > Model.Night1));
    }

    [Fact]
    public void BaselineQuery_ReadsThePrimaryKeyRange_NoScanNoSort()
    {
        using var t = new TempDirectory("pcapviz-baseline-");
        string db = t.File("h.db");
        for (int night = 1; night <= 5; night++)
            Recall(db, NightRun(night, [("10.7.0.1", 20_000_000), ("10.7.0.2", 20_000_000)], [("a.example", 100 + night)]));
        using var c = Sql.Open(db);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "EXPLAIN QUERY PLAN " + RunTransaction.BaselineSql;
        cmd.Parameters.AddWithValue("$id", 1);
        cmd.Parameters.AddWithValue("$before", long.MaxValue);
        cmd.Parameters.AddWithValue("$n", 30);
        using var r = cmd.ExecuteReader();
        var plan = new List<string>();
        while (r.Read()) plan.Add(r.GetString(3));
        Assert.Equal(["SEARCH ri USING PRIMARY KEY (indicator_id=? AND run_id<?)", "SEARCH r USING INTEGER PRIMARY KEY (rowid=?)"], plan);
    }

    [Fact]
    public void HostileIndicator_IsEscapedInTheTable_TheSparkline_AndHistoryJson()
    {
        using var t = new TempDirectory("pcapviz-baseline-");
        string db = t.File("h.db");
        const string Hostile = "<script>alert(1)</script>\"'&\u202e.evil.test";
        for (int night = 1; night <= 3; night++) Recall(db, NightRun(night, [], [(Hostile, 10)]));
        var tonight = NightRun(4, [], [(Hostile, 100)]);
        var memory = Recall(db, tonight, new BaselineSettings(MinQueries: 1));
        Assert.Contains(memory.AboveBaseline, d => d.Value == Hostile);

        string html = new HtmlReportExporter(HtmlReportOptions.Default).RenderIndex(tonight with { History = memory });
        const string Escaped = "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;\\u202e.evil.test";
        Assert.Contains("<td class=\"mono\">" + Escaped + "</td>", html, StringComparison.Ordinal);
        Assert.Contains("<title>" + Escaped + ": queries in its last 3 runs (10, 10, 10), then tonight (100)</title>", html, StringComparison.Ordinal);
        Assert.Contains("aria-label=\"" + Escaped + ": queries", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
        int start = html.IndexOf("<section class=\"baselines\" id=\"baselines\">", StringComparison.Ordinal);
        Assert.True(start > 0, "the index has the baselines section");
        string section = html[start..html.IndexOf("</section>", start, StringComparison.Ordinal)];
        Assert.DoesNotContain("\u202e", section, StringComparison.Ordinal); // the override character itself, made visible as text
        Assert.Equal(memory.AboveBaseline.Count, section.Split("<svg class=\"sparkline\"").Length - 1);

        var json = new MemoryStream();
        PcapViz.Export.HistoryJsonWriter.Write(json, memory, "test");
        string text = System.Text.Encoding.UTF8.GetString(json.ToArray());
        Assert.DoesNotContain("<script", text, StringComparison.Ordinal);
        using var doc = System.Text.Json.JsonDocument.Parse(json.ToArray());
        var above = doc.RootElement.GetProperty("baselines").GetProperty("above");
        Assert.Contains(above.EnumerateArray(), e => e.GetProperty("value").GetString() == Hostile && e.GetProperty("unit").GetString() == "queries");
    }

    [Fact]
    public void Sparkline_PointsScaleToTheHighestVolume_TonightMarked()
    {
        var points = new[]
        {
            new VolumePoint(DateTimeOffset.UnixEpoch, 10, false), new VolumePoint(DateTimeOffset.UnixEpoch, 20, false),
            new VolumePoint(DateTimeOffset.UnixEpoch, 0 + 10, false), new VolumePoint(DateTimeOffset.UnixEpoch, 100, true),
        };
        string svg = Sparkline.Svg(points, "x");
        // Width 160, height 32, 3 px padding: x = 3 + i × 154 / 3; y = 29 − 26 × v / 100.
        Assert.Contains("points=\"3,26.4 54.33,23.8 105.67,26.4 157,3\"", svg, StringComparison.Ordinal);
        Assert.Contains("<circle class=\"tonight\" cx=\"157\" cy=\"3\" r=\"3\"/>", svg, StringComparison.Ordinal);
    }
    [Fact]
    public void Report_ThreeNightsThenTenCopies_EveryIndicatorTenfold_ListedInHistoryJsonPageAndPdf_Schema()
    {
        using var t = new TempDirectory("pcapviz-baseline-");
        string samples = t.Dir("samples");
        SampleCaptures.WriteAll(samples);
        string office = Directory.GetFiles(samples).Single(f => f.EndsWith("office-lan.pcap", StringComparison.Ordinal));
        string db = t.File("nightly.db");
        string[] baselineOptions = ["--baseline-min-bytes", "1", "--baseline-min-queries", "1", "--baseline-min-requests", "1"];
        string Night(int n, int copies)
        {
            string input = t.Dir($"in{n}");
            for (int c = 0; c < copies; c++)
                File.Copy(office, Path.Combine(Directory.CreateDirectory(Path.Combine(input, $"n{n}", $"c{c}")).FullName, "office-lan.pcap"));
            string output = t.File($"out{n}");
            var r = Cli.RunAt((Model.Night1 + n * Day).ToString(CultureInfo.InvariantCulture),
                ["report", input, "-o", output, "--history", db, "--format", "html,pdf,json", "-q", .. baselineOptions]);
            Assert.True(r.ExitCode == 0, r.ToString());
            return output;
        }
        static System.Text.Json.JsonElement HistoryJson(string bundle) =>
            System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(bundle, "history.json"))).RootElement;

        // Night 1 is the first run: everything is new, so "new" lists every indicator of the capture.
        var first = HistoryJson(Night(1, 1)).GetProperty("new");
        var all = NewGroups.Sum(k => first.GetProperty(k).GetArrayLength());
        Assert.True(all > 10, $"the office capture has {all} indicators");
        Night(2, 1);
        Night(3, 1);
        string tonight = Night(4, 10); // the same capture ten times: every volume tenfold

        var baselines = HistoryJson(tonight).GetProperty("baselines");
        Assert.Equal(4, HistoryJson(tonight).GetProperty("schemaVersion").GetInt32());
        Assert.Equal((30, 3, 5.0, 1L, 1L, 1L), (baselines.GetProperty("runs").GetInt32(), baselines.GetProperty("minRuns").GetInt32(), baselines.GetProperty("ratio").GetDouble(),
            baselines.GetProperty("minVolume").GetProperty("bytes").GetInt64(), baselines.GetProperty("minVolume").GetProperty("queries").GetInt64(),
            baselines.GetProperty("minVolume").GetProperty("requests").GetInt64()));
        // The office capture's HTTP requests name servers (Host): server names are judged too, in requests.
        Assert.Contains(baselines.GetProperty("above").EnumerateArray(), e => e.GetProperty("kind").GetString() == "server-name" && e.GetProperty("unit").GetString() == "requests");
        Assert.Equal(all, baselines.GetProperty("judged").GetInt32());
        var above = baselines.GetProperty("above").EnumerateArray().ToList();
        Assert.Equal(all, above.Count);
        Assert.All(above, e =>
        {
            Assert.Equal(10.0, e.GetProperty("ratio").GetDouble());
            Assert.Equal(e.GetProperty("volume").GetDouble(), 10 * e.GetProperty("median").GetDouble());
            Assert.Equal(4, e.GetProperty("history").GetArrayLength());
            Assert.Equal(10, e.GetProperty("captures").GetArrayLength());
        });
        BundleSchemas.AssertValid(tonight);

        string index = File.ReadAllText(Path.Combine(tonight, "index.html"));
        Assert.Contains($"Above their own baseline ({all})", index, StringComparison.Ordinal);
        Assert.Equal(Math.Min(all, 200), index.Split("<svg class=\"sparkline\"").Length - 1);
        using (var pdf = UglyToad.PdfPig.PdfDocument.Open(Path.Combine(tonight, "report.pdf")))
        {
            string text = string.Join("\n", pdf.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))));
            Assert.Contains($"Above their own baseline ({all})", text, StringComparison.Ordinal);
        }
        // The options are in the manifest, so the bundle says how it judged.
        string manifest = File.ReadAllText(Path.Combine(tonight, "manifest.json"));
        Assert.Contains("\"baselineMinBytes\"", manifest, StringComparison.Ordinal);
    }
    [Theory]
    [InlineData("--baseline-runs", "2", "--baseline-runs: 2 is outside 3..1000.")]
    [InlineData("--baseline-ratio", "0.5", "--baseline-ratio: 0.5 is outside 1..1000000.")]
    [InlineData("--baseline-min-bytes", "0", "--baseline-min-bytes: 0 is not at least 1.")]
    [InlineData("--baseline-min-queries", "-3", "--baseline-min-queries: -3 is not at least 1.")]
    [InlineData("--baseline-min-requests", "0", "--baseline-min-requests: 0 is not at least 1.")]
    public void BaselineOptions_OutOfRange_UsageErrorNamingTheOption_AndDocumentedInHelp(string option, string value, string message)
    {
        using var t = new TempDirectory("pcapviz-baseline-");
        var r = Cli.Run("report", t.Dir("in"), "-o", t.File("out"), "--history", t.File("h.db"), option, value);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains(message, r.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(t.File("h.db")), "a usage error touches no database");
        Assert.Contains(option, Cli.Run("report", "--help").Stdout, StringComparison.Ordinal);
    }
}
