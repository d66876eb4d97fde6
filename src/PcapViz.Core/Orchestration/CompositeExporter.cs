using System.Collections.Concurrent;
using PcapViz.Bundle;
using PcapViz.Export;
using PcapViz.Model;

namespace PcapViz.Orchestration;

/// <summary>
/// Runs the exporters the caller selected, each in its own <see cref="SinkScope"/>: one that throws has its
/// half-written files removed, the others still run, and the failure is returned to the run (which then does not
/// commit the bundle: an incomplete bundle never replaces a complete one). Cancellation is let through.
/// </summary>
internal sealed class CompositeExporter(IReadOnlyList<IReportExporter> exporters)
{
    public IReadOnlyList<IReportExporter> Exporters { get; } = exporters;

    /// <summary>Every exporter's files of one capture; the failures (empty when all succeeded).</summary>
    public IReadOnlyList<ExporterFailure> ExportCapture(CaptureResult capture, RunResult run, DirectorySink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(capture);
        return Exporters.Select(e => TryExport(e, capture.Id, sink, scope => e.ExportCapture(capture, run, scope, cancellationToken)))
            .OfType<ExporterFailure>().ToList();
    }

    /// <summary>Every exporter's run-level files; the failures (empty when all succeeded).</summary>
    public IReadOnlyList<ExporterFailure> ExportRun(RunResult run, DirectorySink sink, CancellationToken cancellationToken) =>
        Exporters.Select(e => TryExport(e, null, sink, scope => e.ExportRun(run, scope, cancellationToken)))
            .OfType<ExporterFailure>().ToList();

    /// <summary>
    /// Every exporter's files of every capture not carried over (<paramref name="carried"/>), then, when
    /// <paramref name="runOutputs"/>, of the run, on up to <paramref name="jobs"/> threads. One exporter's files of one
    /// capture (or of the run) are one piece of work, so a run of one capture writes its HTML and PDF at the same
    /// time, and a run of many keeps every core busy to the end. A capture spilled to disk is read back once for all
    /// its exporters and released after the last; <paramref name="captureDone"/> is called then (from any thread),
    /// and <paramref name="runStarted"/> once every capture is done. Failures come in a fixed order: by capture, then
    /// exporter, the run's last.
    /// </summary>
    /// <param name="readBackBudget">Entries of spilled results read back for rendering at once (the run's
    /// <c>--results-in-memory</c>): a capture whose results wait on disk is rendered beside others only while their
    /// entries together stay within it, so ten heavy captures are rendered one at a time instead of <paramref name="jobs"/>
    /// at a time; one capture is always let through.</param>
    public IReadOnlyList<ExporterFailure> ExportAll(RunResult run, DirectorySink sink, IReadOnlyList<bool> carried, bool runOutputs, int jobs,
        Action<int>? captureDone, Action? runStarted, CancellationToken cancellationToken, long readBackBudget = long.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(carried);
        const int Run = -1;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, jobs), CancellationToken = cancellationToken };
        var failures = new ConcurrentBag<(int Capture, int Exporter, ExporterFailure Failure)>();

        // Largest captures first, so that the last pieces are short ones.
        var captureWork = Enumerable.Range(0, run.Captures.Count).Where(c => !carried[c])
            .OrderByDescending(c => run.Captures[c].Input.SizeBytes).ThenBy(c => c)
            .SelectMany(c => Enumerable.Range(0, Exporters.Count).Select(e => (Capture: c, Exporter: e)))
            .ToList();
        var held = new CaptureResult?[run.Captures.Count];
        var loading = Enumerable.Range(0, run.Captures.Count).Select(_ => new object()).ToArray();
        var entered = new long[run.Captures.Count];
        var gate = new ReadBackGate(readBackBudget);
        var remaining = new int[run.Captures.Count];
        Array.Fill(remaining, Exporters.Count);
        Parallel.ForEach(Partitioner.Create(captureWork, EnumerablePartitionerOptions.NoBuffering), options, item =>
        {
            int c = item.Capture;
            try
            {
                Record(item.Exporter, c, scope =>
                {
                    var capture = Volatile.Read(ref held[c]) ?? Load(c);
                    Exporters[item.Exporter].ExportCapture(capture, run, scope, cancellationToken);
                });
            }
            finally
            {
                if (Interlocked.Decrement(ref remaining[c]) == 0)
                {
                    Volatile.Write(ref held[c], null);
                    gate.Exit(Interlocked.Exchange(ref entered[c], 0));
                    captureDone?.Invoke(c);
                }
            }
        });

        if (runOutputs)
        {
            runStarted?.Invoke();
            Parallel.For(0, Exporters.Count, options, e => Record(e, Run, scope => Exporters[e].ExportRun(run, scope, cancellationToken)));
        }
        return failures.OrderBy(f => f.Capture == Run ? int.MaxValue : f.Capture).ThenBy(f => f.Exporter).Select(f => f.Failure).ToList();

        // The first exporter of a capture reads it back (waiting for room under the budget); the others wait for that
        // one. Work is taken in capture order, so every capture held was taken before and is finished by workers that
        // are not waiting here.
        CaptureResult Load(int c)
        {
            lock (loading[c])
            {
                if (Volatile.Read(ref held[c]) is { } loaded) return loaded;
                long weight = run.Captures[c].ReadBackWeight;
                gate.Enter(weight, cancellationToken);
                try
                {
                    var read = run.Captures[c].Held();
                    Volatile.Write(ref entered[c], weight);
                    Volatile.Write(ref held[c], read);
                    return read;
                }
                catch
                {
                    gate.Exit(weight);
                    throw;
                }
            }
        }

        void Record(int exporter, int capture, Action<SinkScope> write)
        {
            if (TryExport(Exporters[exporter], capture == Run ? null : run.Captures[capture].Id, sink, write) is { } failure)
                failures.Add((capture, exporter, failure));
        }
    }

    /// <summary>Entries of read-back results held for rendering at once, at most a budget (one result always fits).</summary>
    private sealed class ReadBackGate(long budget)
    {
        private readonly object _lock = new(); // Monitor.Wait needs a monitor
        private long _held;

        public void Enter(long weight, CancellationToken cancellationToken)
        {
            if (weight == 0) return;
            lock (_lock)
            {
                while (_held > 0 && _held + weight > budget)
                {
                    Monitor.Wait(_lock, 100);
                    cancellationToken.ThrowIfCancellationRequested();
                }
                _held += weight;
            }
        }

        public void Exit(long weight)
        {
            if (weight == 0) return;
            lock (_lock)
            {
                _held -= weight;
                Monitor.PulseAll(_lock);
            }
        }
    }

    /// <summary>One exporter's files in a scope of their own: on a throw the scope's files go and the failure is returned.</summary>
    private static ExporterFailure? TryExport(IReportExporter exporter, string? captureId, DirectorySink sink, Action<SinkScope> write)
    {
        var scope = sink.Scope();
        try
        {
            write(scope);
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            scope.Discard();
            return new ExporterFailure(exporter.Name, captureId, Describe(ex));
        }
    }

    /// <summary>One line: the message, with the exception type when the message alone would not say what broke.</summary>
    internal static string Describe(Exception ex)
    {
        string text = ex switch
        {
            IOException or UnauthorizedAccessException => ex.Message,
            OutOfMemoryException => "out of memory",
            _ => $"{ex.GetType().Name}: {ex.Message}",
        };
        return text.ReplaceLineEndings(" ");
    }
}
