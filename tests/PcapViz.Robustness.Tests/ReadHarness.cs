using System.Diagnostics;
using PcapViz.Analysis;
using PcapViz.Model;
using PcapViz.Reading;

namespace PcapViz.Robustness.Tests;

/// <summary>The outcome of reading one (possibly hostile) byte sequence through opener, reader and analyses.</summary>
internal sealed record ReadOutcome(bool Opened, long Packets, IReadOnlyList<CaptureIssue> Issues, long AllocatedBytes, TimeSpan Elapsed)
{
    public bool HasError(string code) => Issues.Any(i => i.Severity == IssueSeverity.Error && i.Code == code);

    public string Describe() =>
        $"opened={Opened}, packets={Packets}, allocated={AllocatedBytes / 1024.0 / 1024.0:F1} MiB, {Elapsed.TotalMilliseconds:F0} ms, issues=[{string.Join("; ", Issues.Select(i => $"{i.Severity} {i.Code}@{i.ByteOffset}"))}]";
}

internal static class ReadHarness
{
    /// <summary>More than any sane read of these inputs needs, less than one 256 MiB buffer.</summary>
    public const long AllocationLimit = 128L * 1024 * 1024;

    /// <summary>
    /// How long a whole test may run before it counts as hung. This guards against endless loops only: it is far
    /// beyond what any case needs even on a loaded machine, and speed is measured in bench/, never asserted here.
    /// </summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Opens <paramref name="stream"/>, reads every record and feeds it to the three analyses, on the calling thread;
    /// returns what came out and how much this thread allocated. Any exception escapes to the caller (a test failure).
    /// </summary>
    public static ReadOutcome Read(Stream stream, long? length)
    {
        var sw = Stopwatch.StartNew();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var issues = new IssueLog();
        var analysis = new CaptureAnalysis(new AnalysisOptions());
        var reader = CaptureOpener.Open(stream, issues, length);
        long packets = 0;
        if (reader is not null)
        {
            while (reader.TryReadNext(out var packet))
            {
                analysis.Observe(packet, issues, packets);
                packets++;
            }
        }
        // Building the results is part of the work a hostile file can make expensive (bins, sorting).
        _ = analysis.Traffic.ToResult(issues);
        _ = analysis.SourceIps.ToResult();
        _ = analysis.DnsQueries.ToResult();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return new ReadOutcome(reader is not null, packets, issues.ToList(), allocated, sw.Elapsed);
    }

    public static ReadOutcome Read(byte[] data, bool passLength) =>
        Read(new MemoryStream(data, writable: false), passLength ? data.Length : null);

    /// <summary>Reads and asserts the per-case bounds; the case description goes into any failure message.</summary>
    public static ReadOutcome ReadBounded(byte[] data, bool passLength, string description)
    {
        ReadOutcome outcome;
        try
        {
            outcome = Read(data, passLength);
        }
        catch (Exception ex)
        {
            Assert.Fail($"{description}: {ex.GetType().Name} escaped: {ex}");
            throw;
        }
        Assert.True(outcome.AllocatedBytes < AllocationLimit, $"{description}: allocated {outcome.AllocatedBytes:N0} bytes ({outcome.Describe()}).");
        return outcome;
    }

    /// <summary>Runs <paramref name="body"/> on a worker thread and fails the test when it has not ended within <see cref="HangGuard"/> (a hang).</summary>
    public static async Task WithoutHanging(Action body)
    {
        var budget = HangGuard;
        var task = Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var finished = await Task.WhenAny(task, Task.Delay(budget, TestContext.Current.CancellationToken));
        Assert.True(finished == task, $"Did not finish within {budget} (hang or runaway work).");
        await task;
    }
}
