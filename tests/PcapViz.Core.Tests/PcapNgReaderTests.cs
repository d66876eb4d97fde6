namespace PcapViz.Tests;

public sealed class PcapNgReaderTests
{
    private static readonly byte[] Frame = Enumerable.Range(0, 50).Select(i => (byte)(i * 3)).ToArray();

    // The writer's section header: 12 framing + 16 fixed + option shb_userappl "pcapviz-gen" (4 + 12) + end (4) = 48.
    private const int ShbLength = 48;
    // An interface description without options: 12 framing + 8 fixed = 20.
    private const int IdbLength = 20;

    /// <summary>A little-endian enhanced packet block written byte by byte.</summary>
    private static byte[] Epb(uint interfaceId, ulong units, byte[] data, uint? trailer = null, uint? capLen = null)
    {
        int padded = (data.Length + 3) & ~3;
        uint total = (uint)(32 + padded);
        return Kit.Concat(Kit.U32Le(6), Kit.U32Le(total), Kit.U32Le(interfaceId), Kit.U32Le((uint)(units >> 32)), Kit.U32Le((uint)units),
            Kit.U32Le(capLen ?? (uint)data.Length), Kit.U32Le((uint)data.Length), data, new byte[padded - data.Length], Kit.U32Le(trailer ?? total));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_EitherByteOrder_EnhancedPacketExact(bool bigEndian)
    {
        long t = Kit.Jan2024Nanos + 123_456_789;
        var bytes = Kit.PcapNg(w =>
        {
            w.AddInterface(1, tsResolution: 9);
            w.WriteEnhancedPacket(0, t, Frame, originalLength: 1514);
        }, bigEndian);
        Assert.Equal(bigEndian ? Kit.Bytes(0x1A, 0x2B, 0x3C, 0x4D) : Kit.Bytes(0x4D, 0x3C, 0x2B, 0x1A), bytes[8..12]);

        var (packets, issues, reader) = Kit.ReadFile(bytes);
        Assert.Empty(issues);
        var p = Assert.Single(packets);
        Assert.Equal(t, p.TimestampNanos);
        Assert.Equal(Frame, p.Data);
        Assert.Equal(1514, p.OriginalLength);
        Assert.Equal(1, p.LinkType);
        Assert.Equal(ShbLength + IdbLength + 4 /* if_tsresol option */ + 4 + 4 /* end of options */, p.ByteOffset);
        Assert.Equal(CaptureFormat.PcapNg, reader!.Format);
        Assert.Equal("nanoseconds", reader.Info.TimestampPrecision);
    }

    [Fact]
    public void Read_SecondSectionSwitchesByteOrder_InterfacesRestartAndBothRead()
    {
        var bytes = Kit.PcapNg(w =>
        {
            w.AddInterface(1);
            w.WriteEnhancedPacket(0, Kit.Jan2024Nanos, Frame);
            w.StartSection(bigEndian: true);
            w.AddInterface(101);
            w.WriteEnhancedPacket(0, Kit.Jan2024Nanos + 2_000_000, Frame);
        });
        var (packets, issues, reader) = Kit.ReadFile(bytes);
        Assert.Empty(issues);
        Assert.Equal(2, packets.Count);
        Assert.Equal(1, packets[0].LinkType);
        Assert.Equal(101, packets[1].LinkType);
        Assert.Equal(Kit.Jan2024Nanos, packets[0].TimestampNanos);
        Assert.Equal(Kit.Jan2024Nanos + 2_000_000, packets[1].TimestampNanos);
        Assert.Equal([1, 101], reader!.LinkTypes);
    }

    [Fact]
    public void Read_InterfacesWithDifferentResolutions_EachConvertedToNanoseconds()
    {
        var bytes = Kit.PcapNg(w =>
        {
            w.AddInterface(1);                      // if_tsresol absent: microseconds
            w.AddInterface(101, tsResolution: 9);   // nanoseconds
            w.AddInterface(228, tsResolution: 0x8A); // 2^-10 s
            w.AddInterface(229, tsResolution: 3);   // milliseconds
            w.WriteEnhancedPacket(0, Kit.Jan2024Nanos + 123_456_789, Frame);
            w.WriteEnhancedPacket(1, Kit.Jan2024Nanos + 123_456_789, Frame);
            // 1 ms in 1/1024 s units is floor(1.024) = 1 unit, read back as floor(1e9 / 1024) = 976 562 ns.
            w.WriteEnhancedPacket(2, Kit.Jan2024Nanos + 1_000_000, Frame);
            w.WriteEnhancedPacket(3, Kit.Jan2024Nanos + 123_456_789, Frame);
        });
        var (packets, issues, reader) = Kit.ReadFile(bytes);
        Assert.Empty(issues);
        Assert.Equal([Kit.Jan2024Nanos + 123_456_000, Kit.Jan2024Nanos + 123_456_789, Kit.Jan2024Nanos + 976_562, Kit.Jan2024Nanos + 123_000_000],
            packets.Select(p => p.TimestampNanos));
        Assert.Equal([1, 101, 228, 229], packets.Select(p => p.LinkType));
        Assert.Equal([0, 1, 2, 3], packets.Select(p => p.InterfaceId));
        Assert.Equal([1, 101, 228, 229], reader!.LinkTypes);
        Assert.Equal("nanoseconds", reader.Info.TimestampPrecision);
    }

    [Fact]
    public void Read_OnlyMicrosecondInterfaces_PrecisionMicroseconds()
    {
        var (_, _, reader) = Kit.ReadFile(Kit.PcapNg(w => { w.AddInterface(1); w.WriteEnhancedPacket(0, Kit.Jan2024Nanos, Frame); }));
        Assert.Equal("microseconds", reader!.Info.TimestampPrecision);
    }

    [Fact]
    public void Read_SimpleAndObsoletePacketBlocks_Read()
    {
        var bytes = Kit.PcapNg(w =>
        {
            w.AddInterface(1, snapLength: 65535);
            w.WriteEnhancedPacket(0, Kit.Jan2024Nanos + 5_000_000, Frame);
            w.WriteSimplePacket(Frame.AsSpan(0, 10), originalLength: 10);
            w.WriteObsoletePacket(0, Kit.Jan2024Nanos + 7_000_000, Frame.AsSpan(0, 20), originalLength: 64);
        });
        var (packets, issues, _) = Kit.ReadFile(bytes);
        Assert.Equal(3, packets.Count);
        // The simple packet has no timestamp: it takes the previous packet's.
        Assert.Equal(Kit.Jan2024Nanos + 5_000_000, packets[1].TimestampNanos);
        Assert.Equal(Frame[..10], packets[1].Data);
        Assert.Equal(Frame[..20], packets[2].Data);
        Assert.Equal(64, packets[2].OriginalLength);
        Assert.Equal(Kit.Jan2024Nanos + 7_000_000, packets[2].TimestampNanos);
        var warning = Assert.Single(issues);
        Assert.Equal("simple-packet-no-timestamp", warning.Code);
        Assert.Equal(IssueSeverity.Warning, warning.Severity);
    }

    [Fact]
    public void Read_UnknownBlock_SkippedSilently()
    {
        var bytes = Kit.PcapNg(w =>
        {
            w.AddInterface(1);
            w.WriteUnknownBlock(0x0000_0BAD, new byte[37]);
            w.WriteUnknownBlock(5, new byte[16]); // interface statistics
            w.WriteEnhancedPacket(0, Kit.Jan2024Nanos, Frame);
        });
        var (packets, issues, _) = Kit.ReadFile(bytes);
        Assert.Empty(issues);
        Assert.Equal(Frame, Assert.Single(packets).Data);
    }

    [Theory]
    [InlineData(30u)] // not a multiple of 4
    [InlineData(8u)]  // below the 12-byte minimum
    public void Read_BadBlockLength_CorruptBlockAtItsOffset(uint length)
    {
        var bytes = Kit.PcapNg(w =>
        {
            w.AddInterface(1);
            w.WriteEnhancedPacket(0, Kit.Jan2024Nanos, Frame);
            w.WriteRawBytes(Kit.Concat(Kit.U32Le(6), Kit.U32Le(length), new byte[40]));
        });
        long offset = ShbLength + IdbLength + (32 + 52);
        var (packets, issues, _) = Kit.ReadFile(bytes);
        Assert.Single(packets);
        var issue = Assert.Single(issues);
        Assert.Equal("corrupt-block", issue.Code);
        Assert.Equal(IssueSeverity.Error, issue.Severity);
        Assert.Equal(offset, issue.ByteOffset);
        Assert.Equal(1, issue.PacketIndex);
    }

    [Fact]
    public void Read_TrailerLengthMismatch_CorruptBlock()
    {
        var bytes = Kit.PcapNg(w =>
        {
            w.AddInterface(1);
            w.WriteRawBytes(Epb(0, 0, Kit.Bytes(1, 2, 3, 4), trailer: 40));
            w.WriteEnhancedPacket(0, Kit.Jan2024Nanos, Frame);
        });
        var (packets, issues, _) = Kit.ReadFile(bytes);
        Assert.Empty(packets);
        var issue = Assert.Single(issues);
        Assert.Equal("corrupt-block", issue.Code);
        Assert.Equal(ShbLength + IdbLength, issue.ByteOffset);
    }

    [Fact]
    public void Read_BlockClaimsMoreThanTheFileHolds_TruncatedBlock()
    {
        var bytes = Kit.PcapNg(w =>
        {
            w.AddInterface(1);
            w.WriteEnhancedPacket(0, Kit.Jan2024Nanos, Frame);
            w.WriteRawBytes(Kit.Concat(Kit.U32Le(6), Kit.U32Le(400), new byte[20]));
        });
        var (packets, issues, _) = Kit.ReadFile(bytes);
        Assert.Single(packets);
        var issue = Assert.Single(issues);
        Assert.Equal("truncated-block", issue.Code);
        Assert.Equal(ShbLength + IdbLength + 84, issue.ByteOffset);
    }

    [Fact]
    public void Open_SectionHeaderOptionLongerThanBlock_CorruptBlock()
    {
        // SHB of 32 bytes: type, length, BOM, version 1.0, section length -1, option 4 claiming 100 bytes, trailer.
        byte[] shb = Kit.Concat(Kit.U32Le(0x0A0D0D0A), Kit.U32Le(32), Kit.U32Le(0x1A2B3C4D), Kit.Bytes(1, 0, 0, 0),
            Enumerable.Repeat((byte)0xFF, 8).ToArray(), Kit.Bytes(4, 0, 100, 0), Kit.U32Le(32));
        Assert.Equal(32, shb.Length);
        var (reader, issues) = Kit.Open(shb);
        Assert.Null(reader);
        var issue = Assert.Single(issues.ToList());
        Assert.Equal("corrupt-block", issue.Code);
        Assert.Equal(24, issue.ByteOffset);
    }

    [Fact]
    public void Open_SectionHeaderVersionTwo_UnsupportedVersion()
    {
        byte[] shb = Kit.Concat(Kit.U32Le(0x0A0D0D0A), Kit.U32Le(28), Kit.U32Le(0x1A2B3C4D), Kit.Bytes(2, 0, 0, 0),
            Enumerable.Repeat((byte)0xFF, 8).ToArray(), Kit.U32Le(28));
        var (reader, issues) = Kit.Open(shb);
        Assert.Null(reader);
        Assert.Equal("unsupported-version", Assert.Single(issues.ToList()).Code);
    }

    [Fact]
    public void Read_PacketNamesUndefinedInterface_SkippedWithWarningNextPacketRead()
    {
        var bytes = Kit.PcapNg(w =>
        {
            w.AddInterface(1);
            w.WriteRawBytes(Epb(3, 0, Kit.Bytes(9, 9, 9, 9)));
            w.WriteEnhancedPacket(0, Kit.Jan2024Nanos, Frame);
        });
        var (packets, issues, _) = Kit.ReadFile(bytes);
        Assert.Equal(Frame, Assert.Single(packets).Data);
        var issue = Assert.Single(issues);
        Assert.Equal("unknown-interface", issue.Code);
        Assert.Equal(IssueSeverity.Warning, issue.Severity);
        Assert.Equal(ShbLength + IdbLength, issue.ByteOffset);
    }

    [Fact]
    public void Read_EnhancedPacketCapLengthBeyondBlock_SkippedAsCorrupt()
    {
        var bytes = Kit.PcapNg(w =>
        {
            w.AddInterface(1);
            w.WriteRawBytes(Epb(0, 0, Kit.Bytes(1, 2, 3, 4), capLen: 400));
            w.WriteEnhancedPacket(0, Kit.Jan2024Nanos, Frame);
        });
        var (packets, issues, _) = Kit.ReadFile(bytes);
        Assert.Equal(Frame, Assert.Single(packets).Data);
        Assert.Equal("corrupt-block", Assert.Single(issues).Code);
    }

    [Fact]
    public void Read_HugeBlockLength_CorruptBlockWithoutHugeAllocation()
    {
        var bytes = Kit.PcapNg(w =>
        {
            w.AddInterface(1);
            w.WriteRawBytes(Kit.Concat(Kit.U32Le(6), Kit.U32Le(0x4000_0000), new byte[64]));
        });
        long before = GC.GetAllocatedBytesForCurrentThread();
        var (packets, issues, _) = Kit.ReadFile(bytes);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Empty(packets);
        Assert.Equal("corrupt-block", Assert.Single(issues).Code);
        Assert.True(allocated < 16L * 1024 * 1024, $"allocated {allocated:N0} bytes");
    }
    [Fact]
    public void Read_InterfaceWithTimestampOffset_OffsetSecondsAdded()
    {
        // IDB: link type 1, snaplen 0, option if_tsoffset (14) = 100 s, end of options: 12 + 8 + 12 + 4 = 36 bytes.
        byte[] idb = Kit.Concat(Kit.U32Le(1), Kit.U32Le(36), Kit.Bytes(1, 0, 0, 0), Kit.U32Le(0),
            Kit.Bytes(14, 0, 8, 0), Kit.Bytes(100, 0, 0, 0, 0, 0, 0, 0), Kit.U32Le(0), Kit.U32Le(36));
        var bytes = Kit.PcapNg(w =>
        {
            w.WriteRawBytes(idb);
            w.WriteRawBytes(Epb(0, 5, Kit.Bytes(1, 2, 3, 4)));
        });
        var (packets, issues, _) = Kit.ReadFile(bytes);
        Assert.Empty(issues);
        Assert.Equal(100 * 1_000_000_000L + 5_000, Assert.Single(packets).TimestampNanos);
    }

    [Fact]
    public void Read_PacketBeforeAnyInterface_SkippedWithWarning()
    {
        var bytes = Kit.PcapNg(w => w.WriteRawBytes(Epb(0, 5, Kit.Bytes(1, 2, 3, 4))));
        var (packets, issues, _) = Kit.ReadFile(bytes);
        Assert.Empty(packets);
        Assert.Equal("unknown-interface", Assert.Single(issues).Code);
    }
    [Fact]
    public void Read_InterfaceBlockTrailerMismatch_CorruptBlock()
    {
        // IDB of 20 bytes whose trailing length says 24.
        byte[] idb = Kit.Concat(Kit.U32Le(1), Kit.U32Le(20), Kit.Bytes(1, 0, 0, 0), Kit.U32Le(0), Kit.U32Le(24));
        var bytes = Kit.PcapNg(w =>
        {
            w.WriteRawBytes(idb);
            w.WriteRawBytes(Epb(0, 5, Kit.Bytes(1, 2, 3, 4)));
        });
        var (packets, issues, _) = Kit.ReadFile(bytes);
        Assert.Empty(packets);
        var issue = Assert.Single(issues);
        Assert.Equal("corrupt-block", issue.Code);
        Assert.Equal(ShbLength, issue.ByteOffset);
    }
    [Fact]
    public void Read_UnknownBlockLargerThanReadBuffer_SkippedAndNextOffsetExact()
    {
        // A 3 MiB custom block (0x00000BAD) is skipped without buffering; the packet after it keeps its true offset.
        const int body = 3 * 1024 * 1024;
        var bytes = Kit.PcapNg(w =>
        {
            w.AddInterface(1);
            w.WriteUnknownBlock(0x0000_0BAD, new byte[body]);
            w.WriteEnhancedPacket(0, Kit.Jan2024Nanos, Frame);
        });
        var (packets, issues, _) = Kit.ReadFile(bytes);
        Assert.Empty(issues);
        Assert.Equal(ShbLength + IdbLength + 12 + body, Assert.Single(packets).ByteOffset);
    }
}
