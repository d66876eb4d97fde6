using System.Net;

namespace PcapViz.Tests;

/// <summary>The response parser over hand-built messages; malformed ones as literal bytes.</summary>
public sealed class DnsResponseParserTests
{
    /// <summary>Response header: id 0xBEEF, QR|RD (0x81), RA + RCODE (0x80 | rcode), then QD, AN, NS, AR counts.</summary>
    private static byte[] Header(int rcode, int qd, int an) => Kit.Bytes(0xBE, 0xEF, 0x81, 0x80 | rcode, 0, qd, 0, an, 0, 0, 0, 0);

    private static (DnsResponseStatus Status, DnsResponseInfo Info, DnsAnswerRecord[] Answers) Parse(byte[] message, int capacity = DnsResponseParser.MaxAnswers)
    {
        var answers = new DnsAnswerRecord[capacity];
        var status = DnsResponseParser.Parse(message, answers, out var info);
        return (status, info, answers[..info.AnswerCount]);
    }

    private static string Name(byte[] message, int offset)
    {
        var buffer = new char[DnsNameWalker.MaxPresentationLength];
        Assert.True(DnsNameWalker.TryRead(message, offset, buffer, out int length));
        return new string(buffer, 0, length);
    }

    [Fact]
    public void Parse_HandWrittenAResponse_CodeQuestionTypeAndAnswer()
    {
        // Question 1 'a' 0, type A class IN; answer: pointer to 12, type A, class IN, TTL 60, RDLENGTH 4, 192.0.2.7.
        var message = Kit.Concat(Header(0, 1, 1), Kit.Bytes(1, (byte)'a', 0, 0, 1, 0, 1),
            Kit.Bytes(0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7));
        var (status, info, answers) = Parse(message);
        Assert.Equal(DnsResponseStatus.Response, status);
        Assert.Equal(new DnsResponseInfo(0, 12, 1, 1, 0), info);
        var record = Assert.Single(answers);
        Assert.Equal(new DnsAnswerRecord(19, 1, 1, 31, 4), record);
        Assert.Equal("a", Name(message, record.OwnerOffset));
        Assert.Equal(Kit.Bytes(192, 0, 2, 7), message[31..35]);
    }

    [Fact]
    public void Parse_NxDomainWithoutAnswers_CodeThree()
    {
        var message = new DnsMessageBuilder { IsResponse = true, ResponseCode = 3 }.Question("nope.example", DnsCodes.TypeTxt).Build();
        var (status, info, answers) = Parse(message);
        Assert.Equal(DnsResponseStatus.Response, status);
        Assert.Equal(3, info.ResponseCode);
        Assert.Equal(DnsCodes.TypeTxt, info.QuestionType);
        Assert.Empty(answers);
    }

    [Fact]
    public void Parse_Query_NotAResponse()
    {
        Assert.Equal(DnsResponseStatus.NotAResponse, Parse(new DnsMessageBuilder().Question("x.example").Build()).Status);
    }

    [Fact]
    public void Parse_NoQuestion_QuestionOffsetMinusOne()
    {
        var message = new DnsMessageBuilder { IsResponse = true }.Answer("printer.local", IPAddress.Parse("192.168.1.5")).Build();
        var (status, info, answers) = Parse(message);
        Assert.Equal(DnsResponseStatus.Response, status);
        Assert.Equal(-1, info.QuestionOffset);
        Assert.Equal("printer.local", Name(message, Assert.Single(answers).OwnerOffset));
    }

    [Fact]
    public void Parse_CnameChainCompressed_RecordsInOrder()
    {
        var message = new DnsMessageBuilder { IsResponse = true, Compress = true }.Question("www.example.com")
            .AnswerName("www.example.com", DnsCodes.TypeCname, "edge.cdn.example.net")
            .Answer("edge.cdn.example.net", IPAddress.Parse("2001:db8::7")).Build();
        var (status, _, answers) = Parse(message);
        Assert.Equal(DnsResponseStatus.Response, status);
        Assert.Equal([DnsCodes.TypeCname, DnsCodes.TypeAaaa], answers.Select(a => a.Type));
        Assert.True(DnsResponseParser.NamesEqual(message, answers[0].DataOffset, answers[1].OwnerOffset));
        Assert.False(DnsResponseParser.NamesEqual(message, answers[0].OwnerOffset, answers[1].OwnerOffset));
        Assert.Equal(16, answers[1].DataLength);
    }

    [Fact]
    public void NamesEqual_DifferentCaseAndOneCompressed_Equal()
    {
        // 12: 3 "WWW" 1 "x" 0 ; 19: 3 "www" pointer to 16 ("x").
        var message = Kit.Concat(Header(0, 0, 0), Kit.Bytes(3, (byte)'W', (byte)'W', (byte)'W', 1, (byte)'x', 0),
            Kit.Bytes(3, (byte)'w', (byte)'w', (byte)'w', 0xC0, 16));
        Assert.True(DnsResponseParser.NamesEqual(message, 12, 19));
        Assert.False(DnsResponseParser.NamesEqual(message, 12, 16));
    }

    [Fact]
    public void Parse_MoreAnswersThanSpan_RestCountedNotStored()
    {
        var builder = new DnsMessageBuilder { IsResponse = true }.Question("many.example");
        for (int i = 1; i <= 5; i++) builder.Answer("many.example", IPAddress.Parse($"192.0.2.{i}"));
        var (status, info, answers) = Parse(builder.Build(), capacity: 3);
        Assert.Equal(DnsResponseStatus.Response, status);
        Assert.Equal(3, answers.Length);
        Assert.Equal(2, info.AnswersNotStored);
    }

    [Fact]
    public void Parse_AnswerCountLargerThanMessage_Malformed()
    {
        // ANCOUNT 5, but only one answer follows.
        var message = Kit.Concat(Header(0, 1, 5), Kit.Bytes(1, (byte)'a', 0, 0, 1, 0, 1),
            Kit.Bytes(0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7));
        Assert.Equal(DnsResponseStatus.Malformed, Parse(message).Status);
    }

    [Fact]
    public void Parse_QuestionCountLargerThanMessage_Malformed()
    {
        var message = Kit.Concat(Header(0, 200, 0), Kit.Bytes(1, (byte)'a', 0, 0, 1, 0, 1));
        Assert.Equal(DnsResponseStatus.Malformed, Parse(message).Status);
    }

    [Fact]
    public void Parse_RdataPastTheEnd_Malformed()
    {
        // RDLENGTH 4 but only 2 bytes of address left.
        var message = Kit.Concat(Header(0, 1, 1), Kit.Bytes(1, (byte)'a', 0, 0, 1, 0, 1),
            Kit.Bytes(0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0));
        Assert.Equal(DnsResponseStatus.Malformed, Parse(message).Status);
    }

    [Fact]
    public void Parse_RecordHeaderCutShort_Malformed()
    {
        var message = Kit.Concat(Header(0, 1, 1), Kit.Bytes(1, (byte)'a', 0, 0, 1, 0, 1), Kit.Bytes(0xC0, 12, 0, 1, 0));
        Assert.Equal(DnsResponseStatus.Malformed, Parse(message).Status);
    }

    [Fact]
    public void Parse_OwnerNamePointerLoop_Malformed()
    {
        // The answer's owner at 19 is a pointer to itself.
        var message = Kit.Concat(Header(0, 1, 1), Kit.Bytes(1, (byte)'a', 0, 0, 1, 0, 1),
            Kit.Bytes(0xC0, 19, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7));
        Assert.Equal(DnsResponseStatus.Malformed, Parse(message).Status);
    }

    [Fact]
    public void Parse_TwoPointersPointingAtEachOther_Malformed()
    {
        // Question name at 12 points to 14, which points back to 12.
        var message = Kit.Concat(Header(0, 1, 0), Kit.Bytes(0xC0, 14, 0xC0, 12, 0, 1, 0, 1));
        Assert.Equal(DnsResponseStatus.Malformed, Parse(message).Status);
    }

    [Fact]
    public void Parse_PointerOutsideMessage_Malformed()
    {
        var message = Kit.Concat(Header(0, 1, 1), Kit.Bytes(1, (byte)'a', 0, 0, 1, 0, 1),
            Kit.Bytes(0xC0, 0xFF, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7));
        Assert.Equal(DnsResponseStatus.Malformed, Parse(message).Status);
    }

    [Fact]
    public void Parse_CnameTargetRunsPastItsRdata_Malformed()
    {
        // CNAME RDLENGTH 2, but the target name 1 'b' 0 is 3 bytes.
        var message = Kit.Concat(Header(0, 1, 1), Kit.Bytes(1, (byte)'a', 0, 0, 1, 0, 1),
            Kit.Bytes(0xC0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 2, 1, (byte)'b', 0));
        Assert.Equal(DnsResponseStatus.Malformed, Parse(message).Status);
    }

    [Fact]
    public void Parse_ReservedLabelType_Malformed()
    {
        var message = Kit.Concat(Header(0, 1, 0), Kit.Bytes(0x41, 0, 0, 1, 0, 1));
        Assert.Equal(DnsResponseStatus.Malformed, Parse(message).Status);
    }

    [Fact]
    public void Parse_ShorterThanHeader_Malformed()
    {
        Assert.Equal(DnsResponseStatus.Malformed, Parse(Kit.Bytes(0xBE, 0xEF, 0x81)).Status);
    }

    [Theory]
    [InlineData(1, "A")]
    [InlineData(10, "NULL")]
    [InlineData(16, "TXT")]
    [InlineData(65, "HTTPS")]
    [InlineData(65280, "TYPE65280")]
    public void DnsCodes_TypeNames_RoundTrip(int type, string name)
    {
        Assert.Equal(name, DnsCodes.TypeName((ushort)type));
        Assert.Equal(type, DnsCodes.ParseType(name));
    }

    [Theory]
    [InlineData(0, "NOERROR")]
    [InlineData(2, "SERVFAIL")]
    [InlineData(3, "NXDOMAIN")]
    [InlineData(5, "REFUSED")]
    [InlineData(13, "RCODE13")]
    public void DnsCodes_ResponseCodes_RoundTrip(int code, string name)
    {
        Assert.Equal(name, DnsCodes.ResponseCodeName(code));
        Assert.Equal(code, DnsCodes.ParseResponseCode(name));
    }

    [Fact]
    public void DnsCodes_UnknownNames_Rejected()
    {
        Assert.Throws<FormatException>(() => DnsCodes.ParseType("BOGUS"));
        Assert.Throws<FormatException>(() => DnsCodes.ParseResponseCode("NXDOMAINS"));
    }
}
