using PacketDotNet;

namespace PcapViz.Decoding;

/// <summary>
/// For link types the fast decoder does not know (802.11, radiotap, PPI's inner 802.11 ...): PacketDotNet parses the frame and
/// reports where the IP header starts; the fast decoder takes it from there. Allocates, but only for such frames.
/// </summary>
internal sealed class FallbackDecoder
{
    /// <summary>False when no decoder knows the link type; true (offset -1 when there is no IP) otherwise.</summary>
    public bool TryFindIp(int linkType, ReadOnlySpan<byte> frame, out int offset)
    {
        offset = -1;
        if (linkType is < 0 or > ushort.MaxValue || !Enum.IsDefined((LinkLayers)linkType) || linkType == (int)LinkLayers.Null)
            return false;
        try
        {
            var bytes = frame.ToArray();
            var packet = Packet.ParsePacket((LinkLayers)linkType, bytes);
            var ip = packet?.Extract<IPPacket>();
            if (ip?.HeaderSegment is { } header && ReferenceEquals(header.Bytes, bytes))
                offset = header.Offset;
            return true;
        }
        catch (NotImplementedException)
        {
            return false;
        }
        catch (Exception ex) when (ex is ArgumentException or IndexOutOfRangeException or InvalidOperationException or NullReferenceException or OverflowException)
        {
            // PacketDotNet throws on malformed frames; such a frame is simply not IP.
            return true;
        }
    }
}
