using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using PcapViz.Analysis;
using PcapViz.Model;
using PcapViz.Reading;

namespace PcapViz.Orchestration;

/// <summary>
/// Analyses one capture on several cores. The calling thread reads (and so hashes and frames) the records with the
/// same reader as the sequential path, in the same single pass, and copies them into record-aligned batches; a
/// bounded queue hands the batches to worker threads that each own a <see cref="CaptureAnalysis"/>; at the end the
/// workers' states are merged. Every analysis merges exactly (sums, minima, maxima, sorted results) while no
/// distinct limit is exceeded, and issues are replayed in packet order, so the result is the sequential one.
/// </summary>
internal static class ParallelCaptureAnalyzer
{
    /// <summary>Bytes of record data per batch (a larger record gets a batch of its own size).</summary>
    internal const int BatchBytes = 4 << 20;

    /// <summary>Records per batch at most.</summary>
    internal const int BatchRecords = 1 << 15;

    private const int ProgressInterval = 1 << 14;

    private struct Record
    {
        public int Start;
        public int Length;
        public int OriginalLength;
        public int LinkType;
        public int InterfaceId;
        public long TimestampNanos;
        public long ByteOffset;
    }

    private sealed class Batch
    {
        public byte[] Data = new byte[BatchBytes];
        public readonly Record[] Records = new Record[BatchRecords];
        public int Count;
        public int Used;
        public long FirstIndex;
        public int Sequence;
    }

    /// <summary>
    /// Reads every record of <paramref name="reader"/> and analyses them on <paramref name="workers"/> threads.
    /// <paramref name="readerIssues"/> is the log the reader writes to; the returned log holds its issues and the
    /// analyses', in the order the sequential path would have added them.
    /// </summary>
    public static (CaptureAnalysis Analysis, IssueLog Issues) Read(CaptureReader reader, IssueLog readerIssues,
        AnalysisOptions options, int workers, Func<long> bytesRead, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        workers = Math.Max(1, workers);
        int capacity = workers * 2;
        var work = new BlockingCollection<Batch>(new ConcurrentQueue<Batch>(), capacity);
        var free = new ConcurrentBag<Batch>();
        using var freed = new SemaphoreSlim(0);
        int created = 0;
        int maxBatches = capacity + workers + 1;
        var batchIssues = new ConcurrentDictionary<int, IssueLog>();
        var analyses = new CaptureAnalysis[workers];
        var failures = new ConcurrentQueue<Exception>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        var threads = new Thread[workers];
        for (int w = 0; w < workers; w++)
        {
            var analysis = analyses[w] = new CaptureAnalysis(options, deferReassembly: true);
            threads[w] = new Thread(() => Work(analysis))
            {
                IsBackground = true,
                Name = $"pcapviz-analysis-{w}",
            };
            threads[w].Start();
        }

        // Reader issues listed before the first packet of each batch (indexed by the batch's sequence number).
        var readerMarks = new List<int>();
        try
        {
            var current = Rent();
            long index = 0;
            int currentMark = 0;
            while (reader.TryReadNext(out var packet))
            {
                int listed = readerIssues.Listed.Count;
                int length = packet.Data.Length;
                if (current.Count > 0 && (listed != currentMark || current.Count == BatchRecords || current.Used + length > current.Data.Length))
                {
                    Post(current);
                    current = Rent();
                }
                if (current.Count == 0)
                {
                    current.FirstIndex = index;
                    currentMark = listed;
                    if (length > current.Data.Length) current.Data = new byte[length];
                }
                packet.Data.CopyTo(current.Data.AsSpan(current.Used));
                ref var record = ref current.Records[current.Count++];
                record.Start = current.Used;
                record.Length = length;
                record.OriginalLength = packet.OriginalLength;
                record.LinkType = packet.LinkType;
                record.InterfaceId = packet.InterfaceId;
                record.TimestampNanos = packet.TimestampNanos;
                record.ByteOffset = packet.ByteOffset;
                current.Used += length;
                if (++index % ProgressInterval == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    progress?.Report(bytesRead());
                }
            }
            if (current.Count > 0) Post(current);

            void Post(Batch batch)
            {
                batch.Sequence = readerMarks.Count;
                readerMarks.Add(currentMark);
                work.Add(batch, stop.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !failures.IsEmpty)
        {
            // A worker failed; its exception is rethrown below.
        }
        finally
        {
            work.CompleteAdding();
            foreach (var thread in threads) thread.Join();
        }
        if (failures.TryDequeue(out var failure)) ExceptionDispatchInfo.Capture(failure).Throw();
        cancellationToken.ThrowIfCancellationRequested();

        var merged = analyses[0];
        for (int w = 1; w < workers; w++) merged.Merge(analyses[w]);
        merged.CompleteDeferred();
        return (merged, Replay(readerIssues, readerMarks, batchIssues));

        Batch Rent()
        {
            while (true)
            {
                if (free.TryTake(out var batch)) return batch;
                if (created < maxBatches)
                {
                    created++;
                    return new Batch();
                }
                freed.Wait(stop.Token);
            }
        }

        void Work(CaptureAnalysis analysis)
        {
            try
            {
                foreach (var batch in work.GetConsumingEnumerable(stop.Token))
                {
                    var issues = new IssueLog();
                    var records = batch.Records;
                    for (int i = 0; i < batch.Count; i++)
                    {
                        ref readonly var r = ref records[i];
                        var packet = new RawPacket(batch.Data.AsSpan(r.Start, r.Length), r.TimestampNanos, r.OriginalLength, r.LinkType, r.InterfaceId, r.ByteOffset);
                        analysis.Observe(packet, issues, batch.FirstIndex + i);
                    }
                    if (issues.Listed.Count > 0) batchIssues[batch.Sequence] = issues;
                    batch.Count = 0;
                    batch.Used = 0;
                    if (batch.Data.Length > BatchBytes) batch.Data = new byte[BatchBytes];
                    free.Add(batch);
                    freed.Release();
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                failures.Enqueue(ex);
                stop.Cancel();
            }
        }
    }

    /// <summary>
    /// Adds the reader's issues and each batch's analysis issues to a new log in the order the sequential path adds
    /// them: the reader's issues up to a batch's first packet, then that batch's, and so on.
    /// </summary>
    private static IssueLog Replay(IssueLog readerIssues, List<int> readerMarks, ConcurrentDictionary<int, IssueLog> batchIssues)
    {
        var log = new IssueLog();
        var once = new HashSet<string>(StringComparer.Ordinal);
        var reader = readerIssues.Listed;
        int r = 0;
        for (int sequence = 0; sequence < readerMarks.Count; sequence++)
        {
            for (; r < readerMarks[sequence]; r++) log.Add(reader[r]);
            if (!batchIssues.TryGetValue(sequence, out var batch)) continue;
            var listed = batch.Listed;
            var onceKeys = batch.OnceKeys;
            for (int i = 0; i < listed.Count; i++)
                if (onceKeys[i] is not { } key || once.Add(key)) log.Add(listed[i]);
            foreach (var (code, severity, count) in batch.Unlisted()) log.AddUnlisted(severity, code, count);
        }
        for (; r < reader.Count; r++) log.Add(reader[r]);
        foreach (var (code, severity, count) in readerIssues.Unlisted()) log.AddUnlisted(severity, code, count);
        return log;
    }
}
