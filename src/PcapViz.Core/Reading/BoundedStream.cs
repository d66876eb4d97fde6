namespace PcapViz.Reading;

/// <summary>
/// A read-only view of the first <see cref="Limit"/> bytes of a stream. A capture is read only up to the size it had
/// when it was opened, so a file still being written yields one consistent snapshot: the bytes read, the bytes
/// hashed and the size recorded are the same bytes.
/// </summary>
internal sealed class BoundedStream(Stream inner, long limit) : ReadOnlyPassThroughStream(inner)
{
    private long _read;

    public long Limit { get; } = limit;

    public override long Length => Limit;
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(Span<byte> buffer)
    {
        long left = Limit - _read;
        if (left <= 0 || buffer.IsEmpty) return 0;
        if (buffer.Length > left) buffer = buffer[..(int)left];
        int n = Inner.Read(buffer);
        _read += n;
        return n;
    }
}
