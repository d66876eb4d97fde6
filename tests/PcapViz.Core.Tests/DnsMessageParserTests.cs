namespace PcapViz.Tests;

public sealed class DnsMessageParserTests
{
    /// <summary>A query header: id 0x1234, flags RD (0x0100), QDCOUNT 1, other counts 0.</summary>
    private static readonly byte[] QueryHeader = Kit.Bytes(0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0);

    private static (DnsParseStatus Status, string Name) Parse(byte[] message)
    {
        var buffer = new char[DnsNameWalker.MaxPresentationLength];
        var status = DnsMessageParser.Parse(message, buffer, out int length);
        return (status, new string(buffer, 0, length));
    }

    private static byte[] Query(params byte[] nameAndRest) => Kit.Concat(QueryHeader, nameAndRest, Kit.Bytes(0, 1, 0, 1));

    [Fact]
    public void Parse_MixedCaseName_LowerCasedNoTrailingDot()
    {
        var message = new DnsMessageBuilder().Question("WWW.Example.COM").Build();
        Assert.Equal((DnsParseStatus.Query, "www.example.com"), Parse(message));
    }

    [Fact]
    public void Parse_HandWrittenQuery_ReadsName()
    {
        // 3 'a' 'b' 'c' 2 'd' 'e' 0
        Assert.Equal((DnsParseStatus.Query, "abc.de"), Parse(Query(3, (byte)'a', (byte)'b', (byte)'c', 2, (byte)'d', (byte)'e', 0)));
    }

    [Fact]
    public void Parse_RootName_Dot()
    {
        Assert.Equal((DnsParseStatus.Query, "."), Parse(Query(0)));
    }

    [Fact]
    public void Parse_SpecialBytesInLabel_EscapedAsDecimal()
    {
        // Label bytes: 'A' '.' '\' ' ' 0x7F 0x00 0xFF '~' '!'
        var name = DnsName.FromLabels(Kit.Bytes(0x41, 0x2E, 0x5C, 0x20, 0x7F, 0x00, 0xFF, 0x7E, 0x21), "com"u8.ToArray());
        var message = new DnsMessageBuilder().Question(name).Build();
        Assert.Equal((DnsParseStatus.Query, @"a\046\092\032\127\000\255~!.com"), Parse(message));
    }

    [Fact]
    public void Parse_CompressionPointer_Followed()
    {
        // Question name: 3 "www" then a pointer to offset 22, where "example.com" is written after the question.
        var message = Kit.Concat(QueryHeader,
            Kit.Bytes(3, (byte)'w', (byte)'w', (byte)'w', 0xC0, 22), Kit.Bytes(0, 1, 0, 1),
            Kit.Bytes(7), "example"u8.ToArray(), Kit.Bytes(3), "com"u8.ToArray(), Kit.Bytes(0));
        Assert.Equal(7, message[22]);
        Assert.Equal((DnsParseStatus.Query, "www.example.com"), Parse(message));
    }

    [Fact]
    public void Parse_ChainedPointers_Followed()
    {
        // 12: pointer to 16; 16: 1 'a' then pointer to 20; 20: 1 'b' 0.
        var message = Kit.Concat(QueryHeader, Kit.Bytes(0xC0, 16, 0, 1), Kit.Bytes(1, (byte)'a', 0xC0, 20), Kit.Bytes(1, (byte)'b', 0));
        Assert.Equal((DnsParseStatus.Query, "a.b"), Parse(message));
    }

    [Fact]
    public void Parse_PointerToItself_Malformed()
    {
        Assert.Equal(DnsParseStatus.Malformed, Parse(Query(0xC0, 12)).Status);
    }

    [Fact]
    public void Parse_TwoPointersInALoop_Malformed()
    {
        // 12: 1 'x' pointer to 16; 16: pointer to 12.
        var message = Kit.Concat(QueryHeader, Kit.Bytes(1, (byte)'x', 0xC0, 16), Kit.Bytes(0xC0, 12));
        Assert.Equal(DnsParseStatus.Malformed, Parse(message).Status);
    }

    [Fact]
    public void Parse_PointerBeyondMessage_Malformed()
    {
        Assert.Equal(DnsParseStatus.Malformed, Parse(Query(0xC1, 0x00)).Status);
    }

    [Fact]
    public void Parse_PointerCutInHalf_Malformed()
    {
        Assert.Equal(DnsParseStatus.Malformed, Parse(Kit.Concat(QueryHeader, Kit.Bytes(0xC0))).Status);
    }

    [Theory]
    [InlineData(0x40)]
    [InlineData(0x80)]
    [InlineData(0x7F)]
    public void Parse_ExtendedOrReservedLabelType_Malformed(int lengthByte)
    {
        var message = new DnsMessageBuilder().Question(DnsName.Raw(Kit.Concat(Kit.Bytes(lengthByte), new byte[130], Kit.Bytes(0)))).Build();
        Assert.Equal(DnsParseStatus.Malformed, Parse(message).Status);
    }

    [Fact]
    public void Parse_NameOf255Octets_Accepted()
    {
        // 3 × (1 + 63) + (1 + 61) + root 1 = 255 octets.
        var labels = new[] { L('a', 63), L('b', 63), L('c', 63), L('d', 61) };
        var (status, name) = Parse(new DnsMessageBuilder().Question(DnsName.FromLabels(labels)).Build());
        Assert.Equal(DnsParseStatus.Query, status);
        Assert.Equal(new string('a', 63) + "." + new string('b', 63) + "." + new string('c', 63) + "." + new string('d', 61), name);
    }

    [Fact]
    public void Parse_NameOf256Octets_Malformed()
    {
        var labels = new[] { L('a', 63), L('b', 63), L('c', 63), L('d', 62) };
        Assert.Equal(DnsParseStatus.Malformed, Parse(new DnsMessageBuilder().Question(DnsName.FromLabels(labels)).Build()).Status);
    }

    [Fact]
    public void Parse_LongNameThroughPointers_StillLimitedTo255()
    {
        // Each label is reached through pointers, but the octets still add up: 5 × 64 > 255.
        var message = new List<byte>(QueryHeader);
        message.AddRange(Kit.Bytes(0xC0, 14));
        for (int i = 0; i < 5; i++) { message.Add(63); message.AddRange(L('q', 63)); }
        message.Add(0);
        Assert.Equal(DnsParseStatus.Malformed, Parse([.. message]).Status);
    }

    [Fact]
    public void Parse_AllEscapedMaxName_FitsBuffer()
    {
        // 255 octets of 0xFF in labels print as \255 each: the buffer must hold it.
        var labels = new[] { Fill(0xFF, 63), Fill(0xFF, 63), Fill(0xFF, 63), Fill(0xFF, 61) };
        var (status, name) = Parse(new DnsMessageBuilder().Question(DnsName.FromLabels(labels)).Build());
        Assert.Equal(DnsParseStatus.Query, status);
        Assert.Equal(250 * 4 + 3, name.Length);
    }

    [Fact]
    public void Parse_LabelRunsPastEnd_Malformed()
    {
        Assert.Equal(DnsParseStatus.Malformed, Parse(Kit.Concat(QueryHeader, Kit.Bytes(10, (byte)'a', (byte)'b'))).Status);
    }

    [Fact]
    public void Parse_NoRootLabel_Malformed()
    {
        Assert.Equal(DnsParseStatus.Malformed, Parse(Kit.Concat(QueryHeader, Kit.Bytes(1, (byte)'a'))).Status);
    }

    [Fact]
    public void Parse_Response_NotAQuery()
    {
        var message = new DnsMessageBuilder { IsResponse = true }.Question("example.com").Build();
        Assert.Equal(DnsParseStatus.Response, Parse(message).Status);
    }

    [Fact]
    public void Parse_NoQuestion_NoQuestion()
    {
        var message = new DnsMessageBuilder().Build();
        Assert.Equal(0, message[5]);
        Assert.Equal(DnsParseStatus.NoQuestion, Parse(message).Status);
    }

    [Fact]
    public void Parse_ShorterThanHeader_Malformed()
    {
        Assert.Equal(DnsParseStatus.Malformed, Parse(Kit.Bytes(0x12, 0x34, 0x01, 0x00, 0, 1)).Status);
    }

    private static byte[] L(char c, int n) => Enumerable.Repeat((byte)c, n).ToArray();
    private static byte[] Fill(byte b, int n) => Enumerable.Repeat(b, n).ToArray();
}
