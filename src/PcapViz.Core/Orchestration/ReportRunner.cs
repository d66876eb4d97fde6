using PcapViz.Bundle;
using PcapViz.Discovery;
using PcapViz.Model;
using PcapViz.Slicing;

namespace PcapViz.Orchestration;

/// <summary>
/// One `pcapviz report` run: discover, open the <see cref="BundleTransaction"/> (the output is checked before any
/// work), analyse in parallel, build the immutable run model, let the exporters render it into the transaction's
/// staging directory, and commit. A failed output, a failed write or a run killed at any moment leaves the
/// previous bundle as it was.
/// </summary>
public sealed class ReportRunner(RunRequest request, IRunObserver? observer = null)
{
    private readonly IRunObserver _observer = observer ?? NullRunObserver.Instance;

    /// <summary>Finds the inputs, analyses every capture, renders and commits the bundle; returns the exit code, the result and the fatal errors. A cancelled run leaves the previous bundle as it was.</summary>
    public RunOutcome Run(CancellationToken cancellationToken = default)
    {
        // The renderers' first-use work runs on idle CPU while the captures are read (stopped when the run ends).
        using var warmUp = RenderWarmUp.Start(request.Exporters, request.Jobs, cancellationToken);
        var discovery = request.Discovered ?? new InputDiscovery(request.Includes, request.Excludes, request.FollowExternalLinks) { Cancellation = cancellationToken }.Discover(request.Inputs);
        if (discovery.Errors.Count > 0)
            return Fatal(discovery.Errors);

        if (BundleTransaction.CheckTarget(request.OutputDirectory) is { } targetError)
            return Fatal([targetError]);
        string target = Path.GetFullPath(request.OutputDirectory).TrimEnd(Path.DirectorySeparatorChar);
        foreach (var input in discovery.Inputs)
            if (input.FullPath.StartsWith(target + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                return Fatal([$"Input '{input.FullPath}' lies inside the output directory '{target}'."]);
        if (discovery.Inputs.Count == 0 && !request.AllowEmpty)
        {
            foreach (var s in discovery.Skipped) _observer.Warning($"{Terminal.Safe(s.Path)}: {Terminal.Safe(s.Reason)}");
            string message = $"No capture found in {string.Join(", ", request.Inputs.Select(i => $"'{Terminal.Safe(i)}'"))}" +
                             $"{(discovery.Skipped.Count > 0 ? $" ({Names.Count(discovery.Skipped.Count, "other file")} skipped)" : "")}: " +
                             "the output is left as it was. Use --allow-empty to write an empty bundle.";
            _observer.Error(message);
            return new RunOutcome(ExitCodes.NoInput, null, [message], 0);
        }

        // Checks the output (ours to replace? writable?) and takes its lock, then the history's, before any work is
        // done, so an output or a database in use by another run is reported at once (RunLocks: the one order).
        using var locks = RunLocks.TryTake(request.OutputDirectory, request.History, _observer, cancellationToken, out string? lockError);
        if (locks is null) return Fatal([lockError!]);
        var transaction = locks.Bundle;
        var history = locks.History;

        // A pseudonymised bundle keeps no cache: a reused result would have to hold the original values (the run's
        // totals and the watchlists need them), which a bundle for sharing must not; so nothing is reused either.
        bool incremental = request.Incremental && request.Pseudonymiser is null;
        var previous = incremental ? PreviousBundle.Of(transaction, request.Signer, _observer.Warning) : PreviousBundle.None;
        var cache = incremental ? IncrementalCache.Load(previous, _observer.Warning) : IncrementalCache.Empty;
        string optionsKey = IncrementalCache.OptionsKey(request.Analysis);
        // With a history the pages show tonight's news, so rendered files are never carried over.
        string? renderKey = request.History is null ? PreviousOutputs.RenderKey(request.ToolVersion, request.Signer is not null, request.OptionsForManifest) : null;
        var previousOutputs = incremental && renderKey is not null ? PreviousOutputs.Load(previous, renderKey) : PreviousOutputs.None;

        var inputs = discovery.Inputs.OrderBy(i => i.RelativePath, StringComparer.Ordinal).ToList();
        _observer.Discovered(inputs.Count, inputs.Sum(i => i.SizeBytes));
        foreach (var s in discovery.Skipped)
        {
            if (s.IsProblem) _observer.Warning($"{Terminal.Safe(s.Path)}: {Terminal.Safe(s.Reason)}");
            else _observer.Info($"Skipped {Terminal.Safe(s.Path)}: {Terminal.Safe(s.Reason)}");
        }

        // Results beyond the memory budget wait on disk until the pages and the run need them (a run of 20,000 captures).
        using var spill = new CaptureSpill(BundleTransaction.SpillDirectoryFor(request.OutputDirectory), request.MemoryBudget);
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
            var previousResult = cache.TryReuse(input, id, optionsKey, request.ToolVersion, cancellationToken);
            if (previousResult is not null)
            {
                results[i] = previousResult;
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
            // A run of one capture has nothing to make room for: its result would be written out and read straight back.
            if (inputs.Count > 1) results[i] = spill.Keep(results[i]);
        });
        cancellationToken.ThrowIfCancellationRequested();
        spill.Report(_observer);

        var (totals, sources, dns, traffic, context, application, beacons) = RunTotals.BuildWithContext(results, request.Analysis);
        var info = new RunInfo(request.ToolVersion, request.GeneratedUtc, request.Inputs, request.OptionsForManifest);
        var run = new RunResult(info, request.Analysis.Settings, results, totals, sources, dns, traffic, discovery.Skipped) { Context = context, Application = application, Beacons = beacons };
        try
        {
            run = RunCompletion.Prepare(run, history, request.Pseudonymiser, spill.Replace, request.Jobs, cancellationToken);
        }
        catch (RunHistoryException ex)
        {
            return Fatal([ex.Message]);
        }
        results = [.. run.Captures];

        var sink = transaction.Staging;
        // Reused captures keep their rendered files when nothing they depend on changed; so does the run.
        string? runKey = renderKey is null ? null : PreviousOutputs.RunKey(renderKey, run);
        List<ExporterFailure> failures;
        try
        {
            // A capture page depends on the run too (previous/next, "seen in N captures"), so a capture's files are
            // carried over only when the run's captures and skipped files are the same as last time.
            bool sameRun = runKey is not null && runKey == previousOutputs.PreviousRunKey;
            // The slices are cut now, while the captures are at hand; the pages link them.
            // A pseudonymised run's findings are pseudonyms already: its slices are cut and rewritten under the same key.
            if (request.Slices is { } sliceOptions)
                run = run with
                {
                    Slices = ReportSlices.Write(run, sliceOptions, sink, Path.Combine(BundleTransaction.SpillDirectoryFor(request.OutputDirectory), "slices"),
                        request.Jobs, _observer, request.Pseudonymiser is { } p ? new SlicePseudonymisation(p.Pseudonymiser) : null, cancellationToken),
                };
            var carried = results.Select((c, i) => reused[i] && sameRun && previousOutputs.TryCarryCapture(c.Id, sink)).ToArray();
            bool runCarried = sameRun && carried.All(c => c) && previousOutputs.TryCarryRun(sink);
            failures = Export(run, sink, carried, runCarried, cancellationToken);
            RunCompletion.WriteRunFiles(sink, run, failures,
                incremental ? (s, r) => IncrementalCache.Write(s, results, optionsKey, request.ToolVersion, renderKey, runKey) : null,
                request.ExtraOutputs);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Fatal([RunCompletion.WriteFailed(ex, transaction.Target)]);
        }
        return RunCompletion.Finish(transaction, history, run, failures, i => reused[i], request, _observer, cancellationToken);
    }

    /// <summary>The exit code of a written bundle under a --fail-on policy (report and merge alike).</summary>
    internal static int ExitCodeFor(RunResult run, FailPolicy failOn)
    {
        ArgumentNullException.ThrowIfNull(run);
        bool errors = run.Captures.Any(c => c.HasErrors) || run.Skipped.Any(s => s.IsProblem);
        bool warnings = run.Captures.Any(c => c.HasWarnings);
        int code = ExitCodes.Success;
        if (failOn.HasFlag(FailPolicy.Error) && errors) code = ExitCodes.CapturesWithIssues;
        if (failOn.HasFlag(FailPolicy.Warning) && (errors || warnings)) code = ExitCodes.CapturesWithIssues;
        if (failOn.HasFlag(FailPolicy.Watchlist) && run.History is { WatchlistHits.Count: > 0 }) code = Math.Max(code, ExitCodes.WatchlistHit);
        // Only asked for: a spilled capture's flows are read back to look (one at a time) unless the run's beacons flag one.
        if (failOn.HasFlag(FailPolicy.Beacon) &&
            (run.Beacons.Flagged.Any() || run.Captures.Any(c => c.Conversations.Beacons.Any(b => b.Flagged))))
            code = Math.Max(code, ExitCodes.BeaconFlagged);
        return code;
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
        int carriedCount = carried.Count(c => c);
        _observer.RenderStarted(run.Captures.Count - carriedCount, carriedCount);
        var failures = new CompositeExporter(request.Exporters).ExportAll(run, sink, carried, !runCarried && request.RunOutputs, request.Jobs,
            i => _observer.CaptureRendered(run.Captures[i]), _observer.RunRenderStarted, cancellationToken, request.MemoryBudget);
        _observer.RenderFinished();
        return [.. failures];
    }

    private RunOutcome Fatal(IReadOnlyList<string> errors)
    {
        foreach (string e in errors) _observer.Error(e);
        return new RunOutcome(ExitCodes.Fatal, null, errors, 0);
    }

    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
