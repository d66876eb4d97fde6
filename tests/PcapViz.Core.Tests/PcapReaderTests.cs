namespace PcapViz.Tests;

public sealed class PcapReaderTests
{
    private static readonly byte[] FrameA = Enumerable.Range(0, 60).Select(i => (byte)i).ToArray();
    private static readonly byte[] FrameB = Enumerable.Range(0, 42).Select(i => (byte)(0xFF - i)).ToArray();

    [Fact]
    public void Open_HandWrittenLittleEndianMicrosecondFile_ReadsRecordExactly()
    {
        // 24-byte header: magic d4 c3 b2 a1, version 2.4, thiszone 0, sigfigs 0, snaplen 65535, link type 1.
        byte[] header = Kit.Bytes(0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0, 1, 0, 0, 0);
        // Record: ts_sec 0x6592_0000, ts_usec 999_999 (0x000F423F), caplen 4, origlen 70, then 4 data bytes.
        byte[] record = Kit.Bytes(0x00, 0x00, 0x92, 0x65, 0x3F, 0x42, 0x0F, 0x00, 4, 0, 0, 0, 70, 0, 0, 0, 0xDE, 0xAD, 0xBE, 0xEF);
        var (packets, issues, reader) = Kit.ReadFile(Kit.Concat(header, record));

        Assert.Empty(issues);
        var p = Assert.Single(packets);
        Assert.Equal(0x6592_0000L * 1_000_000_000L + 999_999_000L, p.TimestampNanos);
        Assert.Equal(Kit.Bytes(0xDE, 0xAD, 0xBE, 0xEF), p.Data);
        Assert.Equal(70, p.OriginalLength);
        Assert.Equal(1, p.LinkType);
        Assert.Equal(24, p.ByteOffset);
        Assert.Equal(CaptureFormat.Pcap, reader!.Format);
        Assert.Equal(CaptureCompression.None, reader.Compression);
        Assert.Equal("microseconds", reader.Info.TimestampPrecision);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Open_AnyByteOrderAndResolution_TimestampsExactToResolution(bool bigEndian, bool nanosecond)
    {
        long t1 = Kit.Jan2024Nanos + 123_456_789;
        long t2 = Kit.Jan2024Nanos + 3_000_000_001;
        var bytes = Kit.Pcap(w =>
        {
            w.Write(t1, FrameA);
            w.Write(t2, FrameB, originalLength: 1500);
        }, linkType: 101, nanosecond: nanosecond, bigEndian: bigEndian);

        // The magic on disk shows the byte order: a1 b2 c3 d4 (µs) / a1 b2 3c 4d (ns) when big-endian.
        byte[] expectedMagic = (bigEndian, nanosecond) switch
        {
            (true, false) => Kit.Bytes(0xA1, 0xB2, 0xC3, 0xD4),
            (true, true) => Kit.Bytes(0xA1, 0xB2, 0x3C, 0x4D),
            (false, false) => Kit.Bytes(0xD4, 0xC3, 0xB2, 0xA1),
            _ => Kit.Bytes(0x4D, 0x3C, 0xB2, 0xA1),
        };
        Assert.Equal(expectedMagic, bytes[..4]);

        var (packets, issues, reader) = Kit.ReadFile(bytes);
        Assert.Empty(issues);
        Assert.Equal(2, packets.Count);
        Assert.Equal(nanosecond ? t1 : Kit.Jan2024Nanos + 123_456_000, packets[0].TimestampNanos);
        Assert.Equal(nanosecond ? t2 : Kit.Jan2024Nanos + 3_000_000_000, packets[1].TimestampNanos);
        Assert.Equal(FrameA, packets[0].Data);
        Assert.Equal(FrameB, packets[1].Data);
        Assert.Equal(60, packets[0].OriginalLength);
        Assert.Equal(1500, packets[1].OriginalLength);
        Assert.All(packets, p => Assert.Equal(101, p.LinkType));
        Assert.Equal(24, packets[0].ByteOffset);
        Assert.Equal(24 + 16 + 60, packets[1].ByteOffset);
        Assert.Equal(nanosecond ? "nanoseconds" : "microseconds", reader!.Info.TimestampPrecision);
        Assert.Equal([101], reader.LinkTypes);
    }

    [Fact]
    public void Read_RecordLongerThanSnapLength_IsReadWhole()
    {
        var frame = new byte[200];
        frame[199] = 0x5A;
        var (packets, issues, _) = Kit.ReadFile(Kit.Pcap(w => w.Write(Kit.Jan2024Nanos, frame), snapLength: 64));
        Assert.Empty(issues);
        Assert.Equal(200, Assert.Single(packets).Data.Length);
        Assert.Equal(0x5A, packets[0].Data[199]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_RecordDataCutShort_TruncatedRecordAtItsOffsetEarlierPacketsKept(bool knownLength)
    {
        // Third record header claims 100 bytes, only 10 follow.
        byte[] cut = Kit.Concat(Kit.U32Le(1_704_067_202), Kit.U32Le(0), Kit.U32Le(100), Kit.U32Le(100), new byte[10]);
        var bytes = Kit.Pcap(w =>
        {
            w.Write(Kit.Jan2024Nanos, FrameA);
            w.Write(Kit.Jan2024Nanos + 1_000_000_000, FrameB);
            w.WriteRawBytes(cut);
        });
        long cutOffset = 24 + (16 + 60) + (16 + 42);
        Assert.Equal(cutOffset + 16 + 10, bytes.Length);

        var (packets, issues, _) = Kit.ReadFile(bytes, knownLength);
        Assert.Equal(2, packets.Count);
        Assert.Equal(FrameA, packets[0].Data);
        Assert.Equal(FrameB, packets[1].Data);
        var issue = Assert.Single(issues);
        Assert.Equal(IssueSeverity.Error, issue.Severity);
        Assert.Equal("truncated-record", issue.Code);
        Assert.Equal(cutOffset, issue.ByteOffset);
        Assert.Equal(2, issue.PacketIndex);
    }

    [Fact]
    public void Read_RecordHeaderCutShort_TruncatedRecord()
    {
        var bytes = Kit.Pcap(w =>
        {
            w.Write(Kit.Jan2024Nanos, FrameA);
            w.WriteRawBytes(new byte[7]);
        });
        var (packets, issues, _) = Kit.ReadFile(bytes);
        Assert.Single(packets);
        var issue = Assert.Single(issues);
        Assert.Equal("truncated-record", issue.Code);
        Assert.Equal(24 + 16 + 60, issue.ByteOffset);
        Assert.Equal(1, issue.PacketIndex);
    }

    [Fact]
    public void Read_FileHeaderOnly_NoPacketsNoIssues()
    {
        var (packets, issues, reader) = Kit.ReadFile(Kit.Pcap(_ => { }));
        Assert.NotNull(reader);
        Assert.Empty(packets);
        Assert.Empty(issues);
    }

    [Fact]
    public void Read_CapLengthOver256MiB_CorruptRecordWithoutHugeAllocation()
    {
        // caplen 0x2000_0000 = 512 MiB, followed by only 32 bytes.
        byte[] huge = Kit.Concat(Kit.U32Le(1_704_067_200), Kit.U32Le(0), Kit.U32Le(0x2000_0000), Kit.U32Le(0x2000_0000), new byte[32]);
        var bytes = Kit.Pcap(w =>
        {
            w.Write(Kit.Jan2024Nanos, FrameA);
            w.WriteRawBytes(huge);
        });

        long before = GC.GetAllocatedBytesForCurrentThread();
        var (packets, issues, _) = Kit.ReadFile(bytes);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Single(packets);
        var issue = Assert.Single(issues);
        Assert.Equal("corrupt-record", issue.Code);
        Assert.Equal(IssueSeverity.Error, issue.Severity);
        Assert.Equal(24 + 16 + 60, issue.ByteOffset);
        Assert.Equal(1, issue.PacketIndex);
        Assert.True(allocated < 16L * 1024 * 1024, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public void Read_CapLengthJustUnderLimitButFileShort_NoHugeAllocation()
    {
        // 255 MiB claimed (below the limit) but the stream holds 100 bytes: the buffer must grow only with real data.
        byte[] claim = Kit.Concat(Kit.U32Le(1_704_067_200), Kit.U32Le(0), Kit.U32Le(255u * 1024 * 1024), Kit.U32Le(100), new byte[100]);
        var bytes = Kit.Pcap(w => w.WriteRawBytes(claim));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var (packets, issues, _) = Kit.ReadFile(bytes);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Empty(packets);
        Assert.Equal("truncated-record", Assert.Single(issues).Code);
        Assert.True(allocated < 16L * 1024 * 1024, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public void Open_VersionThree_UnsupportedVersionNoReader()
    {
        byte[] header = Kit.Bytes(0xD4, 0xC3, 0xB2, 0xA1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0, 1, 0, 0, 0);
        var (reader, issues) = Kit.Open(header);
        Assert.Null(reader);
        var issue = Assert.Single(issues.ToList());
        Assert.Equal("unsupported-version", issue.Code);
        Assert.Equal(IssueSeverity.Error, issue.Severity);
        Assert.Equal(4, issue.ByteOffset);
        Assert.True(issues.HasErrors);
    }

    [Fact]
    public void Open_HeaderCutShort_TruncatedHeader()
    {
        var (reader, issues) = Kit.Open(Kit.Bytes(0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0, 0, 0));
        Assert.Null(reader);
        Assert.Equal("truncated-header", Assert.Single(issues.ToList()).Code);
    }

    [Fact]
    public void Open_LinkTypeWithReservedBits_UsesLow16Bits()
    {
        // Link-type field 0x0001_0001: a reserved bit (bit 16) set, link type 1.
        byte[] header = Kit.Bytes(0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0, 1, 0, 1, 0);
        byte[] record = Kit.Concat(Kit.U32Le(1), Kit.U32Le(0), Kit.U32Le(1), Kit.U32Le(1), [0x42]);
        var (packets, issues, _) = Kit.ReadFile(Kit.Concat(header, record));
        Assert.Equal(1, Assert.Single(packets).LinkType);
        Assert.Equal("linktype-reserved-bits", Assert.Single(issues).Code);
    }
    [Fact]
    public void Read_MicrosecondFieldOverOneSecond_AddedAsIsWarnedOnce()
    {
        byte[] r1 = Kit.Concat(Kit.U32Le(100), Kit.U32Le(1_500_000), Kit.U32Le(1), Kit.U32Le(1), [7]);
        byte[] r2 = Kit.Concat(Kit.U32Le(100), Kit.U32Le(2_000_000), Kit.U32Le(1), Kit.U32Le(1), [8]);
        var (packets, issues, _) = Kit.ReadFile(Kit.Pcap(w => { w.WriteRawBytes(r1); w.WriteRawBytes(r2); }));
        Assert.Equal([101_500_000_000L, 102_000_000_000L], packets.Select(p => p.TimestampNanos));
        var warning = Assert.Single(issues);
        Assert.Equal("timestamp-fraction-out-of-range", warning.Code);
        Assert.Equal(IssueSeverity.Warning, warning.Severity);
        Assert.Equal(24, warning.ByteOffset);
    }
}
