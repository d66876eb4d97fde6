using Microsoft.Data.Sqlite;
using PcapViz.Model;
using PcapViz.Orchestration;

namespace PcapViz.History.Tests;

public sealed class HistoryDatabaseTests
{
    private static readonly CaptureResult A = Model.Capture("night/a.pcap", ["10.0.0.1", "10.0.0.2", "2001:db8::1"], ["a.example", "shared.example"]);
    private static readonly CaptureResult B = Model.Capture("night/b.pcap", ["10.0.0.2", "10.0.0.3"], ["shared.example", "b.example", "c.example"], 1_709_300_000_000_000_000);

    [Fact]
    public void Open_EmptyFile_CreatesCurrentSchemaInWalMode()
    {
        using var t = new TempDirectory("pcapviz-history-");
        string db = t.File("h.db");
        File.WriteAllBytes(db, []);
        using (var h = HistoryDatabase.Open(db, TimeSpan.FromSeconds(1))) Assert.Equal(HistorySchema.CurrentVersion, h.SchemaVersion);
        Assert.Equal(["6"], Sql.Rows(db, "PRAGMA user_version"));
        Assert.Equal(["wal"], Sql.Rows(db, "PRAGMA journal_mode"));
        Assert.Equal([HistorySchema.ApplicationId.ToString(System.Globalization.CultureInfo.InvariantCulture)], Sql.Rows(db, "PRAGMA application_id"));
        Assert.Equal("ok", Sql.IntegrityCheck(db));
    }

    [Fact]
    public void Open_EveryEarlierSchemaVersionWithData_MigratesAndKeepsTheRuns()
    {
        for (int version = 1; version < HistorySchema.CurrentVersion; version++)
        {
            using var t = new TempDirectory("pcapviz-history-");
            string db = t.File("h.db");
            using (var h = HistoryDatabase.Open(db, TimeSpan.FromSeconds(1), migrateTo: version))
            {
                Assert.Equal(version, h.SchemaVersion);
                // A run as that version stored it (version 1 had no nxdomain_queries; no version before 3 filled it).
                using var cmd = h.Connection.CreateCommand();
                cmd.CommandText = """
                    INSERT INTO run (run_id, run_key, run_utc, run_epoch, tool_version, captures, failed_captures, packets, ip_bytes, distinct_sources, distinct_names, dns_queries)
                    VALUES (1, 'k1', '2024-03-01T00:00:00Z', 1709251200, 'old', 1, 0, 10, 1000, 1, 1, 1);
                    INSERT INTO capture VALUES ('aa', 1000, 'ok', 10, 1000, 1, 2, 1);
                    INSERT INTO run_capture VALUES (1, 'a-1', 'a.pcap', 'aa');
                    INSERT INTO indicator (indicator_id, kind, value, first_seen_run_id, last_seen_run_id, first_seen_packet_ns, last_seen_packet_ns) VALUES (1, 'name', 'old.example', 1, 1, 1, 2);
                    INSERT INTO capture_indicator VALUES ('aa', 1, 3);
                    """;
                // From version 3 on, a run stored the registered domains of its names itself (earlier ones are backfilled).
                if (version >= HistorySchema.DomainsBackfilledAt)
                    cmd.CommandText += """
                        INSERT INTO indicator (indicator_id, kind, value, first_seen_run_id, last_seen_run_id, first_seen_packet_ns, last_seen_packet_ns) VALUES (2, 'domain', 'old.example', 1, 1, 1, 2);
                        INSERT INTO capture_indicator VALUES ('aa', 2, 3);
                        """;
                cmd.ExecuteNonQuery();
            }
            Assert.Equal([version.ToString(System.Globalization.CultureInfo.InvariantCulture)], Sql.Rows(db, "PRAGMA user_version"));

            using (var h = HistoryDatabase.Open(db, TimeSpan.FromSeconds(1))) Assert.Equal(HistorySchema.CurrentVersion, h.SchemaVersion);
            Assert.Equal("ok", Sql.IntegrityCheck(db));
            // The old run never counted responses: its share is marked unknown, not left a silent null.
            Assert.Equal(["1|k1|NULL|NULL|unknown"], Sql.Rows(db, "SELECT run_id, run_key, nxdomain_responses, dns_responses, nxdomain_status FROM run"));
            // Nor did it store per-run volumes: unknown, and no volume row (never a 0) for its indicators.
            Assert.Equal(["unknown"], Sql.Rows(db, "SELECT volumes_status FROM run"));
            Assert.Equal(0, Sql.Count(db, "run_indicator"));
            // Nor its beacons: unknown (left out of "N of the last M nights"), and no beacon row.
            Assert.Equal(["unknown"], Sql.Rows(db, "SELECT beacons_status FROM run"));
            Assert.Equal(0, Sql.Count(db, "run_beacon"));
            // Its name's registered domain is filled from the name (first seen, captures and count as the name's).
            Assert.Equal(["domain|old.example|2024-03-01T00:00:00Z|1|3", "name|old.example|2024-03-01T00:00:00Z|1|3"],
                Sql.Rows(db, "SELECT kind, value, first_seen_run_utc, captures, total_count FROM indicator_seen ORDER BY kind"));

            // The migrated file takes the next night like a new one: old.example is known, tonight's name and domain are new.
            var memory = Model.Night(db, Model.Run(Model.Night1 + 86_400, Model.WithDns("b.pcap", ["old.example", "www.new.example"], responses: 4, nxdomain: 1)));
            Assert.Equal(1, memory.RunsBefore);
            Assert.Equal(["www.new.example"], memory.NewNames.Select(n => n.Value));
            Assert.Equal(["new.example"], memory.NewDomains.Select(n => n.Value));
            Assert.Equal([("unknown", "unknown", (double?)null), ("counted", "25.0 %", 0.25)],
                memory.Trend.Select(p => (p.NxdomainStatus, p.NxdomainShareText, p.NxdomainShare)));
            Assert.DoesNotContain(memory.Deviations, d => d.Metric == Names.NxdomainShareMetric); // no earlier run has a known share
        }
    }

    [Fact]
    public void Open_NewerSchemaOrForeignDatabase_RefusesWithAClearMessageAndLeavesTheFile()
    {
        using var t = new TempDirectory("pcapviz-history-");
        string newer = t.File("newer.db");
        using (var c = new SqliteConnection($"Data Source={newer};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"PRAGMA application_id = {HistorySchema.ApplicationId}; PRAGMA user_version = 99; CREATE TABLE x (y);";
            cmd.ExecuteNonQuery();
        }
        var ex = Assert.Throws<RunHistoryException>(() => HistoryDatabase.Open(newer, TimeSpan.FromSeconds(1)));
        Assert.Contains("schema version 99, newer than this PcapViz knows", ex.Message, StringComparison.Ordinal);

        string foreign = t.File("foreign.db");
        using (var c = new SqliteConnection($"Data Source={foreign};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE invoices (n); INSERT INTO invoices VALUES (1);";
            cmd.ExecuteNonQuery();
        }
        ex = Assert.Throws<RunHistoryException>(() => HistoryDatabase.Open(foreign, TimeSpan.FromSeconds(1)));
        Assert.Contains("not a PcapViz history", ex.Message, StringComparison.Ordinal);
        Assert.Equal(["1"], Sql.Rows(foreign, "SELECT n FROM invoices"));
        Assert.Equal(["0"], Sql.Rows(foreign, "PRAGMA user_version"));

        string text = t.File("text.db");
        File.WriteAllText(text, "this is not a database at all, just some text that is long enough to have a header\n");
        ex = Assert.Throws<RunHistoryException>(() => HistoryDatabase.Open(text, TimeSpan.FromSeconds(1)));
        Assert.Contains("is not an SQLite database", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NewSince_AThenAPlusB_IsExactlyWhatBHasAndALacks()
    {
        using var t = new TempDirectory("pcapviz-history-");
        string db = t.File("h.db");
        var first = Model.Night(db, Model.Run(Model.Night1, A));
        Assert.Equal(0, first.RunsBefore);
        Assert.Equal(["10.0.0.1", "10.0.0.2", "2001:db8::1"], first.NewAddresses.Select(n => n.Value));

        var second = Model.Night(db, Model.Run(Model.Night1 + 86_400, A, B));
        Assert.Equal(1, second.RunsBefore);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(Model.Night1), second.HistoryBeganUtc);
        Assert.Equal(["10.0.0.3"], second.NewAddresses.Select(n => n.Value));
        Assert.Equal(["b.example", "c.example"], second.NewNames.Select(n => n.Value));
        var c = second.NewNames[1];
        Assert.Equal(3, c.Count);
        var sighting = Assert.Single(c.Captures);
        Assert.Equal((B.Id, (long?)1_709_300_000_000_000_000), (sighting.CaptureId, sighting.FirstPacketEpochNanos));
    }

    [Fact]
    public void Record_SameNightTwice_IsIdempotentAndShowsTheSameNews()
    {
        using var t = new TempDirectory("pcapviz-history-");
        string db = t.File("h.db");
        Model.Night(db, Model.Run(Model.Night1, A));
        var run = Model.Run(Model.Night1 + 86_400, A, B);
        var first = Model.Night(db, run);
        string dump = Sql.Dump(db);

        var again = Model.Night(db, run with { Info = run.Info with { GeneratedUtc = run.Info.GeneratedUtc.AddHours(3) } });
        Assert.Equal(dump, Sql.Dump(db));
        Assert.True(again.Rerun);
        Assert.Equal(first.RunsBefore, again.RunsBefore);
        Assert.Equal(first.NewNames.Select(n => n.Value), again.NewNames.Select(n => n.Value));
        Assert.Equal(first.NewAddresses.Select(n => n.Value), again.NewAddresses.Select(n => n.Value));
        Assert.Equal(2, Sql.Count(db, "run"));
    }

    [Fact]
    public void Record_CaptureAlreadyInHistory_IsNotCountedTwice()
    {
        using var t = new TempDirectory("pcapviz-history-");
        string db = t.File("h.db");
        Model.Night(db, Model.Run(Model.Night1, A));
        // The same bytes under another name the next night, beside a new capture.
        var copy = Model.Capture("night2/a-copy.pcap", ["10.0.0.1", "10.0.0.2", "2001:db8::1"], ["a.example", "shared.example"], sha: A.Input.Sha256);
        var memory = Model.Night(db, Model.Run(Model.Night1 + 86_400, copy, B));
        Assert.DoesNotContain("10.0.0.1", memory.NewAddresses.Select(n => n.Value));
        Assert.Equal(2, Sql.Count(db, "capture"));
        Assert.Equal(3, Sql.Count(db, "run_capture"));
        // 10.0.0.1 was in A only: one capture, its count once; last seen moved to night 2.
        Assert.Equal(["address|10.0.0.1|2024-03-01T00:00:00Z|2024-03-02T00:00:00Z|1|10"],
            Sql.Rows(db, "SELECT kind, value, first_seen_run_utc, last_seen_run_utc, captures, total_count FROM indicator_seen WHERE value = '10.0.0.1'"));
    }

    [Fact]
    public void NewSince_Window_CountsAgainWhatNoRunOfTheWindowSaw()
    {
        using var t = new TempDirectory("pcapviz-history-");
        string db = t.File("h.db");
        Model.Night(db, Model.Run(Model.Night1, A));
        Model.Night(db, Model.Run(Model.Night1 + 20 * 86_400, Model.Capture("mid.pcap", ["10.0.0.2"], [])));
        var tonight = Model.Run(Model.Night1 + 45 * 86_400, A, B);
        // 30 days back from night 45 reaches night 15: night 20 is in the window (10.0.0.2), night 0 is not.
        var windowed = Model.Recall(db, tonight, windowDays: 30);
        Assert.Equal(["10.0.0.1", "10.0.0.3", "2001:db8::1"], windowed.NewAddresses.Select(n => n.Value));
        Assert.Equal(30, windowed.NewWindowDays);
        var all = Model.Recall(db, tonight);
        Assert.Equal(["10.0.0.3"], all.NewAddresses.Select(n => n.Value));
    }

    [Fact]
    public void Trend_LastRunsAndMedianDeviation()
    {
        using var t = new TempDirectory("pcapviz-history-");
        string db = t.File("h.db");
        long[] packets = [];
        for (int night = 0; night < 5; night++)
        {
            var c = Model.Capture($"n{night}.pcap", Enumerable.Range(1, night + 1).Select(i => $"10.1.0.{i}").ToArray(), []);
            Model.Night(db, Model.Run(Model.Night1 + night * 86_400, c));
            packets = [.. packets, c.Summary.Packets];
        }
        // Night n had n + 1 sources; tonight has 10.
        var tonight = Model.Run(Model.Night1 + 5 * 86_400, Model.Capture("n5.pcap", Enumerable.Range(1, 10).Select(i => $"10.2.0.{i}").ToArray(), []));
        var memory = Model.Recall(db, tonight, trendRuns: 4);
        Assert.Equal(4, memory.Trend.Count);
        Assert.Equal([3, 4, 5, 10], memory.Trend.Select(p => p.DistinctSources));
        Assert.Equal([false, false, false, true], memory.Trend.Select(p => p.Tonight));
        var sources = memory.Deviations.Single(d => d.Metric == "distinctSources");
        Assert.Equal((10.0, 4.0), (sources.Tonight, sources.Median));
        Assert.Equal(2.5, sources.Ratio!.Value, 6);
        // Packets of nights 2..4 were 10+11+12=33, 10..13=46, 10..14=60: median 46.
        Assert.Equal(46.0, memory.Deviations.Single(d => d.Metric == "packets").Median);
        Assert.Null(memory.Deviations.Single(d => d.Metric == "failedCaptures").Ratio);
        // These runs saw no DNS response: their share is "none", counted, and no deviation is made of it.
        Assert.All(memory.Trend, p => Assert.Equal(("no-responses", "–"), (p.NxdomainStatus, p.NxdomainShareText)));
        Assert.DoesNotContain(memory.Deviations, d => d.Metric == Names.NxdomainShareMetric);
    }

    [Fact]
    public void Record_FailedCapture_CountsInTheRunButStoresNoCapture()
    {
        using var t = new TempDirectory("pcapviz-history-");
        string db = t.File("h.db");
        var failed = Model.Capture("broken.pcap", [], [], status: CaptureStatus.Failed);
        Model.Night(db, Model.Run(Model.Night1, A, failed));
        Assert.Equal(["2|1"], Sql.Rows(db, "SELECT captures, failed_captures FROM run"));
        Assert.Equal(1, Sql.Count(db, "capture"));
    }

    [Fact]
    public void BeginRun_WhileAnotherRunHoldsTheDatabase_FailsClearlyAndReadersStillRead()
    {
        using var t = new TempDirectory("pcapviz-history-");
        string db = t.File("h.db");
        Model.Night(db, Model.Run(Model.Night1, A));
        using var holder = HistoryDatabase.Open(db, TimeSpan.FromSeconds(1));
        using var held = holder.BeginRun();

        using (var second = HistoryDatabase.Open(db, TimeSpan.FromSeconds(1)))
        {
            var ex = Assert.Throws<RunHistoryException>(() => second.BeginRun());
            Assert.Contains("is in use by another run", ex.Message, StringComparison.Ordinal);
        }
        // An analyst's reader is not blocked by a run in progress (WAL).
        Assert.Equal(1, Sql.Count(db, "run"));

        held.Record(Model.Run(Model.Night1 + 86_400, A, B), TestContext.Current.CancellationToken);
        using var third = HistoryDatabase.Open(db, TimeSpan.FromSeconds(1));
        using var tx = third.BeginRun();
        Assert.Equal(2, tx.Recall(Model.Run(Model.Night1 + 2 * 86_400, B), "h", null, 30, cancellationToken: TestContext.Current.CancellationToken).RunsBefore);
    }

    [Fact]
    public async Task BeginRun_SecondRunWithinTheWait_WaitsForTheFirstToCommit()
    {
        using var t = new TempDirectory("pcapviz-history-");
        string db = t.File("h.db");
        Model.Night(db, Model.Run(Model.Night1, A));
        var holder = HistoryDatabase.Open(db, TimeSpan.FromSeconds(1));
        var held = holder.BeginRun();
        var second = Task.Run(() => Model.Night(db, Model.Run(Model.Night1 + 2 * 86_400, B)), TestContext.Current.CancellationToken);
        await Task.Delay(300, TestContext.Current.CancellationToken);
        held.Record(Model.Run(Model.Night1 + 86_400, A, Model.Capture("x.pcap", ["10.9.9.9"], [])), TestContext.Current.CancellationToken);
        held.Dispose();
        holder.Dispose();
        // Waits up to 1 s (the busy timeout is at least 1 s): the first committed within it, so the second sees it.
        var memory = await second;
        Assert.Equal(2, memory.RunsBefore);
        Assert.Equal(3, Sql.Count(db, "run"));
    }

    [Fact]
    public void RunTransaction_DisposedWithoutRecord_LeavesTheHistoryAsItWas()
    {
        using var t = new TempDirectory("pcapviz-history-");
        string db = t.File("h.db");
        Model.Night(db, Model.Run(Model.Night1, A));
        string dump = Sql.Dump(db);
        using (var h = HistoryDatabase.Open(db, TimeSpan.FromSeconds(1)))
        using (var tx = h.BeginRun())
        {
            tx.Recall(Model.Run(Model.Night1 + 86_400, A, B), "h", null, 30, cancellationToken: TestContext.Current.CancellationToken);
        }
        Assert.Equal(dump, Sql.Dump(db));

        // Cancelled in the middle of writing the rows: nothing of it stays.
        using (var h = HistoryDatabase.Open(db, TimeSpan.FromSeconds(1)))
        using (var tx = h.BeginRun())
        {
            using var cts = new CancellationTokenSource();
            cts.Cancel();
            Assert.Throws<OperationCanceledException>(() => tx.Record(Model.Run(Model.Night1 + 86_400, A, B), cts.Token));
        }
        Assert.Equal(dump, Sql.Dump(db));
        Assert.Equal("ok", Sql.IntegrityCheck(db));
    }

    [Fact]
    public void Prune_ForgetsOldRunsAndWhatOnlyTheyHeld_AndRecomputesFirstSeen()
    {
        using var t = new TempDirectory("pcapviz-history-");
        string db = t.File("h.db");
        Model.Night(db, Model.Run(Model.Night1, A));
        Model.Night(db, Model.Run(Model.Night1 + 100 * 86_400, B));
        var result = HistoryMaintenance.Prune(db, 90, DateTimeOffset.FromUnixTimeSeconds(Model.Night1 + 101 * 86_400), TimeSpan.FromSeconds(1));
        Assert.Equal((1L, 1L), (result.Runs, result.Captures));
        // A's own indicators (10.0.0.1, 2001:db8::1, a.example) are gone; shared ones are now first seen in B's run.
        Assert.Equal(3, result.Indicators);
        Assert.Equal(["address|10.0.0.2|2024-06-09T00:00:00Z", "name|shared.example|2024-06-09T00:00:00Z"],
            Sql.Rows(db, "SELECT kind, value, first_seen_run_utc FROM indicator_seen WHERE value IN ('10.0.0.2', 'shared.example', '10.0.0.1') ORDER BY value"));
        Assert.Equal("ok", Sql.IntegrityCheck(db));
        Assert.Empty(Sql.Rows(db, "PRAGMA foreign_key_check"));
        var (before, after) = HistoryMaintenance.Vacuum(db, TimeSpan.FromSeconds(1));
        Assert.True(after <= before, $"{after} > {before}");
        Assert.Equal(1, Sql.Count(db, "run"));
    }

    [Fact]
    public void FirstSeen_AddressInAnyNotation_FindsTheCanonicalEntry()
    {
        using var t = new TempDirectory("pcapviz-history-");
        string db = t.File("h.db");
        Model.Night(db, Model.Run(Model.Night1, A));
        Model.Night(db, Model.Run(Model.Night1 + 86_400, A, B));
        var row = Assert.Single(HistoryMaintenance.FirstSeen(db, "2001:DB8:0::1", TimeSpan.FromSeconds(1)));
        Assert.Equal((IndicatorKind.Address, "2001:db8::1", "2024-03-01T00:00:00Z", "night/a.pcap"), (row.Kind, row.Value, row.FirstRunUtc, row.FirstCapturePath));
        // B's first packet is 1,709,300,000 s: 48,800 s (13 h 33 min 20 s) after 2024-03-01T00:00:00Z.
        var name = Assert.Single(HistoryMaintenance.FirstSeen(db, "B.Example.", TimeSpan.FromSeconds(1)));
        Assert.Equal(("b.example", "2024-03-02T00:00:00Z", "night/b.pcap", "2024-03-01T13:33:20Z"), (name.Value, name.FirstRunUtc, name.FirstCapturePath, name.FirstPacketUtc));
        Assert.Empty(HistoryMaintenance.FirstSeen(db, "never.example", TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Recall_RegisteredDomainNeverSeenBefore_IsNewOnlyTheFirstNight()
    {
        using var t = new TempDirectory("pcapviz-history-");
        string db = t.File("h.db");
        var first = Model.Night(db, Model.Run(Model.Night1, Model.WithDns("a.pcap", ["a.example.com", "b.example.com", "printer.lan"])));
        Assert.Equal(["example.com", "printer.lan"], first.NewDomains.Select(n => n.Value));
        Assert.Equal(3, first.NewDomains.Single(n => n.Value == "example.com").Count); // 1 + 2 queries of its names
        Assert.Equal(["a-pcap"], first.NewDomains[0].Captures.Select(c => c.CaptureId[..6]));

        // A new name under a known domain is a new name, not a new domain.
        var second = Model.Night(db, Model.Run(Model.Night1 + 86_400, Model.WithDns("b.pcap", ["c.example.com", "x.test.co.uk"])));
        Assert.Equal(["c.example.com", "x.test.co.uk"], second.NewNames.Select(n => n.Value));
        Assert.Equal(["test.co.uk"], second.NewDomains.Select(n => n.Value));
        Assert.Equal(["domain|example.com|2024-03-01T00:00:00Z|2024-03-02T00:00:00Z|2|4"],
            Sql.Rows(db, "SELECT kind, value, first_seen_run_utc, last_seen_run_utc, captures, total_count FROM indicator_seen WHERE kind = 'domain' AND value = 'example.com'"));
    }

    [Fact]
    public void Recall_RegisteredDomainWithWindow_NewAgainWhenNoRunOfTheWindowSawIt()
    {
        using var t = new TempDirectory("pcapviz-history-");
        string db = t.File("h.db");
        Model.Night(db, Model.Run(Model.Night1, Model.WithDns("a.pcap", ["a.example.com"])));
        Model.Night(db, Model.Run(Model.Night1 + 20 * 86_400, Model.WithDns("m.pcap", ["a.example.org"])));
        var tonight = Model.Run(Model.Night1 + 45 * 86_400, Model.WithDns("t.pcap", ["z.example.com", "z.example.org"]));
        Assert.Equal(["example.com"], Model.Recall(db, tonight, windowDays: 30).NewDomains.Select(n => n.Value));
        Assert.Empty(Model.Recall(db, tonight).NewDomains);
    }

    [Fact]
    public void Trend_NxdomainShare_IsNxdomainOverResponsesWithAQuestionAndDeviates()
    {
        using var t = new TempDirectory("pcapviz-history-");
        string db = t.File("h.db");
        Model.Night(db, Model.Run(Model.Night1, Model.WithDns("n0.pcap", ["a.example"], responses: 10, nxdomain: 1)));
        Model.Night(db, Model.Run(Model.Night1 + 86_400, Model.WithDns("n1.pcap", ["b.example"], responses: 20, nxdomain: 4),
            Model.WithDns("n1b.pcap", ["c.example"], responses: 20, nxdomain: 8)));
        var tonight = Model.Run(Model.Night1 + 2 * 86_400, Model.WithDns("n2.pcap", ["d.example"], responses: 8, nxdomain: 6));
        var memory = Model.Night(db, tonight);

        Assert.Equal([0.1, 0.3, 0.75], memory.Trend.Select(p => p.NxdomainShare!.Value));
        Assert.Equal(["10.0 %", "30.0 %", "75.0 %"], memory.Trend.Select(p => p.NxdomainShareText));
        var nx = memory.Deviations.Single(d => d.Metric == Names.NxdomainShareMetric);
        Assert.Equal((0.75, 0.2), (nx.Tonight, Math.Round(nx.Median, 12)));
        Assert.Equal(3.75, nx.Ratio!.Value, 9);
        Assert.True(nx.IsNotable);
        Assert.StartsWith("NXDOMAIN share: 75.0 % tonight, 3.75 times the median of the 2 earlier runs shown (20.0 %)", nx.Describe(2), StringComparison.Ordinal);
        Assert.Equal(["1|10|counted", "12|40|counted", "6|8|counted"], Sql.Rows(db, "SELECT nxdomain_responses, dns_responses, nxdomain_status FROM run ORDER BY run_id"));
    }

    [Fact]
    public void Open_SchemaVersion2FileBuiltByHand_MigratesMarksSharesUnknownAndFillsDomains()
    {
        using var t = new TempDirectory("pcapviz-history-");
        string db = t.File("v2.db");
        using (var c = new SqliteConnection($"Data Source={db};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            // A file as PcapViz with schema version 2 left it: two runs, names and an address, no domain, no NXDOMAIN counts.
            cmd.CommandText = HistorySchema.Migrations[0] + HistorySchema.Migrations[1] + $"""
                PRAGMA user_version = 2; PRAGMA application_id = {HistorySchema.ApplicationId};
                INSERT INTO run (run_id, run_key, run_utc, run_epoch, tool_version, captures, failed_captures, packets, ip_bytes, distinct_sources, distinct_names, dns_queries)
                VALUES (1, 'k1', '2024-03-01T00:00:00Z', 1709251200, 'old', 1, 0, 10, 1000, 1, 2, 5),
                       (2, 'k2', '2024-03-02T00:00:00Z', 1709337600, 'old', 1, 0, 10, 1000, 1, 1, 4);
                INSERT INTO capture VALUES ('aa', 1000, 'ok', 10, 1000, 100, 200, 1), ('bb', 1000, 'ok', 10, 1000, 300, 400, 2);
                INSERT INTO run_capture VALUES (1, 'a-1', 'a.pcap', 'aa'), (2, 'b-1', 'b.pcap', 'bb');
                INSERT INTO indicator VALUES (1, 'name', 'www.shop.example.co.uk', 1, 1, 100, 200), (2, 'name', 'mail.shop.example.co.uk', 1, 2, 100, 400),
                                             (3, 'address', '10.0.0.1', 1, 2, 100, 400);
                INSERT INTO capture_indicator VALUES ('aa', 1, 3), ('aa', 2, 2), ('bb', 2, 4), ('aa', 3, 10), ('bb', 3, 10);
                """;
            cmd.ExecuteNonQuery();
        }
        using (var h = HistoryDatabase.Open(db, TimeSpan.FromSeconds(1))) Assert.Equal(HistorySchema.CurrentVersion, h.SchemaVersion);
        Assert.Equal("ok", Sql.IntegrityCheck(db));
        Assert.Equal(["1|NULL|NULL|unknown", "2|NULL|NULL|unknown"], Sql.Rows(db, "SELECT run_id, nxdomain_responses, dns_responses, nxdomain_status FROM run ORDER BY run_id"));
        Assert.Equal(["1|2|100|400"], Sql.Rows(db, "SELECT first_seen_run_id, last_seen_run_id, first_seen_packet_ns, last_seen_packet_ns FROM indicator WHERE kind = 'domain' AND value = 'example.co.uk'"));
        Assert.Equal(["aa|5", "bb|4"], Sql.Rows(db,
            "SELECT ci.sha256, ci.count FROM capture_indicator ci JOIN indicator i ON i.indicator_id = ci.indicator_id WHERE i.kind = 'domain' ORDER BY ci.sha256"));

        var memory = Model.Night(db, Model.Run(Model.Night1 + 2 * 86_400, Model.WithDns("c.pcap", ["shop.example.co.uk", "evil.example.net"], responses: 10, nxdomain: 5)));
        Assert.Equal(["example.net"], memory.NewDomains.Select(n => n.Value));
        Assert.Equal(["unknown", "unknown", "counted"], memory.Trend.Select(p => p.NxdomainStatus));
        Assert.Equal(["unknown", "unknown", "50.0 %"], memory.Trend.Select(p => p.NxdomainShareText));
    }
}
