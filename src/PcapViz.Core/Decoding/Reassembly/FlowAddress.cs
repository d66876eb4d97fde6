using System.Buffers.Binary;

namespace PcapViz.Decoding.Reassembly;

internal static class FlowAddress
{
    /// <summary>An IPv4 (4 bytes) or IPv6 (16 bytes) address as one number, for dictionary keys without allocation.</summary>
    public static UInt128 Read(ReadOnlySpan<byte> address) => address.Length switch
    {
        16 => BinaryPrimitives.ReadUInt128BigEndian(address),
        4 => BinaryPrimitives.ReadUInt32BigEndian(address),
        _ => UInt128.Zero,
    };
}
