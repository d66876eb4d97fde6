using System.Runtime.InteropServices;
using PcapViz.Generator;

namespace PcapViz.Tests;

/// <summary>Three synthetic captures big enough that a full run with every format lasts several seconds.</summary>
public sealed class BigInputFixture : IDisposable
{
    public BigInputFixture()
    {
        Temp = new TempDir();
        Input = Temp.Dir("big");
        for (int i = 1; i <= 3; i++)
            SyntheticTraffic.WriteFile(Path.Combine(Input, $"synthetic-{i}.pcap"), new SyntheticTrafficOptions { Packets = 250_000, Seed = (ulong)i });
        Samples = Temp.Dir("samples");
        Captures.Samples(Samples);
    }

    internal TempDir Temp { get; }

    public string Input { get; }

    public string Samples { get; }

    public void Dispose() => Temp.Dispose();
}

/// <summary>Runs killed part-way, and two runs on one bundle.</summary>
public sealed class InterruptionTests(BigInputFixture big) : IClassFixture<BigInputFixture>
{
    [Fact]
    public async Task Report_KilledPartWayAtSeveralTimings_LeavesPreviousBundleIntactAndNextRunSucceeds()
    {
        using var t = new TempDir();
        string output = t["out"];
        var previous = Cli.Run("report", big.Samples, "-o", output, "--format", "json,csv");
        Assert.True(previous.ExitCode == 0, previous.ToString());
        var before = Bundle.Snapshot(output);

        // Kill at points the run has reached, read from its log lines (so machine load cannot move them): discovery
        // done, each capture analysed, and while exporting (the three captures with every format take seconds).
        int killed = 0;
        foreach (var (line, after) in Points)
        {
            using var child = Cli.Start("report", big.Input, "-o", output);
            bool reached = await child.StderrLine(l => l.Contains(line, StringComparison.Ordinal), TimeSpan.FromMinutes(3));
            Assert.True(reached, $"the run ended without writing '{line}'");
            await Task.Delay(after, TestContext.Current.CancellationToken);
            string point = $"'{line}' + {after} ms";
            if (!child.Process.HasExited)
            {
                child.Kill();
                killed++;
            }
            else
            {
                // Finished first (the last points are near the end): it must have replaced the bundle completely.
                Assert.Equal(0, (await child.WaitAsync(TimeSpan.FromMinutes(1))).ExitCode);
                before = Bundle.Snapshot(output);
            }

            Assert.True(Directory.Exists(output), $"bundle missing after a kill at {point}");
            Bundle.AssertIdentical(before, Bundle.Snapshot(output));
            var verify = Cli.Run("verify", output);
            Assert.True(verify.ExitCode == 0, $"after a kill at {point}: {verify}");
        }
        Assert.True(killed >= 4, $"only {killed} of {Points.Length} runs were still going when killed: the kill points prove too little");

        var next = Cli.Run("report", big.Samples, "-o", output, "--format", "json,csv", "--bin", "10");
        Assert.True(next.ExitCode == 0, next.ToString());
        Assert.Equal("10", Bundle.Manifest(output).GetProperty("options").GetProperty("bin").GetString());
        Assert.Equal(0, Cli.Run("verify", output).ExitCode);
        // Nothing the killed runs left (staging folders) stays beside the bundle after a successful run, except the lock file.
        Assert.Equal([".out.lock", "out"], Directory.EnumerateFileSystemEntries(t.Root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Report_WhileAnotherRunWritesTheSameBundle_ExitsOneWithAnotherRunMessage()
    {
        using var t = new TempDir();
        string output = t["out"];
        using var child = Cli.Start("report", big.Input, "-o", output);
        string lockFile = Path.Combine(t.Root, ".out.lock");
        var wait = System.Diagnostics.Stopwatch.StartNew();
        while (!File.Exists(lockFile) && wait.Elapsed < TimeSpan.FromSeconds(20) && !child.Process.HasExited)
            await Task.Delay(20, TestContext.Current.CancellationToken);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.False(child.Process.HasExited, "the first run ended before the second could start");

        var second = Cli.Run("report", big.Samples, "-o", output, "--format", "json");
        Assert.False(child.Process.HasExited, "the first run ended while the second ran: the check proves nothing");
        Assert.True(second.ExitCode == 1, second.ToString());
        Assert.Contains("Another pcapviz run is writing", second.Stderr, StringComparison.Ordinal);

        var first = await child.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(0, Cli.Run("verify", output).ExitCode);
        Assert.Equal(3, Bundle.Manifest(output).GetProperty("inputs").GetArrayLength());
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    /// <summary>Where the kill test stops a run: a log line it has written, then a pause (ms).</summary>
    private static readonly (string Line, int After)[] Points =
        [("bytes to read", 0), ("[1/3]", 0), ("[2/3]", 0), ("[3/3]", 0), ("[3/3]", 300), ("[3/3]", 1000)];

    private const int SigInt = 2;
    private const int SigTerm = 15;

    /// <summary>Generous: a run stops within about a second; only one that goes on working exceeds this.</summary>
    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Report_SigtermAtSeveralTimings_Exits130AndLeavesPreviousBundleIntact()
    {
        using var t = new TempDir();
        string output = t["out"];
        var previous = Cli.Run("report", big.Samples, "-o", output, "--format", "json,csv");
        Assert.True(previous.ExitCode == 0, previous.ToString());
        var before = Bundle.Snapshot(output);

        int signalled = 0;
        foreach (var (line, after, signal) in new[] { ("bytes to read", 0, SigTerm), ("[1/3]", 0, SigInt), ("[3/3]", 300, SigTerm) })
        {
            using var child = Cli.Start("report", big.Input, "-o", output);
            Assert.True(await child.StderrLine(l => l.Contains(line, StringComparison.Ordinal), TimeSpan.FromMinutes(3)), $"the run ended without writing '{line}'");
            await Task.Delay(after, TestContext.Current.CancellationToken);
            string point = $"'{line}' + {after} ms";
            if (child.Process.HasExited)
            {
                Assert.Equal(0, (await child.WaitAsync(TimeSpan.FromMinutes(1))).ExitCode);
                before = Bundle.Snapshot(output);
                continue;
            }
            Assert.Equal(0, SendSignal(child.Process.Id, signal));
            var result = await child.WaitAsync(StopBound);
            if (result.ExitCode == 0)
            {
                // The signal came as the bundle was being swapped in: the new bundle is complete.
                before = Bundle.Snapshot(output);
                continue;
            }
            signalled++;
            Assert.True(result.ExitCode == 130, $"signal {signal} at {point}: {result}");
            Assert.Contains("interrupted", result.Stderr, StringComparison.Ordinal);
            Bundle.AssertIdentical(before, Bundle.Snapshot(output));
            Assert.Equal(0, Cli.Run("verify", output).ExitCode);
        }
        Assert.True(signalled >= 2, $"only {signalled} of 3 runs were still going when signalled: the points prove too little");
    }

    [Theory]
    [InlineData(SigTerm)]
    [InlineData(SigInt)]
    public async Task Report_SignalWhileUserTemplateLoops_Exits130AndLeavesPreviousBundleIntact(int signal)
    {
        using var t = new TempDir();
        string output = t["out"];
        var previous = Cli.Run("report", big.Samples, "-o", output, "--format", "html");
        Assert.True(previous.ExitCode == 0, previous.ToString());
        var before = Bundle.Snapshot(output);
        // Within every count limit, but each page would take minutes: 10,000 steps each building a 4 M-character string.
        string templates = t.Dir("templates");
        File.WriteAllText(Path.Combine(templates, "capture.html"), "{{ for i in 1..10000 }}{{ x = \"y\" | string.pad_left 4000000 }}{{ end }}");

        using var child = Cli.Start("report", big.Samples, "-o", output, "--format", "html", "--templates", templates);
        // Every capture analysed: the run is rendering pages now, in the endless template.
        int samples = Directory.GetFiles(big.Samples).Length;
        Assert.True(await child.StderrLine(l => l.Contains($"[{samples}/{samples}]", StringComparison.Ordinal), TimeSpan.FromMinutes(2)), "the run ended before rendering");
        await Task.Delay(500, TestContext.Current.CancellationToken);
        Assert.False(child.Process.HasExited, "the run ended before it could be signalled while rendering");

        Assert.Equal(0, SendSignal(child.Process.Id, signal));
        var result = await child.WaitAsync(StopBound);

        Assert.True(result.ExitCode == 130, result.ToString());
        Assert.Contains("interrupted", result.Stderr, StringComparison.Ordinal);
        Bundle.AssertIdentical(before, Bundle.Snapshot(output));
        Assert.Equal(0, Cli.Run("verify", output).ExitCode);
    }
}
