using PcapViz.Model;

namespace PcapViz.Orchestration;

/// <summary>
/// The history of a run (history database, watchlists), implemented outside Core (PcapViz.History) so that
/// Core carries no database. The runner opens a session before analysing (so a database held by another run is
/// reported before any work), asks it what to add to the report before rendering (read-only), and tells it to
/// record the run only after the bundle is in place. A session disposed without <see cref="IRunHistorySession.Remember"/>
/// leaves the history as it was.
/// </summary>
public interface IRunHistory
{
    /// <summary>Opens the session; throws <see cref="RunHistoryException"/> with a message for the user when it cannot.</summary>
    IRunHistorySession Open(IRunObserver observer, CancellationToken cancellationToken);
}

/// <summary>One run's hold on its history (and the database lock, with a database), from <see cref="IRunHistory.Open"/>
/// until disposed.</summary>
public interface IRunHistorySession : IDisposable
{
    /// <summary>Tonight's watchlist hits, matched on the values as analysed: before any pseudonymisation, since the
    /// watchlists hold real addresses and names. Writes nothing.</summary>
    IReadOnlyList<WatchlistHit> Watch(RunResult run);

    /// <summary>What tonight's run adds to the report: new indicators and trend (compared with the values the history
    /// recorded, so <paramref name="run"/> is the run as the bundle shows it, pseudonymised or not), and
    /// <paramref name="hits"/> (from <see cref="Watch"/>). Writes nothing.</summary>
    RunHistory Recall(RunResult run, IReadOnlyList<WatchlistHit> hits, CancellationToken cancellationToken);

    /// <summary>Records the run (one transaction). Called only once the bundle is complete and in place.</summary>
    void Remember(RunResult run, CancellationToken cancellationToken);
}

/// <summary>The history or a watchlist cannot be used; the message says which file and why.</summary>
public sealed class RunHistoryException(string message, Exception? inner = null) : Exception(message, inner);
