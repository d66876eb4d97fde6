using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using PcapViz.Export;
using PcapViz.Model;
using PcapViz.Orchestration;

namespace PcapViz.History;

/// <summary>
/// The history database (SQLite, WAL). One connection, no pooling (the file is closed when this is disposed).
/// Opening migrates the schema; <see cref="BeginRun"/> takes the write lock (BEGIN IMMEDIATE) for the whole run, so
/// a second run on the same file waits up to the timeout and then fails with a clear message, while analysts can
/// still read the file. Nothing is written until <see cref="RunTransaction.Record"/> commits.
/// </summary>
internal sealed class HistoryDatabase : IDisposable
{
    private readonly SqliteConnection _connection;

    /// <summary>The transaction every command joins (Microsoft.Data.Sqlite requires commands to name it).</summary>
    internal SqliteTransaction? Active { get; set; }

    public string Path { get; }

    public int SchemaVersion { get; private set; }

    private HistoryDatabase(string path, SqliteConnection connection)
    {
        Path = path;
        _connection = connection;
    }

    internal SqliteConnection Connection => _connection;

    /// <summary>Opens (creating when missing) and migrates the database.</summary>
    /// <param name="wait">How long to wait for another run holding the database.</param>
    /// <param name="migrateTo">Schema version to migrate to (tests build earlier versions with it); default the current one.</param>
    public static HistoryDatabase Open(string path, TimeSpan wait, bool create = true, int? migrateTo = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!create && !File.Exists(path)) throw new RunHistoryException($"History database '{path}' does not exist.");
        if (Directory.Exists(path)) throw new RunHistoryException($"History database '{path}' is a directory.");
        int seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = create ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = seconds,
        };
        var connection = new SqliteConnection(builder.ToString());
        var db = new HistoryDatabase(path, connection);
        try
        {
            connection.Open();
            db.Execute($"PRAGMA busy_timeout = {seconds * 1000}");
            string mode = db.Scalar<string>("PRAGMA journal_mode = WAL") ?? "";
            if (!mode.Equals("wal", StringComparison.OrdinalIgnoreCase))
                throw new RunHistoryException($"History database '{path}' cannot use write-ahead logging (journal mode '{mode}').");
            db.Execute("PRAGMA synchronous = NORMAL");
            db.Migrate(migrateTo ?? HistorySchema.CurrentVersion);
            return db;
        }
        catch (SqliteException ex)
        {
            db.Dispose();
            throw Explain(path, ex);
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    internal static RunHistoryException Explain(string path, SqliteException ex) => ex.SqliteErrorCode switch
    {
        5 or 6 => new RunHistoryException($"History database '{path}' is in use by another run (it stayed locked for the whole wait); nothing was written to it. Try again when that run has finished.", ex),
        26 => new RunHistoryException($"'{path}' is not an SQLite database, so it cannot be used as the history.", ex),
        11 => new RunHistoryException($"History database '{path}' is corrupt ({ex.Message}); restore it from a backup or start a new one.", ex),
        13 => new RunHistoryException($"History database '{path}': the disk is full ({ex.Message}).", ex),
        _ => new RunHistoryException($"History database '{path}': {ex.Message}", ex),
    };

    private void Migrate(int target)
    {
        // Reading the header needs no lock: a file already at the target version is not locked for writing here
        // (another run may hold it; that is reported by BeginRun, after the wait).
        if (Scalar<long>("PRAGMA application_id") == HistorySchema.ApplicationId && Scalar<long>("PRAGMA user_version") is var current && current >= target)
        {
            if (current > HistorySchema.CurrentVersion)
                throw new RunHistoryException($"History database '{Path}' has schema version {current}, newer than this PcapViz knows ({HistorySchema.CurrentVersion}); use a newer PcapViz.");
            SchemaVersion = (int)current;
            return;
        }
        // A migration may rebuild a table others refer to (SQLite's way of changing a constraint, version 6): foreign keys
        // are off while it runs (the pragma does nothing inside a transaction), checked before the commit, then as they were.
        long foreignKeys = Scalar<long>("PRAGMA foreign_keys");
        Execute("PRAGMA foreign_keys = OFF");
        try
        {
            MigrateInTransaction(target);
        }
        finally
        {
            Active = null;
            Execute($"PRAGMA foreign_keys = {(foreignKeys != 0 ? "ON" : "OFF")}");
        }
    }

    private void MigrateInTransaction(int target)
    {
        using var tx = _connection.BeginTransaction(deferred: false);
        Active = tx;
        long appId = Scalar<long>("PRAGMA application_id");
        int version = (int)Scalar<long>("PRAGMA user_version");
        long tables = Scalar<long>("SELECT count(*) FROM sqlite_schema");
        if (appId != HistorySchema.ApplicationId && (appId != 0 || tables > 0))
            throw new RunHistoryException($"'{Path}' is an SQLite database but not a PcapViz history (application_id {appId.ToString(CultureInfo.InvariantCulture)}); it is left as it is.");
        if (version > HistorySchema.CurrentVersion)
            throw new RunHistoryException($"History database '{Path}' has schema version {version}, newer than this PcapViz knows ({HistorySchema.CurrentVersion}); use a newer PcapViz.");
        for (int v = version; v < target; v++)
        {
            Execute(HistorySchema.Migrations[v], tx);
            if (v + 1 == HistorySchema.DomainsBackfilledAt) BackfillDomains(tx);
            Execute($"PRAGMA user_version = {v + 1}", tx);
        }
        if (appId == 0) Execute($"PRAGMA application_id = {HistorySchema.ApplicationId}", tx);
        if (Scalar<long>("SELECT count(*) FROM pragma_foreign_key_check", tx) is var broken and > 0)
            throw new RunHistoryException($"History database '{Path}': {broken.ToString(CultureInfo.InvariantCulture)} rows refer to rows that do not exist; it is left as it was (restore it from a backup).");
        tx.Commit();
        Active = null;
        SchemaVersion = Math.Max(version, target);
    }

    /// <summary>
    /// Registered domains for a history recorded before they were stored: each recorded name is grouped under its
    /// registered domain (the shipped Public Suffix List), and the domain takes the earliest first sighting and the
    /// latest last sighting of its names, and per capture the sum of their counts. So the first night after the
    /// upgrade does not report every registered domain as new.
    /// </summary>
    private void BackfillDomains(SqliteTransaction tx)
    {
        var domains = new SortedDictionary<string, (long FirstRun, long LastRun, long? FirstNs, long? LastNs)>(StringComparer.Ordinal);
        var domainOf = new Dictionary<long, string>();
        using (var cmd = Command("SELECT indicator_id, value, first_seen_run_id, last_seen_run_id, first_seen_packet_ns, last_seen_packet_ns FROM indicator WHERE kind = 'name'", tx))
        using (var reader = cmd.ExecuteReader())
        {
            while (reader.Read())
            {
                string domain = PcapViz.Context.RegisteredDomains.Of(reader.GetString(1), PcapViz.Context.PublicSuffixList.Embedded);
                domainOf[reader.GetInt64(0)] = domain;
                long? firstNs = reader.IsDBNull(4) ? null : reader.GetInt64(4), lastNs = reader.IsDBNull(5) ? null : reader.GetInt64(5);
                domains[domain] = domains.TryGetValue(domain, out var d)
                    ? (Math.Min(d.FirstRun, reader.GetInt64(2)), Math.Max(d.LastRun, reader.GetInt64(3)), Min(d.FirstNs, firstNs), Max(d.LastNs, lastNs))
                    : (reader.GetInt64(2), reader.GetInt64(3), firstNs, lastNs);
            }
        }
        var counts = new SortedDictionary<(string Sha, string Domain), long>();
        using (var cmd = Command("SELECT ci.sha256, ci.indicator_id, ci.count FROM capture_indicator ci JOIN indicator i ON i.indicator_id = ci.indicator_id WHERE i.kind = 'name'", tx))
        using (var reader = cmd.ExecuteReader())
        {
            while (reader.Read())
            {
                var key = (reader.GetString(0), domainOf[reader.GetInt64(1)]);
                counts[key] = counts.GetValueOrDefault(key) + reader.GetInt64(2);
            }
        }
        var ids = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (domain, d) in domains)
        {
            ids[domain] = Scalar<long>(
                "INSERT INTO indicator (kind, value, first_seen_run_id, last_seen_run_id, first_seen_packet_ns, last_seen_packet_ns) " +
                "VALUES ('domain', $value, $firstRun, $lastRun, $firstNs, $lastNs) " +
                "ON CONFLICT (kind, value) DO UPDATE SET value = excluded.value RETURNING indicator_id", tx,
                ("$value", domain), ("$firstRun", d.FirstRun), ("$lastRun", d.LastRun), ("$firstNs", d.FirstNs), ("$lastNs", d.LastNs));
        }
        foreach (var ((sha, domain), count) in counts)
            Execute("INSERT OR IGNORE INTO capture_indicator (sha256, indicator_id, count) VALUES ($sha, $id, $count)", tx,
                ("$sha", sha), ("$id", ids[domain]), ("$count", count));

        static long? Min(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
        static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);
    }

    /// <summary>Takes the write lock for a run. Dispose without commit leaves the history as it was.</summary>
    public RunTransaction BeginRun()
    {
        try
        {
            var tx = _connection.BeginTransaction(deferred: false);
            Active = tx;
            return new RunTransaction(this, tx);
        }
        catch (SqliteException ex)
        {
            throw Explain(Path, ex);
        }
    }

    /// <summary>A run's identity: its captures' paths, contents and outcomes. The same night run again has the same key.</summary>
    public static string RunKey(RunResult run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var text = new StringBuilder();
        foreach (var c in run.Captures.OrderBy(c => c.Input.Path, StringComparer.Ordinal))
            text.Append(c.Input.Path).Append('\t').Append(c.Input.Sha256).Append('\t').Append(JsonNames.Of(c.Status)).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    internal static string KindText(IndicatorKind kind) => JsonNames.Of(kind);

    internal static IndicatorKind ParseKind(string text) => text switch
    {
        "address" => IndicatorKind.Address,
        "name" => IndicatorKind.Name,
        "domain" => IndicatorKind.Domain,
        "server-name" => IndicatorKind.ServerName,
        "ja4" => IndicatorKind.Ja4,
        _ => throw new InvalidDataException($"Unknown indicator kind '{text}' in the history database."),
    };

    internal void Execute(string sql, SqliteTransaction? tx = null, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(sql, tx, parameters);
        cmd.ExecuteNonQuery();
    }

    internal T? Scalar<T>(string sql, SqliteTransaction? tx = null, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(sql, tx, parameters);
        object? value = cmd.ExecuteScalar();
        var type = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        return value is null or DBNull ? default : (T)Convert.ChangeType(value, type, CultureInfo.InvariantCulture);
    }

    internal SqliteCommand Command(string sql, SqliteTransaction? tx = null, params (string Name, object? Value)[] parameters)
    {
        var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx ?? Active;
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }

    public void Dispose() => _connection.Dispose();
}

/// <summary>
/// One run's hold on the history: reads (what is new, the trend) and, once the bundle is in place, the run's rows,
/// all in one IMMEDIATE transaction.
/// </summary>
internal sealed class RunTransaction : IDisposable
{
    private readonly HistoryDatabase _db;
    private readonly SqliteTransaction _tx;
    private bool _done;

    internal RunTransaction(HistoryDatabase db, SqliteTransaction tx)
    {
        _db = db;
        _tx = tx;
    }

    /// <summary>What tonight's run adds to the report. Reads only.</summary>
    /// <param name="newWindowDays">Only indicators not seen in the runs of the last N days count as new; null: since the history began.</param>
    /// <param name="baseline">How indicators are judged against their own baseline; null: the defaults.</param>
    public RunHistory Recall(RunResult run, string databaseName, int? newWindowDays, int trendRuns, BaselineSettings? baseline = null,
        CancellationToken cancellationToken = default)
    {
        baseline ??= new BaselineSettings();
        ArgumentNullException.ThrowIfNull(run);
        long? existing = _db.Scalar<long?>("SELECT run_id FROM run WHERE run_key = $k", _tx, ("$k", HistoryDatabase.RunKey(run)));
        long before = existing ?? long.MaxValue;
        long tonightEpoch = run.Info.GeneratedUtc.ToUnixTimeSeconds();
        long windowStart = newWindowDays is int days ? tonightEpoch - days * 86_400L : long.MinValue;

        int runsBefore;
        DateTimeOffset? began = null;
        using (var cmd = _db.Command("SELECT count(*), min(run_epoch) FROM run WHERE run_id < $r", _tx, ("$r", before)))
        using (var reader = cmd.ExecuteReader())
        {
            reader.Read();
            runsBefore = reader.GetInt32(0);
            if (!reader.IsDBNull(1)) began = DateTimeOffset.FromUnixTimeSeconds(reader.GetInt64(1));
        }

        var tonight = Tonight(run);
        var newOnes = new List<NewIndicator>();
        // Known indicators at or above the minimum volume: the only ones whose baseline is read (a quieter one cannot be listed).
        var candidates = new List<(IndicatorKind Kind, string Value, long Id, long Volume, List<IndicatorSighting> Captures)>();
        using (var lookup = _db.Command(
                   "SELECT i.indicator_id, i.first_seen_run_id, r.run_epoch FROM indicator i LEFT JOIN run r ON r.run_id = i.last_seen_run_id WHERE i.kind = $kind AND i.value = $value", _tx))
        using (var seenInWindow = _db.Command(
                   "SELECT EXISTS (SELECT 1 FROM capture_indicator ci JOIN run_capture rc ON rc.sha256 = ci.sha256 JOIN run r ON r.run_id = rc.run_id " +
                   "WHERE ci.indicator_id = $id AND r.run_id < $before AND r.run_epoch >= $start)", _tx))
        {
            var kind = lookup.Parameters.Add("$kind", SqliteType.Text);
            var value = lookup.Parameters.Add("$value", SqliteType.Text);
            var id = seenInWindow.Parameters.Add("$id", SqliteType.Integer);
            seenInWindow.Parameters.AddWithValue("$before", before);
            seenInWindow.Parameters.AddWithValue("$start", windowStart);
            lookup.Prepare();
            seenInWindow.Prepare();
            foreach (var (key, seen) in tonight)
            {
                cancellationToken.ThrowIfCancellationRequested();
                kind.Value = HistoryDatabase.KindText(key.Kind);
                value.Value = key.Value;
                bool isNew;
                long? knownId = null;
                using (var reader = lookup.ExecuteReader())
                {
                    if (reader.Read()) knownId = reader.GetInt64(0);
                    if (knownId is null) isNew = true;
                    else if (newWindowDays is null) isNew = reader.GetInt64(1) >= before;
                    else if (existing is null) isNew = reader.IsDBNull(2) || reader.GetInt64(2) < windowStart;
                    else
                    {
                        id.Value = reader.GetInt64(0);
                        isNew = Convert.ToInt64(seenInWindow.ExecuteScalar(), CultureInfo.InvariantCulture) == 0;
                    }
                }
                if (isNew) newOnes.Add(new NewIndicator(key.Kind, key.Value, seen.Count, seen.Captures));
                else if (knownId is long known && seen.Volume >= baseline.MinVolume(IndicatorVolumes.Unit(key.Kind)))
                    candidates.Add((key.Kind, key.Value, known, seen.Volume, seen.Captures));
            }
        }
        var (judged, above) = Baselines(candidates, before, run.Info.GeneratedUtc, baseline, cancellationToken);

        var trend = new List<TrendPoint>();
        using (var cmd = _db.Command(
                   "SELECT run_id, run_epoch, captures, failed_captures, packets, ip_bytes, distinct_sources, distinct_names, nxdomain_status, nxdomain_responses, dns_responses " +
                   "FROM run WHERE run_id < $r ORDER BY run_id DESC LIMIT $n", _tx, ("$r", before), ("$n", Math.Max(0, trendRuns - 1))))
        using (var reader = cmd.ExecuteReader())
        {
            while (reader.Read())
            {
                bool counted = reader.GetString(8) == "counted";
                double? share = counted ? DnsShares.Nxdomain(reader.GetInt64(9), reader.GetInt64(10)) : null;
                trend.Add(new TrendPoint(reader.GetInt64(0), DateTimeOffset.FromUnixTimeSeconds(reader.GetInt64(1)), reader.GetInt32(2), reader.GetInt32(3),
                    reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7), share, false) { NxdomainCounted = counted });
            }
        }
        trend.Reverse();
        var stats = RunStats.Of(run);
        var point = new TrendPoint(existing ?? 0, run.Info.GeneratedUtc, stats.Captures, stats.FailedCaptures, stats.Packets, stats.IpBytes,
            stats.DistinctSources, stats.DistinctNames, DnsShares.Nxdomain(stats.NxdomainResponses, stats.DnsResponses), true);
        var deviations = Deviations(trend, point);
        trend.Add(point);

        static List<NewIndicator> OfKind(List<NewIndicator> all, IndicatorKind k) => all.Where(n => n.Kind == k).ToList();
        return new RunHistory
        {
            Database = databaseName,
            RunsBefore = runsBefore,
            HistoryBeganUtc = began,
            NewWindowDays = newWindowDays,
            Rerun = existing is not null,
            NewNames = OfKind(newOnes, IndicatorKind.Name),
            NewDomains = OfKind(newOnes, IndicatorKind.Domain),
            NewAddresses = OfKind(newOnes, IndicatorKind.Address),
            NewServerNames = OfKind(newOnes, IndicatorKind.ServerName),
            NewJa4 = OfKind(newOnes, IndicatorKind.Ja4),
            Trend = trend,
            Deviations = deviations,
            Baseline = baseline,
            BaselineJudged = judged,
            AboveBaseline = above,
            Beacons = BeaconNights(run, before, baseline.BeaconNights, cancellationToken),
        };
    }

    /// <summary>
    /// For each pair of the run's beacons: in how many of the last <paramref name="nights"/> runs it was flagged, tonight
    /// included. The earlier runs are the last <paramref name="nights"/> − 1 before <paramref name="before"/>; those recorded
    /// before the history kept beacons (schema 5) are left out of the count of nights, never taken as "not beaconing".
    /// </summary>
    private List<BeaconHistory> BeaconNights(RunResult run, long before, int nights, CancellationToken cancellationToken)
    {
        var recorded = new HashSet<long>();
        long oldest = long.MaxValue;
        using (var cmd = _db.Command("SELECT run_id, beacons_status FROM run WHERE run_id < $r ORDER BY run_id DESC LIMIT $n", _tx,
                   ("$r", before), ("$n", Math.Max(0, nights - 1))))
        using (var reader = cmd.ExecuteReader())
        {
            while (reader.Read())
            {
                oldest = Math.Min(oldest, reader.GetInt64(0));
                if (reader.GetString(1) == "recorded") recorded.Add(reader.GetInt64(0));
            }
        }
        var result = new List<BeaconHistory>();
        using var seen = _db.Command(
            "SELECT run_id FROM run_beacon WHERE transport = $t AND client = $c AND server = $s AND port = $p AND run_id >= $oldest AND run_id < $before", _tx);
        var transport = seen.Parameters.Add("$t", SqliteType.Text);
        var client = seen.Parameters.Add("$c", SqliteType.Text);
        var server = seen.Parameters.Add("$s", SqliteType.Text);
        var port = seen.Parameters.Add("$p", SqliteType.Integer);
        seen.Parameters.AddWithValue("$oldest", oldest);
        seen.Parameters.AddWithValue("$before", before);
        seen.Prepare();
        foreach (var pair in run.Beacons.Pairs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var b = pair.Beacon;
            int count = b.Flagged ? 1 : 0;
            if (recorded.Count > 0)
            {
                transport.Value = Names.OfIpProtocol(b.Protocol);
                client.Value = b.Client;
                server.Value = b.Server;
                port.Value = b.Port;
                using var reader = seen.ExecuteReader();
                while (reader.Read())
                    if (recorded.Contains(reader.GetInt64(0))) count++;
            }
            result.Add(new BeaconHistory(b.Protocol, b.Client, b.Server, b.Port, new BeaconNights(count, recorded.Count + 1)));
        }
        return result;
    }

    /// <summary>
    /// An indicator's volumes in the last runs it appeared in before <c>$before</c>, newest first: a range read of the
    /// primary key (indicator_id, run_id) with LIMIT, so its cost does not grow with the number of runs stored
    /// (tested with EXPLAIN QUERY PLAN; measured in bench/history).
    /// </summary>
    internal const string BaselineSql =
        "SELECT r.run_epoch, ri.volume FROM run_indicator ri JOIN run r ON r.run_id = ri.run_id " +
        "WHERE ri.indicator_id = $id AND ri.run_id < $before ORDER BY ri.run_id DESC LIMIT $n";

    /// <summary>Judges each candidate against the median of its earlier volumes; returns how many were judged and those above.</summary>
    private (int Judged, List<BaselineDeviation> Above) Baselines(
        List<(IndicatorKind Kind, string Value, long Id, long Volume, List<IndicatorSighting> Captures)> candidates, long before, DateTimeOffset tonightUtc,
        BaselineSettings settings, CancellationToken cancellationToken)
    {
        int judged = 0;
        var above = new List<BaselineDeviation>();
        if (candidates.Count == 0) return (0, above);
        using var cmd = _db.Command(BaselineSql, _tx);
        var id = cmd.Parameters.Add("$id", SqliteType.Integer);
        cmd.Parameters.AddWithValue("$before", before);
        cmd.Parameters.AddWithValue("$n", settings.Runs);
        cmd.Prepare();
        var points = new List<VolumePoint>();
        foreach (var c in candidates)
        {
            cancellationToken.ThrowIfCancellationRequested();
            id.Value = c.Id;
            points.Clear();
            using (var reader = cmd.ExecuteReader())
                while (reader.Read()) points.Add(new VolumePoint(DateTimeOffset.FromUnixTimeSeconds(reader.GetInt64(0)), reader.GetInt64(1), false));
            if (points.Count < BaselineSettings.MinRuns) continue;
            judged++;
            double median = Median(points.Select(p => (double)p.Volume).Order().ToList());
            if (c.Volume < settings.Ratio * median) continue;
            var history = Enumerable.Reverse(points).Append(new VolumePoint(tonightUtc, c.Volume, true)).ToList();
            above.Add(new BaselineDeviation(c.Kind, c.Value, c.Volume, median, history, c.Captures));
        }
        above.Sort((a, b) => b.Ratio.CompareTo(a.Ratio) is int r and not 0 ? r
            : a.Kind != b.Kind ? a.Kind.CompareTo(b.Kind) : string.CompareOrdinal(a.Value, b.Value));
        return (judged, above);
    }

    /// <summary>The median of sorted values (the mean of the middle two for an even count).</summary>
    private static double Median(List<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;

    /// <summary>Tonight's indicators over every capture, sorted by kind and value, with their captures in run order.</summary>
    internal static SortedDictionary<(IndicatorKind Kind, string Value), (long Count, long Volume, List<IndicatorSighting> Captures)> Tonight(RunResult run)
    {
        var all = new SortedDictionary<(IndicatorKind Kind, string Value), (long Count, long Volume, List<IndicatorSighting> Captures)>(
            Comparer<(IndicatorKind Kind, string Value)>.Create((a, b) => a.Kind != b.Kind ? a.Kind.CompareTo(b.Kind) : string.CompareOrdinal(a.Value, b.Value)));
        foreach (var capture in run.Captures)
        {
            var sighting = new IndicatorSighting(capture.Id, capture.Summary.FirstPacketEpochNanos);
            foreach (var (kind, value, count, volume) in Indicators.Of(capture))
            {
                if (!all.TryGetValue((kind, value), out var seen)) seen = (0, 0, []);
                seen.Captures.Add(sighting);
                all[(kind, value)] = (seen.Count + count, seen.Volume + volume, seen.Captures);
            }
        }
        return all;
    }

    private static List<TrendDeviation> Deviations(List<TrendPoint> earlier, TrendPoint tonight)
    {
        var result = new List<TrendDeviation>();
        if (earlier.Count == 0) return result;
        void Add(string metric, Func<TrendPoint, double?> f)
        {
            var values = earlier.Select(f).OfType<double>().Order().ToList();
            if (values.Count == 0 || f(tonight) is not double now) return;
            double median = Median(values);
            result.Add(new TrendDeviation(metric, now, median, median == 0 ? null : now / median));
        }
        Add("packets", p => p.Packets);
        Add("ipBytes", p => p.IpBytes);
        Add("distinctSources", p => p.DistinctSources);
        Add("distinctNames", p => p.DistinctNames);
        Add(Names.NxdomainShareMetric, p => p.NxdomainShare); // runs whose share is unknown (or had no responses) are left out of the median
        Add("failedCaptures", p => p.FailedCaptures);
        return result;
    }

    /// <summary>Writes the run (once the bundle is in place) and commits. A run already recorded (same key) adds nothing.</summary>
    public void Record(RunResult run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (_done) throw new InvalidOperationException("The run transaction has already ended.");
        string key = HistoryDatabase.RunKey(run);
        if (_db.Scalar<long?>("SELECT run_id FROM run WHERE run_key = $k", _tx, ("$k", key)) is null)
            Insert(run, key, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        _tx.Commit();
        _db.Active = null;
        _done = true;
    }

    private void Insert(RunResult run, string key, CancellationToken cancellationToken)
    {
        var stats = RunStats.Of(run);
        long epoch = run.Info.GeneratedUtc.ToUnixTimeSeconds();
        long runId = _db.Scalar<long>(
            "INSERT INTO run (run_key, run_utc, run_epoch, tool_version, captures, failed_captures, packets, ip_bytes, distinct_sources, distinct_names, dns_queries, " +
            "nxdomain_responses, dns_responses, nxdomain_status, volumes_status, beacons_status) " +
            "VALUES ($key, $utc, $epoch, $tool, $captures, $failed, $packets, $ipBytes, $sources, $names, $queries, $nx, $responses, 'counted', 'recorded', 'recorded') RETURNING run_id", _tx,
            ("$key", key), ("$utc", TimeFormat.IsoUtcSeconds(epoch)), ("$epoch", epoch), ("$tool", run.Info.ToolVersion),
            ("$captures", stats.Captures), ("$failed", stats.FailedCaptures), ("$packets", stats.Packets), ("$ipBytes", stats.IpBytes),
            ("$sources", stats.DistinctSources), ("$names", stats.DistinctNames), ("$queries", stats.DnsQueries), ("$nx", stats.NxdomainResponses),
            ("$responses", stats.DnsResponses));

        using var runCapture = _db.Command("INSERT OR IGNORE INTO run_capture (run_id, capture_id, path, sha256) VALUES ($run, $id, $path, $sha)", _tx);
        using var known = _db.Command("SELECT EXISTS (SELECT 1 FROM capture WHERE sha256 = $sha)", _tx);
        using var touch = _db.Command("UPDATE indicator SET last_seen_run_id = $run WHERE indicator_id IN (SELECT indicator_id FROM capture_indicator WHERE sha256 = $sha)", _tx);
        using var capture = _db.Command(
            "INSERT INTO capture (sha256, size_bytes, status, packets, ip_bytes, first_packet_ns, last_packet_ns, first_run_id) " +
            "VALUES ($sha, $size, $status, $packets, $ipBytes, $first, $last, $run)", _tx);
        using var indicator = _db.Command(
            "INSERT INTO indicator (kind, value, first_seen_run_id, last_seen_run_id, first_seen_packet_ns, last_seen_packet_ns) " +
            "VALUES ($kind, $value, $run, $run, $first, $last) " +
            "ON CONFLICT (kind, value) DO UPDATE SET last_seen_run_id = excluded.last_seen_run_id, " +
            "first_seen_packet_ns = CASE WHEN first_seen_packet_ns IS NULL OR excluded.first_seen_packet_ns < first_seen_packet_ns THEN coalesce(excluded.first_seen_packet_ns, first_seen_packet_ns) ELSE first_seen_packet_ns END, " +
            "last_seen_packet_ns = CASE WHEN last_seen_packet_ns IS NULL OR excluded.last_seen_packet_ns > last_seen_packet_ns THEN coalesce(excluded.last_seen_packet_ns, last_seen_packet_ns) ELSE last_seen_packet_ns END " +
            "RETURNING indicator_id", _tx);
        using var link = _db.Command("INSERT INTO capture_indicator (sha256, indicator_id, count) VALUES ($sha, $indicator, $count)", _tx);

        foreach (var c in run.Captures)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (c.Input.Sha256.Length == 0) continue; // not read at all: nothing to remember but the run's failure count
            Set(known, ("$sha", c.Input.Sha256));
            bool seenBefore = Convert.ToInt64(known.ExecuteScalar(), CultureInfo.InvariantCulture) != 0;
            var s = c.Summary;
            if (!seenBefore)
            {
                Set(capture, ("$sha", c.Input.Sha256), ("$size", c.Input.SizeBytes), ("$status", JsonNames.Of(c.Status)), ("$packets", s.Packets),
                    ("$ipBytes", s.IpBytes), ("$first", s.FirstPacketEpochNanos), ("$last", s.LastPacketEpochNanos), ("$run", runId));
                capture.ExecuteNonQuery();
            }
            Set(runCapture, ("$run", runId), ("$id", c.Id), ("$path", c.Input.Path), ("$sha", c.Input.Sha256));
            runCapture.ExecuteNonQuery();
            if (seenBefore)
            {
                // The same bytes were recorded before (a night run again, or a copied file): not counted twice.
                Set(touch, ("$run", runId), ("$sha", c.Input.Sha256));
                touch.ExecuteNonQuery();
                continue;
            }
            foreach (var (kind, value, count, _) in Indicators.Of(c))
            {
                Set(indicator, ("$kind", HistoryDatabase.KindText(kind)), ("$value", value), ("$run", runId),
                    ("$first", s.FirstPacketEpochNanos), ("$last", s.LastPacketEpochNanos));
                long indicatorId = Convert.ToInt64(indicator.ExecuteScalar(), CultureInfo.InvariantCulture);
                Set(link, ("$sha", c.Input.Sha256), ("$indicator", indicatorId), ("$count", count));
                link.ExecuteNonQuery();
            }
        }

        // Tonight's volume of every indicator over all its captures (those recorded before too: a capture seen again
        // still counts in tonight's volume), for the baselines of later runs.
        using var volume = _db.Command(
            "INSERT INTO run_indicator (indicator_id, run_id, volume) SELECT indicator_id, $run, $volume FROM indicator WHERE kind = $kind AND value = $value", _tx);
        foreach (var ((kind, value), seen) in Tonight(run))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (seen.Volume <= 0) continue;
            Set(volume, ("$run", runId), ("$volume", seen.Volume), ("$kind", HistoryDatabase.KindText(kind)), ("$value", value));
            volume.ExecuteNonQuery();
        }

        // The pairs tonight's beacons flagged, for "seen beaconing on N of the last M nights" of later runs.
        using var beacon = _db.Command(
            "INSERT OR IGNORE INTO run_beacon (transport, client, server, port, run_id, score) VALUES ($t, $c, $s, $p, $run, $score)", _tx);
        foreach (var pair in run.Beacons.Flagged)
        {
            var b = pair.Beacon;
            Set(beacon, ("$t", Names.OfIpProtocol(b.Protocol)), ("$c", b.Client), ("$s", b.Server), ("$p", b.Port), ("$run", runId), ("$score", b.Score));
            beacon.ExecuteNonQuery();
        }
    }

    private static void Set(SqliteCommand cmd, params (string Name, object? Value)[] values)
    {
        foreach (var (name, value) in values)
        {
            if (cmd.Parameters.Contains(name)) cmd.Parameters[name].Value = value ?? DBNull.Value;
            else cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
    }

    public void Dispose()
    {
        if (!_done)
        {
            try
            {
                _tx.Rollback();
            }
            catch (SqliteException)
            {
            }
            catch (InvalidOperationException)
            {
            }
        }
        _tx.Dispose();
        _db.Active = null;
    }
}

/// <summary>The run-level numbers the trend stores.</summary>
/// <param name="DnsResponses">Responses carrying a question, over the run (the NXDOMAIN share's denominator).</param>
/// <param name="NxdomainResponses">Of those, NXDOMAIN.</param>
internal sealed record RunStats(int Captures, int FailedCaptures, long Packets, long IpBytes, long DistinctSources, long DistinctNames,
    long DnsQueries, long NxdomainResponses, long DnsResponses)
{
    public static RunStats Of(RunResult run) => new(
        run.Captures.Count,
        run.Captures.Count(c => c.Status == CaptureStatus.Failed),
        run.Totals.Packets,
        run.Totals.IpBytes,
        run.SourceIps.Entries.Count,
        run.DnsQueries.Entries.Select(e => e.Name).Distinct(StringComparer.Ordinal).LongCount(),
        run.DnsQueries.TotalQueries,
        run.Context.Responses.NxDomain,
        run.Context.Responses.WithQuestion);
}
