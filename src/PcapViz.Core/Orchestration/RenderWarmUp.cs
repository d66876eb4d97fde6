using System.Runtime.InteropServices;
using PcapViz.Analysis;
using PcapViz.Export;
using PcapViz.Model;

namespace PcapViz.Orchestration;

/// <summary>
/// Lets the exporters do their first-use work (library start-up, fonts, template parsing: about a third of a second
/// of CPU, bench/RESULTS.md) on a background thread while the captures are found and read, so that it can run on CPU
/// time the analysis leaves idle (start-up, discovery, the single-threaded end of a capture) instead of after it. The
/// exporters render a small made-up run (<see cref="Sample"/>) and write nothing; a failure here is ignored, because
/// the real export meets it again and reports it. Off with one job (the user asked for one core).
/// <para>
/// The thread runs at the lowest priority (nice 19), so it takes only CPU that nothing else wants: at normal priority
/// it slowed the analysis it shares the cores with as much as it saved (bench/RESULTS.md). What it shares with the
/// analysis (the Public Suffix List the sample's context needs) it loads first, at normal priority, so the analysis
/// never waits on a lock a starved thread holds; the rest (Scriban, fonts, ScottPlot, Plotly.NET) only the exporters use.
/// </para>
/// </summary>
internal static class RenderWarmUp
{
    /// <summary>Starts the warm-up; it stops when <paramref name="cancellationToken"/> is cancelled or the result is disposed (the run's end).</summary>
    public static IDisposable Start(IReadOnlyList<IReportExporter> exporters, int jobs, CancellationToken cancellationToken)
    {
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (jobs < 2 || exporters.Count == 0) return new Stopper(stop);
        var token = stop.Token;
        var thread = new Thread(() => Run(exporters, token)) { IsBackground = true, Name = "render warm-up" };
        thread.Start();
        return new Stopper(stop);
    }

    private sealed class Stopper(CancellationTokenSource stop) : IDisposable
    {
        public void Dispose()
        {
            stop.Cancel();
            stop.Dispose();
        }
    }

    private static void Run(IReadOnlyList<IReportExporter> exporters, CancellationToken cancellationToken)
    {
        try
        {
            var sample = Sample();
            LowerPriority();
            foreach (var exporter in exporters)
            {
                if (cancellationToken.IsCancellationRequested) return;
                exporter.WarmUp(sample, cancellationToken);
            }
        }
#pragma warning disable CA1031 // Whatever goes wrong here goes wrong again in the real export, which reports it.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>One capture with a few addresses and names and a minute of traffic, and its run.</summary>
    internal static RunResult Sample()
    {
        const long start = 1_700_000_000;
        var sources = new SourceIpResult(
            [new SourceIpEntry("192.0.2.1", 4, 30, 18_000), new SourceIpEntry("2001:db8::1", 6, 20, 14_000), new SourceIpEntry("198.51.100.7", 4, 10, 6_000)],
            DistinctLimit.NotExceeded(AnalysisOptions.DefaultMaxDistinct));
        var names = new DnsQueryResult(
            [new DnsQueryEntry("www.example.com", DnsProtocol.Dns, 6), new DnsQueryEntry("printer.local", DnsProtocol.Mdns, 3)],
            DistinctLimit.NotExceeded(AnalysisOptions.DefaultMaxDistinct));
        var traffic = new TrafficResult(2, Enumerable.Range(0, 30).Select(i => new TrafficBin(start + 2L * i, 2, 1_266)).ToArray());
        var summary = new CaptureSummary(60, 40, 20, 40_000, 38_000, start * 1_000_000_000L, (start + 59) * 1_000_000_000L, 0, 0);
        var capture = new CaptureResult("warm-up", new CaptureInput("warm-up.pcap", "/warm-up.pcap", 40_024, new string('0', 64), DateTimeOffset.UnixEpoch),
            CaptureStatus.Ok, new CaptureFileInfo(CaptureFormat.Pcap, CaptureCompression.None, [1], "microseconds"), summary, sources, names, traffic, []);
        var options = new AnalysisOptions();
        var (totals, runSources, runNames, runTraffic, context, application, _) = RunTotals.BuildWithContext([capture], options);
        return new RunResult(new RunInfo("warm-up", DateTimeOffset.UnixEpoch, ["/"], []), options.Settings, [capture], totals, runSources, runNames, runTraffic, [])
        {
            Context = context,
            Application = application,
        };
    }

    /// <summary>Nice 19 for the calling thread only (on Linux a thread id names one thread to setpriority); elsewhere nothing.</summary>
    private static void LowerPriority()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            _ = SetPriority(0 /* PRIO_PROCESS */, GetThreadId(), 19);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
        }
    }

    // DllImport, not LibraryImport: these signatures need no marshalling, and LibraryImport would make Core unsafe.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "setpriority")]
    private static extern int SetPriority(int which, int who, int priority);

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetThreadId();
#pragma warning restore SYSLIB1054
}
