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

    /// <summary>Longest presentation form: 255 wire octets, each printed as at most four characters.</summary>
    public const int MaxPresentationLength = 1024;

    private const int MaxWireNameLength = 255;
    private const int MaxPointerHops = 64;

    /// <summary>
    /// Parses <paramref name="message"/>. On <see cref="DnsParseStatus.Query"/>, <paramref name="name"/>[..<paramref name="nameLength"/>]
    /// holds the name: lower-case ASCII, no trailing dot, the root as ".", and bytes outside printable ASCII
    /// (and '.', '\' and space inside labels) as \DDD. <paramref name="name"/> must hold <see cref="MaxPresentationLength"/> chars.
    /// </summary>
    public static DnsParseStatus Parse(ReadOnlySpan<byte> message, Span<char> name, out int nameLength)
    {
        nameLength = 0;
        if (message.Length < HeaderLength) return DnsParseStatus.Malformed;
        if ((message[2] & 0x80) != 0) return DnsParseStatus.Response;
        if (BinaryPrimitives.ReadUInt16BigEndian(message[4..]) == 0) return DnsParseStatus.NoQuestion;
        return TryReadName(message, HeaderLength, name, out nameLength) ? DnsParseStatus.Query : DnsParseStatus.Malformed;
    }

    /// <summary>Reads a (possibly compressed) name starting at <paramref name="offset"/>.</summary>
    public static bool TryReadName(ReadOnlySpan<byte> message, int offset, Span<char> name, out int nameLength)
    {
        nameLength = 0;
        int pos = offset;
        int hops = 0;
        int wireLength = 0;
        int written = 0;
        while (true)
        {
            if (pos >= message.Length) return false;
            byte length = message[pos];
            switch (length & 0xC0)
            {
                case 0xC0:
                    if (pos + 1 >= message.Length) return false;
                    int target = ((length & 0x3F) << 8) | message[pos + 1];
                    if (target >= message.Length || ++hops > MaxPointerHops) return false;
                    pos = target;
                    continue;
                case 0x00:
                    break;
                default:
                    return false; // 0x40 (extended) and 0x80 (reserved) label types
            }
            if (length == 0)
            {
                if (written == 0) name[written++] = '.';
                nameLength = written;
                return true;
            }
            wireLength += length + 1;
            if (wireLength + 1 > MaxWireNameLength) return false;
            if (pos + 1 + length > message.Length) return false;
            if (written > 0) name[written++] = '.';
            foreach (byte b in message.Slice(pos + 1, length))
            {
                if (b is >= 0x21 and <= 0x7E and not (byte)'.' and not (byte)'\\')
                {
                    name[written++] = (char)(b is >= (byte)'A' and <= (byte)'Z' ? b + 32 : b);
                }
                else
                {
                    name[written++] = '\\';
                    name[written++] = (char)('0' + b / 100);
                    name[written++] = (char)('0' + b / 10 % 10);
                    name[written++] = (char)('0' + b % 10);
                }
            }
            pos += 1 + length;
        }
    }
}
