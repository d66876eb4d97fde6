using PacketDotNet;

namespace PcapViz.Decoding;

internal enum FallbackOutcome
{
    /// <summary>No decoder knows the link type.</summary>
    Unsupported,
    /// <summary>Decoded; the offset says where IP starts (-1: no IP).</summary>
    Decoded,
    /// <summary>The library threw: the frame is counted as undecoded.</summary>
    Failed,
}

/// <summary>
/// For link types the fast decoder does not know: PacketDotNet parses the frame and reports where the IP header
/// starts; the fast decoder takes it from there. Allocates, but only for such frames. Whatever the library throws
/// is contained here: the frame counts as undecoded and the capture goes on.
/// </summary>
internal static class FallbackDecoder
{
    public static FallbackOutcome TryFindIp(int linkType, ReadOnlySpan<byte> frame, out int offset, out string? failure)
    {
        offset = -1;
        failure = null;
        if (linkType is < 0 or > ushort.MaxValue || !Enum.IsDefined((LinkLayers)linkType) || linkType == (int)LinkLayers.Null)
            return FallbackOutcome.Unsupported;
        try
        {
            var bytes = frame.ToArray();
            var packet = Packet.ParsePacket((LinkLayers)linkType, bytes);
            var ip = packet?.Extract<IPPacket>();
            if (ip?.HeaderSegment is { } header && ReferenceEquals(header.Bytes, bytes))
                offset = header.Offset;
            return FallbackOutcome.Decoded;
        }
        catch (NotImplementedException)
        {
            return FallbackOutcome.Unsupported;
        }
#pragma warning disable CA1031 // Catch more specific exceptions: a third-party parser of untrusted bytes can throw anything; none may fail a capture.
        catch (Exception ex) when (ex is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            failure = ex.GetType().Name;
            return FallbackOutcome.Failed;
        }
    }
}
