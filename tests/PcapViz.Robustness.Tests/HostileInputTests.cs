using System.Buffers.Binary;
using System.IO.Compression;
using PcapViz.Decoding;
using PcapViz.Generator;
using PcapViz.Slicing;

namespace PcapViz.Robustness.Tests;

/// <summary>Hand-made hostile files: lengths that claim far more than the file holds, and decompression bombs.</summary>
public sealed class HostileInputTests
{
    private const long SmallAllocation = 16L * 1024 * 1024;

    private static byte[] PcapWithRecordHeader(uint capLen, int trailingBytes)
    {
        var ms = new MemoryStream();
        using (var w = new PcapWriter(ms))
        {
            w.Write(1_700_000_000_000_000_000, new FrameBuilder().Ethernet().IPv4("10.0.0.1", "10.0.0.2").Udp(1000, 2000).Payload(new byte[8]).Build());
            var h = new byte[16];
            BinaryPrimitives.WriteUInt32LittleEndian(h, 1_700_000_001);
            BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(8), capLen);
            BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(12), capLen);
            w.WriteRawBytes(h);
            w.WriteRawBytes(new byte[trailingBytes]);
        }
        return ms.ToArray();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void PcapRecord_Claiming0xFFFFFFF0Bytes_StopsWithCorruptRecordAndSmallAllocation(bool lengthKnown)
    {
        byte[] data = PcapWithRecordHeader(0xFFFFFFF0, 64);
        var outcome = ReadHarness.ReadBounded(data, lengthKnown, "record claiming 0xFFFFFFF0 bytes");
        TestContext.Current.TestOutputHelper?.WriteLine($"0xFFFFFFF0 record (length known: {lengthKnown}): {outcome.Describe()}");
        Assert.Equal(1, outcome.Packets);
        var issue = Assert.Single(outcome.Issues, i => i.Code == "corrupt-record");
        Assert.Equal(24 + 16 + 50, issue.ByteOffset);
        Assert.True(outcome.AllocatedBytes < SmallAllocation, outcome.Describe());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void PcapNgBlock_Claiming200MiBIn1KiBFile_StopsWithErrorAndSmallAllocation(bool lengthKnown)
    {
        var ms = new MemoryStream();
        using (var w = new PcapNgWriter(ms))
        {
            w.StartSection();
            w.AddInterface(LinkTypes.Ethernet);
            w.WriteEnhancedPacket(0, 1_700_000_000_000_000_000, new FrameBuilder().Ethernet().IPv4("10.0.0.1", "10.0.0.2").Udp(1000, 2000).Build());
            var h = new byte[28];
            BinaryPrimitives.WriteUInt32LittleEndian(h, PcapNgWriter.EnhancedPacketBlockType);
            BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(4), 200u * 1024 * 1024);
            BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(20), 200u * 1024 * 1024 - 32);
            BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(24), 200u * 1024 * 1024 - 32);
            w.WriteRawBytes(h);
            w.WriteRawBytes(new byte[1024 - (int)ms.Length]);
        }
        byte[] data = ms.ToArray();
        Assert.Equal(1024, data.Length);
        var outcome = ReadHarness.ReadBounded(data, lengthKnown, "pcapng block claiming 200 MiB");
        TestContext.Current.TestOutputHelper?.WriteLine($"200 MiB pcapng block in 1 KiB (length known: {lengthKnown}): {outcome.Describe()}");
        Assert.Equal(1, outcome.Packets);
        Assert.Contains(outcome.Issues, i => i.Severity == PcapViz.Model.IssueSeverity.Error && i.Code is "truncated-block" or "corrupt-block");
        Assert.True(outcome.AllocatedBytes < SmallAllocation, outcome.Describe());
    }

    private static byte[] Gzip(Action<Stream> write)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.SmallestSize, leaveOpen: true)) write(gz);
        return ms.ToArray();
    }

    private static void Zeros(Stream s, long count)
    {
        var block = new byte[1 << 20];
        for (long left = count; left > 0; left -= block.Length) s.Write(block, 0, (int)Math.Min(left, block.Length));
    }

    private const long BombBytes = 50L * 1000 * 1000;

    [Fact]
    public async Task GzipBomb_50MBOfZeroRecordsBehindPcapHeader_ReadsEveryEmptyRecordInBoundedMemory()
    {
        byte[] header = new byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, PcapWriter.MicrosecondMagic);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), 4);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), 65535);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(20), 1);
        byte[] bomb = Gzip(s => { s.Write(header); Zeros(s, BombBytes); });
        ReadOutcome? outcome = null;
        await ReadHarness.WithoutHanging(() => outcome = ReadHarness.ReadBounded(bomb, true, "gzip bomb of zero records"));
        Assert.NotNull(outcome);
        TestContext.Current.TestOutputHelper?.WriteLine($"gzip bomb ({bomb.Length:N0} → {BombBytes + 24:N0} bytes), zero records: {outcome.Describe()}");
        Assert.True(bomb.Length < 200_000, $"bomb is {bomb.Length} bytes");
        Assert.Equal(BombBytes / 16, outcome.Packets);
        Assert.True(outcome.AllocatedBytes < 32L * 1024 * 1024, outcome.Describe());
    }

    [Fact]
    public async Task GzipBomb_RecordClaiming200MiBOver50MBOfZeros_StopsAsTruncatedBelowOneHostileBuffer()
    {
        byte[] plain = PcapWithRecordHeader(200u * 1024 * 1024, 0);
        byte[] bomb = Gzip(s => { s.Write(plain); Zeros(s, BombBytes); });
        ReadOutcome? outcome = null;
        await ReadHarness.WithoutHanging(() => outcome = ReadHarness.Read(bomb, true));
        Assert.NotNull(outcome);
        TestContext.Current.TestOutputHelper?.WriteLine($"gzip bomb ({bomb.Length:N0} bytes) under a record claiming 200 MiB: {outcome.Describe()}");
        Assert.Equal(1, outcome.Packets);
        Assert.Contains(outcome.Issues, i => i.Code == "truncated-record");
        // The window grows only as decompressed bytes arrive (doubling up to 64 MiB for the 50 MB really there: 127 MiB
        // allocated in all), never to the claimed 200 MiB; one 256 MiB buffer would break this bound.
        Assert.True(outcome.AllocatedBytes < 192L * 1024 * 1024, outcome.Describe());
    }

    [Fact]
    public void GzipBomb_50MBOfPlainZeros_IsRejectedAsNotACaptureWithoutInflatingIt()
    {
        byte[] bomb = Gzip(s => Zeros(s, BombBytes));
        var outcome = ReadHarness.ReadBounded(bomb, true, "gzip of zeros");
        TestContext.Current.TestOutputHelper?.WriteLine($"gzip of 50 MB zeros: {outcome.Describe()}");
        Assert.False(outcome.Opened);
        var issue = Assert.Single(outcome.Issues);
        Assert.Equal("not-a-capture", issue.Code);
        Assert.Contains("gzip", issue.Message, StringComparison.Ordinal);
        Assert.True(outcome.AllocatedBytes < SmallAllocation, outcome.Describe());
    }
}
