namespace PcapViz.Reading;

/// <summary>
/// What the read-only wrappers a capture is read through (<see cref="BoundedStream"/>, <see cref="HashingStream"/>,
/// the sniffed prefix's replay) have in common: forward-only reading, no writing or seeking, and the inner stream
/// disposed with the wrapper. A subclass gives <see cref="Read(Span{byte})"/> and, where it knows them, the length
/// and position.
/// </summary>
internal abstract class ReadOnlyPassThroughStream(Stream inner) : Stream
{
    protected Stream Inner { get; } = inner;

    public sealed override bool CanRead => true;
    public sealed override bool CanSeek => false;
    public sealed override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public sealed override void Flush() { }
    public sealed override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public abstract override int Read(Span<byte> buffer);
    public sealed override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public sealed override void SetLength(long value) => throw new NotSupportedException();
    public sealed override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) Inner.Dispose();
        base.Dispose(disposing);
    }
}
