using PcapViz.Protocols.Internal;

namespace PcapViz.Protocols.Quic;

/// <summary>How a walk over the frames of a decrypted Initial packet ended.</summary>
internal enum QuicFrameWalkResult
{
    /// <summary>Every frame was PADDING, PING, ACK or CRYPTO and the payload was read to its end.</summary>
    Complete,
    /// <summary>A CONNECTION_CLOSE frame ended the walk.</summary>
    ConnectionClose,
    /// <summary>A frame type not allowed or not read in Initial packets ended the walk.</summary>
    UnknownFrame,
    /// <summary>A frame ran past the end of the payload.</summary>
    Malformed,
}

/// <summary>Walks the frames of a decrypted Initial (or Handshake) payload (RFC 9000 §19) and hands CRYPTO data on.</summary>
internal static class QuicFrameWalker
{
    public delegate void CryptoHandler(ulong offset, ReadOnlySpan<byte> data);

    public static QuicFrameWalkResult Walk(ReadOnlySpan<byte> payload, CryptoHandler onCrypto, out int frames)
    {
        frames = 0;
        var r = new SpanReader(payload);
        while (!r.IsEmpty)
        {
            if (!r.TryReadVarInt(out ulong type)) return QuicFrameWalkResult.Malformed;
            frames++;
            switch (type)
            {
                case 0x00: // PADDING: skip the whole run at once
                    while (!r.IsEmpty && r.Rest[0] == 0) r.TrySkip(1);
                    break;
                case 0x01: // PING
                    break;
                case 0x02:
                case 0x03: // ACK: largest, delay, range count, first range, ranges, ECN counts for 0x03
                    if (!r.TryReadVarInt(out _) || !r.TryReadVarInt(out _) || !r.TryReadVarInt(out ulong count) || !r.TryReadVarInt(out _))
                        return QuicFrameWalkResult.Malformed;
                    if (count > (ulong)r.Remaining) return QuicFrameWalkResult.Malformed; // each range takes 2 bytes or more
                    for (ulong i = 0; i < count; i++)
                        if (!r.TryReadVarInt(out _) || !r.TryReadVarInt(out _)) return QuicFrameWalkResult.Malformed;
                    if (type == 0x03 && (!r.TryReadVarInt(out _) || !r.TryReadVarInt(out _) || !r.TryReadVarInt(out _)))
                        return QuicFrameWalkResult.Malformed;
                    break;
                case 0x06: // CRYPTO
                    if (!r.TryReadVarInt(out ulong offset) || !r.TryReadVarInt(out ulong length) || length > (ulong)r.Remaining)
                        return QuicFrameWalkResult.Malformed;
                    r.TryReadBytes((int)length, out var data);
                    onCrypto(offset, data);
                    break;
                case 0x1c:
                case 0x1d:
                    return QuicFrameWalkResult.ConnectionClose;
                default:
                    return QuicFrameWalkResult.UnknownFrame;
            }
        }
        return QuicFrameWalkResult.Complete;
    }
}
