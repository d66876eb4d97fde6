using System.Text;
using System.Text.Json;
using PcapViz.Export;
using PcapViz.Model;

namespace PcapViz.History.Tests;

/// <summary>
/// Server names (TLS/QUIC SNI, HTTP Host) and JA4 client fingerprints as history indicators ("new since") and as
/// watchlist matches (server names with their subdomains, ja3:/ja4: entries), on real SQLite files.
/// </summary>
public sealed class ServerNameHistoryTests
{
    private const string Ja3A = "e7d705a3286e19ea42f587b344ee6865", Ja3B = "6734f37431670b3ab4292b8f60f29984", Ja3C = "cd08e31494f9531f560d64c695473da9";
    private const string Ja4X = "t13d1516h2_8daaf6152771_b186095e22b6", Ja4Y = "q13d0312h3_55b375c5d22e_06cda9e17597";

    private static readonly BoundedSet Clients = new(new ValueList<string>(["10.0.0.5"]), true);

    /// <summary>A capture with exactly these server names (name, source, count) and client fingerprints (ja3, ja4, hellos).</summary>
    internal static CaptureResult WithApplication(string path, (string Name, string Source, long Count)[] names, (string Ja3, string Ja4, long Hellos)[] clients,
        string[]? queries = null)
    {
        var plain = Model.Capture(path, ["10.0.0.5"], queries ?? [], sha: Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(path))));
        var none = DistinctLimit.NotExceeded(1000);
        return plain with
        {
            Application = new ApplicationResult(
                [.. names.Select(n => new ServerNameEntry(n.Name, n.Source, n.Count, Clients, Clients))], none,
                [.. clients.Select(c => new TlsClientEntry(c.Ja3, c.Ja4, c.Hellos, Clients))], none,
                [], none, [], none, [], none, [], none),
        };
    }

    [Fact]
    public void TwoNights_ServerNamesAndJa4_NewSinceListsOnlyWhatTheFirstNightDidNotSee()
    {
        using var t = new TempDirectory("pcapviz-sni-history-");
        string db = t.File("history.db");
        // Night 1: one server name over TLS (as sent, upper case and a trailing dot) and HTTP, another over QUIC; one JA4 under two JA3s.
        var night1 = Model.Run(Model.Night1, WithApplication("n1/a.pcap",
            [("WWW.Example.COM.", NameSources.Tls, 3), ("www.example.com", NameSources.Http, 2), ("cdn.example.net", NameSources.Quic, 1)],
            [(Ja3A, Ja4X, 3), (Ja3B, Ja4X, 1)]));
        var first = Model.Night(db, night1);
        // The first night: everything is new, a name once whatever its spelling and source, a JA4 once whatever its JA3.
        Assert.Equal([("cdn.example.net", 1L), ("www.example.com", 5L)], first.NewServerNames.Select(n => (n.Value, n.Count)));
        Assert.Equal([(Ja4X, 4L)], first.NewJa4.Select(n => (n.Value, n.Count)));
        Assert.All(first.NewServerNames.Concat(first.NewJa4), n => Assert.Equal(["n1-a-pcap"], n.Captures.Select(c => c.CaptureId[..^9])));

        // Night 2: www.example.com again (now over TLS only) and a new name; JA4 X again (under a new JA3) and a new JA4 over QUIC.
        var night2 = Model.Run(Model.Night1 + 86_400, WithApplication("n2/b.pcap",
            [("www.example.com", NameSources.Tls, 1), ("api.example.org", NameSources.Tls, 7)],
            [(Ja3C, Ja4X, 1), (Ja3A, Ja4Y, 7)]));
        var second = Model.Night(db, night2);
        Assert.Equal([("api.example.org", 7L)], second.NewServerNames.Select(n => (n.Value, n.Count)));
        Assert.Equal([(Ja4Y, 7L)], second.NewJa4.Select(n => (n.Value, n.Count)));
        Assert.Equal(1, second.RunsBefore);
        // In the order pages list them: domains, names, server names, JA4, addresses (the address is not new).
        Assert.Equal(["api.example.org", Ja4Y], second.AllNew.Select(n => n.Value));

        // What the file holds, read with a plain connection: each kind once per value, with its first and last run.
        Assert.Equal(
        [
            $"ja4|{Ja4Y}|2024-03-02T00:00:00Z|2024-03-02T00:00:00Z|1|7",
            $"ja4|{Ja4X}|2024-03-01T00:00:00Z|2024-03-02T00:00:00Z|2|5",
            "server-name|api.example.org|2024-03-02T00:00:00Z|2024-03-02T00:00:00Z|1|7",
            "server-name|cdn.example.net|2024-03-01T00:00:00Z|2024-03-01T00:00:00Z|1|1",
            "server-name|www.example.com|2024-03-01T00:00:00Z|2024-03-02T00:00:00Z|2|6",
        ], Sql.Rows(db, "SELECT kind, value, first_seen_run_utc, last_seen_run_utc, captures, total_count FROM indicator_seen WHERE kind IN ('ja4', 'server-name') ORDER BY kind, value"));
        // Tonight's volumes for the baselines of later nights, in requests: www.example.com 5 then 1.
        Assert.Equal(["1|5", "2|1"], Sql.Rows(db,
            "SELECT ri.run_id, ri.volume FROM run_indicator ri JOIN indicator i ON i.indicator_id = ri.indicator_id WHERE i.kind = 'server-name' AND i.value = 'www.example.com' ORDER BY ri.run_id"));

        // history.json carries both lists.
        var ms = new MemoryStream();
        HistoryJsonWriter.Write(ms, second, "test");
        using var json = JsonDocument.Parse(ms.ToArray());
        Assert.Equal(4, json.RootElement.GetProperty("schemaVersion").GetInt32());
        var news = json.RootElement.GetProperty("new");
        Assert.Equal("api.example.org", news.GetProperty("serverNames")[0].GetProperty("value").GetString());
        Assert.Equal(Ja4Y, news.GetProperty("ja4")[0].GetProperty("value").GetString());
        Assert.Equal(100, json.RootElement.GetProperty("baselines").GetProperty("minVolume").GetProperty("requests").GetInt64());
    }

    [Fact]
    public void Migrate_FromSchema5WithData_KeepsIdsAndTakesTheNewKinds()
    {
        using var t = new TempDirectory("pcapviz-sni-migrate-");
        string db = t.File("history.db");
        Assert.Equal(6, HistorySchema.CurrentVersion);
        // A night recorded by the previous version (5): its name, domain and address, their counts and volumes.
        var old = Model.Run(Model.Night1, Model.WithDns("a.pcap", ["www.old.example"], responses: 1));
        using (var h = HistoryDatabase.Open(db, TimeSpan.FromSeconds(1), migrateTo: 5))
        {
            using var tx = h.BeginRun();
            tx.Recall(old, "history.db", null, 30, cancellationToken: TestContext.Current.CancellationToken);
            tx.Record(old, TestContext.Current.CancellationToken);
        }
        Assert.Equal(["5"], Sql.Rows(db, "PRAGMA user_version"));
        string before = Sql.Dump(db);
        // Version 5 refuses the new kinds, as the constraint then said.
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "INSERT INTO indicator (kind, value, first_seen_run_id, last_seen_run_id) VALUES ('ja4', 'x', 1, 1)";
            Assert.Throws<Microsoft.Data.Sqlite.SqliteException>(() => cmd.ExecuteNonQuery());
        }

        using (var h = HistoryDatabase.Open(db, TimeSpan.FromSeconds(1))) Assert.Equal(6, h.SchemaVersion);
        Assert.Equal(["6"], Sql.Rows(db, "PRAGMA user_version"));
        Assert.Equal("ok", Sql.IntegrityCheck(db));
        // Every row is as it was (same ids, so capture_indicator and run_indicator still point at their indicators).
        Assert.Equal(before, Sql.Dump(db));
        Assert.Equal(["address|10.0.0.53|1|10", "domain|old.example|1|1", "name|www.old.example|1|1"],
            Sql.Rows(db, "SELECT kind, value, captures, total_count FROM indicator_seen ORDER BY kind"));
        // The constraint still refuses what no version knows.
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "INSERT INTO indicator (kind, value, first_seen_run_id, last_seen_run_id) VALUES ('ja3', 'x', 1, 1)";
            Assert.Throws<Microsoft.Data.Sqlite.SqliteException>(() => cmd.ExecuteNonQuery());
        }

        // The next night: the old name is known, its server name (never recorded before) and JA4 are new.
        var next = Model.Night(db, Model.Run(Model.Night1 + 86_400,
            WithApplication("b.pcap", [("www.old.example", NameSources.Tls, 2)], [(Ja3A, Ja4X, 2)], queries: ["www.old.example"])));
        Assert.Empty(next.NewNames);
        Assert.Equal(["www.old.example"], next.NewServerNames.Select(n => n.Value));
        Assert.Equal([Ja4X], next.NewJa4.Select(n => n.Value));
        Assert.Equal(["ja4|1", "server-name|1"], Sql.Rows(db, "SELECT kind, count(*) FROM indicator WHERE kind IN ('ja4', 'server-name') GROUP BY kind ORDER BY kind"));
    }

    [Fact]
    public void ParseLine_FingerprintEntries_NormalisedOrReportedWithFileAndLine()
    {
        var w = Watchlist.Parse(new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n',
        [
            "# fingerprints",
            "JA3:E7D705A3286E19EA42F587B344EE6865 old curl",
            "ja4:T13D1516h2_8DAAF6152771_B186095E22B6 chrome-like",
            "ja4:q13i0000H3_000000000000_000000000000",
            "ja3:e7d705a3286e19ea42f587b344ee686",          // 31 digits
            "ja3:g7d705a3286e19ea42f587b344ee6865",         // not hex
            "ja4:x13d1516h2_8daaf6152771_b186095e22b6",     // transport
            "ja4:t13x1516h2_8daaf6152771_b186095e22b6",     // d or i
            "ja4:t13d15a6h2_8daaf6152771_b186095e22b6",     // counts
            "ja4:t13d1516h2_8daaf615277_b186095e22b6",      // 11 hex digits
            "ja4:t13d1516h2-8daaf6152771-b186095e22b6",     // separators
            "ja4:",
        ]))), "lists/fp.txt");
        Assert.Equal(3, w.Count);
        Assert.Equal(Enumerable.Range(5, 8).ToArray(), w.Problems.Select(p => p.Line).ToArray());
        Assert.All(w.Problems, p => Assert.Equal("lists/fp.txt", p.List));
        Assert.StartsWith("'ja3:e7d705a3286e19ea42f587b344ee686' is not a JA3 fingerprint", w.Problems[0].Message, StringComparison.Ordinal);
        Assert.StartsWith("'ja4:x13d1516h2_8daaf6152771_b186095e22b6' is not a JA4 fingerprint", w.Problems[2].Message, StringComparison.Ordinal);

        var m = new List<WatchlistEntry>();
        w.MatchFingerprint(IndicatorKind.Ja3, Ja3A, m);
        Assert.Equal([("ja3:" + Ja3A, "old curl", 2, WatchlistEntryKind.Ja3)], m.Select(e => (e.Text, e.Label, e.Line, e.Kind)));
        m.Clear();
        // Lower case but for the two ALPN characters, which JA4 keeps as sent.
        w.MatchFingerprint(IndicatorKind.Ja4, Ja4X, m);
        Assert.Equal([("ja4:" + Ja4X, 3)], m.Select(e => (e.Text, e.Line)));
        m.Clear();
        w.MatchFingerprint(IndicatorKind.Ja4, "q13i0000h3_000000000000_000000000000", m);
        Assert.Empty(m);
        w.MatchFingerprint(IndicatorKind.Ja4, "q13i0000H3_000000000000_000000000000", m);
        Assert.Single(m);
        m.Clear();
        // A JA3 entry is not a JA4 one, and fingerprints are no names.
        w.MatchFingerprint(IndicatorKind.Ja4, Ja3A, m);
        w.MatchName(Ja3A, m);
        Assert.Empty(m);
    }

    [Fact]
    public void Match_ServerNamesWithSubdomainsAndFingerprints_HitsEachOnceWithItsCount()
    {
        var list = Watchlist.Parse(new MemoryStream(Encoding.UTF8.GetBytes(
            $"example.com watched site\nja3:{Ja3B} odd client\nja4:{Ja4Y} quic client\nja4:{Ja4X.Replace('8', '9')}\n")), "watch.txt");
        Assert.Empty(list.Problems);
        var run = Model.Run(Model.Night1,
            WithApplication("a.pcap",
                [("WWW.Example.com", NameSources.Tls, 2), ("www.example.com", NameSources.Http, 3), ("example.com", NameSources.Quic, 1), ("notexample.com", NameSources.Tls, 9),
                 ("example.com.evil.test", NameSources.Http, 4)],
                [(Ja3A, Ja4X, 5), (Ja3B, Ja4X, 2), (Ja3A, Ja4Y, 1)]),
            WithApplication("b.pcap", [("cdn.www.example.com", NameSources.Tls, 1)], [(Ja3B, Ja4Y, 6)]));
        var hits = WatchlistMatcher.Match(list, run);
        Assert.Equal(
        [
            ("server-name", "cdn.www.example.com", "example.com", "watched site", 1L, 1),
            ("server-name", "example.com", "example.com", "watched site", 1L, 1),
            ("server-name", "www.example.com", "example.com", "watched site", 5L, 1),
            ("ja4", Ja4Y, "ja4:" + Ja4Y, "quic client", 7L, 2),
            ("ja3", Ja3B, "ja3:" + Ja3B, "odd client", 8L, 2),
        ], hits.Select(h => (Names.Of(h.Kind), h.Value, h.Entry, h.Label, h.Count, h.Captures.Count)));
        Assert.Equal(["a-pcap", "b-pcap"], hits[^1].Captures.Select(c => c.CaptureId[..^9]));
    }
}
