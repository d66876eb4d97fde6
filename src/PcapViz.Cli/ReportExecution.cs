using System.Runtime.InteropServices;
using PcapViz.Model;
using PcapViz.Orchestration;
using PcapViz.ScaleOut;
using Spectre.Console;

namespace PcapViz.Cli;

internal enum Verbosity { Quiet, Normal, Verbose }

/// <summary>Runs a report with cancellation on Ctrl+C / SIGTERM and progress fitted to where the output goes.</summary>
internal static class ReportExecution
{
    public static int Execute(RunRequest request, Verbosity verbosity, TextWriter stdout, TextWriter stderr) =>
        Execute(request, verbosity, stdout, stderr, (observer, token) => new ReportRunner(request, observer).Run(token));

    /// <summary>`pcapviz merge`: the same cancellation, progress and summary around <see cref="ShardMerge"/>.</summary>
    public static int Merge(MergeRequest merge, Verbosity verbosity, TextWriter stdout, TextWriter stderr) =>
        Execute(merge.Report, verbosity, stdout, stderr, (observer, token) => new ShardMerge(merge, observer).Run(token));

    private static int Execute(RunRequest request, Verbosity verbosity, TextWriter stdout, TextWriter stderr,
        Func<IRunObserver, CancellationToken, RunOutcome> run) =>
        Execute(verbosity, stderr, run, outcome =>
        {
            PrintSummary(outcome, request, verbosity, stdout);
            return outcome.ExitCode;
        });

    /// <summary>
    /// Runs <paramref name="run"/> with cancellation on Ctrl+C / SIGTERM and progress fitted to where the output goes
    /// (a live bar on a terminal, timestamped lines otherwise); <paramref name="finish"/> prints the summary and gives
    /// the exit code. `report`, `merge` and `diff` all run through it.
    /// </summary>
    internal static int Execute<T>(Verbosity verbosity, TextWriter stderr, Func<IRunObserver, CancellationToken, T> run, Func<T, int> finish)
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
            T outcome = interactive
                ? RunWithProgressBar(verbosity, run, cancel.Token)
                : run(new LogLineObserver(stderr, verbosity), cancel.Token);
            return finish(outcome);
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

    private static T RunWithProgressBar<T>(Verbosity verbosity, Func<IRunObserver, CancellationToken, T> run, CancellationToken token)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return RunWithProgressBar(console, verbosity, run, token);
    }

    /// <summary>The live bar on <paramref name="console"/>; every message goes through the same console, so it is printed above the bar.</summary>
    internal static T RunWithProgressBar<T>(IAnsiConsole console, Verbosity verbosity, Func<IRunObserver, CancellationToken, T> run, CancellationToken token)
    {
        T outcome = default!;
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
        return outcome;
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
