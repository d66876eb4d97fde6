namespace PcapViz.Reading;

/// <summary>A read-only pass-through that feeds a copy of every byte read into a <see cref="CaptureHasher"/>, so a
/// file is hashed in the same pass that reads it (a gzip file: its compressed bytes, under the decompressor).</summary>
internal sealed class HashingStream : ReadOnlyPassThroughStream
{
    private readonly CaptureHasher _hasher;
    private readonly bool _ownsHasher;

    /// <summary>Feeds <paramref name="hasher"/>, which the caller owns and finishes.</summary>
    public HashingStream(Stream inner, CaptureHasher hasher) : base(inner) => _hasher = hasher;

    /// <summary>Hashes with a hasher of its own (<see cref="Finish"/>), on a thread of its own when asked.</summary>
    public HashingStream(Stream inner, bool hashOnAnotherThread = false) : base(inner)
    {
        _hasher = new CaptureHasher(hashOnAnotherThread);
        _ownsHasher = true;
    }

    public long BytesRead => _hasher.BytesHashed;

    public override long Length => Inner.Length;
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

    public override int Read(Span<byte> buffer)
    {
        int n = Inner.Read(buffer);
        _hasher.Append(buffer[..n]);
        return n;
    }

    /// <summary>Reads whatever is left, then returns the lower-case hex SHA-256 of everything.</summary>
    public string Finish() => _hasher.Finish(Inner);

    protected override void Dispose(bool disposing)
    {
        if (disposing && _ownsHasher) _hasher.Dispose();
        base.Dispose(disposing); // disposes the inner stream
    }
}
