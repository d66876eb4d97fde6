using PcapViz.Model;

namespace PcapViz.Orchestration;

/// <summary>
/// The nightly memory of a run (history database, watchlists), implemented outside Core (PcapViz.History) so that
/// Core carries no database. The runner opens a session before analysing (so a database held by another run is
/// reported before any work), asks it what to add to the report before rendering (read-only), and tells it to
/// record the run only after the bundle is in place. A session disposed without <see cref="IRunMemorySession.Remember"/>
/// leaves the history as it was.
/// </summary>
public interface IRunMemory
{
    /// <summary>Opens the session; throws <see cref="RunMemoryException"/> with a message for the user when it cannot.</summary>
    IRunMemorySession Open(IRunObserver observer, CancellationToken cancellationToken);
}

public interface IRunMemorySession : IDisposable
{
    /// <summary>What tonight's run adds to the report: new indicators, trend, watchlist hits. Writes nothing.</summary>
    RunMemory Recall(RunResult run, CancellationToken cancellationToken);

    /// <summary>Records the run (one transaction). Called only once the bundle is complete and in place.</summary>
    void Remember(RunResult run, CancellationToken cancellationToken);
}

/// <summary>The history or a watchlist cannot be used; the message says which file and why.</summary>
public sealed class RunMemoryException(string message, Exception? inner = null) : Exception(message, inner);
