using PcapViz.Protocols.Internal;

namespace PcapViz.Protocols.Quic;

/// <summary>
/// The invariant and version-specific fields of a QUIC long header (RFC 9000 §17.2), read without removing header
/// protection. For Initial, 0-RTT and Handshake packets the Length field gives where the packet ends, so that
/// coalesced packets in one datagram can be walked.
/// </summary>
public readonly ref struct QuicLongHeader
{
    /// <summary>The first byte as sent (its low bits are still protected).</summary>
    public byte FirstByte { get; init; }

    /// <summary>The version field.</summary>
    public uint Version { get; init; }

    /// <summary>Destination Connection ID.</summary>
    public ReadOnlySpan<byte> DestinationConnectionId { get; init; }

    /// <summary>Source Connection ID.</summary>
    public ReadOnlySpan<byte> SourceConnectionId { get; init; }

    /// <summary>The Token of an Initial packet (empty otherwise).</summary>
    public ReadOnlySpan<byte> Token { get; init; }

    /// <summary>Long packet type bits (interpretation depends on the version).</summary>
    public int PacketType => (FirstByte >> 4) & 3;

    /// <summary>True for an Initial packet of a supported version.</summary>
    public bool IsInitial => QuicVersion.IsSupported(Version) && PacketType == QuicVersion.InitialPacketType(Version);

    /// <summary>Offset of the (protected) packet number from the start of the packet; 0 when the packet has no Length field.</summary>
    public int PacketNumberOffset { get; init; }

    /// <summary>Total length of this packet within the datagram (header and Length bytes); for packets without a
    /// Length field (Retry, Version Negotiation, unknown versions) the rest of the datagram.</summary>
    public int PacketLength { get; init; }

    /// <summary>
    /// Reads the long header at the start of <paramref name="packet"/>. False when the first byte is a short
    /// header, a field runs past the end, or the Length field claims more than the datagram holds.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out QuicLongHeader header)
    {
        header = default;
        var r = new SpanReader(packet);
        if (!r.TryReadByte(out byte first) || (first & 0x80) == 0) return false;
        if (!r.TryReadUInt32(out uint version)) return false;
        if (!r.TryReadVector(1, out var dcid) || !r.TryReadVector(1, out var scid)) return false;
        bool known = QuicVersion.IsSupported(version);
        if (known && (dcid.Length > 20 || scid.Length > 20)) return false;
        int type = (first >> 4) & 3;
        if (!known || version == 0 || type == QuicVersion.RetryPacketType(version))
        {
            header = new QuicLongHeader { FirstByte = first, Version = version, DestinationConnectionId = dcid, SourceConnectionId = scid, PacketLength = packet.Length };
            return true;
        }
        ReadOnlySpan<byte> token = default;
        if (type == QuicVersion.InitialPacketType(version))
        {
            if (!r.TryReadVarInt(out ulong tokenLength) || tokenLength > (ulong)r.Remaining) return false;
            r.TryReadBytes((int)tokenLength, out token);
        }
        if (!r.TryReadVarInt(out ulong length) || length > (ulong)r.Remaining) return false;
        header = new QuicLongHeader
        {
            FirstByte = first, Version = version, DestinationConnectionId = dcid, SourceConnectionId = scid, Token = token,
            PacketNumberOffset = r.Position, PacketLength = r.Position + (int)length,
        };
        return true;
    }
}
