using System.IO.Compression;
using System.Text;

namespace PcapViz.Tests;

public sealed class CaptureOpenerTests
{
    private static byte[] FrameNumber(int i) => Enumerable.Range(0, 64).Select(b => (byte)(b ^ i)).ToArray();

    [Fact]
    public void Open_GzipPcap_ReadsLikeThePlainFile()
    {
        var gz = Kit.Pcap(w => { for (int i = 0; i < 5; i++) w.Write(Kit.Jan2024Nanos + i * 1000L, FrameNumber(i)); }, gzip: true);
        Assert.Equal(Kit.Bytes(0x1F, 0x8B), gz[..2]);
        var (packets, issues, reader) = Kit.ReadFile(gz);
        Assert.Empty(issues);
        Assert.Equal(CaptureCompression.Gzip, reader!.Compression);
        Assert.Equal(CaptureFormat.Pcap, reader.Format);
        Assert.Equal(5, packets.Count);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(FrameNumber(i), packets[i].Data);
            Assert.Equal(Kit.Jan2024Nanos + i * 1000L, packets[i].TimestampNanos);
            Assert.Equal(24 + i * (16 + 64), packets[i].ByteOffset); // offsets in the decompressed stream
        }
    }

    [Fact]
    public void Open_GzipPcapNg_ReadsLikeThePlainFile()
    {
        var gz = Kit.PcapNg(w => { w.AddInterface(1, tsResolution: 9); w.WriteEnhancedPacket(0, Kit.Jan2024Nanos + 7, FrameNumber(1)); }, gzip: true);
        Assert.Equal(Kit.Bytes(0x1F, 0x8B), gz[..2]);
        var (packets, issues, reader) = Kit.ReadFile(gz);
        Assert.Empty(issues);
        Assert.Equal(CaptureCompression.Gzip, reader!.Compression);
        Assert.Equal(CaptureFormat.PcapNg, reader.Format);
        Assert.Equal(Kit.Jan2024Nanos + 7, Assert.Single(packets).TimestampNanos);
    }

    [Fact]
    public void Read_GzipCorruptMidway_ErrorIssuePacketsBeforeKept()
    {
        // Frames from a 4-letter alphabet: deflate codes them with Huffman tables (not stored blocks), so bytes
        // overwritten in the middle of the stream break the decoder instead of silently changing data.
        const int count = 4000;
        var rng = new Random(12345);
        var frames = Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, 100).Select(_ => (byte)rng.Next(4)).ToArray()).ToArray();
        var gz = Kit.Pcap(w => { for (int i = 0; i < count; i++) w.Write(Kit.Jan2024Nanos + i, frames[i]); }, gzip: true);
        int middle = gz.Length / 2;
        for (int i = middle; i < middle + 64; i++) gz[i] = 0xFF;

        var (packets, issues, _) = Kit.ReadFile(gz);
        Assert.InRange(packets.Count, 1, count - 1);
        // Every packet handed out before the fault is one that was written, in order.
        for (int i = 0; i < Math.Min(packets.Count, 100); i++) Assert.Equal(frames[i], packets[i].Data);
        var error = Assert.Single(issues, i => i.Severity == IssueSeverity.Error);
        Assert.Equal("corrupt-compression", error.Code);
        Assert.Contains("gzip", error.Message);
        Assert.NotNull(error.ByteOffset);
    }

    [Fact]
    public void Open_ZstdMagic_NamedInMessage()
    {
        var (reader, issues) = Kit.Open(Kit.Bytes(0x28, 0xB5, 0x2F, 0xFD, 0, 0, 0, 0, 1, 2, 3, 4));
        Assert.Null(reader);
        var issue = Assert.Single(issues.ToList());
        Assert.Equal("not-a-capture", issue.Code);
        Assert.Equal(IssueSeverity.Error, issue.Severity);
        Assert.Contains("zstd", issue.Message);
        Assert.Equal(0, issue.ByteOffset);
    }

    [Fact]
    public void Open_TextFile_SaysText()
    {
        var (reader, issues) = Kit.Open(Encoding.ASCII.GetBytes("timestamp,src,dst\n1,2,3\n"));
        Assert.Null(reader);
        var issue = Assert.Single(issues.ToList());
        Assert.Equal("not-a-capture", issue.Code);
        Assert.Contains("text", issue.Message);
    }

    [Fact]
    public void Open_EmptyFile_EmptyFileIssue()
    {
        var (reader, issues) = Kit.Open([]);
        Assert.Null(reader);
        Assert.Equal("empty-file", Assert.Single(issues.ToList()).Code);
    }

    [Fact]
    public void Open_GzipHoldingText_SaysGzipAndText()
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(Encoding.ASCII.GetBytes("hello, this is a plain text log file\n"));
        var (reader, issues) = Kit.Open(ms.ToArray());
        Assert.Null(reader);
        var issue = Assert.Single(issues.ToList());
        Assert.Equal("not-a-capture", issue.Code);
        Assert.Contains("gzip", issue.Message);
        Assert.Contains("text", issue.Message);
    }

    [Fact]
    public void Open_GzipCorruptAtStart_CorruptCompression()
    {
        // A gzip header followed by an invalid deflate block (BTYPE = 11, reserved).
        var (reader, issues) = Kit.Open(Kit.Bytes(0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF));
        Assert.Null(reader);
        Assert.Equal("corrupt-compression", Assert.Single(issues.ToList()).Code);
    }

    [Theory]
    [InlineData(new byte[] { 0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0 }, "zip")]
    [InlineData(new byte[] { 0x25, 0x50, 0x44, 0x46, 0x2D, 0x31 }, "PDF")]
    [InlineData(new byte[] { 0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00, 1, 2 }, "xz")]
    [InlineData(new byte[] { 0x42, 0x5A, 0x68, 0x39, 0x31, 0x41 }, "bzip2")]
    public void Describe_KnownForeignMagic_Named(byte[] head, string expected)
    {
        Assert.Contains(expected, CaptureOpener.Describe(head));
    }

    [Fact]
    public void Describe_BinaryGarbage_Null()
    {
        Assert.Null(CaptureOpener.Describe(Kit.Bytes(0x00, 0x01, 0x02, 0x03, 0x80, 0x81)));
    }
}
