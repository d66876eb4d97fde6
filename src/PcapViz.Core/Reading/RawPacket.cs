namespace PcapViz.Reading;

/// <summary>One record as stored in the capture. <see cref="Data"/> is valid only until the next read.</summary>
public readonly ref struct RawPacket
{
    /// <summary>One record as a reader found it (the properties below, in order).</summary>
    public RawPacket(ReadOnlySpan<byte> data, long timestampNanos, int originalLength, int linkType, int interfaceId, long byteOffset)
    {
        Data = data;
        TimestampNanos = timestampNanos;
        OriginalLength = originalLength;
        LinkType = linkType;
        InterfaceId = interfaceId;
        ByteOffset = byteOffset;
    }

    /// <summary>The captured bytes (possibly fewer than <see cref="OriginalLength"/>).</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>Nanoseconds since the Unix epoch.</summary>
    public long TimestampNanos { get; }

    /// <summary>Length of the packet on the wire.</summary>
    public int OriginalLength { get; }

    /// <summary>LINKTYPE_ value (low 16 bits of the pcap field).</summary>
    public int LinkType { get; }

    /// <summary>pcapng interface the record came from (index of its interface description block); 0 for pcap.</summary>
    public int InterfaceId { get; }

    /// <summary>Offset of the record header in the (decompressed) capture stream.</summary>
    public long ByteOffset { get; }
}
