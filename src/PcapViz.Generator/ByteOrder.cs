using System.Buffers.Binary;

namespace PcapViz.Generator;

/// <summary>Writes a field in the byte order a pcap file or pcapng section was opened with.</summary>
internal static class ByteOrder
{
    public static void Put16(Span<byte> s, ushort v, bool bigEndian)
    {
        if (bigEndian) BinaryPrimitives.WriteUInt16BigEndian(s, v);
        else BinaryPrimitives.WriteUInt16LittleEndian(s, v);
    }

    public static void Put32(Span<byte> s, uint v, bool bigEndian)
    {
        if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(s, v);
        else BinaryPrimitives.WriteUInt32LittleEndian(s, v);
    }
}
