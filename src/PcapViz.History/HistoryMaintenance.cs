using System.Globalization;
using Microsoft.Data.Sqlite;
using PcapViz.Model;

namespace PcapViz.History;

/// <summary>One run as `pcapviz history show` lists it.</summary>
public sealed record HistoryRunRow(long RunId, string RunUtc, int Captures, int FailedCaptures, long Packets, long IpBytes, long NewIndicators);

/// <summary>The database at a glance.</summary>
public sealed record HistoryOverview(string Path, int SchemaVersion, long FileBytes, long WalBytes, long Runs, long Captures,
    long Addresses, long Names, long Domains, string? FirstRunUtc, string? LastRunUtc, IReadOnlyList<HistoryRunRow> LastRuns)
{
    /// <summary>Server names held (TLS/QUIC SNI, HTTP Host).</summary>
    public long ServerNames { get; init; }

    /// <summary>JA4 client fingerprints held.</summary>
    public long Ja4 { get; init; }
}

/// <summary>When and where one indicator was first and last seen.</summary>
public sealed record FirstSeenRow(IndicatorKind Kind, string Value, string FirstRunUtc, string? FirstPacketUtc, string? FirstCapturePath,
    string LastRunUtc, string? LastPacketUtc, long Captures, long TotalCount);

/// <summary>What `prune` removed.</summary>
public sealed record PruneResult(long Runs, long Captures, long Indicators);

/// <summary>`pcapviz history show | first-seen | prune | vacuum`: each opens the database, does one thing, closes it.</summary>
public static class HistoryMaintenance
{
    /// <summary>Parses "90d" (whole days, 1 to 36500).</summary>
    public static bool TryParseDays(string text, out int days)
    {
        days = 0;
        if (text is null || text.Length < 2 || text[^1] is not ('d' or 'D')) return false;
        return int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out days) && days is >= 1 and <= 36_500;
    }

    /// <summary>`pcapviz history show`: the database's schema, size, run and indicator counts and its last
    /// <paramref name="lastRuns"/> runs, oldest first; waits up to <paramref name="wait"/> for a run holding the
    /// database, and never creates one.</summary>
    public static HistoryOverview Show(string path, int lastRuns, TimeSpan wait)
    {
        using var db = HistoryDatabase.Open(path, wait, create: false);
        try
        {
            long Count(string sql) => db.Scalar<long>(sql);
            var runs = new List<HistoryRunRow>();
            using (var cmd = db.Command(
                       "SELECT r.run_id, r.run_utc, r.captures, r.failed_captures, r.packets, r.ip_bytes, " +
                       "(SELECT count(*) FROM indicator i WHERE i.first_seen_run_id = r.run_id) FROM run r ORDER BY r.run_id DESC LIMIT $n", null, ("$n", lastRuns)))
            using (var reader = cmd.ExecuteReader())
            {
                while (reader.Read())
                    runs.Add(new HistoryRunRow(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6)));
            }
            runs.Reverse();
            return new HistoryOverview(path, db.SchemaVersion, FileSize(path), FileSize(path + "-wal"),
                Count("SELECT count(*) FROM run"), Count("SELECT count(*) FROM capture"),
                Count("SELECT count(*) FROM indicator WHERE kind = 'address'"), Count("SELECT count(*) FROM indicator WHERE kind = 'name'"),
                Count("SELECT count(*) FROM indicator WHERE kind = 'domain'"),
                db.Scalar<string>("SELECT run_utc FROM run ORDER BY run_id LIMIT 1"), db.Scalar<string>("SELECT run_utc FROM run ORDER BY run_id DESC LIMIT 1"),
                runs)
            {
                ServerNames = Count("SELECT count(*) FROM indicator WHERE kind = 'server-name'"),
                Ja4 = Count("SELECT count(*) FROM indicator WHERE kind = 'ja4'"),
            };
        }
        catch (SqliteException ex)
        {
            throw HistoryDatabase.Explain(path, ex);
        }
    }

    /// <summary>Every kind of indicator with this value (an address is compared in canonical form, a name, domain or server
    /// name in lower case without a trailing dot, a JA4 fingerprint also as given: its ALPN characters may be upper case).</summary>
    public static IReadOnlyList<FirstSeenRow> FirstSeen(string path, string value, TimeSpan wait)
    {
        ArgumentNullException.ThrowIfNull(value);
        string v = value.Trim(), given = v;
        if (Watchlist.TryParseAddress(v, out var address)) v = Watchlist.Canonical(address!);
        else
        {
            v = v.ToLowerInvariant();
            if (v.Length > 1 && v.EndsWith('.')) v = v[..^1];
        }
        using var db = HistoryDatabase.Open(path, wait, create: false);
        try
        {
            var rows = new List<FirstSeenRow>();
            using var cmd = db.Command(
                "SELECT s.kind, s.value, s.first_seen_run_utc, s.first_seen_packet_utc, " +
                "(SELECT rc.path FROM capture_indicator ci JOIN run_capture rc ON rc.sha256 = ci.sha256 WHERE ci.indicator_id = i.indicator_id AND rc.run_id = i.first_seen_run_id ORDER BY rc.path LIMIT 1), " +
                "s.last_seen_run_utc, s.last_seen_packet_utc, s.captures, s.total_count " +
                "FROM indicator i JOIN indicator_seen s ON s.kind = i.kind AND s.value = i.value WHERE i.value IN ($v, $given) ORDER BY i.kind", null, ("$v", v), ("$given", given));
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                rows.Add(new FirstSeenRow(HistoryDatabase.ParseKind(reader.GetString(0)), reader.GetString(1), reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5),
                    reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetInt64(7), reader.IsDBNull(8) ? 0 : reader.GetInt64(8)));
            }
            return rows;
        }
        catch (SqliteException ex)
        {
            throw HistoryDatabase.Explain(path, ex);
        }
    }

    /// <summary>Forgets runs older than <paramref name="keepDays"/> days before <paramref name="now"/>, and whatever only they held.
    /// First-seen times of what remains are recomputed from the runs kept.</summary>
    public static PruneResult Prune(string path, int keepDays, DateTimeOffset now, TimeSpan wait)
    {
        using var db = HistoryDatabase.Open(path, wait, create: false);
        try
        {
            using var tx = db.Connection.BeginTransaction(deferred: false);
            long cutoff = now.ToUnixTimeSeconds() - keepDays * 86_400L;
            long Exec(string sql, params (string, object?)[] p)
            {
                using var cmd = db.Command(sql, tx, p);
                return cmd.ExecuteNonQuery();
            }
            // Children first (foreign keys are enforced): which runs had which capture, then what only old runs held.
            Exec("DELETE FROM run_indicator WHERE run_id IN (SELECT run_id FROM run WHERE run_epoch < $cutoff)", ("$cutoff", cutoff));
            Exec("DELETE FROM run_capture WHERE run_id IN (SELECT run_id FROM run WHERE run_epoch < $cutoff)", ("$cutoff", cutoff));
            Exec("UPDATE capture SET first_run_id = (SELECT min(rc.run_id) FROM run_capture rc WHERE rc.sha256 = capture.sha256) " +
                 "WHERE first_run_id IN (SELECT run_id FROM run WHERE run_epoch < $cutoff) AND sha256 IN (SELECT sha256 FROM run_capture)", ("$cutoff", cutoff));
            Exec("DELETE FROM capture_indicator WHERE sha256 NOT IN (SELECT sha256 FROM run_capture)");
            long captures = Exec("DELETE FROM capture WHERE sha256 NOT IN (SELECT sha256 FROM run_capture)");
            long indicators = Exec("DELETE FROM indicator WHERE indicator_id NOT IN (SELECT indicator_id FROM capture_indicator)");
            long runs = Exec("DELETE FROM run WHERE run_epoch < $cutoff", ("$cutoff", cutoff));
            // What remains and was first seen in a forgotten run is now first seen in the earliest run kept.
            Exec("UPDATE indicator SET " +
                 "first_seen_run_id = (SELECT min(rc.run_id) FROM capture_indicator ci JOIN run_capture rc ON rc.sha256 = ci.sha256 WHERE ci.indicator_id = indicator.indicator_id), " +
                 "first_seen_packet_ns = (SELECT min(c.first_packet_ns) FROM capture_indicator ci JOIN capture c ON c.sha256 = ci.sha256 WHERE ci.indicator_id = indicator.indicator_id) " +
                 "WHERE first_seen_run_id NOT IN (SELECT run_id FROM run)");
            tx.Commit();
            return new PruneResult(runs, captures, indicators);
        }
        catch (SqliteException ex)
        {
            throw HistoryDatabase.Explain(path, ex);
        }
    }

    /// <summary>Checkpoints the write-ahead log into the file and rebuilds it compactly. Returns the sizes before and after.</summary>
    public static (long Before, long After) Vacuum(string path, TimeSpan wait)
    {
        long before = FileSize(path) + FileSize(path + "-wal");
        using (var db = HistoryDatabase.Open(path, wait, create: false))
        {
            try
            {
                db.Execute("VACUUM");
                db.Execute("PRAGMA wal_checkpoint(TRUNCATE)");
            }
            catch (SqliteException ex)
            {
                throw HistoryDatabase.Explain(path, ex);
            }
        }
        return (before, FileSize(path) + FileSize(path + "-wal"));
    }

    private static long FileSize(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;
}
