using System.Security.Cryptography;

namespace PcapViz.Tests;

/// <summary>
/// The reading window hands every byte it reads to the hasher where it lies (no copy) and rotates through buffers
/// so that it never writes into one the hashing thread has not finished: whatever the pattern of reads, skips and
/// records larger than a buffer, the bytes seen and the hash are those of the stream.
/// </summary>
public sealed class StreamWindowTests
{
    /// <summary>A stream that returns at most a few bytes per read, as a pipe or a slow disk may.</summary>
    private sealed class Trickle(byte[] data, int seed) : Stream
    {
        private readonly Random _random = new(seed);
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(Math.Min(count, data.Length - _position), 1 + _random.Next(5000));
            data.AsSpan(_position, n).CopyTo(buffer.AsSpan(offset));
            _position += n;
            return n;
        }
    }

    [Theory]
    [InlineData(true, 1)]
    [InlineData(true, 2)]
    [InlineData(false, 3)]
    public void Window_RandomReadsSkipsAndLargeRecords_SeesAndHashesEveryByteOfTheStream(bool onAnotherThread, int seed)
    {
        var random = new Random(seed);
        var data = new byte[3_000_000];
        random.NextBytes(data);
        var stream = new Trickle(data[7..], seed);
        using var hasher = new CaptureHasher(onAnotherThread);
        var window = new StreamWindow(stream, hasher, data.AsSpan(0, 7), initialSize: 4096);

        long position = 0;
        while (position < data.Length)
        {
            int op = random.Next(10);
            if (op == 0)
            {
                long skip = Math.Min(random.Next(20_000), data.Length - position);
                Assert.True(window.Skip(skip));
                position += skip;
                continue;
            }
            // Mostly small records, sometimes one larger than the buffer (the window grows).
            int want = (int)Math.Min(op == 1 ? random.Next(10_000, 70_000) : random.Next(1, 1600), data.Length - position);
            Assert.True(window.Ensure(want));
            Assert.Equal(position, window.Position);
            Assert.True(window.Peek(want).SequenceEqual(data.AsSpan((int)position, want)), $"bytes at {position} differ");
            window.Advance(want);
            position += want;
        }
        Assert.False(window.Ensure(1));
        Assert.True(window.AtEnd);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), hasher.Finish(Stream.Null));
        Assert.Equal(data.Length, hasher.BytesHashed);
    }

    [Fact]
    public void Hasher_ReaderStopsEarly_FinishHashesTheRestOfTheFile()
    {
        var data = new byte[500_000];
        new Random(4).NextBytes(data);
        var stream = new MemoryStream(data[16..]);
        using var hasher = new CaptureHasher(onAnotherThread: true);
        var window = new StreamWindow(stream, hasher, data.AsSpan(0, 16));
        Assert.True(window.Ensure(1000)); // a reader that gives up after its first record

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), hasher.Finish(stream));
    }
}
