using PcapViz.Discovery;
using PcapViz.Bundle;
using System.Globalization;
using PcapViz.Export;
using PcapViz.Model;

namespace PcapViz.Orchestration;

/// <summary>
/// One `pcapviz report` run: discover, analyse in parallel, build the immutable run model, let every exporter
/// render it into a staging directory beside the target, write the manifest, and swap the staging directory in.
/// A run killed at any moment leaves the previous bundle as it was.
/// </summary>
public sealed class ReportRunner(RunRequest request, IRunObserver? observer = null)
{
    private readonly IRunObserver _observer = observer ?? NullRunObserver.Instance;

    public RunOutcome Run(CancellationToken cancellationToken = default)
    {
        var discovery = request.Discovered ?? new InputDiscovery(request.Includes, request.Excludes, request.FollowExternalLinks) { Cancellation = cancellationToken }.Discover(request.Inputs);
        if (discovery.Errors.Count > 0)
            return Fatal(discovery.Errors);

        string target = Path.GetFullPath(request.OutputDirectory).TrimEnd(Path.DirectorySeparatorChar);
        string parent = Path.GetDirectoryName(target) ?? throw new InvalidOperationException("The output directory has no parent.");
        string name = Path.GetFileName(target);
        foreach (var input in discovery.Inputs)
            if (input.FullPath.StartsWith(target + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                return Fatal([$"Input '{input.FullPath}' lies inside the output directory '{target}'."]);

        Directory.CreateDirectory(parent);
        using var bundleLock = BundleLock.TryAcquire(parent, name, out string? lockError);
        if (bundleLock is null) return Fatal([lockError!]);

        BundleSwap.Recover(parent, name);
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any() &&
            !File.Exists(Path.Combine(target, ManifestWriter.FileName)))
            return Fatal([$"The output directory '{target}' exists, is not empty and holds no manifest.json: it is not a PcapViz bundle, so it is not replaced. Choose another directory or empty it."]);

        // The history is opened (and held) before any work, so a database in use by another run is reported at once.
        IRunMemorySession? memory;
        try
        {
            memory = request.Memory?.Open(_observer, cancellationToken);
        }
        catch (RunMemoryException ex)
        {
            return Fatal([ex.Message]);
        }
        using var memorySession = memory;

        var cache = request.Incremental && Directory.Exists(target) ? IncrementalCache.Load(target, _observer) : IncrementalCache.Empty;
        string optionsKey = IncrementalCache.OptionsKey(request.Analysis);
        // With a memory the pages show tonight's news, so rendered files are never carried over.
        string? renderKey = request.Memory is null ? PreviousOutputs.RenderKey(request) : null;
        var previousOutputs = request.Incremental && renderKey is not null && Directory.Exists(target)
            ? PreviousOutputs.Load(target, renderKey) : PreviousOutputs.None;

        var inputs = discovery.Inputs.OrderBy(i => i.RelativePath, StringComparer.Ordinal).ToList();
        _observer.Discovered(inputs.Count, inputs.Sum(i => i.SizeBytes));
        foreach (var s in discovery.Skipped)
        {
            if (s.IsProblem) _observer.Warning($"{Terminal.Safe(s.Path)}: {Terminal.Safe(s.Reason)}");
            else _observer.Info($"Skipped {Terminal.Safe(s.Path)}: {Terminal.Safe(s.Reason)}");
        }

        var results = new CaptureResult[inputs.Count];
        var reused = new bool[inputs.Count];
        var order = Enumerable.Range(0, inputs.Count).OrderByDescending(i => inputs[i].SizeBytes).ThenBy(i => i).ToArray();
        int notStarted = inputs.Count, running = 0;
        Parallel.ForEach(order, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, request.Jobs), CancellationToken = cancellationToken }, i =>
        {
            var input = inputs[i];
            // Cores no other file will take (the last files of a run, or a run of one) analyse this one in chunks.
            int runningNow = Interlocked.Increment(ref running);
            int spare = Interlocked.Decrement(ref notStarted) == 0 ? Math.Max(1, request.Jobs - runningNow + 1) : 1;
            string id = CaptureIds.For(input.RelativePath);
            _observer.CaptureStarted(input.RelativePath, input.SizeBytes);
            var previous = cache.TryReuse(input, id, optionsKey, request.ToolVersion, cancellationToken);
            if (previous is not null)
            {
                results[i] = previous;
                reused[i] = true;
                _observer.BytesRead(input.SizeBytes);
            }
            else
            {
                results[i] = AnalyzeSafely(input, id, spare, cancellationToken);
            }
            if (input.LinkTarget is not null) results[i] = results[i] with { Input = results[i].Input with { LinkTarget = input.LinkTarget } };
            Interlocked.Decrement(ref running);
            _observer.CaptureFinished(results[i], reused[i]);
        });
        cancellationToken.ThrowIfCancellationRequested();

        var (totals, sources, dns, traffic) = RunTotals.Build(results, request.Analysis);
        var info = new RunInfo(request.ToolVersion, request.GeneratedUtc, request.Inputs, request.OptionsForManifest);
        var run = new RunResult(info, request.Analysis, results, totals, sources, dns, traffic, discovery.Skipped);
        if (memory is not null)
        {
            try
            {
                run = run with { Memory = memory.Recall(run, cancellationToken) };
            }
            catch (RunMemoryException ex)
            {
                return Fatal([ex.Message]);
            }
        }

        string staging = Path.Combine(parent, $".{name}.staging-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}");
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        try
        {
            var sink = new DirectorySink(staging);
            // Reused captures keep their rendered files when nothing they depend on changed; so does the run.
            string? runKey = renderKey is null ? null : PreviousOutputs.RunKey(renderKey, run);
            var carried = results.Select((c, i) => reused[i] && previousOutputs.TryCarryCapture(c.Id, sink)).ToArray();
            bool runCarried = carried.All(c => c) && runKey is not null && runKey == previousOutputs.PreviousRunKey &&
                              previousOutputs.TryCarryRun(sink);
            var failures = Export(run, sink, carried, runCarried, cancellationToken);
            if (run.Memory is not null)
                using (var historyJson = sink.Create(HistoryJsonWriter.FileName))
                    HistoryJsonWriter.Write(historyJson, run.Memory);
            if (request.Incremental) IncrementalCache.Write(sink, results, optionsKey, request.ToolVersion, renderKey, runKey);
            request.ExtraOutputs?.Invoke(sink, run);
            var files = sink.Files;
            var outputs = OutputsByCapture(files);
            var manifestInputs = results.Select((c, i) => new ManifestInput(c, reused[i], outputs.GetValueOrDefault(c.Id) ?? [])).ToList();
            using (var manifest = sink.Create(ManifestWriter.FileName))
                ManifestWriter.Write(manifest, run, manifestInputs, failures, files);
            cancellationToken.ThrowIfCancellationRequested();
            BundleSwap.Swap(parent, name, staging);
        }
        catch
        {
            TryDelete(staging);
            throw;
        }

        // Only now, with the bundle complete and in place, is the run recorded (one transaction).
        if (memory is not null)
        {
            try
            {
                memory.Remember(run, cancellationToken);
            }
            catch (RunMemoryException ex)
            {
                string message = $"The bundle was written, but the history was not updated: {ex.Message}";
                _observer.Error(message);
                return new RunOutcome(ExitCodes.Fatal, run, [message], reused.Count(r => r));
            }
        }

        int exit = ExitCodeFor(run);
        return new RunOutcome(exit, run, [], reused.Count(r => r));
    }

    /// <summary>The files under captures/&lt;id&gt;/ by id, in one pass (searching all files per capture was quadratic).</summary>
    private static Dictionary<string, List<string>> OutputsByCapture(IReadOnlyList<OutputFile> files)
    {
        const string prefix = "captures/";
        var byId = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var f in files)
        {
            if (!f.Path.StartsWith(prefix, StringComparison.Ordinal)) continue;
            int slash = f.Path.IndexOf('/', prefix.Length);
            if (slash <= prefix.Length) continue;
            string id = f.Path[prefix.Length..slash];
            if (!byId.TryGetValue(id, out var list)) byId[id] = list = [];
            list.Add(f.Path);
        }
        return byId;
    }

    private int ExitCodeFor(RunResult run) => ExitCodeFor(run, request.FailOn);

    /// <summary>The exit code of a written bundle under a --fail-on policy (report and merge alike).</summary>
    public static int ExitCodeFor(RunResult run, FailPolicy failOn)
    {
        ArgumentNullException.ThrowIfNull(run);
        bool errors = run.Captures.Any(c => c.HasErrors) || run.Skipped.Any(s => s.IsProblem);
        bool warnings = run.Captures.Any(c => c.HasWarnings);
        if (failOn == FailPolicy.Watchlist && run.Memory is { WatchlistHits.Count: > 0 })
            return ExitCodes.WatchlistHit;
        return failOn switch
        {
            FailPolicy.Watchlist when errors => ExitCodes.CapturesWithIssues,
            FailPolicy.Never => ExitCodes.Success,
            FailPolicy.Warning when errors || warnings => ExitCodes.CapturesWithIssues,
            FailPolicy.Error when errors => ExitCodes.CapturesWithIssues,
            _ => ExitCodes.Success,
        };
    }

    private CaptureResult AnalyzeSafely(DiscoveredInput input, string id, int parallelism, CancellationToken cancellationToken)
    {
        long reported = 0;
        var progress = new SynchronousProgress(bytes =>
        {
            _observer.BytesRead(bytes - reported);
            reported = bytes;
        });
        try
        {
            return CaptureAnalyzer.Analyze(input.FullPath, input.RelativePath, id, request.Analysis, parallelism, progress, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A read failure is the file's problem; anything else is a defect of ours, but it must not stop the batch.
            var issues = new IssueLog();
            if (ex is IOException or UnauthorizedAccessException)
                issues.Error("unreadable", $"The file cannot be read: {ex.Message}", reported);
            else
                issues.Error("internal-error", $"PcapViz failed on this capture ({ex.GetType().Name}: {ex.Message}); please report it with the capture.", reported);
            var capture = new CaptureInput(input.RelativePath, input.FullPath, input.SizeBytes, "", DateTimeOffset.UnixEpoch);
            return new CaptureResult(id, capture, CaptureStatus.Failed, null, CaptureSummary.Empty,
                new SourceIpResult([], DistinctLimit.NotExceeded(request.Analysis.MaxDistinct)),
                new DnsQueryResult([], DistinctLimit.NotExceeded(request.Analysis.MaxDistinct)),
                TrafficResult.Empty, issues.ToList());
        }
    }

    private List<ExporterFailure> Export(RunResult run, DirectorySink sink, bool[] carried, bool runCarried, CancellationToken cancellationToken)
    {
        var failures = new List<ExporterFailure>();
        var captureFormats = request.CaptureFormats ?? request.Render.Formats;
        var exporters = request.Exporters.Where(e => (captureFormats & e.Format) != 0).ToList();
        var captureFailures = new ExporterFailure?[run.Captures.Count * exporters.Count];
        Parallel.For(0, run.Captures.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, request.Jobs), CancellationToken = cancellationToken }, i =>
        {
            var capture = run.Captures[i];
            if (carried[i]) return;
            for (int e = 0; e < exporters.Count; e++)
            {
                var exporter = exporters[e];
                try
                {
                    sink.Atomically(() => exporter.ExportCapture(capture, run, request.Render, sink, cancellationToken));
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    captureFailures[i * exporters.Count + e] = new ExporterFailure(exporter.Name, capture.Id, ex.Message);
                    _observer.Error($"The {exporter.Name} output for {Terminal.Safe(capture.Input.Path)} failed: {ex.Message}");
                }
            }
        });
        failures.AddRange(captureFailures.OfType<ExporterFailure>());
        if (runCarried || !request.RunOutputs) return failures;
        foreach (var exporter in request.Exporters.Where(e => (request.Render.Formats & e.Format) != 0))
        {
            try
            {
                sink.Atomically(() => exporter.ExportRun(run, request.Render, sink, cancellationToken));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failures.Add(new ExporterFailure(exporter.Name, null, ex.Message));
                _observer.Error($"The run-level {exporter.Name} output failed: {ex.Message}");
            }
        }
        return failures;
    }

    private RunOutcome Fatal(IReadOnlyList<string> errors)
    {
        foreach (string e in errors) _observer.Error(e);
        return new RunOutcome(ExitCodes.Fatal, null, errors, 0);
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
