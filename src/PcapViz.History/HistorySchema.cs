namespace PcapViz.History;

/// <summary>
/// The history database's schema, as an ordered list of migrations. <c>PRAGMA user_version</c> holds the number of
/// migrations applied; each migration runs in the same transaction as the version bump, so a file is always at one
/// version. Never edit a released migration: add one. docs/history.md documents the resulting schema.
/// </summary>
internal static class HistorySchema
{
    /// <summary>"PCVH": marks the file as a PcapViz history (PRAGMA application_id).</summary>
    public const int ApplicationId = 0x50435648;

    public static int CurrentVersion => Migrations.Length;

    public static readonly string[] Migrations =
    [
        // 1: runs, captures (one row per distinct content), which captures each run had, indicators and their counts.
        """
        CREATE TABLE run (
          run_id            INTEGER PRIMARY KEY,
          run_key           TEXT    NOT NULL UNIQUE,
          run_utc           TEXT    NOT NULL,
          run_epoch         INTEGER NOT NULL,
          tool_version      TEXT    NOT NULL,
          captures          INTEGER NOT NULL,
          failed_captures   INTEGER NOT NULL,
          packets           INTEGER NOT NULL,
          ip_bytes          INTEGER NOT NULL,
          distinct_sources  INTEGER NOT NULL,
          distinct_names    INTEGER NOT NULL,
          dns_queries       INTEGER NOT NULL
        );
        CREATE TABLE capture (
          sha256            TEXT    PRIMARY KEY,
          size_bytes        INTEGER NOT NULL,
          status            TEXT    NOT NULL,
          packets           INTEGER NOT NULL,
          ip_bytes          INTEGER NOT NULL,
          first_packet_ns   INTEGER,
          last_packet_ns    INTEGER,
          first_run_id      INTEGER NOT NULL REFERENCES run(run_id)
        );
        CREATE TABLE run_capture (
          run_id            INTEGER NOT NULL REFERENCES run(run_id),
          capture_id        TEXT    NOT NULL,
          path              TEXT    NOT NULL,
          sha256            TEXT    NOT NULL REFERENCES capture(sha256),
          PRIMARY KEY (run_id, capture_id)
        );
        CREATE INDEX run_capture_sha256 ON run_capture(sha256);
        CREATE TABLE indicator (
          indicator_id         INTEGER PRIMARY KEY,
          kind                 TEXT    NOT NULL CHECK (kind IN ('address', 'name', 'domain')),
          value                TEXT    NOT NULL,
          first_seen_run_id    INTEGER NOT NULL,
          last_seen_run_id     INTEGER NOT NULL,
          first_seen_packet_ns INTEGER,
          last_seen_packet_ns  INTEGER,
          UNIQUE (kind, value)
        );
        CREATE TABLE capture_indicator (
          sha256            TEXT    NOT NULL REFERENCES capture(sha256),
          indicator_id      INTEGER NOT NULL REFERENCES indicator(indicator_id),
          count             INTEGER NOT NULL,
          PRIMARY KEY (sha256, indicator_id)
        ) WITHOUT ROWID;
        CREATE INDEX capture_indicator_indicator ON capture_indicator(indicator_id);
        """,
        // 2: NXDOMAIN counts for the trend, an index for time windows, and a readable view for the sqlite3 shell.
        """
        ALTER TABLE run ADD COLUMN nxdomain_queries INTEGER;
        CREATE INDEX run_epoch ON run(run_epoch);
        CREATE VIEW indicator_seen AS
        SELECT i.kind, i.value,
               fr.run_utc AS first_seen_run_utc,
               lr.run_utc AS last_seen_run_utc,
               strftime('%Y-%m-%dT%H:%M:%SZ', i.first_seen_packet_ns / 1000000000, 'unixepoch') AS first_seen_packet_utc,
               strftime('%Y-%m-%dT%H:%M:%SZ', i.last_seen_packet_ns / 1000000000, 'unixepoch') AS last_seen_packet_utc,
               (SELECT count(*) FROM capture_indicator ci WHERE ci.indicator_id = i.indicator_id) AS captures,
               (SELECT sum(ci.count) FROM capture_indicator ci WHERE ci.indicator_id = i.indicator_id) AS total_count
        FROM indicator i
        LEFT JOIN run fr ON fr.run_id = i.first_seen_run_id
        LEFT JOIN run lr ON lr.run_id = i.last_seen_run_id;
        """,
        // 3: the NXDOMAIN share as docs/analysis.md defines it (NXDOMAIN responses / responses carrying a question): the
        //    numerator under its right name, the denominator, and whether the run counted them at all. Runs recorded
        //    before this version did not (the column was never filled): they are marked 'unknown', never a silent null.
        //    Registered domains, never recorded before this version, are then filled from the names (BackfillDomains).
        """
        ALTER TABLE run RENAME COLUMN nxdomain_queries TO nxdomain_responses;
        ALTER TABLE run ADD COLUMN dns_responses INTEGER;
        ALTER TABLE run ADD COLUMN nxdomain_status TEXT NOT NULL DEFAULT 'unknown' CHECK (nxdomain_status IN ('counted', 'unknown'));
        UPDATE run SET nxdomain_responses = NULL, dns_responses = NULL, nxdomain_status = 'unknown';
        """,
        // 4: per-run volumes of each indicator, for baselines per indicator (docs/history.md). One row per indicator and
        //    run it appeared in; the primary key (indicator_id, run_id) serves "the last N runs of this indicator before
        //    tonight" as one range read with LIMIT, whatever the number of runs. Runs recorded before this version have
        //    no rows and are marked 'unknown': their volumes were never stored, so they are left out, never taken as 0.
        """
        CREATE TABLE run_indicator (
          indicator_id      INTEGER NOT NULL REFERENCES indicator(indicator_id),
          run_id            INTEGER NOT NULL REFERENCES run(run_id),
          volume            INTEGER NOT NULL CHECK (volume > 0),
          PRIMARY KEY (indicator_id, run_id)
        ) WITHOUT ROWID;
        ALTER TABLE run ADD COLUMN volumes_status TEXT NOT NULL DEFAULT 'unknown' CHECK (volumes_status IN ('recorded', 'unknown'));
        """,
        // 5: the client → server pairs each run's beacons flagged (score at or above the threshold over the run), for
        //    "seen beaconing on N of the last M nights" (docs/history.md). The primary key starts with the pair, so one
        //    pair's runs are one range read. Runs recorded before this version are marked 'unknown' and left out of M.
        """
        CREATE TABLE run_beacon (
          transport         TEXT    NOT NULL,
          client            TEXT    NOT NULL,
          server            TEXT    NOT NULL,
          port              INTEGER NOT NULL,
          run_id            INTEGER NOT NULL REFERENCES run(run_id),
          score             REAL    NOT NULL,
          PRIMARY KEY (transport, client, server, port, run_id)
        ) WITHOUT ROWID;
        ALTER TABLE run ADD COLUMN beacons_status TEXT NOT NULL DEFAULT 'unknown' CHECK (beacons_status IN ('recorded', 'unknown'));
        """,
        // 6: two more kinds of indicator, server names (TLS/QUIC SNI, HTTP Host) and JA4 client fingerprints. SQLite cannot
        //    change a CHECK constraint in place, so the indicator table is rebuilt (same columns, same ids, so every row of
        //    capture_indicator and run_indicator still points at its indicator), and the view over it made again. Runs
        //    recorded before this version never stored these kinds: their indicators stay as they were, and the first run
        //    after the upgrade finds every server name and fingerprint new (docs/history.md says so).
        """
        DROP VIEW indicator_seen;
        CREATE TABLE indicator_v6 (
          indicator_id         INTEGER PRIMARY KEY,
          kind                 TEXT    NOT NULL CHECK (kind IN ('address', 'name', 'domain', 'server-name', 'ja4')),
          value                TEXT    NOT NULL,
          first_seen_run_id    INTEGER NOT NULL,
          last_seen_run_id     INTEGER NOT NULL,
          first_seen_packet_ns INTEGER,
          last_seen_packet_ns  INTEGER,
          UNIQUE (kind, value)
        );
        INSERT INTO indicator_v6 (indicator_id, kind, value, first_seen_run_id, last_seen_run_id, first_seen_packet_ns, last_seen_packet_ns)
        SELECT indicator_id, kind, value, first_seen_run_id, last_seen_run_id, first_seen_packet_ns, last_seen_packet_ns FROM indicator;
        DROP TABLE indicator;
        ALTER TABLE indicator_v6 RENAME TO indicator;
        CREATE VIEW indicator_seen AS
        SELECT i.kind, i.value,
               fr.run_utc AS first_seen_run_utc,
               lr.run_utc AS last_seen_run_utc,
               strftime('%Y-%m-%dT%H:%M:%SZ', i.first_seen_packet_ns / 1000000000, 'unixepoch') AS first_seen_packet_utc,
               strftime('%Y-%m-%dT%H:%M:%SZ', i.last_seen_packet_ns / 1000000000, 'unixepoch') AS last_seen_packet_utc,
               (SELECT count(*) FROM capture_indicator ci WHERE ci.indicator_id = i.indicator_id) AS captures,
               (SELECT sum(ci.count) FROM capture_indicator ci WHERE ci.indicator_id = i.indicator_id) AS total_count
        FROM indicator i
        LEFT JOIN run fr ON fr.run_id = i.first_seen_run_id
        LEFT JOIN run lr ON lr.run_id = i.last_seen_run_id;
        """,
    ];

    /// <summary>The schema version whose migration is followed by <see cref="HistoryDatabase"/>'s registered-domain backfill.</summary>
    public const int DomainsBackfilledAt = 3;
}
