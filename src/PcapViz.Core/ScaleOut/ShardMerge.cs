using System.Collections.Concurrent;
using System.Security.Cryptography;
using PcapViz.Export;
using PcapViz.Model;
using PcapViz.Reading;
using PcapViz.Bundle;
using PcapViz.Orchestration;

namespace PcapViz.ScaleOut;

/// <summary>Everything `pcapviz merge` needs once the plan's options are turned into a report request.</summary>
/// <param name="Report">The request a single-machine run of the plan would have (options, exporters, generation time).</param>
public sealed record MergeRequest(ShardPlan Plan, IReadOnlyList<ShardDirectory> Shards, RunRequest Report);

/// <summary>
/// `pcapviz merge`: reads every capture's analysis.json back from the checked shards, combines them with the
/// analyses' own merge (<see cref="RunTotals"/>), renders the index, run PDF and assets, takes each capture's pages
/// from its shard (or renders them when the plan says so), and writes the bundle with its manifest through the same
/// lock / staging / swap as a report run. Its bytes are those of `pcapviz report` over the same inputs and options.
/// </summary>
public sealed class ShardMerge(MergeRequest request, IRunObserver? observer = null)
{
    private readonly IRunObserver _observer = observer ?? NullRunObserver.Instance;

    /// <summary>Checks the shards against the plan, merges their results and writes the one bundle a single run over every input would have written (`pcapviz merge`); a shard that does not fit the plan is a fatal error naming it, and nothing is written.</summary>
    public RunOutcome Run(CancellationToken cancellationToken = default)
    {
        var plan = request.Plan;
        var report = request.Report;
        // The renderers' first-use work runs on idle CPU while the captures are read (stopped when the run ends).
        using var warmUp = RenderWarmUp.Start(report.Exporters, report.Jobs, cancellationToken);
        var byPath = plan.Inputs.ToDictionary(i => i.Path, StringComparer.Ordinal);
        var entries = request.Shards.SelectMany(s => s.Captures.Select(c => (Shard: s, Capture: c)))
            .OrderBy(e => e.Capture.Path, StringComparer.Ordinal).ToList();
        _observer.Discovered(entries.Count, entries.Sum(e => e.Capture.SizeBytes));

        // Read every analysis.json back, checking its bytes against the shard's manifest. Results beyond the memory
        // budget wait on disk, as in a report run (the shards' own files could change after the check).
        using var spill = new CaptureSpill(BundleTransaction.SpillDirectoryFor(report.OutputDirectory), report.MemoryBudget);
        var results = new CaptureResult[entries.Count];
        var problems = new ConcurrentBag<(int Index, string Message)>();
        Parallel.For(0, entries.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, report.Jobs), CancellationToken = cancellationToken }, i =>
        {
            var (shard, c) = entries[i];
            string relative = $"captures/{c.Id}/{AnalysisJsonExporter.FileName}";
            string full = Path.Combine(shard.Directory, relative.Replace('/', Path.DirectorySeparatorChar));
            try
            {
                byte[] bytes = File.ReadAllBytes(full);
                if (Convert.ToHexStringLower(SHA256.HashData(bytes)) != shard.Files[relative].Sha256)
                {
                    problems.Add((i, $"{shard.Name}: altered shard: {relative} does not match its SHA-256 in the manifest."));
                    return;
                }
                var planned = byPath[c.Path];
                if (planned.SizeBytes != c.SizeBytes)
                    _observer.Warning($"{Terminal.Safe(c.Path)}: {planned.SizeBytes} bytes when planned, {c.SizeBytes} when shard {shard.Index} read it.");
                using var stream = new MemoryStream(bytes, writable: false);
                var input = new CaptureInput(c.Path, planned.FullPath, c.SizeBytes, c.Sha256, DateTimeOffset.UnixEpoch);
                var result = AnalysisJsonReader.Read(stream, input);
                if (result.Id != c.Id)
                    problems.Add((i, $"{shard.Name}: altered shard: {relative} is for capture {result.Id}."));
                _observer.CaptureFinished(result, reused: false);
                results[i] = spill.Keep(result);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                problems.Add((i, $"{shard.Name}: {relative} cannot be read back ({ex.Message})."));
            }
        });
        cancellationToken.ThrowIfCancellationRequested();
        if (!problems.IsEmpty) return Fatal(problems.OrderBy(p => p.Index).Select(p => p.Message).ToList());
        spill.Report(_observer);

        var (totals, sources, dns, traffic, context, application, beacons) = RunTotals.BuildWithContext(results, report.Analysis);
        var info = new RunInfo(report.ToolVersion, report.GeneratedUtc, report.Inputs, report.OptionsForManifest);
        var run = new RunResult(info, report.Analysis.Settings, results, totals, sources, dns, traffic, plan.Skipped) { Context = context, Application = application, Beacons = beacons };

        string target = Path.GetFullPath(report.OutputDirectory).TrimEnd(Path.DirectorySeparatorChar);
        foreach (var shard in request.Shards)
        {
            string dir = Path.GetFullPath(shard.Directory).TrimEnd(Path.DirectorySeparatorChar);
            if (dir == target || dir.StartsWith(target + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                return Fatal([$"The shard {shard.Name} lies inside the output directory '{target}'."]);
        }

        // The bundle's lock, then the history's, in the order a report run takes them (RunLocks). The merge is the one
        // step of a sharded run that reads and writes the history (shards never do), so one database serves a
        // cluster: recall read-only before rendering, record after the bundle is in place.
        using var locks = RunLocks.TryTake(target, report.History, _observer, cancellationToken, out string? lockError);
        if (locks is null) return Fatal([lockError!]);
        var transaction = locks.Bundle;
        var history = locks.History;
        try
        {
            // Shards are analysed with the original values (they stay inside, like the captures): the merge matches
            // the watchlists and then pseudonymises, as a report run does.
            run = RunCompletion.Prepare(run, history, report.Pseudonymiser, spill.Replace, report.Jobs, cancellationToken);
        }
        catch (RunHistoryException ex)
        {
            return Fatal([ex.Message]);
        }
        List<ExporterFailure> failures;
        try
        {
            failures = Fill(run, entries.Select(e => e.Shard).ToArray(), transaction.Staging, cancellationToken);
        }
        catch (ShardMergeException ex)
        {
            return Fatal(ex.Problems);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Fatal([RunCompletion.WriteFailed(ex, target)]);
        }
        return RunCompletion.Finish(transaction, history, run, failures, _ => false, report, _observer, cancellationToken);
    }

    /// <summary>Every capture's files (copied from its shard or rendered here) and the run-level files; the failed outputs.</summary>
    private List<ExporterFailure> Fill(RunResult run, ShardDirectory[] shardOf, DirectorySink sink, CancellationToken cancellationToken)
    {
        var report = request.Report;
        var exporters = new CompositeExporter(report.Exporters);
        bool withJson = report.Exporters.Any(e => e is AnalysisJsonExporter);
        // With a history database or watchlists the capture pages and analysis.json carry tonight's news and hits, which
        // only the merge knows: it renders them itself, whatever the plan says, so the bundle is the single-machine one.
        // So do capture pages that show the whole run (previous/next, "seen in N captures"), which a shard cannot know.
        // A pseudonymised bundle is rendered here from the pseudonymised results: the shards' pages hold the originals.
        bool renderHere = request.Plan.CapturePages == CapturePages.Merge || run.History is not null || report.Pseudonymiser is not null ||
                          report.Exporters.Any(e => e.CaptureFilesNeedTheWholeRun);
        var captureFailures = new IReadOnlyList<ExporterFailure>[run.Captures.Count];
        var altered = new ConcurrentBag<(int Index, string Message)>();
        _observer.RenderStarted(run.Captures.Count, 0);
        Parallel.For(0, run.Captures.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, report.Jobs), CancellationToken = cancellationToken }, i =>
        {
            var capture = run.Captures[i];
            var shard = shardOf[i];
            var listed = shard.Captures.First(c => c.Id == capture.Id).Outputs;
            if (renderHere)
            {
                // Rendered here, not copied; the shard's own files must still be what its manifest says, so a merge
                // never stands on an altered shard.
                foreach (string path in listed)
                {
                    string file = Path.Combine(shard.Directory, path.Replace('/', Path.DirectorySeparatorChar));
                    if (!Sha256Matches(file, shard.Files[path].Sha256))
                        altered.Add((i, $"{shard.Name}: altered shard: {path} does not match its SHA-256 in the manifest (or cannot be read)."));
                }
                captureFailures[i] = exporters.ExportCapture(capture.Held(), run, sink, cancellationToken); // a spilled capture read back once for every exporter
                _observer.CaptureRendered(capture);
                return;
            }
            foreach (string path in listed)
            {
                // The shard always keeps analysis.json for the merge; the bundle has it only when JSON was asked for.
                if (!withJson && path == $"captures/{capture.Id}/{AnalysisJsonExporter.FileName}") continue;
                string source = Path.Combine(shard.Directory, path.Replace('/', Path.DirectorySeparatorChar));
                if (!sink.TryCopy(source, path, shard.Files[path].Sha256))
                    altered.Add((i, $"{shard.Name}: altered shard: {path} does not match its SHA-256 in the manifest (or cannot be read)."));
            }
            captureFailures[i] = shard.ExporterFailures.Where(f => f.CaptureId == capture.Id).ToList();
            _observer.CaptureRendered(capture);
        });
        if (!altered.IsEmpty)
            throw new ShardMergeException(altered.OrderBy(a => a.Index).Select(a => a.Message).ToList());

        var allFailures = captureFailures.SelectMany(f => f).ToList();
        _observer.RunRenderStarted();
        allFailures.AddRange(exporters.ExportRun(run, sink, cancellationToken));
        _observer.RenderFinished();
        RunCompletion.WriteRunFiles(sink, run, allFailures, report.ExtraOutputs);
        return allFailures;
    }

    private static bool Sha256Matches(string file, string sha256)
    {
        try
        {
            return FileSha256.Of(file) == sha256;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private RunOutcome Fatal(IReadOnlyList<string> errors)
    {
        foreach (string e in errors) _observer.Error(e);
        return new RunOutcome(ExitCodes.Fatal, null, errors, 0);
    }
}

/// <summary>A shard file turned out altered while it was copied: the merge stops and writes nothing.</summary>
internal sealed class ShardMergeException(IReadOnlyList<string> problems) : Exception(string.Join(Environment.NewLine, problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
