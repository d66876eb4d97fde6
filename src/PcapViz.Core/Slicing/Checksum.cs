using System.Buffers.Binary;

namespace PcapViz.Slicing;

/// <summary>RFC 1071 Internet checksum, and its incremental update (RFC 1624). The generator's frames and the slicer's rewritten packets use it.</summary>
public static class Checksum
{
    /// <summary>Adds <paramref name="data"/> as big-endian 16-bit words to a running 32-bit sum (odd tail padded with zero).</summary>
    public static uint Add(uint sum, ReadOnlySpan<byte> data)
    {
        int i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data.Slice(i, 2));
            if (sum > 0x7FFF_FFFF)
            {
                sum = (sum & 0xFFFF) + (sum >> 16);
            }
        }

        if (i < data.Length)
        {
            sum += (uint)data[i] << 8;
        }

        return sum;
    }

    /// <summary>Folds a running sum and returns its one's complement.</summary>
    public static ushort Finish(uint sum) => (ushort)~Fold(sum);

    /// <summary>
    /// RFC 1624, equation 3: the checksum <paramref name="checksum"/> updated for data whose one's complement sum was
    /// <paramref name="oldSum"/> and is now <paramref name="newSum"/> (running sums of <see cref="Add"/> over the changed
    /// words, old and new, aligned as the checksummed data is): HC' = ~(~HC + ~m + m'). It needs none of the unchanged data,
    /// so it is right for a packet the capture cut short; and a checksum that was wrong stays wrong by the same amount.
    /// </summary>
    public static ushort Update(ushort checksum, uint oldSum, uint newSum) =>
        Finish((uint)(ushort)~checksum + (ushort)~Fold(oldSum) + Fold(newSum));

    private static ushort Fold(uint sum)
    {
        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)sum;
    }

    /// <summary>The Internet checksum of <paramref name="data"/>.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Add(0, data));
}
