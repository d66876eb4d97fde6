using PcapViz.Model;
using PcapViz.Orchestration;

namespace PcapViz.Cli;

/// <summary>Plain, timestamped lines on stderr: for cron, systemd and CI logs.</summary>
internal sealed class LogLineObserver(TextWriter stderr, Verbosity verbosity) : IRunObserver
{
    private readonly Lock _lock = new();
    private int _total;
    private int _done;

    private void Line(string level, string message)
    {
        lock (_lock) stderr.WriteLine(Invariant.Text($"{DateTime.UtcNow:yyyy-MM-dd'T'HH:mm:ss'Z'} {level} {message}"));
    }

    public void Discovered(int files, long totalBytes)
    {
        _total = files;
        if (verbosity != Verbosity.Quiet) Line("info", Invariant.Text($"{Names.Count(files, "capture")}, {totalBytes:N0} bytes to read ({Names.Bytes(totalBytes)})"));
    }

    public void CaptureStarted(string path, long sizeBytes)
    {
        if (verbosity == Verbosity.Verbose) Line("info", Invariant.Text($"reading {Terminal.Safe(path)} ({sizeBytes:N0} bytes)"));
    }

    public void BytesRead(long delta) { }

    public void CaptureFinished(CaptureResult result, bool reused)
    {
        string path = Terminal.Safe(result.Input.Path);
        // Counted and written under one lock (Lock is reentrant): "[2/2]" never comes before "[1/2]".
        lock (_lock)
        {
            int done = ++_done;
            foreach (var issue in result.Issues)
            {
                if (issue.Severity == IssueSeverity.Error)
                    Line("error", $"{path}: {Terminal.Safe(issue.Message)}");
                else if (verbosity == Verbosity.Verbose)
                    Line("warning", $"{path}: {Terminal.Safe(issue.Message)}");
            }
            if (verbosity != Verbosity.Quiet)
                Line("info", Invariant.Text($"[{done}/{_total}] {path}: {result.Status.ToString().ToLowerInvariant()}{(reused ? " (reused)" : "")}, {result.Summary.Packets:N0} packets"));
        }
    }

    public void InputRead(string path)
    {
        lock (_lock)
        {
            int done = ++_done;
            if (verbosity != Verbosity.Quiet) Line("info", Invariant.Text($"[{done}/{_total}] read {Terminal.Safe(path)}"));
        }
    }

    public void Info(string message)
    {
        if (verbosity == Verbosity.Verbose) Line("info", message);
    }

    public void Warning(string message)
    {
        if (verbosity != Verbosity.Quiet) Line("warning", message);
    }

    public void Error(string message) => Line("error", message);

    private long _renderStarted;
    private int _renderTotal;
    private int _rendered;

    public void RenderStarted(int captures, int carried)
    {
        _renderTotal = captures;
        _renderStarted = System.Diagnostics.Stopwatch.GetTimestamp();
        if (verbosity != Verbosity.Quiet)
            Line("info", $"rendering {Names.Count(captures, "capture")}{(carried > 0 ? $" ({Names.Count(carried, "more", "more")} carried over from the previous bundle)" : "")}");
    }

    public void CaptureRendered(CaptureResult capture)
    {
        // Counted and written under one lock (Lock is reentrant), so the counts appear in order.
        lock (_lock)
        {
            int done = ++_rendered;
            if (verbosity == Verbosity.Verbose)
                Line("info", Invariant.Text($"rendered {done}/{_renderTotal}: {Terminal.Safe(capture.Input.Path)}"));
            // Without --verbose, about every tenth of the way (decided by the count, so the lines do not depend on timing).
            else if (verbosity == Verbosity.Normal && (done == _renderTotal || done * 10L / _renderTotal != (done - 1) * 10L / _renderTotal))
                Line("info", Invariant.Text($"rendered {done}/{_renderTotal} captures"));
        }
    }

    public void RunRenderStarted()
    {
        if (verbosity != Verbosity.Quiet) Line("info", "rendering the run's files");
    }

    public void RenderFinished()
    {
        if (verbosity != Verbosity.Quiet)
            Line("info", Invariant.Text($"rendering done in {System.Diagnostics.Stopwatch.GetElapsedTime(_renderStarted).TotalSeconds:0.0} s"));
    }
}
