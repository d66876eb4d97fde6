using System.Buffers.Binary;

namespace PcapViz.Decoding;

internal enum DnsParseStatus
{
    /// <summary>A query (QR = 0) whose first question name was read.</summary>
    Query,
    /// <summary>A response (QR = 1): not counted.</summary>
    Response,
    /// <summary>A query without a question (QDCOUNT = 0).</summary>
    NoQuestion,
    /// <summary>Too short, or a name that breaks the rules (bad label type, pointer out of bounds or looping, too long).</summary>
    Malformed,
}

/// <summary>Reads the first question name of a DNS message into presentation form, with no allocation.</summary>
internal static class DnsMessageParser
{
    public const int HeaderLength = 12;

    /// <summary>
    /// Parses <paramref name="message"/>. On <see cref="DnsParseStatus.Query"/>, <paramref name="name"/>[..<paramref name="nameLength"/>]
    /// holds the name: lower-case ASCII, no trailing dot, the root as ".", and bytes outside printable ASCII
    /// (and '.', '\' and space inside labels) as \DDD. <paramref name="name"/> must hold <see cref="DnsNameWalker.MaxPresentationLength"/> chars.
    /// </summary>
    public static DnsParseStatus Parse(ReadOnlySpan<byte> message, Span<char> name, out int nameLength)
    {
        nameLength = 0;
        if (message.Length < HeaderLength) return DnsParseStatus.Malformed;
        if ((message[2] & 0x80) != 0) return DnsParseStatus.Response;
        if (BinaryPrimitives.ReadUInt16BigEndian(message[4..]) == 0) return DnsParseStatus.NoQuestion;
        return DnsNameWalker.TryRead(message, HeaderLength, name, out nameLength) ? DnsParseStatus.Query : DnsParseStatus.Malformed;
    }
}
