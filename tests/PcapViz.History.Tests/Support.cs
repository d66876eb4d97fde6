global using Xunit;
global using PcapViz.TestSupport;
using System.Diagnostics;
using Microsoft.Data.Sqlite;
using PcapViz.Analysis;
using PcapViz.Cli;
using PcapViz.Model;
using PcapViz.Discovery;
using PcapViz.Orchestration;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

// Tests set process-wide SOURCE_DATE_EPOCH and start child processes that compete for 2 cores: one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace PcapViz.History.Tests;

/// <summary>Hand-built results: captures with exactly the addresses and names a test needs.</summary>
internal static class Model
{
    public const long Night1 = 1_709_251_200; // 2024-03-01T00:00:00Z

    public static CaptureResult Capture(string path, string[] addresses, string[] names, long firstPacketNanos = 1_709_251_200_000_000_000, string? sha = null,
        CaptureStatus status = CaptureStatus.Ok)
    {
        sha ??= Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(path + "|" + string.Join(",", addresses) + "|" + string.Join(",", names))));
        var sources = addresses.Select((a, i) => new SourceIpEntry(a, a.Contains(':') ? 6 : 4, 10 + i, 1000 + i)).ToList();
        var queries = names.Select((n, i) => new DnsQueryEntry(n, DnsProtocol.Dns, 1 + i)).ToList();
        long packets = sources.Sum(s => s.Packets);
        var summary = new CaptureSummary(packets, packets, 0, packets * 100, sources.Sum(s => s.IpBytes), firstPacketNanos, firstPacketNanos + 1_000_000_000, 0, 0);
        return new CaptureResult(CaptureIds.For(path), new CaptureInput(path, "/in/" + path, 1000, status == CaptureStatus.Failed ? "" : sha, DateTimeOffset.UnixEpoch),
            status, null, summary, new SourceIpResult(sources, DistinctLimit.NotExceeded(1000)), new DnsQueryResult(queries, DistinctLimit.NotExceeded(1000)),
            TrafficResult.Empty, []);
    }

    /// <summary>A capture whose query names are grouped by registered domain (as every analysed capture's are) and whose
    /// DNS responses carrying a question number <paramref name="responses"/>, <paramref name="nxdomain"/> of them NXDOMAIN.</summary>
    public static CaptureResult WithDns(string path, string[] names, long responses = 0, long nxdomain = 0)
    {
        var plain = Capture(path, ["10.0.0.53"], names);
        var queries = plain.DnsQueries.Entries
            .Select(e => e with { RegisteredDomain = PcapViz.Context.RegisteredDomains.Of(e.Name, PcapViz.Context.PublicSuffixList.Embedded) }).ToList();
        var codes = new List<NamedCount>();
        if (responses > nxdomain) codes.Add(new NamedCount("NOERROR", responses - nxdomain));
        if (nxdomain > 0) codes.Add(new NamedCount("NXDOMAIN", nxdomain));
        var context = ContextResult.Empty with
        {
            Responses = new DnsResponseTotals(responses, responses, 0, new ValueList<NamedCount>(codes)),
            Domains = PcapViz.Context.DnsDomainSignals.Build(queries),
        };
        return plain with { DnsQueries = new DnsQueryResult(queries, plain.DnsQueries.Limit), Context = context };
    }

    public static RunResult Run(long epochSeconds, params CaptureResult[] captures)
    {
        var options = new AnalysisOptions();
        var sorted = captures.OrderBy(c => c.Input.Path, StringComparer.Ordinal).ToList();
        var (totals, sources, dns, traffic, context, application, beacons) = RunTotals.BuildWithContext(sorted, options);
        return new RunResult(new RunInfo("test", DateTimeOffset.FromUnixTimeSeconds(epochSeconds), ["/in"], []), options.Settings, sorted, totals, sources, dns, traffic, [])
        {
            Context = context,
            Application = application,
            Beacons = beacons,
        };
    }

    public static RunHistory Recall(string db, RunResult run, int? windowDays = null, int trendRuns = 30)
    {
        using var h = HistoryDatabase.Open(db, TimeSpan.FromSeconds(1));
        using var tx = h.BeginRun();
        return tx.Recall(run, "history.db", windowDays, trendRuns);
    }

    /// <summary>Recall then record, as a run does: returns what the report would have shown.</summary>
    public static RunHistory Night(string db, RunResult run, int? windowDays = null, int trendRuns = 30)
    {
        using var h = HistoryDatabase.Open(db, TimeSpan.FromSeconds(1));
        using var tx = h.BeginRun();
        var memory = tx.Recall(run, "history.db", windowDays, trendRuns);
        tx.Record(run);
        return memory;
    }
}

/// <summary>Reads a database with a plain connection of its own, as an analyst's sqlite3 shell would.</summary>
internal static class Sql
{
    public static SqliteConnection Open(string path)
    {
        var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
        c.Open();
        return c;
    }

    public static long Count(string path, string table)
    {
        using var c = Open(path);
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT count(*) FROM {table}";
        return (long)cmd.ExecuteScalar()!;
    }

    public static List<string> Rows(string path, string sql)
    {
        using var c = Open(path);
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        using var r = cmd.ExecuteReader();
        var rows = new List<string>();
        while (r.Read())
            rows.Add(string.Join("|", Enumerable.Range(0, r.FieldCount).Select(i => r.IsDBNull(i) ? "NULL" : Convert.ToString(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        return rows;
    }

    public static string IntegrityCheck(string path) => string.Join("\n", Rows(path, "PRAGMA integrity_check"));

    /// <summary>Every row of every table, for "nothing changed" comparisons.</summary>
    public static string Dump(string path)
    {
        var tables = Rows(path, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name");
        return string.Join("\n", tables.Select(t => t + ":\n" + string.Join("\n", Rows(path, $"SELECT * FROM {t} ORDER BY 1, 2"))));
    }
}

internal sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

internal static class Cli
{
    public const string Epoch = "1709251200";

    public static CliResult RunAt(string epoch, params string[] args)
    {
        string? before = Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH");
        Environment.SetEnvironmentVariable("SOURCE_DATE_EPOCH", epoch);
        try
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int code = CliApp.Run(args, stdout, stderr);
            return new CliResult(code, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Environment.SetEnvironmentVariable("SOURCE_DATE_EPOCH", before);
        }
    }

    public static CliResult Run(params string[] args) => RunAt(Epoch, args);

    public static ChildRun Start(string epoch, params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "pcapviz.dll");
        Assert.True(File.Exists(dll), $"pcapviz.dll is not beside the tests in {AppContext.BaseDirectory}.");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (string a in args) psi.ArgumentList.Add(a);
        psi.Environment["SOURCE_DATE_EPOCH"] = epoch;
        psi.Environment["TERM"] = "dumb";
        return new ChildRun(Process.Start(psi)!);
    }
}

/// <summary>A pcapviz child process; its stderr is collected as it comes.</summary>
internal sealed class ChildRun : IDisposable
{
    private readonly System.Text.StringBuilder _stderr = new();
    private readonly Lock _lock = new();

    public ChildRun(Process process)
    {
        Process = process;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (_lock) _stderr.AppendLine(e.Data);
        };
        process.BeginErrorReadLine();
        _ = process.StandardOutput.ReadToEndAsync();
    }

    public Process Process { get; }

    public bool HasExited => Process.HasExited;

    public int ExitCode => Process.ExitCode;

    public string Stderr
    {
        get { lock (_lock) return _stderr.ToString(); }
    }

    public bool WaitForExit(TimeSpan limit) => Process.WaitForExit(limit);

    public void Kill()
    {
        try { Process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        Process.WaitForExit();
    }

    public void Dispose()
    {
        if (!Process.HasExited) Kill();
        Process.Dispose();
    }
}

internal static class TempDirectoryExtensions
{
    /// <summary>Creates a folder inside the temporary directory; returns its full path.</summary>
    public static string Dir(this TempDirectory t, string relative) => Directory.CreateDirectory(t.File(relative)).FullName;
}
