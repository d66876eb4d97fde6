using PcapViz.Bundle;

namespace PcapViz.Orchestration;

/// <summary>
/// The two locks a run holds, taken in one place and in the one documented order (docs/architecture.md, "Locks"):
/// first the output bundle's lock (<see cref="BundleTransaction"/>), then the history's write transaction
/// (<see cref="IRunHistory.Open"/>). `report` and `merge` both take them here, so a report and a merge on the same
/// output and history can never each hold one and wait for the other. Released in the opposite order.
/// </summary>
internal sealed class RunLocks : IDisposable
{
    private RunLocks(BundleTransaction bundle, IRunHistorySession? history)
    {
        Bundle = bundle;
        History = history;
    }

    public BundleTransaction Bundle { get; }

    /// <summary>The history session, or null for a run without history and watchlists.</summary>
    public IRunHistorySession? History { get; }

    /// <summary>Takes both locks, or none: null with the message for the user when either cannot be taken.</summary>
    public static RunLocks? TryTake(string outputDirectory, IRunHistory? history, IRunObserver observer, CancellationToken cancellationToken, out string? error)
    {
        var bundle = BundleTransaction.TryBegin(outputDirectory, out error);
        if (bundle is null) return null;
        try
        {
            return new RunLocks(bundle, history?.Open(observer, cancellationToken));
        }
        catch (RunHistoryException ex)
        {
            bundle.Dispose();
            error = ex.Message;
            return null;
        }
        catch
        {
            bundle.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        History?.Dispose();
        Bundle.Dispose();
    }
}
