using PcapViz.Decoding;

namespace PcapViz.Generator.Tests;

public class DnsMessageBuilderTests
{
    [Fact]
    public void Build_OneQuestion_MatchesRfc1035Layout()
    {
        var message = new DnsMessageBuilder { Id = 0x1234 }.Question("www.example.com").Build();

        byte[] expected =
        [
            0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            3, (byte)'w', (byte)'w', (byte)'w', 7, (byte)'e', (byte)'x', (byte)'a', (byte)'m', (byte)'p', (byte)'l', (byte)'e',
            3, (byte)'c', (byte)'o', (byte)'m', 0, 0x00, 0x01, 0x00, 0x01,
        ];
        Assert.Equal(expected, message);
    }

    [Fact]
    public void Build_ResponseFlags_EncodedInFlagBytes()
    {
        var message = new DnsMessageBuilder
        {
            IsResponse = true, Opcode = 2, AuthoritativeAnswer = true, Truncated = true, RecursionDesired = true,
            RecursionAvailable = true, Z = 0b010, ResponseCode = 3,
        }.Build();

        Assert.Equal([0x97, 0xa3], message[2..4]); // 1 0010 1 1 1 | 1 010 0011
    }

    [Fact]
    public void Build_CompressTwoQuestions_SecondPointsToSharedSuffix()
    {
        var message = new DnsMessageBuilder { Compress = true }.Question("www.example.com").Question("mail.example.com", DnsCodes.TypeAaaa).Build();

        // First name at 12 ("www" label is 4 bytes), so "example.com" starts at 16 = 0x10.
        Assert.Equal([0x00, 0x02], message[4..6]);
        Assert.Equal([4, (byte)'m', (byte)'a', (byte)'i', (byte)'l', 0xc0, 0x10, 0x00, 0x1c, 0x00, 0x01], message[33..]);
    }

    [Fact]
    public void Build_CompressAnswerOwnerSameAsQuestion_PointsToTwelve()
    {
        var message = new DnsMessageBuilder { IsResponse = true, Compress = true }
            .Question("example.com")
            .Answer("example.com", System.Net.IPAddress.Parse("192.0.2.1"), ttl: 0x010203)
            .Build();

        Assert.Equal([0x00, 0x01], message[6..8]);
        Assert.Equal([0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x02, 0x03, 0x00, 0x04, 192, 0, 2, 1], message[29..]);
    }

    [Fact]
    public void Build_WithoutCompress_RepeatsNames()
    {
        var message = new DnsMessageBuilder().Question("a.b").Question("a.b").Build();

        Assert.Equal(12 + 2 * (5 + 4), message.Length);
    }

    [Fact]
    public void Question_PointerToItself_WritesLoopBytes()
    {
        var message = new DnsMessageBuilder().Question(DnsName.Pointer(DnsMessageBuilder.FirstQuestionOffset)).Build();

        Assert.Equal([0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01], message[12..]);
    }

    [Fact]
    public void Question_LabelsThenPointerOutOfBounds_WritesPointerAfterLabels()
    {
        var message = new DnsMessageBuilder().Question(DnsName.LabelsThenPointer("www", 0x3fff)).Build();

        Assert.Equal([3, (byte)'w', (byte)'w', (byte)'w', 0xff, 0xff, 0x00, 0x01, 0x00, 0x01], message[12..]);
    }

    [Fact]
    public void FromLabels_BytesWithDotAndBinary_KeptInsideOneLabel()
    {
        var name = DnsName.FromLabels("a.b"u8.ToArray(), [0x00, 0xff]);

        Assert.Equal([3, (byte)'a', (byte)'.', (byte)'b', 2, 0x00, 0xff, 0], name.Wire.ToArray());
    }

    [Fact]
    public void FromLabels_SixtyFourByteLabel_WritesLengthByte0x40()
    {
        var name = DnsName.FromLabels(new byte[64]);

        Assert.Equal(0x40, name.Wire[0]);
        Assert.Equal(66, name.Wire.Length);
    }

    [Fact]
    public void Raw_ReservedLabelType_WrittenVerbatimWithoutRoot()
    {
        var message = new DnsMessageBuilder().Question(DnsName.Raw(0x80, 0x01, 0x00)).Build();

        Assert.Equal([0x80, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01], message[12..]);
    }

    [Fact]
    public void Parse_RootAndTrailingDot_GiveRootAndSameLabels()
    {
        Assert.Equal([0], DnsName.Parse(".").Wire.ToArray());
        Assert.Equal(DnsName.Parse("example.com").Wire.ToArray(), DnsName.Parse("example.com.").Wire.ToArray());
    }

    [Fact]
    public void Pointer_OffsetAbove14Bits_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DnsName.Pointer(0x4000));
    }

    [Fact]
    public void CountOverrides_WrittenInsteadOfRecordCounts()
    {
        var message = new DnsMessageBuilder { QuestionCount = 5, AnswerCount = 0xffff, AuthorityCount = 1, AdditionalCount = 2 }.Question("a").Build();

        Assert.Equal([0x00, 0x05, 0xff, 0xff, 0x00, 0x01, 0x00, 0x02], message[4..12]);
    }

    [Fact]
    public void AnswerName_Cname_RdLengthCoversCompressedTarget()
    {
        var message = new DnsMessageBuilder { IsResponse = true, Compress = true }
            .Question("www.example.com")
            .AnswerName("www.example.com", DnsCodes.TypeCname, "cdn.example.com")
            .Build();

        // Answer at 33: c00c, type 5, class 1, ttl 300, rdlength 6: "cdn" + pointer to example.com at 16.
        Assert.Equal([0xc0, 0x0c, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x06, 3, (byte)'c', (byte)'d', (byte)'n', 0xc0, 0x10], message[33..]);
    }

    [Fact]
    public void TcpFraming_TwoMessages_EachPrefixedWithBigEndianLength()
    {
        var a = new DnsMessageBuilder { Id = 1 }.Question("a").Build(); // 12 + 3 + 4 = 19
        var b = new DnsMessageBuilder { Id = 2 }.Question("bb").Build(); // 20
        var framed = DnsMessageBuilder.TcpFraming(a, b);

        Assert.Equal(19 + 20 + 4, framed.Length);
        Assert.Equal([0x00, 0x13], framed[..2]);
        Assert.Equal(a, framed[2..21]);
        Assert.Equal([0x00, 0x14], framed[21..23]);
        Assert.Equal(b, framed[23..]);
    }

    [Fact]
    public void BuildTcp_OneMessage_SameAsTcpFramingOfBuild()
    {
        var builder = new DnsMessageBuilder { Id = 9 }.Question("example.org", DnsCodes.TypeAaaa);

        Assert.Equal(DnsMessageBuilder.TcpFraming(builder.Build()), builder.BuildTcp());
        Assert.Equal(builder.Build().Length, (builder.BuildTcp()[0] << 8) | builder.BuildTcp()[1]);
    }
}
