namespace PcapViz.Reading;

/// <summary>
/// A growable window over a forward-only stream. The buffer grows only as bytes actually arrive, so a header
/// that declares a huge length can never make it allocate more than about twice what the stream really holds.
/// </summary>
internal sealed class StreamWindow
{
    public const int DefaultBufferSize = 1 << 20;

    private readonly Stream _stream;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private long _bufferOffset;
    private bool _eof;

    public StreamWindow(Stream stream, int initialSize = DefaultBufferSize)
    {
        _stream = stream;
        _buffer = new byte[initialSize];
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
                    int live = _end - _start;
                    Buffer.BlockCopy(_buffer, _start, _buffer, 0, live);
                    _bufferOffset += _start;
                    _start = 0;
                    _end = live;
                }
                else
                {
                    // Grow by doubling, and only when the buffer is full of real data.
                    int newSize = (int)Math.Min(Math.Max((long)_buffer.Length * 2, 4096), Array.MaxLength);
                    if (newSize <= _buffer.Length) return false;
                    Array.Resize(ref _buffer, newSize);
                }
                continue;
            }
            int read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0) { _eof = true; return false; }
            _end += read;
        }
        return true;
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
                _bufferOffset += _end;
                _start = _end = 0;
                int read = _stream.Read(_buffer, 0, _buffer.Length);
                if (read == 0) { _eof = true; return false; }
                _end = read;
            }
            int step = (int)Math.Min(count, _end - _start);
            _start += step;
            count -= step;
        }
        return true;
    }
}
