using System.Globalization;
using System.Runtime.InteropServices;
using PcapViz.Model;
using PcapViz.Orchestration;
using PcapViz.ScaleOut;
using Spectre.Console;

namespace PcapViz.Cli;

public enum Verbosity { Quiet, Normal, Verbose }

/// <summary>Runs a report with cancellation on Ctrl+C / SIGTERM and progress fitted to where the output goes.</summary>
internal static class ReportExecution
{
    public static int Execute(RunRequest request, Verbosity verbosity, TextWriter stdout, TextWriter stderr) =>
        Execute(request, verbosity, stdout, stderr, (observer, token) => new ReportRunner(request, observer).Run(token));

    /// <summary>`pcapviz merge`: the same cancellation, progress and summary around <see cref="ShardMerge"/>.</summary>
    public static int Merge(MergeRequest merge, Verbosity verbosity, TextWriter stdout, TextWriter stderr) =>
        Execute(merge.Report, verbosity, stdout, stderr, (observer, token) => new ShardMerge(merge, observer).Run(token));

    private static int Execute(RunRequest request, Verbosity verbosity, TextWriter stdout, TextWriter stderr,
        Func<IRunObserver, CancellationToken, RunOutcome> run)
    {
        using var cancel = new CancellationTokenSource();
        var finished = new ManualResetEventSlim(); // not disposed: the watchdog may still wait on it
        int signalled = 0;
        void Stop()
        {
            if (Interlocked.Exchange(ref signalled, 1) == 1) return;
            // The watchdog starts first, and the token is cancelled on a thread of its own: cancelling runs the
            // token's callbacks on the cancelling thread, and one that blocks must not keep the run alive. Every stage checks the token, but a stage can sit in a
            // call that does not (a slow disk, a third-party library): a run that has not ended shortly after the
            // signal is ended here, at once and without the runtime's shutdown (which can itself wait on a busy
            // thread). The bundle is replaced only by renames, so ending the process at any point leaves the previous
            // bundle as it was (staging folders left behind are removed by the next run).
            var watchdog = new Thread(() =>
            {
                if (finished.Wait(StopGrace)) return;
                try { stderr.WriteLine("pcapviz: interrupted; the previous bundle (if any) is left as it was."); stderr.Flush(); }
                catch (IOException) { }
                catch (ObjectDisposedException) { }
                ImmediateExit.Now(ExitCodes.Interrupted);
            }) { IsBackground = true, Name = "pcapviz-stop" };
            watchdog.Start();
            new Thread(() =>
            {
                try { cancel.Cancel(); }
                catch (ObjectDisposedException) { } // the run had ended already
            }) { IsBackground = true, Name = "pcapviz-cancel" }.Start();
        }
        // SIGINT (Ctrl+C) and SIGTERM alike, through the runtime's signal registration (Console.CancelKeyPress only
        // wraps SIGINT and depends on the console being set up).
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx =>
        {
            ctx.Cancel = true;
            Stop();
        });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
        {
            ctx.Cancel = true;
            Stop();
        });
        try
        {
            bool interactive = verbosity != Verbosity.Quiet && ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected &&
                               Environment.GetEnvironmentVariable("TERM") is not (null or "dumb");
            RunOutcome outcome = interactive
                ? RunWithProgressBar(verbosity, run, cancel.Token)
                : run(new LogLineObserver(stderr, verbosity), cancel.Token);
            PrintSummary(outcome, request, verbosity, stdout);
            return outcome.ExitCode;
        }
        catch (Exception ex) when (ex is OperationCanceledException ||
                                   (ex is AggregateException all && cancel.IsCancellationRequested && all.Flatten().InnerExceptions.All(e => e is OperationCanceledException)))
        {
            stderr.WriteLine("pcapviz: interrupted; the previous bundle (if any) is left as it was.");
            return ExitCodes.Interrupted;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"pcapviz: {Terminal.Safe(ex.Message)}");
            return ExitCodes.Fatal;
        }
        finally
        {
            finished.Set();
        }
    }

    /// <summary>How long a run may take to wind down after SIGINT/SIGTERM before the process ends anyway.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromMilliseconds(750);

    private static RunOutcome RunWithProgressBar(Verbosity verbosity, Func<IRunObserver, CancellationToken, RunOutcome> run, CancellationToken token)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return RunWithProgressBar(console, verbosity, run, token);
    }

    /// <summary>The live bar on <paramref name="console"/>; every message goes through the same console, so it is printed above the bar.</summary>
    internal static RunOutcome RunWithProgressBar(IAnsiConsole console, Verbosity verbosity, Func<IRunObserver, CancellationToken, RunOutcome> run, CancellationToken token)
    {
        RunOutcome? outcome = null;
        var rate = new PhaseRateColumn();
        var layout = ProgressLayout.For(console.Profile.Width);
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn { Width = layout.BarWidth }, new PercentageColumn(), rate, new RemainingTimeColumn())
            .Start(ctx =>
            {
                var observer = new ProgressBarObserver(console, ctx, verbosity, rate, layout);
                outcome = run(observer, token);
                observer.Complete();
            });
        return outcome!;
    }

    /// <summary>Files named one by one in the final line before the rest are only counted.</summary>
    internal const int NamedInSummary = 3;

    private static void PrintSummary(RunOutcome outcome, RunRequest request, Verbosity verbosity, TextWriter stdout)
    {
        if (outcome.Run is not { } run || verbosity == Verbosity.Quiet) return;
        int ok = run.Captures.Count(c => c.Status == CaptureStatus.Ok);
        int partial = run.Captures.Count(c => c.Status == CaptureStatus.Partial);
        int failed = run.Captures.Count(c => c.Status == CaptureStatus.Failed);
        string bundle = Terminal.Safe(Path.GetFullPath(request.OutputDirectory));
        stdout.WriteLine(Invariant.Text(
            $"Wrote {bundle}: {Names.Count(run.Captures.Count, "capture")} ({ok} ok, {partial} partial, {failed} failed" +
            $"{(outcome.ReusedCaptures > 0 ? Invariant.Text($", {outcome.ReusedCaptures} reused") : "")}), {Names.Count(run.Totals.Packets, "packet")}, {Names.Count(run.Skipped.Count, "file")} skipped."));
        if (NeedsALook(run, request, bundle) is { } line) stdout.WriteLine(line);
    }

    /// <summary>
    /// The final line: the failed, partial and skipped files by name (the first few of each, then how many more and
    /// where every one is listed); null when there are none.
    /// </summary>
    internal static string? NeedsALook(RunResult run, RunRequest request, string bundle)
    {
        var groups = new (string Label, IReadOnlyList<string> Paths)[]
        {
            ("Failed", run.Captures.Where(c => c.Status == CaptureStatus.Failed).Select(c => c.Input.Path).ToList()),
            ("Partial", run.Captures.Where(c => c.Status == CaptureStatus.Partial).Select(c => c.Input.Path).ToList()),
            ("Skipped", run.Skipped.Select(s => s.Path).ToList()),
        };
        var parts = groups.Where(g => g.Paths.Count > 0).Select(g =>
        {
            string named = string.Join(", ", g.Paths.Take(NamedInSummary).Select(Terminal.Safe));
            return g.Paths.Count > NamedInSummary ? $"{g.Label}: {named} and {Names.Count(g.Paths.Count - NamedInSummary, "more", "more")}" : $"{g.Label}: {named}";
        }).ToList();
        if (parts.Count == 0) return null;
        bool cut = groups.Any(g => g.Paths.Count > NamedInSummary);
        bool index = request.RunOutputs && request.Exporters.Any(e => e.Name == "html");
        string where = index ? $"{bundle}/index.html and {bundle}/manifest.json" : $"{bundle}/manifest.json";
        return string.Join(". ", parts) + (cut ? $" (every one is listed in {where})." : ".");
    }
}

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

/// <summary>
/// A live progress bar on a terminal: reading (files done/total, bytes/s, ETA and the files being read), then
/// rendering (captures rendered/total, then the run's files). Messages go through the same console, which prints
/// them above the bar (clears it, prints, draws it again), so a message never shares a line with the bar.
/// </summary>
internal sealed class ProgressBarObserver(IAnsiConsole console, ProgressContext context, Verbosity verbosity, PhaseRateColumn rate, ProgressLayout layout) : IRunObserver
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _current = [];
    private ProgressTask? _task;
    private ProgressTask? _render;
    private int _total;
    private int _done;

    public void Discovered(int files, long totalBytes)
    {
        _total = files;
        _task = context.AddTask(Describe(), maxValue: Math.Max(1, totalBytes));
    }

    private string Describe() => layout.Describe(_done, _total, _current.Take(2));

    public void CaptureStarted(string path, long sizeBytes)
    {
        lock (_lock)
        {
            _current.Add(path);
            if (_task is not null) _task.Description = Describe();
        }
    }

    public void BytesRead(long delta) => _task?.Increment(delta);

    public void CaptureFinished(CaptureResult result, bool reused)
    {
        lock (_lock)
        {
            _done++;
            _current.Remove(result.Input.Path);
            if (_task is not null) _task.Description = Describe();
        }
        foreach (var issue in result.Issues.Where(i => i.Severity == IssueSeverity.Error || verbosity == Verbosity.Verbose))
            Print($"[{(issue.Severity == IssueSeverity.Error ? "red" : "yellow")}]{Markup.Escape(Terminal.Safe(result.Input.Path))}[/]: {Markup.Escape(Terminal.Safe(issue.Message))}");
    }

    /// <summary>Reading is over: its bar stands full ("read"), and a second bar counts the captures rendered.</summary>
    public void RenderStarted(int captures, int carried)
    {
        lock (_lock)
        {
            if (_task is not null)
            {
                _task.Value = _task.MaxValue;
                _task.Description = Invariant.Text($"[bold]{_done}/{_total}[/] read");
                _task.StopTask();
            }
            _render = context.AddTask(Invariant.Text($"rendering {Names.Count(captures, "capture")}"), maxValue: Math.Max(1, captures));
            rate.CountsItems(_render);
        }
    }

    public void CaptureRendered(CaptureResult capture)
    {
        _render?.Increment(1);
        if (verbosity == Verbosity.Verbose) Print(Markup.Escape($"rendered {Terminal.Safe(capture.Input.Path)}"));
    }

    public void RunRenderStarted()
    {
        lock (_lock)
        {
            if (_render is null) return;
            _render.Value = _render.MaxValue;
            _render.Description = "rendering the run's files";
        }
    }

    public void RenderFinished()
    {
        lock (_lock)
        {
            if (_render is null) return;
            _render.Value = _render.MaxValue;
            _render.Description = "rendered";
        }
    }

    public void Complete()
    {
        if (_task is not null) _task.Value = _task.MaxValue;
        if (_render is not null) _render.Value = _render.MaxValue;
    }

    public void Info(string message)
    {
        if (verbosity == Verbosity.Verbose) Print(Markup.Escape(message));
    }

    public void Warning(string message) => Print($"[yellow]warning[/]: {Markup.Escape(message)}");

    public void Error(string message) => Print($"[red]error[/]: {Markup.Escape(message)}");

    /// <summary>
    /// One message above the bar, in a single write (the console puts it where the bar was and draws the bar again
    /// below it), every screen line of it cleared first: a message that wraps onto the bar's old line, or is
    /// shorter than it, leaves none of the bar behind.
    /// </summary>
    private void Print(string markup) => console.Write(new ClearedLines(new Markup(markup + "\n")));
}

/// <summary>A renderable whose every line starts by erasing the screen line it is written on.</summary>
internal sealed class ClearedLines(Spectre.Console.Rendering.IRenderable inner) : Spectre.Console.Rendering.IRenderable
{
    private const string EraseLine = "\u001b[2K";

    public Spectre.Console.Rendering.Measurement Measure(Spectre.Console.Rendering.RenderOptions options, int maxWidth) => inner.Measure(options, maxWidth);

    public IEnumerable<Spectre.Console.Rendering.Segment> Render(Spectre.Console.Rendering.RenderOptions options, int maxWidth)
    {
        yield return Spectre.Console.Rendering.Segment.Control(EraseLine);
        foreach (var segment in inner.Render(options, maxWidth))
        {
            yield return segment;
            if (segment.IsLineBreak) yield return Spectre.Console.Rendering.Segment.Control(EraseLine);
        }
    }
}

/// <summary>
/// Column widths that fit one terminal line per task: when the description is wider than its share, the console
/// library squeezes the other columns and wraps them ("7.8 MiB/s" over three lines), and the bar takes several
/// lines that jump about. The bar narrows on narrow terminals; the description is cut to what is left.
/// </summary>
internal sealed record ProgressLayout(int BarWidth, int DescriptionWidth)
{
    /// <summary>Percentage (4), rate (up to 11: "999.9 MiB/s"), time left (8) and the four gaps between five columns.</summary>
    private const int OtherColumns = 4 + 11 + 8 + 4;

    public static ProgressLayout For(int width)
    {
        int bar = Math.Clamp(width - 75, 10, 40);
        return new ProgressLayout(bar, Math.Max(12, width - bar - OtherColumns - 1));
    }

    /// <summary>"12/79 site-a/x.pcap, …long/path/y.pcap" (markup), at most <see cref="DescriptionWidth"/> characters shown.</summary>
    public string Describe(int done, int total, IEnumerable<string> current)
    {
        string count = Invariant.Text($"{done}/{total}");
        int room = DescriptionWidth - count.Length - 1;
        string files = string.Join(", ", current.Select(Terminal.Safe));
        if (files.Length > room) files = room < 2 ? "" : "…" + files[^(room - 1)..];
        return files.Length == 0 ? $"[bold]{count}[/]" : $"[bold]{count}[/] {Markup.Escape(files)}";
    }
}

/// <summary>Bytes/s for the reading bar; "done/total" for the rendering bar, whose steps are captures, not bytes.</summary>
internal sealed class PhaseRateColumn : ProgressColumn
{
    private readonly TransferSpeedColumn _speed = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, bool> _counted = new();

    /// <summary>Shows <paramref name="task"/> as a count of items rather than a byte rate.</summary>
    public void CountsItems(ProgressTask task) => _counted[task.Id] = true;

    public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
        _counted.ContainsKey(task.Id)
            ? new Text(Invariant.Text($"{task.Value:0}/{task.MaxValue:0}"))
            : _speed.Render(options, task, deltaTime);
}

/// <summary>Ends the process at once with an exit code: libc's _exit on Linux (no runtime shutdown, no waiting on
/// busy threads or exit handlers), <see cref="Environment.Exit"/> elsewhere.</summary>
internal static class ImmediateExit
{
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "_exit")]
    private static extern void LibcExit(int status);

    public static void Now(int exitCode)
    {
        if (OperatingSystem.IsLinux())
        {
            try { LibcExit(exitCode); }
            catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException) { }
        }
        Environment.Exit(exitCode);
    }
}
