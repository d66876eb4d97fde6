using PcapViz.Bundle;
using PcapViz.Model;

namespace PcapViz.Orchestration;

/// <summary>
/// The one run pipeline's shared steps, in the order <c>report</c> and <c>merge</c> both take them (docs/architecture.md,
/// "Locks in one order"): <see cref="RunLocks"/> takes the bundle's lock, then the history's; <see cref="Prepare"/>
/// matches watchlists, pseudonymises and recalls the history; the exporters fill the staging directory;
/// <see cref="WriteRunFiles"/> adds the run-level files every run writes; <see cref="Finish"/> refuses an incomplete
/// bundle, commits it with its manifest and then records the run in the history. The one place a bundle is written.
/// </summary>
internal static class RunCompletion
{
    /// <summary>
    /// The run-level files every complete run adds after the exporters: history.json (with a history database or
    /// watchlists), then <paramref name="extra"/> (the caller's, e.g. the incremental cache or shard.json). Nothing
    /// when an output failed: that bundle is not committed.
    /// </summary>
    public static void WriteRunFiles(DirectorySink sink, RunResult run, IReadOnlyList<ExporterFailure> failures, params Action<DirectorySink, RunResult>?[] extra)
    {
        if (failures.Count > 0) return;
        if (run.History is not null)
            using (var historyJson = sink.Create(PcapViz.Export.HistoryJsonWriter.FileName))
                PcapViz.Export.HistoryJsonWriter.Write(historyJson, run.History, run.Info.ToolVersion);
        foreach (var write in extra) write?.Invoke(sink, run);
    }

    /// <summary>
    /// The end of every run: refuse to commit when an output failed (the previous bundle stays), commit the bundle
    /// with its manifest, then record the run in the history (changed only by a complete run). The outcome, with
    /// every error already reported to <paramref name="observer"/>.
    /// </summary>
    public static RunOutcome Finish(BundleTransaction transaction, IRunHistorySession? history, RunResult run, IReadOnlyList<ExporterFailure> failures,
        Func<int, bool> reused, RunRequest request, IRunObserver observer, CancellationToken cancellationToken)
    {
        string? fatal = FailedOutputs(failures, transaction.Target);
        if (fatal is null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            fatal = Commit(transaction, run, reused, request.ChainPreviousSha256, request.Signer);
        }
        if (fatal is not null)
        {
            observer.Error(fatal);
            return new RunOutcome(ExitCodes.Fatal, null, [fatal], 0);
        }
        int reusedCount = Enumerable.Range(0, run.Captures.Count).Count(reused);
        if (Remember(history, run, cancellationToken) is { } notRemembered)
        {
            observer.Error(notRemembered);
            return new RunOutcome(ExitCodes.Fatal, run, [notRemembered], reusedCount);
        }
        return new RunOutcome(ReportRunner.ExitCodeFor(run, request.FailOn), run, [], reusedCount);
    }
    /// <summary>When an output failed, the line saying which and that the previous bundle stays; else null.</summary>
    public static string? FailedOutputs(IReadOnlyList<ExporterFailure> failures, string target)
    {
        if (failures.Count == 0) return null;
        // An incomplete bundle never replaces a complete one: the transaction is not committed.
        var first = failures[0];
        string what = first.CaptureId is null ? $"the run-level {first.Exporter} output" : $"the {first.Exporter} output of capture {first.CaptureId}";
        return $"The bundle was not written: {what} failed: {Terminal.Safe(first.Message)}" +
               $"{(failures.Count > 1 ? $" (and {Names.Count(failures.Count - 1, "more failed output")})" : "")}; {PreviousStays(target)}";
    }

    /// <summary>The line for a write that failed part-way (disk full, I/O error, permissions).</summary>
    public static string WriteFailed(Exception ex, string target) => $"Writing the bundle failed: {ex.Message}; {PreviousStays(target)}";

    private static string PreviousStays(string target) => $"the previous bundle at '{Terminal.Safe(target)}' is left as it was.";

    /// <summary>
    /// The run as the bundle shows it, in the one order report and merge share: the watchlists match the values as
    /// analysed, then (with --pseudonymise) every address and name is replaced, then the history compares the run with
    /// what it recorded (pseudonyms of the same key, in a pseudonymised setup) and the hits are pseudonymised in turn.
    /// Nothing is rendered or recorded before this. Throws <see cref="RunHistoryException"/> when the history cannot be read.
    /// </summary>
    /// <param name="replace">Puts a capture's pseudonymised parts in place of its own (<see cref="CaptureSpill.Replace"/>).</param>
    public static RunResult Prepare(RunResult analysed, IRunHistorySession? history, PcapViz.Pseudonymisation.ResultPseudonymiser? pseudonymiser,
        Func<CaptureResult, CaptureDetails, CaptureResult> replace, int jobs, CancellationToken cancellationToken)
    {
        var hits = history?.Watch(analysed);
        var run = pseudonymiser is null ? analysed : pseudonymiser.Run(analysed, replace, jobs);
        cancellationToken.ThrowIfCancellationRequested();
        if (history is null) return run;
        var recalled = history.Recall(run, hits!, cancellationToken);
        return run with { History = pseudonymiser is null ? recalled : pseudonymiser.Watchlists(recalled), Beacons = WithNights(run.Beacons, recalled.Beacons) };
    }

    /// <summary>The run's beacons, each with the nights the history saw it beaconing (<see cref="RunHistory.Beacons"/>).</summary>
    private static RunBeacons WithNights(RunBeacons beacons, IReadOnlyList<BeaconHistory> nights)
    {
        if (nights.Count == 0) return beacons;
        var byPair = new Dictionary<(int, string, string, int), BeaconNights>();
        foreach (var n in nights) byPair[(n.Protocol, n.Client, n.Server, n.Port)] = n.Nights;
        return beacons with
        {
            Pairs = beacons.Pairs.Select(p => p with { Nights = byPair.GetValueOrDefault((p.Beacon.Protocol, p.Beacon.Client, p.Beacon.Server, p.Beacon.Port)) }).ToList(),
        };
    }

    /// <summary>Writes manifest.json (each capture's outputs grouped in one pass) and puts the bundle in place.</summary>
    public static string? Commit(BundleTransaction transaction, RunResult run, Func<int, bool> reused, string? chainPreviousSha256, ManifestSigner? signer)
    {
        try
        {
            transaction.Commit((stream, files) =>
            {
                var outputs = OutputsByCapture(files);
                var inputs = run.Captures.Select((c, i) => new ManifestInput(c, reused(i), outputs.GetValueOrDefault(c.Id) ?? [])).ToList();
                ManifestWriter.Write(stream, run, inputs, [], files, chainPreviousSha256);
            }, signer);
            return null;
        }
        catch (BundleException ex)
        {
            return Terminal.Safe(ex.Message);
        }
    }

    /// <summary>Records the run in the history, only once the bundle is complete and in place (one transaction).</summary>
    public static string? Remember(IRunHistorySession? history, RunResult run, CancellationToken cancellationToken)
    {
        if (history is null) return null;
        try
        {
            history.Remember(run, cancellationToken);
            return null;
        }
        catch (RunHistoryException ex)
        {
            return $"The bundle was written, but the history was not updated: {ex.Message}";
        }
    }

    /// <summary>The bundle paths under <c>captures/&lt;id&gt;/</c>, by capture id, in one pass.</summary>
    internal static Dictionary<string, List<string>> OutputsByCapture(IReadOnlyList<OutputFile> files)
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
}
