namespace PcapViz.Reading;

/// <summary>
/// A growable window over a forward-only stream. The buffer grows only as bytes actually arrive, so a header
/// that declares a huge length can never make it allocate more than about twice what the stream really holds.
/// With a <see cref="CaptureHasher"/>, every byte read from the stream is posted to it where it lies, without a
/// copy; the window then rotates through a few buffers and never writes into one whose bytes are not hashed yet.
/// </summary>
internal sealed class StreamWindow
{
    public const int DefaultBufferSize = 1 << 20;

    /// <summary>Buffers the window rotates through while a hasher on another thread still reads the others.</summary>
    private const int HashedBuffers = 4;

    private readonly Stream _stream;
    private readonly CaptureHasher? _hasher;
    private readonly byte[][] _buffers;
    private readonly long[] _tickets;
    private int _current;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private long _bufferOffset;
    private bool _eof;

    public StreamWindow(Stream stream, int initialSize = DefaultBufferSize) : this(stream, null, default, initialSize)
    {
    }

    /// <param name="stream">The bytes to read after <paramref name="prefix"/>.</param>
    /// <param name="hasher">Gets every byte of <paramref name="prefix"/> and of the stream, in order; null to hash nothing.</param>
    /// <param name="prefix">Bytes already read from the stream's start (the sniffed magic), read again first.</param>
    public StreamWindow(Stream stream, CaptureHasher? hasher, ReadOnlySpan<byte> prefix, int initialSize = DefaultBufferSize)
    {
        _stream = stream;
        _hasher = hasher;
        int count = hasher is { Deferred: true } ? HashedBuffers : 1;
        _buffers = new byte[count][];
        _tickets = new long[count];
        _buffers[0] = _buffer = new byte[Math.Max(initialSize, prefix.Length)];
        prefix.CopyTo(_buffer);
        _end = prefix.Length;
        Posted(_end);
    }

    /// <summary>Absolute offset (in the stream) of the first unread byte.</summary>
    public long Position => _bufferOffset + _start;

    public int Available => _end - _start;

    /// <summary>True once the stream has returned end-of-data and every buffered byte has been consumed.</summary>
    public bool AtEnd => _eof && _start == _end;

    /// <summary>Makes at least <paramref name="count"/> bytes available. False when the stream ends first.</summary>
    public bool Ensure(int count)
    {
        if (_end - _start >= count) return true;
        return Fill(count);
    }

    private bool Fill(int count)
    {
        while (_end - _start < count)
        {
            if (_eof) return false;
            if (_end == _buffer.Length)
            {
                if (_start > 0)
                {
                    MoveToNextBuffer();
                }
                else
                {
                    // Grow by doubling, and only when the buffer is full of real data. The old array may still be
                    // read by the hasher: it is replaced, never written again.
                    int newSize = (int)Math.Min(Math.Max((long)_buffer.Length * 2, 4096), Array.MaxLength);
                    if (newSize <= _buffer.Length) return false;
                    var grown = new byte[newSize];
                    _buffer.AsSpan(0, _end).CopyTo(grown);
                    _buffers[_current] = _buffer = grown;
                }
                continue;
            }
            int read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0) { _eof = true; return false; }
            _end += read;
            Posted(read);
        }
        return true;
    }

    /// <summary>Posts the <paramref name="count"/> bytes that just arrived before <c>_end</c> to the hasher.</summary>
    private void Posted(int count)
    {
        if (_hasher is not null && count > 0) _tickets[_current] = _hasher.Post(_buffer, _end - count, count);
    }

    /// <summary>Continues in the next buffer (once the hasher is done with it), carrying the unread bytes over.</summary>
    private void MoveToNextBuffer()
    {
        int next = (_current + 1) % _buffers.Length;
        if (next != _current) _hasher?.WaitUntilHashed(_tickets[next]);
        var target = _buffers[next] ??= new byte[_buffer.Length];
        if (target.Length < _end - _start) _buffers[next] = target = new byte[_buffer.Length];
        int live = _end - _start;
        Buffer.BlockCopy(_buffer, _start, target, 0, live);
        _bufferOffset += _start;
        _current = next;
        _buffer = target;
        _start = 0;
        _end = live;
    }

    /// <summary>Peek at the next <paramref name="count"/> bytes; call <see cref="Ensure"/> first.</summary>
    public ReadOnlySpan<byte> Peek(int count) => new(_buffer, _start, count);

    /// <summary>All buffered bytes (for error reporting of a short tail).</summary>
    public ReadOnlySpan<byte> PeekAvailable() => new(_buffer, _start, _end - _start);

    public void Advance(int count) => _start += count;

    /// <summary>Skips <paramref name="count"/> bytes without buffering them. False when the stream ends first.</summary>
    public bool Skip(long count)
    {
        while (count > 0)
        {
            if (_start == _end)
            {
                if (_eof) return false;
                if (_end == _buffer.Length || _hasher is { Deferred: true }) MoveToNextBuffer();
                else
                {
                    _bufferOffset += _end;
                    _start = _end = 0;
                }
                int read = _stream.Read(_buffer, _end, _buffer.Length - _end);
                if (read == 0) { _eof = true; return false; }
                _end += read;
                Posted(read);
            }
            int step = (int)Math.Min(count, _end - _start);
            _start += step;
            count -= step;
        }
        return true;
    }
}
