using System.Buffers.Binary;

namespace PcapViz.Decoding;

/// <summary>One answer-section record of a response, as offsets into the message (nothing is copied).</summary>
internal readonly record struct DnsAnswerRecord(int OwnerOffset, ushort Type, ushort Class, int DataOffset, int DataLength);

/// <summary>What the header and question of a response say.</summary>
/// <param name="ResponseCode">The header's 4-bit RCODE (the EDNS extended bits are not added; tshark's dns.flags.rcode is the same field).</param>
/// <param name="QuestionOffset">Offset of the first question's name, or -1 when QDCOUNT is 0.</param>
/// <param name="QuestionType">QTYPE of the first question (0 without one).</param>
/// <param name="AnswerCount">Answer records stored in the caller's span.</param>
/// <param name="AnswersNotStored">Answer records that were valid but did not fit the span (not looked at further).</param>
internal readonly record struct DnsResponseInfo(int ResponseCode, int QuestionOffset, ushort QuestionType, int AnswerCount, int AnswersNotStored);

internal enum DnsResponseStatus
{
    /// <summary>A response whose header, questions and every answer record were read within the message.</summary>
    Response,
    /// <summary>QR = 0: a query (see <see cref="DnsMessageParser"/>).</summary>
    NotAResponse,
    /// <summary>Too short, a count larger than the message, a name that breaks the rules, rdata past the end.</summary>
    Malformed,
}

/// <summary>
/// Reads a DNS response (QR = 1) without allocating: RCODE, the first question's offset and type, and the answer
/// section as record offsets. Names are validated by the walker the query path uses (<see cref="DnsNameWalker"/>: label
/// types, 255 octets, at most 64 compression pointers, each inside the message); authority and additional sections
/// are not read.
/// </summary>
internal static class DnsResponseParser
{
    /// <summary>Answer records a caller normally keeps (a response with more is unusual; the rest are counted, not used).</summary>
    public const int MaxAnswers = 128;

    private const int RecordFixedLength = 10; // type, class, TTL, RDLENGTH

    public static DnsResponseStatus Parse(ReadOnlySpan<byte> message, Span<DnsAnswerRecord> answers, out DnsResponseInfo info)
    {
        info = default;
        if (message.Length < DnsMessageParser.HeaderLength) return DnsResponseStatus.Malformed;
        if ((message[2] & 0x80) == 0) return DnsResponseStatus.NotAResponse;
        int rcode = message[3] & 0x0F;
        int questions = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        int answerCount = BinaryPrimitives.ReadUInt16BigEndian(message[6..]);
        int pos = DnsMessageParser.HeaderLength;
        int questionOffset = -1;
        ushort questionType = 0;
        for (int q = 0; q < questions; q++)
        {
            int start = pos;
            if (!DnsNameWalker.TrySkip(message, pos, out pos) || pos + 4 > message.Length) return DnsResponseStatus.Malformed;
            if (q == 0)
            {
                questionOffset = start;
                questionType = BinaryPrimitives.ReadUInt16BigEndian(message[pos..]);
            }
            pos += 4;
        }
        int stored = 0, notStored = 0;
        for (int a = 0; a < answerCount; a++)
        {
            int owner = pos;
            if (!DnsNameWalker.TrySkip(message, pos, out pos) || pos + RecordFixedLength > message.Length) return DnsResponseStatus.Malformed;
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(message[pos..]);
            ushort @class = BinaryPrimitives.ReadUInt16BigEndian(message[(pos + 2)..]);
            int dataLength = BinaryPrimitives.ReadUInt16BigEndian(message[(pos + 8)..]);
            int data = pos + RecordFixedLength;
            if (data + dataLength > message.Length) return DnsResponseStatus.Malformed;
            if (type == DnsCodes.TypeCname && (!DnsNameWalker.TrySkip(message, data, out int end) || end > data + dataLength))
                return DnsResponseStatus.Malformed;
            pos = data + dataLength;
            if (stored < answers.Length) answers[stored++] = new DnsAnswerRecord(owner, type, @class, data, dataLength);
            else notStored++;
        }
        info = new DnsResponseInfo(rcode, questionOffset, questionType, stored, notStored);
        return DnsResponseStatus.Response;
    }

    /// <summary>QTYPE of the first question of a message whose first name is valid; 0 when it cannot be read.</summary>
    public static ushort FirstQuestionType(ReadOnlySpan<byte> message)
    {
        if (message.Length < DnsMessageParser.HeaderLength || !DnsNameWalker.TrySkip(message, DnsMessageParser.HeaderLength, out int end) ||
            end + 2 > message.Length) return 0;
        return BinaryPrimitives.ReadUInt16BigEndian(message[end..]);
    }

    /// <summary>True when the two (validated) names at the offsets are equal, ASCII letters compared case-insensitively.</summary>
    public static bool NamesEqual(ReadOnlySpan<byte> message, int a, int b)
    {
        int hopsA = 0, hopsB = 0;
        while (true)
        {
            if (a == b) return true; // the same bytes from here on
            if (!Follow(message, ref a, ref hopsA) || !Follow(message, ref b, ref hopsB)) return false;
            if (a == b) return true;
            int la = message[a], lb = message[b];
            if (la != lb) return false;
            if (la == 0) return true;
            if (a + 1 + la > message.Length || b + 1 + lb > message.Length) return false;
            var x = message.Slice(a + 1, la);
            var y = message.Slice(b + 1, lb);
            for (int i = 0; i < la; i++)
                if (Lower(x[i]) != Lower(y[i])) return false;
            a += 1 + la;
            b += 1 + lb;
        }
    }

    private static bool Follow(ReadOnlySpan<byte> message, ref int pos, ref int hops)
    {
        while (pos < message.Length && (message[pos] & 0xC0) == 0xC0)
        {
            if (pos + 1 >= message.Length || ++hops > DnsNameWalker.MaxPointerHops) return false;
            pos = ((message[pos] & 0x3F) << 8) | message[pos + 1];
        }
        return pos < message.Length && (message[pos] & 0xC0) == 0;
    }

    private static byte Lower(byte b) => b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b + 32) : b;
}
