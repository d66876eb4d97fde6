using System.Buffers.Binary;
using System.IO.Compression;
using PcapViz.Decoding;
using PcapViz.Slicing;

namespace PcapViz.Generator.Tests;

public class PcapWriterTests
{
    private const long Epoch = 1_500_000_000_123_456_789; // 2017-07-14T02:40:00.123456789Z

    private static byte[] Write(bool nanosecond, bool bigEndian, Action<PcapWriter>? body = null, bool gzip = false)
    {
        var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, LinkTypes.Ethernet, nanosecond, bigEndian, snapLength: 65535, gzip: gzip))
        {
            body?.Invoke(writer);
        }

        return stream.ToArray();
    }

    [Fact]
    public void Header_MicrosecondLittleEndian_MatchesSpecBytes()
    {
        byte[] expected = [0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00];
        Assert.Equal(expected, Write(nanosecond: false, bigEndian: false));
    }

    [Fact]
    public void Header_NanosecondBigEndian_MatchesSpecBytes()
    {
        byte[] expected = [0xa1, 0xb2, 0x3c, 0x4d, 0x00, 0x02, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01];
        Assert.Equal(expected, Write(nanosecond: true, bigEndian: true));
    }

    [Fact]
    public void Header_MicrosecondBigEndianAndNanosecondLittleEndian_MagicBytes()
    {
        Assert.Equal([0xa1, 0xb2, 0xc3, 0xd4], Write(nanosecond: false, bigEndian: true)[..4]);
        Assert.Equal([0x4d, 0x3c, 0xb2, 0xa1], Write(nanosecond: true, bigEndian: false)[..4]);
    }

    [Fact]
    public void Write_Microseconds_TruncatesFractionToMicroseconds()
    {
        var bytes = Write(false, false, w => w.Write(Epoch, [0xaa, 0xbb, 0xcc], originalLength: 1500));

        Assert.Equal(24 + 16 + 3, bytes.Length);
        // 1500000000 = 0x59682f00, 123456 = 0x0001e240, incl 3, orig 1500 = 0x05dc.
        Assert.Equal([0x00, 0x2f, 0x68, 0x59, 0x40, 0xe2, 0x01, 0x00, 3, 0, 0, 0, 0xdc, 0x05, 0, 0, 0xaa, 0xbb, 0xcc], bytes[24..]);
    }

    [Fact]
    public void Write_NanosecondsBigEndian_KeepsNanoseconds()
    {
        var bytes = Write(true, true, w => w.Write(Epoch, [1]));

        // 123456789 = 0x075bcd15.
        Assert.Equal([0x59, 0x68, 0x2f, 0x00, 0x07, 0x5b, 0xcd, 0x15, 0, 0, 0, 1, 0, 0, 0, 1, 1], bytes[24..]);
    }

    [Fact]
    public void Write_NegativeTimestamp_FloorsToPreviousSecond()
    {
        var bytes = Write(true, false, w => w.Write(-1, []));

        Assert.Equal(uint.MaxValue, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(24)));
        Assert.Equal(999_999_999u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(28)));
    }

    [Fact]
    public void Gzip_Output_FixedHeaderWithoutNameOrMtimeAndDecompressesToPlainBytes()
    {
        var plain = Write(false, false, w => w.Write(Epoch, new byte[100]));
        var gz = Write(false, false, w => w.Write(Epoch, new byte[100]), gzip: true);

        Assert.Equal([0x1f, 0x8b, 0x08], gz[..3]);
        Assert.Equal(0, gz[3]);                  // FLG: no FNAME, FCOMMENT, FEXTRA
        Assert.Equal([0, 0, 0, 0], gz[4..8]);    // MTIME 0
        using var inflate = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress);
        var back = new MemoryStream();
        inflate.CopyTo(back);
        Assert.Equal(plain, back.ToArray());
        Assert.Equal(gz, Write(false, false, w => w.Write(Epoch, new byte[100]), gzip: true));
    }

    [Fact]
    public void WriteRawBytes_WithoutRecords_AppendedVerbatimAfterGlobalHeader()
    {
        var bytes = Write(false, false, w => w.WriteRawBytes([0xde, 0xad]));

        Assert.Equal(26, bytes.Length);
        Assert.Equal([0xde, 0xad], bytes[24..]);
    }

    [Fact]
    public void Dispose_LeavesCallerStreamOpen()
    {
        var stream = new MemoryStream();
        new PcapWriter(stream, gzip: true).Dispose();

        Assert.True(stream.CanWrite);
    }
}

public class PcapNgWriterTests
{
    private static uint U32(byte[] b, int at, bool bigEndian = false)
        => bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(at)) : BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at));

    [Fact]
    public void SectionHeader_LittleEndianWithoutOptions_MatchesSpecBytes()
    {
        var stream = new MemoryStream();
        using (var writer = new PcapNgWriter(stream))
        {
            writer.StartSection(bigEndian: false, userApplication: null); // a second, option-less section
        }

        var bytes = stream.ToArray();
        int first = (int)U32(bytes, 4);
        byte[] expected =
        [
            0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 0x01, 0x00, 0x00, 0x00,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1c, 0, 0, 0,
        ];
        Assert.Equal(expected, bytes[first..]);
    }

    [Fact]
    public void SectionHeader_BigEndian_MagicAndLengthsBigEndian()
    {
        var stream = new MemoryStream();
        using (new PcapNgWriter(stream, bigEndian: true))
        {
        }

        var bytes = stream.ToArray();
        Assert.Equal([0x0a, 0x0d, 0x0d, 0x0a], bytes[..4]);
        Assert.Equal([0x1a, 0x2b, 0x3c, 0x4d, 0x00, 0x01, 0x00, 0x00], bytes[8..16]);
        uint total = U32(bytes, 4, bigEndian: true);
        Assert.Equal((uint)bytes.Length, total);
        Assert.Equal(total, U32(bytes, bytes.Length - 4, bigEndian: true));
        // shb_userappl "pcapviz-gen" (11 bytes) padded to 12, then opt_endofopt: 28 + 4 + 12 + 4 = 48.
        Assert.Equal(48u, total);
    }

    [Fact]
    public void AddInterface_NanosecondResolution_WritesPaddedTsresolOption()
    {
        var stream = new MemoryStream();
        int id;
        using (var writer = new PcapNgWriter(stream))
        {
            id = writer.AddInterface(LinkTypes.LinuxSll, 65535, tsResolution: 9);
        }

        var bytes = stream.ToArray();
        int at = (int)U32(bytes, 4);
        Assert.Equal(0, id);
        byte[] expected =
        [
            0x01, 0, 0, 0, 0x20, 0, 0, 0, 0x71, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00,
            0x09, 0x00, 0x01, 0x00, 0x09, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0,
        ];
        Assert.Equal(expected, bytes[at..]);
    }

    [Fact]
    public void WriteEnhancedPacket_FiveBytes_PaddedAndTotalLengthAtBothEnds()
    {
        var stream = new MemoryStream();
        using (var writer = new PcapNgWriter(stream))
        {
            writer.AddInterface(LinkTypes.Ethernet);
            writer.AddInterface(LinkTypes.Raw);
            writer.WriteEnhancedPacket(1, 1_500_000_000_123_456_789, [1, 2, 3, 4, 5], originalLength: 60);
        }

        var bytes = stream.ToArray();
        var epb = bytes[^40..];
        Assert.Equal(6u, U32(epb, 0));
        Assert.Equal(40u, U32(epb, 4));
        Assert.Equal(1u, U32(epb, 8));
        ulong units = ((ulong)U32(epb, 12) << 32) | U32(epb, 16);
        Assert.Equal(1_500_000_000_123_456UL, units); // default resolution: microseconds
        Assert.Equal(5u, U32(epb, 20));
        Assert.Equal(60u, U32(epb, 24));
        Assert.Equal([1, 2, 3, 4, 5, 0, 0, 0], epb[28..36]);
        Assert.Equal(40u, U32(epb, 36));
    }

    [Fact]
    public void WriteEnhancedPacket_PowerOfTwoResolution_CountsBinaryFractions()
    {
        var stream = new MemoryStream();
        using (var writer = new PcapNgWriter(stream))
        {
            writer.AddInterface(LinkTypes.Ethernet, tsResolution: 0x8a); // 2^-10 s
            writer.WriteEnhancedPacket(0, 2_500_000_000, []);
        }

        var bytes = stream.ToArray();
        Assert.Equal(0u, U32(bytes, bytes.Length - 32 + 12));
        Assert.Equal(2560u, U32(bytes, bytes.Length - 32 + 16)); // 2.5 s * 1024
    }

    [Fact]
    public void WriteSimplePacket_ThreeBytes_OriginalLengthAndPadding()
    {
        var stream = new MemoryStream();
        using (var writer = new PcapNgWriter(stream))
        {
            writer.AddInterface(LinkTypes.Raw);
            writer.WriteSimplePacket([9, 9, 9], originalLength: 1500);
        }

        var spb = stream.ToArray()[^20..];
        Assert.Equal([3, 0, 0, 0, 20, 0, 0, 0, 0xdc, 0x05, 0, 0, 9, 9, 9, 0, 20, 0, 0, 0], spb);
    }

    [Fact]
    public void WriteObsoletePacket_BigEndian_SixteenBitInterfaceAndDrops()
    {
        var stream = new MemoryStream();
        using (var writer = new PcapNgWriter(stream, bigEndian: true))
        {
            writer.AddInterface(LinkTypes.Ethernet, tsResolution: 9);
            writer.WriteObsoletePacket(0, 0x1_0000_0002, [7, 7, 7, 7], dropsCount: 5);
        }

        var opb = stream.ToArray()[^36..];
        byte[] expected =
        [
            0, 0, 0, 2, 0, 0, 0, 36, 0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 4, 7, 7, 7, 7, 0, 0, 0, 36,
        ];
        Assert.Equal(expected, opb);
    }

    [Fact]
    public void WriteUnknownBlock_ThreeByteBody_PaddedToSixteen()
    {
        var stream = new MemoryStream();
        using (var writer = new PcapNgWriter(stream))
        {
            writer.WriteUnknownBlock(0x0bad, [1, 2, 3]);
        }

        Assert.Equal([0xad, 0x0b, 0, 0, 16, 0, 0, 0, 1, 2, 3, 0, 16, 0, 0, 0], stream.ToArray()[^16..]);
    }

    [Fact]
    public void StartSection_AfterInterfaces_RestartsInterfaceIds()
    {
        var stream = new MemoryStream();
        using var writer = new PcapNgWriter(stream);
        writer.AddInterface(LinkTypes.Ethernet);
        writer.AddInterface(LinkTypes.Raw);
        writer.StartSection(bigEndian: true);

        Assert.Equal(0, writer.InterfaceCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.WriteEnhancedPacket(1, 0, []));
        Assert.Equal(0, writer.AddInterface(LinkTypes.Ethernet));
    }

    [Fact]
    public void Blocks_WholeFile_EveryBlockLengthMatchesAtBothEndsAndIsMultipleOfFour()
    {
        var stream = new MemoryStream();
        using (var writer = new PcapNgWriter(stream))
        {
            writer.AddInterface(LinkTypes.Ethernet, name: "eth0");
            writer.WriteEnhancedPacket(0, 1, new byte[61], comment: "x");
            writer.WriteSimplePacket(new byte[7]);
        }

        var bytes = stream.ToArray();
        int offset = 0, blocks = 0;
        while (offset < bytes.Length)
        {
            int length = (int)U32(bytes, offset + 4);
            Assert.Equal(0, length % 4);
            Assert.Equal((uint)length, U32(bytes, offset + length - 4));
            offset += length;
            blocks++;
        }

        Assert.Equal(bytes.Length, offset);
        Assert.Equal(4, blocks);
    }
}
