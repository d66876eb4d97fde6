global using Xunit;
global using PcapViz.TestSupport;
using System.Diagnostics;
using System.Text.Json;
using PcapViz.Cli;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")] // unix file modes, signals and child processes

// Tests here set process-wide SOURCE_DATE_EPOCH and start child processes that compete for 2 cores: one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace PcapViz.Tests;

internal sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

internal static class Cli
{
    /// <summary>The value every test uses for SOURCE_DATE_EPOCH (2024-03-01T00:00:00Z).</summary>
    public const string Epoch = "1709251200";

    /// <summary>Runs <c>pcapviz</c> in-process with SOURCE_DATE_EPOCH set (restored afterwards).</summary>
    public static CliResult Run(params string[] args)
    {
        string? before = Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH");
        Environment.SetEnvironmentVariable("SOURCE_DATE_EPOCH", Epoch);
        try
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int code = CliApp.Run(args, stdout, stderr);
            return new CliResult(code, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Environment.SetEnvironmentVariable("SOURCE_DATE_EPOCH", before);
        }
    }

    /// <summary>Runs in-process on a worker thread; fails the test when it does not end within <paramref name="limit"/>.</summary>
    public static async Task<CliResult> RunWithin(TimeSpan limit, params string[] args)
    {
        var task = Task.Factory.StartNew(() => Run(args), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var first = await Task.WhenAny(task, Task.Delay(limit, TestContext.Current.CancellationToken));
        Assert.True(first == task, $"pcapviz {string.Join(' ', args)} did not finish within {limit}.");
        return await task;
    }

    /// <summary>The built pcapviz.dll (copied beside the tests by the project reference).</summary>
    public static string DllPath
    {
        get
        {
            string beside = Path.Combine(AppContext.BaseDirectory, "pcapviz.dll");
            Assert.True(File.Exists(beside) && File.Exists(Path.Combine(AppContext.BaseDirectory, "pcapviz.runtimeconfig.json")),
                $"pcapviz.dll and its runtimeconfig are not beside the tests in {AppContext.BaseDirectory}.");
            return beside;
        }
    }

    /// <summary>Starts <c>dotnet pcapviz.dll args</c> as a child process (output captured, SOURCE_DATE_EPOCH set).</summary>
    public static ChildRun Start(params string[] args)
    {
        // A process inherits ignored signals: a test run started as a background job of a non-interactive shell
        // (as CI scripts do) ignores SIGINT, and so would every pcapviz it starts, as POSIX programs do. The child
        // gets SIGINT back to its default (env execs, so the process id stays the child's), so the interruption
        // tests send the signal a user's Ctrl+C sends.
        var psi = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("--default-signal=INT");
        psi.ArgumentList.Add("dotnet");
        psi.ArgumentList.Add(DllPath);
        foreach (string a in args) psi.ArgumentList.Add(a);
        psi.Environment["SOURCE_DATE_EPOCH"] = Epoch;
        psi.Environment["TERM"] = "dumb";
        var process = Process.Start(psi)!;
        return new ChildRun(process);
    }
}

internal sealed class ChildRun : IDisposable
{
    private readonly Task<string> _stdout;
    private readonly Task _stderrPump;
    private readonly System.Text.StringBuilder _stderr = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<bool> Seen)> _waiters = [];

    public ChildRun(Process process)
    {
        Process = process;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderrPump = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is { } line)
            {
                lock (_stderr)
                {
                    _stderr.Append(line).Append('\n');
                    foreach (var w in _waiters.Where(w => w.Match(line)).ToList())
                    {
                        w.Seen.TrySetResult(true);
                        _waiters.Remove(w);
                    }
                }
            }
            lock (_stderr)
                foreach (var w in _waiters) w.Seen.TrySetResult(false);
        });
    }

    /// <summary>
    /// Waits until the child writes a stderr line that matches (true), or ends without one (false). Lets a test act
    /// at a point the run has reached (its log lines) instead of at a time, which machine load would move.
    /// </summary>
    public async Task<bool> StderrLine(Func<string, bool> match, TimeSpan limit)
    {
        var seen = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_stderr)
        {
            if (_stderr.ToString().Split('\n').Any(match)) return true;
            if (_stderrPump.IsCompleted) return false;
            _waiters.Add((match, seen));
        }
        var done = await Task.WhenAny(seen.Task, Task.Delay(limit));
        if (done != seen.Task) Assert.Fail($"pcapviz child wrote no matching line within {limit}.");
        return await seen.Task;
    }

    public Process Process { get; }

    public async Task<CliResult> WaitAsync(TimeSpan limit)
    {
        using var cts = new CancellationTokenSource(limit);
        try
        {
            await Process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Process.Kill(entireProcessTree: true);
            Assert.Fail($"pcapviz child did not finish within {limit}.");
        }
        await _stderrPump;
        string stderr;
        lock (_stderr) stderr = _stderr.ToString();
        return new CliResult(Process.ExitCode, await _stdout, stderr);
    }

    public void Kill()
    {
        try { Process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        Process.WaitForExit();
    }

    public void Dispose()
    {
        if (!Process.HasExited) Kill();
        Process.Dispose();
    }
}

/// <summary>A fresh temp directory (the shared <see cref="TempDirectory"/>) with the shorthands the CLI tests use.</summary>
internal sealed class TempDir : IDisposable
{
    private readonly TempDirectory _dir = new("pcapviz-cli-");

    public string Root => _dir.Path;

    public string this[string relative] => _dir.File(relative);

    public string Dir(string relative) => Directory.CreateDirectory(_dir.File(relative)).FullName;

    public void Dispose() => _dir.Dispose();
}

internal static class Bundle
{
    /// <summary>Every file under <paramref name="dir"/> (relative path, with '/') and its bytes.</summary>
    public static SortedDictionary<string, byte[]> Snapshot(string dir)
    {
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string f in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
            files[Path.GetRelativePath(dir, f).Replace('\\', '/')] = File.ReadAllBytes(f);
        return files;
    }

    public static void AssertIdentical(SortedDictionary<string, byte[]> expected, SortedDictionary<string, byte[]> actual, Func<string, bool>? include = null)
    {
        include ??= _ => true;
        var e = expected.Where(kv => include(kv.Key)).ToList();
        var a = actual.Where(kv => include(kv.Key)).ToList();
        Assert.Equal(e.Select(kv => kv.Key), a.Select(kv => kv.Key));
        foreach (var ((path, eb), (_, ab)) in e.Zip(a))
            Assert.True(eb.AsSpan().SequenceEqual(ab), $"{path} differs ({eb.Length} vs {ab.Length} bytes)");
    }

    public static JsonElement Manifest(string bundle)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(bundle, "manifest.json")));
        return doc.RootElement.Clone();
    }

    public static Dictionary<string, bool> ReusedByPath(string bundle) =>
        Manifest(bundle).GetProperty("inputs").EnumerateArray().ToDictionary(i => i.GetProperty("path").GetString()!, i => i.GetProperty("reused").GetBoolean());
}
