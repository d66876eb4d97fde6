using System.Collections.Concurrent;
using PcapViz.Bundle;
using PcapViz.Export;
using PcapViz.Orchestration;

namespace PcapViz.Core.Tests;

/// <summary>
/// Every exporter of every capture is a piece of work of its own: a run of one capture writes its HTML and PDF at
/// once. Failures still come in a fixed order, a spilled capture is read back once for all its exporters, and the
/// run-level files start only once every capture is done.
/// </summary>
public sealed class CompositeExporterTests
{
    private static CaptureResult Capture(string path, long size) =>
        new(path.Replace('.', '-'), new CaptureInput(path, "/x/" + path, size, "ab", DateTimeOffset.UnixEpoch), CaptureStatus.Ok, null,
            CaptureSummary.Empty, new SourceIpResult([new SourceIpEntry("10.0.0.1", 4, 1, 60)], DistinctLimit.NotExceeded(100)),
            new DnsQueryResult([], DistinctLimit.NotExceeded(100)), TrafficResult.Empty, []);

    private static RunResult Run(params CaptureResult[] captures) =>
        new(new RunInfo("t", DateTimeOffset.UnixEpoch, ["in"], []), new AnalysisSettings(), captures, CaptureSummary.Empty,
            new SourceIpResult([], DistinctLimit.NotExceeded(100)), new DnsQueryResult([], DistinctLimit.NotExceeded(100)), TrafficResult.Empty, []);

    /// <summary>Writes one file per capture and run; fails for the captures named, and for the run when asked.</summary>
    private sealed class Recording(string name, IReadOnlySet<string> failFor, bool failRun, ConcurrentQueue<string> log) : IReportExporter
    {
        public string Name => name;

        public void ExportCapture(CaptureResult capture, RunResult run, IOutputSink sink, CancellationToken cancellationToken)
        {
            log.Enqueue($"{name}:{capture.Id}:{capture.SourceIps.Entries.Count}");
            using (var s = sink.Create($"captures/{capture.Id}/{name}.txt")) s.WriteByte(1);
            if (failFor.Contains(capture.Id)) throw new InvalidOperationException($"{name} broke on {capture.Id}");
        }

        public void ExportRun(RunResult run, IOutputSink sink, CancellationToken cancellationToken)
        {
            log.Enqueue($"{name}:run");
            using (var s = sink.Create($"{name}.txt")) s.WriteByte(1);
            if (failRun) throw new InvalidOperationException($"{name} broke on the run");
        }
    }

    private sealed class CountingStore(CaptureResult original) : ICaptureDetailsStore
    {
        public int Loads;

        public CaptureDetails Load(CaptureResult capture)
        {
            Interlocked.Increment(ref Loads);
            return original.Details;
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void ExportAll_FailuresInCaptureThenExporterOrder_RunLast_WhateverTheJobs(int jobs)
    {
        using var t = new TempDirectory();
        var log = new ConcurrentQueue<string>();
        var a = Capture("a.pcap", 10);
        var b = Capture("b.pcap", 3000);
        var c = Capture("c.pcap", 20);
        var exporters = new CompositeExporter([
            new Recording("html", new HashSet<string> { "c-pcap", "a-pcap" }, failRun: true, log),
            new Recording("pdf", new HashSet<string> { "a-pcap" }, failRun: false, log),
        ]);
        var done = new ConcurrentQueue<int>();
        int runStartedAfter = -1;
        var failures = exporters.ExportAll(Run(a, b, c), new DirectorySink(t.Path), [false, false, false], runOutputs: true, jobs,
            i => done.Enqueue(i), () => runStartedAfter = done.Count, TestContext.Current.CancellationToken);

        Assert.Equal(
        [
            ("html", "a-pcap"), ("pdf", "a-pcap"), ("html", "c-pcap"), ("html", (string?)null),
        ], failures.Select(f => (f.Exporter, f.CaptureId)));
        Assert.Equal("InvalidOperationException: html broke on c-pcap", failures[2].Message);
        // Each capture is reported done once, after both its exporters; the run's files come after all three.
        Assert.Equal([0, 1, 2], done.Order());
        Assert.Equal(3, runStartedAfter);
        Assert.Equal(8, log.Count);
        Assert.Equal(["html:run", "pdf:run"], log.Skip(6).Order());
        // A failed exporter's files are removed; the others stay.
        Assert.False(File.Exists(Path.Combine(t.Path, "captures", "a-pcap", "html.txt")));
        Assert.True(File.Exists(Path.Combine(t.Path, "captures", "b-pcap", "html.txt")));
        Assert.True(File.Exists(Path.Combine(t.Path, "pdf.txt")));
        Assert.False(File.Exists(Path.Combine(t.Path, "html.txt")));
    }

    [Fact]
    public void ExportAll_SpilledCapture_IsReadBackOnceForAllItsExporters_AndCarriedCapturesAreLeftAlone()
    {
        using var t = new TempDirectory();
        var log = new ConcurrentQueue<string>();
        var original = Capture("a.pcap", 10);
        var store = new CountingStore(original);
        var spilled = original.Spilled(store);
        var carried = Capture("b.pcap", 10);
        var none = new HashSet<string>();
        var exporters = new CompositeExporter([new Recording("html", none, false, log), new Recording("pdf", none, false, log), new Recording("json", none, false, log)]);

        var failures = exporters.ExportAll(Run(spilled, carried), new DirectorySink(t.Path), [false, true], runOutputs: false, jobs: 1,
            null, () => Assert.Fail("no run outputs were asked for"), TestContext.Current.CancellationToken);

        Assert.Empty(failures);
        Assert.Equal(1, store.Loads);
        // Every exporter saw the capture's addresses, read back.
        Assert.Equal(["html:a-pcap:1", "json:a-pcap:1", "pdf:a-pcap:1"], log.Order());
    }

    /// <summary>Notes how many different captures are being exported at the same moment (each export lingers a little,
    /// so captures rendered side by side overlap).</summary>
    private sealed class Overlap : IReportExporter
    {
        private readonly Dictionary<string, int> _active = [];
        public int MostAtOnce;

        public string Name => "overlap";

        public void ExportCapture(CaptureResult capture, RunResult run, IOutputSink sink, CancellationToken cancellationToken)
        {
            lock (_active)
            {
                _active[capture.Id] = _active.GetValueOrDefault(capture.Id) + 1;
                MostAtOnce = Math.Max(MostAtOnce, _active.Count);
            }
            Thread.Sleep(20);
            lock (_active)
            {
                if (--_active[capture.Id] == 0) _active.Remove(capture.Id);
            }
        }

        public void ExportRun(RunResult run, IOutputSink sink, CancellationToken cancellationToken)
        {
        }
    }

    [Fact]
    public void ExportAll_SpilledCapturesEachFillingTheBudget_AreReadBackOneAtATime()
    {
        using var t = new TempDirectory();
        var captures = Enumerable.Range(0, 12).Select(i =>
        {
            var original = Capture($"c{i:D2}.pcap", 100 - i);
            return original.Spilled(new CountingStore(original));
        }).ToArray();
        Assert.All(captures, c => Assert.Equal(1, c.ReadBackWeight));
        var overlap = new Overlap();
        var exporters = new CompositeExporter([overlap]);

        var failures = exporters.ExportAll(Run(captures), new DirectorySink(t.Path), new bool[captures.Length], runOutputs: false, jobs: 4,
            null, null, TestContext.Current.CancellationToken, readBackBudget: 1);

        Assert.Empty(failures);
        // Four jobs, twelve captures that each linger: without the budget they overlap; with it, never.
        Assert.Equal(1, overlap.MostAtOnce);
    }
}
