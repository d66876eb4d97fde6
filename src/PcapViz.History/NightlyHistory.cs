using Microsoft.Data.Sqlite;
using PcapViz.Model;
using PcapViz.Orchestration;

namespace PcapViz.History;

/// <param name="DatabasePath">--history FILE, or null for watchlists only.</param>
/// <param name="NewWindowDays">--new-window: look back only this many days for "new"; null: since the history began.</param>
/// <param name="TrendRuns">Runs shown in the trend, tonight included.</param>
/// <param name="Wait">How long a run waits for another run holding the database.</param>
/// <param name="Baseline">How indicators are judged against their own baseline; null: the defaults.</param>
public sealed record NightlyHistoryOptions(string? DatabasePath, int? NewWindowDays = null, int TrendRuns = NightlyHistoryOptions.DefaultTrendRuns, TimeSpan? Wait = null,
    BaselineSettings? Baseline = null)
{
    /// <summary>Runs in the trend when --trend-runs is not given (tonight included).</summary>
    public const int DefaultTrendRuns = 30;
    /// <summary>How long a run waits for another run holding the database when --history-wait is not given.</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The history and watchlists of `pcapviz report`: watchlists (with or without a database) and the history database.
/// Also the entry point for a merge step that builds a <see cref="RunResult"/> itself: <c>Open</c>, <c>Recall</c>
/// before rendering, <c>Remember</c> once the bundle is in place.
/// </summary>
public sealed class NightlyHistory(NightlyHistoryOptions options, Watchlist watchlist, bool watchlistsGiven) : IRunHistory
{
    private NightlyHistoryOptions Options { get; } = options;
    private Watchlist Lists { get; } = watchlist;
    private bool ListsGiven { get; } = watchlistsGiven;

    /// <inheritdoc />
    public IRunHistorySession Open(IRunObserver observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(observer);
        foreach (var p in Lists.Problems)
            observer.Warning($"watchlist {Terminal.Safe(p.List)} line {p.Line}: {Terminal.Safe(p.Message)}");
        if (Options.DatabasePath is null) return new Session(this, null, null);
        var db = HistoryDatabase.Open(Options.DatabasePath, Options.Wait ?? NightlyHistoryOptions.DefaultWait);
        try
        {
            return new Session(this, db, db.BeginRun());
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    private sealed class Session(NightlyHistory owner, HistoryDatabase? db, RunTransaction? tx) : IRunHistorySession
    {
        public IReadOnlyList<WatchlistHit> Watch(RunResult run) => WatchlistMatcher.Match(owner.Lists, run);

        public RunHistory Recall(RunResult run, IReadOnlyList<WatchlistHit> hits, CancellationToken cancellationToken)
        {
            var o = owner.Options;
            RunHistory history;
            try
            {
                history = tx?.Recall(run, o.DatabasePath!, o.NewWindowDays, o.TrendRuns, o.Baseline, cancellationToken) ?? new RunHistory();
            }
            catch (SqliteException ex)
            {
                throw HistoryDatabase.Explain(db!.Path, ex);
            }
            return history with
            {
                WatchlistsChecked = owner.ListsGiven,
                WatchlistEntries = owner.Lists.Count,
                WatchlistHits = hits,
                WatchlistProblems = owner.Lists.Problems,
            };
        }

        public void Remember(RunResult run, CancellationToken cancellationToken)
        {
            if (tx is null) return;
            try
            {
                tx.Record(run, cancellationToken);
            }
            catch (SqliteException ex)
            {
                throw HistoryDatabase.Explain(db!.Path, ex);
            }
        }

        public void Dispose()
        {
            tx?.Dispose();
            db?.Dispose();
        }
    }
}
