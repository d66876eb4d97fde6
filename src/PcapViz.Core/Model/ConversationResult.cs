using System.Buffers.Binary;

namespace PcapViz.Model;

/// <summary>TCP flags seen in a flow, in either direction (docs/analysis.md, "5. Conversations").</summary>
[Flags]
public enum TcpFlagsSeen : byte
{
    None = 0,
    /// <summary>A SYN without ACK: a connection was opened.</summary>
    Syn = 1,
    /// <summary>A SYN with ACK: the other side accepted.</summary>
    SynAck = 2,
    Fin = 4,
    Rst = 8,
}

/// <summary>
/// One bidirectional flow: the transport 5-tuple of the outermost IP header, endpoints in Community ID order
/// (A is the smaller address, or the smaller port for equal addresses; for one-way ICMP types A is the sender).
/// For ICMP and ICMPv6 the ports are those of the Community ID: the message type and its counterpart type (or the
/// code, for types without one). Other protocols have ports 0.
/// </summary>
public sealed record ConversationEntry(
    int Protocol,
    int Version,
    string AddressA,
    int PortA,
    string AddressB,
    int PortB,
    long PacketsAToB,
    long IpBytesAToB,
    long PacketsBToA,
    long IpBytesBToA,
    long FirstPacketEpochNanos,
    long LastPacketEpochNanos,
    TcpFlagsSeen TcpFlags,
    /// <summary>Community ID v1, seed 0 (written as "1:" and base64).</summary>
    CommunityIdHash CommunityId)
{
    public long Packets => PacketsAToB + PacketsBToA;

    public long IpBytes => IpBytesAToB + IpBytesBToA;

    /// <summary>Both a SYN and a SYN-ACK were seen.</summary>
    public bool HandshakeSeen => (TcpFlags & (TcpFlagsSeen.Syn | TcpFlagsSeen.SynAck)) == (TcpFlagsSeen.Syn | TcpFlagsSeen.SynAck);
}

/// <summary>
/// A Community ID v1 held as its 20-byte SHA-1 (24 bytes inline instead of an 88-byte string per flow); written as
/// the text every tool shows, "1:" and base64, by <see cref="ToString"/>.
/// </summary>
public readonly record struct CommunityIdHash(ulong First, ulong Second, uint Third)
{
    private const int HashLength = 20;

    /// <summary>"1:" and the base64 of the hash.</summary>
    public override string ToString()
    {
        Span<byte> hash = stackalloc byte[HashLength];
        BinaryPrimitives.WriteUInt64BigEndian(hash, First);
        BinaryPrimitives.WriteUInt64BigEndian(hash[8..], Second);
        BinaryPrimitives.WriteUInt32BigEndian(hash[16..], Third);
        return "1:" + Convert.ToBase64String(hash);
    }

    /// <summary>Reads "1:" and base64 of 20 bytes; false for anything else.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out CommunityIdHash value)
    {
        value = default;
        Span<byte> hash = stackalloc byte[HashLength + 2];
        if (!text.StartsWith("1:", StringComparison.Ordinal) || !Convert.TryFromBase64Chars(text[2..], hash, out int written) || written != HashLength)
            return false;
        value = new CommunityIdHash(BinaryPrimitives.ReadUInt64BigEndian(hash), BinaryPrimitives.ReadUInt64BigEndian(hash[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(hash[16..]));
        return true;
    }

    internal static CommunityIdHash Parse(string? text) => TryParse(text, out var value) ? value
        : throw new InvalidDataException($"'{text}' is not a Community ID v1 (\"1:\" and the base64 of 20 bytes).");
}

/// <summary>Every flow of a capture (up to the distinct limit), most IP bytes first.</summary>
public sealed record ConversationResult(IReadOnlyList<ConversationEntry> Entries, DistinctLimit Limit)
{
    internal static ConversationResult Empty { get; } = new([], DistinctLimit.NotExceeded(AnalysisOptions.DefaultMaxDistinct));

    public long TotalPackets => Entries.Sum(e => e.Packets) + Limit.OtherPackets;
}
