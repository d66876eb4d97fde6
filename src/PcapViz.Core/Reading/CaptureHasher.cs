using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace PcapViz.Reading;

/// <summary>
/// The SHA-256 of a capture file, fed in file order as the file is read, on this thread or on a thread of its own.
/// Two ways in: <see cref="Append"/> copies the bytes (a gzip file's compressed bytes, the sniffed prefix), and
/// <see cref="Post"/> hands over a region of a buffer without copying it: the reader's <see cref="StreamWindow"/>
/// posts what it reads straight from the file, and calls <see cref="WaitUntilHashed"/> before it writes into that
/// buffer again. On a machine with a spare core the hash, the slowest stage of the pass, then overlaps reading and
/// analysis without a copy or a queue hop per megabyte (issue 22: copying every read into the hashing thread's
/// chunks, and the hand-off, cost the reading thread about a tenth of a 1.35 GB pass).
/// </summary>
internal sealed class CaptureHasher : IDisposable
{
    private const int ChunkSize = 1 << 20;
    private const int QueuedSegments = 16;

    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Background? _background;

    /// <param name="onAnotherThread">Hash on a thread of its own; otherwise every byte is hashed when it arrives.</param>
    public CaptureHasher(bool onAnotherThread) => _background = onAnotherThread ? new Background(_hash) : null;

    /// <summary>True when <see cref="Post"/>ed regions are hashed later, so their buffer must wait for <see cref="WaitUntilHashed"/>.</summary>
    public bool Deferred => _background is not null;

    /// <summary>Bytes given so far (hashed, or queued to be).</summary>
    public long BytesHashed { get; private set; }

    /// <summary>Hashes a copy of <paramref name="data"/>: the caller may reuse its memory at once.</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) return;
        BytesHashed += data.Length;
        if (_background is null) _hash.AppendData(data);
        else _background.Copy(data);
    }

    /// <summary>
    /// Hashes <paramref name="count"/> bytes of <paramref name="buffer"/> from <paramref name="offset"/> without
    /// copying them; returns a ticket for <see cref="WaitUntilHashed"/>. The caller must not change those bytes until
    /// the ticket is hashed.
    /// </summary>
    public long Post(byte[] buffer, int offset, int count)
    {
        if (count <= 0) return 0;
        BytesHashed += count;
        if (_background is null)
        {
            _hash.AppendData(buffer, offset, count);
            return 0;
        }
        return _background.Enqueue(buffer, offset, count, pooled: false);
    }

    /// <summary>Returns once every region up to <paramref name="ticket"/> is hashed (at once when hashing inline).</summary>
    public void WaitUntilHashed(long ticket) => _background?.WaitFor(ticket);

    /// <summary>Hashes whatever <paramref name="rest"/> still holds, then returns the lower-case hex SHA-256 of everything.</summary>
    public string Finish(Stream rest)
    {
        var buffer = new byte[1 << 16];
        int n;
        while ((n = rest.Read(buffer)) > 0) Append(buffer.AsSpan(0, n));
        _background?.Complete();
        return Convert.ToHexStringLower(_hash.GetHashAndReset());
    }

    public void Dispose()
    {
        _background?.Dispose();
        _hash.Dispose();
    }

    /// <summary>The hashing thread and its bounded queue of regions, hashed in the order they were given.</summary>
    private sealed class Background(IncrementalHash hash) : IDisposable
    {
        private readonly BlockingCollection<(byte[] Buffer, int Offset, int Count, bool Pooled, long Ticket)> _queue = new(QueuedSegments);
        private readonly ConcurrentBag<byte[]> _free = [];
        private readonly object _progress = new(); // Monitor.Wait needs a monitor, not a Lock
        private long _posted;
        private long _hashed;
        private Thread? _thread;
        private Exception? _failure;

        public void Copy(ReadOnlySpan<byte> data)
        {
            while (!data.IsEmpty)
            {
                if (!_free.TryTake(out var chunk)) chunk = new byte[ChunkSize];
                int n = Math.Min(data.Length, chunk.Length);
                data[..n].CopyTo(chunk);
                Enqueue(chunk, 0, n, pooled: true);
                data = data[n..];
            }
        }

        public long Enqueue(byte[] buffer, int offset, int count, bool pooled)
        {
            if (_thread is null)
            {
                _thread = new Thread(Run) { IsBackground = true, Name = "pcapviz-sha256" };
                _thread.Start();
            }
            long ticket = ++_posted;
            _queue.Add((buffer, offset, count, pooled, ticket));
            return ticket;
        }

        public void WaitFor(long ticket)
        {
            if (Volatile.Read(ref _hashed) >= ticket) return;
            lock (_progress)
            {
                while (_hashed < ticket && _failure is null) Monitor.Wait(_progress);
            }
            if (_failure is not null) throw new InvalidOperationException("Hashing failed.", _failure);
        }

        private void Run()
        {
            try
            {
                foreach (var (buffer, offset, count, pooled, ticket) in _queue.GetConsumingEnumerable())
                {
                    hash.AppendData(buffer, offset, count);
                    if (pooled) _free.Add(buffer);
                    lock (_progress)
                    {
                        Volatile.Write(ref _hashed, ticket);
                        Monitor.PulseAll(_progress);
                    }
                }
            }
#pragma warning disable CA1031 // Nothing may escape a thread of our own (it would end the process); the reading thread rethrows it.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                lock (_progress)
                {
                    _failure = ex;
                    Monitor.PulseAll(_progress);
                }
            }
        }

        /// <summary>Waits until every region given so far is hashed.</summary>
        public void Complete()
        {
            if (!_queue.IsAddingCompleted) _queue.CompleteAdding();
            _thread?.Join();
            if (_failure is not null) throw new InvalidOperationException("Hashing failed.", _failure);
        }

        public void Dispose()
        {
            if (!_queue.IsAddingCompleted) _queue.CompleteAdding();
            _thread?.Join();
            _queue.Dispose();
        }
    }
}
