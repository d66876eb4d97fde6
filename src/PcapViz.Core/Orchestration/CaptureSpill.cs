using System.Collections.Concurrent;
using PcapViz.Model;

namespace PcapViz.Orchestration;

/// <summary>
/// Keeps a run's memory bounded whatever the number of captures: finished results stay in memory while their bulky
/// parts (addresses, names, bins, answers) add up to at most <see cref="Budget"/> entries; beyond that, a result's
/// bulky parts are written to the spill directory (as analysis.json, which reads back exactly: the merge of shards
/// relies on the same) and read back each time a stage needs them. The output does not depend on which results
/// were spilled. The directory lies beside the bundle (<see cref="Bundle.BundleTransaction.SpillDirectoryFor"/>); a
/// killed run's is removed by the next run on the same output. A run of one capture never spills it (the run needs
/// that result at once, whole).
/// </summary>
public sealed class CaptureSpill : ICaptureDetailsStore, IDisposable
{
    /// <summary>Entries held in memory by default (bench/RESULTS.md, issue 22: a 200,000-name capture is about
    /// 400,000 entries, so the default holds the small captures of a night and lets the heavy ones wait on disk).</summary>
    public const long DefaultBudget = 250_000;

    private readonly string _directory;
    private readonly Lock _create = new();
    private readonly ConcurrentDictionary<string, WeakReference<CaptureDetails>> _recent = new(StringComparer.Ordinal);
    private long _held;
    private int _spilled;
    private bool _created;
    private bool _disposed;

    internal CaptureSpill(string directory, long budget = DefaultBudget)
    {
        _directory = directory;
        Budget = budget;
    }

    /// <summary>Entries of bulky parts held in memory at most.</summary>
    internal long Budget { get; }

    /// <summary>How many results were spilled.</summary>
    internal int SpilledCount => Volatile.Read(ref _spilled);

    /// <summary>
    /// <paramref name="result"/> itself while the budget allows, else the same result with its bulky parts spilled.
    /// Safe to call from several threads.
    /// </summary>
    internal CaptureResult Keep(CaptureResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        ObjectDisposedException.ThrowIf(_disposed, this);
        long weight = result.Weight;
        if (weight == 0) return result;
        if (Interlocked.Add(ref _held, weight) <= Budget) return result;
        Interlocked.Add(ref _held, -weight);
        lock (_create)
        {
            if (!_created)
            {
                Directory.CreateDirectory(_directory);
                _created = true;
            }
        }
        string path = PathOf(result.Id);
        using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
            CaptureDetailsCodec.Write(stream, result.Details);
        Interlocked.Increment(ref _spilled);
        return result.Spilled(this);
    }

    /// <summary>
    /// <paramref name="result"/> with <paramref name="details"/> (its pseudonymised parts) in place of its own: held in
    /// memory when it was, else written over its spilled parts, which are gone afterwards. Safe to call from several threads
    /// for different results.
    /// </summary>
    internal CaptureResult Replace(CaptureResult result, CaptureDetails details)
    {
        ArgumentNullException.ThrowIfNull(result);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!result.IsSpilled) return result.WithDetails(details);
        using (var stream = new FileStream(PathOf(result.Id), FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
            CaptureDetailsCodec.Write(stream, details);
        _recent.TryRemove(result.Id, out _);
        return result;
    }

    /// <summary>Says how many results waited on disk, if any (an info line: the output is the same either way).</summary>
    internal void Report(IRunObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        if (SpilledCount > 0)
            observer.Info($"{Names.Count(SpilledCount, "capture's results", "captures' results")} waited on disk beside the output (--results-in-memory {Budget.ToString(System.Globalization.CultureInfo.InvariantCulture)}).");
    }

    /// <inheritdoc />
    public CaptureDetails Load(CaptureResult capture)
    {
        ArgumentNullException.ThrowIfNull(capture);
        if (_disposed)
            throw new InvalidOperationException($"The results of capture {capture.Id} were spilled to disk for the run and are gone now that it has ended.");
        // Stages read a capture's parts one after the other (sources, then names, …): the last reading serves them
        // while it is still alive, and the collector may take it whenever memory is needed.
        if (_recent.TryGetValue(capture.Id, out var weak) && weak.TryGetTarget(out var recent)) return recent;
        using var stream = new FileStream(PathOf(capture.Id), FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        var details = CaptureDetailsCodec.Read(stream);
        _recent[capture.Id] = new WeakReference<CaptureDetails>(details);
        return details;
    }

    private string PathOf(string id) => Path.Combine(_directory, id + ".details");

    /// <summary>Deletes the spilled results (the directory beside the output); after it, <see cref="Load"/> throws. A directory that cannot be deleted is left for the next run on the output to remove.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _recent.Clear();
        try
        {
            if (_created && Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Removed with the stale staging directories by the next run on this output (BundleSwap.Recover).
        }
    }
}
