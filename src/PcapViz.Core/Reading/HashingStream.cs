using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace PcapViz.Reading;

/// <summary>A read-only pass-through that feeds every byte read into SHA-256, so a file is hashed in the same pass that reads it.</summary>
/// <param name="hashOnAnotherThread">
/// Hash on a thread of its own (each read is copied to it through a small bounded queue), so that on a machine with
/// a spare core the hash, the slowest stage of the pass, overlaps reading and analysis. Same hash either way.
/// </param>
internal sealed class HashingStream(Stream inner, bool hashOnAnotherThread = false) : ReadOnlyPassThroughStream(inner)
{
    private const int ChunkSize = 1 << 20;
    private const int QueuedChunks = 8;

    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Background? _background = hashOnAnotherThread ? new Background() : null;

    public long BytesRead { get; private set; }

    public override long Length => Inner.Length;
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

    public override int Read(Span<byte> buffer)
    {
        int n = Inner.Read(buffer);
        if (_background is null) _hash.AppendData(buffer[..n]);
        else _background.Post(buffer[..n], _hash);
        BytesRead += n;
        return n;
    }

    /// <summary>Reads whatever is left, then returns the lower-case hex SHA-256 of everything.</summary>
    public string Finish()
    {
        var buffer = new byte[1 << 16];
        while (Read(buffer) > 0) { }
        _background?.Complete();
        return Convert.ToHexStringLower(_hash.GetHashAndReset());
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _background?.Dispose();
            _hash.Dispose();
        }
        base.Dispose(disposing); // disposes the inner stream
    }

    /// <summary>The hashing thread and the bounded queue of copied chunks it hashes in order.</summary>
    private sealed class Background : IDisposable
    {
        private readonly BlockingCollection<(byte[] Chunk, int Count)> _queue = new(QueuedChunks);
        private readonly ConcurrentBag<byte[]> _free = [];
        private Thread? _thread;
        private Exception? _failure;

        public void Post(ReadOnlySpan<byte> data, IncrementalHash hash)
        {
            if (data.IsEmpty) return;
            if (_thread is null)
            {
                _thread = new Thread(() => Run(hash)) { IsBackground = true, Name = "pcapviz-sha256" };
                _thread.Start();
            }
            while (!data.IsEmpty)
            {
                if (!_free.TryTake(out var chunk)) chunk = new byte[ChunkSize];
                int n = Math.Min(data.Length, chunk.Length);
                data[..n].CopyTo(chunk);
                _queue.Add((chunk, n));
                data = data[n..];
            }
        }

        private void Run(IncrementalHash hash)
        {
            try
            {
                foreach (var (chunk, count) in _queue.GetConsumingEnumerable())
                {
                    hash.AppendData(chunk, 0, count);
                    _free.Add(chunk);
                }
            }
            catch (Exception ex) when (ex is CryptographicException or ObjectDisposedException)
            {
                _failure = ex;
            }
        }

        /// <summary>Waits until every chunk posted so far is hashed.</summary>
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
