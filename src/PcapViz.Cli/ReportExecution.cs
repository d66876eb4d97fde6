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
        RunOutcome? outcome = null;
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var observer = new ProgressBarObserver(console, ctx, verbosity);
                outcome = run(observer, token);
                observer.Complete();
            });
        return outcome!;
    }

    private static void PrintSummary(RunOutcome outcome, RunRequest request, Verbosity verbosity, TextWriter stdout)
    {
        if (outcome.Run is not { } run || verbosity == Verbosity.Quiet) return;
        int ok = run.Captures.Count(c => c.Status == CaptureStatus.Ok);
        int partial = run.Captures.Count(c => c.Status == CaptureStatus.Partial);
        int failed = run.Captures.Count(c => c.Status == CaptureStatus.Failed);
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Wrote {Terminal.Safe(Path.GetFullPath(request.OutputDirectory))}: {run.Captures.Count} captures ({ok} ok, {partial} partial, {failed} failed" +
            $"{(outcome.ReusedCaptures > 0 ? $", {outcome.ReusedCaptures} reused" : "")}), {run.Totals.Packets:N0} packets, {run.Skipped.Count} files skipped."));
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
        if (verbosity != Verbosity.Quiet) Line("info", Invariant.Text($"{files} captures, {totalBytes:N0} bytes to read"));
    }

    public void CaptureStarted(string path, long sizeBytes)
    {
        if (verbosity == Verbosity.Verbose) Line("info", Invariant.Text($"reading {Terminal.Safe(path)} ({sizeBytes:N0} bytes)"));
    }

    public void BytesRead(long delta) { }

    public void CaptureFinished(CaptureResult result, bool reused)
    {
        int done = Interlocked.Increment(ref _done);
        string path = Terminal.Safe(result.Input.Path);
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

    public void Info(string message)
    {
        if (verbosity == Verbosity.Verbose) Line("info", message);
    }

    public void Warning(string message)
    {
        if (verbosity != Verbosity.Quiet) Line("warning", message);
    }

    public void Error(string message) => Line("error", message);
}

/// <summary>A live progress bar on a terminal: files done/total, bytes/s, ETA and the files being read.</summary>
internal sealed class ProgressBarObserver(IAnsiConsole console, ProgressContext context, Verbosity verbosity) : IRunObserver
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _current = [];
    private ProgressTask? _task;
    private int _total;
    private int _done;

    public void Discovered(int files, long totalBytes)
    {
        _total = files;
        _task = context.AddTask(Describe(), maxValue: Math.Max(1, totalBytes));
    }

    private string Describe()
    {
        string current = string.Join(", ", _current.Take(2).Select(p => Markup.Escape(Terminal.Safe(p.Length > 40 ? "…" + p[^39..] : p))));
        return $"[bold]{_done}/{_total}[/] {current}";
    }

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
            console.MarkupLine($"[{(issue.Severity == IssueSeverity.Error ? "red" : "yellow")}]{Markup.Escape(Terminal.Safe(result.Input.Path))}[/]: {Markup.Escape(Terminal.Safe(issue.Message))}");
    }

    public void Complete()
    {
        if (_task is not null) _task.Value = _task.MaxValue;
    }

    public void Info(string message)
    {
        if (verbosity == Verbosity.Verbose) console.MarkupLine(Markup.Escape(message));
    }

    public void Warning(string message) => console.MarkupLine($"[yellow]warning[/]: {Markup.Escape(message)}");

    public void Error(string message) => console.MarkupLine($"[red]error[/]: {Markup.Escape(message)}");
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
