using PcapViz.Slicing;

namespace PcapViz.Generator.Tests;

public class FrameBuilderTests
{
    [Fact]
    public void IPv4_KnownHeader_ChecksumMatchesHandComputedValue()
    {
        // The classic worked example (RFC 1071 style): 4500 0073 0000 4000 4011 ____ c0a8 0001 c0a8 00c7 -> b861.
        var frame = new FrameBuilder()
            .IPv4("192.168.0.1", "192.168.0.199", protocol: 17, ttl: 64, id: 0, dontFragment: true, totalLength: 0x73)
            .Build();

        byte[] expected = [0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7];
        Assert.Equal(expected, frame);
    }

    [Fact]
    public void IPv4_UdpWithPayload_TotalLengthAndUdpLengthCoverWhatFollows()
    {
        var frame = new FrameBuilder().IPv4("10.0.0.1", "10.0.0.2").Udp(1234, 53).Payload([1, 2, 3, 4]).Build();

        Assert.Equal(32, frame.Length);
        Assert.Equal([0x00, 0x20], frame[2..4]);   // 20 + 8 + 4
        Assert.Equal(17, frame[9]);                // protocol from the next layer
        Assert.Equal([0x00, 0x0c], frame[24..26]); // UDP length 8 + 4
    }

    [Fact]
    public void Udp_OverIPv4WithoutPayload_ChecksumMatchesHandComputedValue()
    {
        // Pseudo-header 0a00+0001+0a00+0002+0011+0008, header 04d2+0035+0008 = 0x192b; one's complement 0xe6d4.
        var frame = new FrameBuilder().IPv4("10.0.0.1", "10.0.0.2").Udp(1234, 53).Build();

        Assert.Equal([0xe6, 0xd4], frame[26..28]);
    }

    [Fact]
    public void Udp_ChecksumZeroGiven_WritesZero()
    {
        var frame = new FrameBuilder().IPv4("10.0.0.1", "10.0.0.2").Udp(1234, 53, checksum: 0).Build();

        Assert.Equal([0, 0], frame[26..28]);
    }

    [Fact]
    public void Icmp_EchoRequestWithoutData_ChecksumMatchesHandComputedValue()
    {
        // 0800 + 0000 + 0001 + 0001 = 0x0802 -> 0xf7fd.
        var frame = new FrameBuilder().IPv4("10.0.0.1", "10.0.0.2").Icmp(8, 0, 1, 1).Build();

        Assert.Equal(1, frame[9]);
        Assert.Equal([0x08, 0x00, 0xf7, 0xfd, 0x00, 0x01, 0x00, 0x01], frame[20..28]);
    }

    [Fact]
    public void IPv4_ThreeOptionBytes_PaddedToIhlSix()
    {
        var frame = new FrameBuilder().IPv4("10.0.0.1", "10.0.0.2", protocol: 6, options: [0x94, 0x04, 0x00]).Build();

        Assert.Equal(24, frame.Length);
        Assert.Equal(0x46, frame[0]);
        Assert.Equal([0x94, 0x04, 0x00, 0x00], frame[20..24]);
        Assert.Equal(0, Checksum.Compute(frame)); // a correct header sums to 0xffff
    }

    [Fact]
    public void IPv4_Overrides_WriteMalformedFieldsVerbatim()
    {
        var frame = new FrameBuilder()
            .IPv4("10.0.0.1", "10.0.0.2", protocol: 17, version: 5, ihl: 4, totalLength: 9000, checksum: 0xbeef)
            .Build();

        Assert.Equal(0x54, frame[0]);
        Assert.Equal([0x23, 0x28], frame[2..4]);
        Assert.Equal([0xbe, 0xef], frame[10..12]);
    }

    [Fact]
    public void IPv4_FragmentFields_EncodedInFlagsWord()
    {
        var frame = new FrameBuilder().IPv4("10.0.0.1", "10.0.0.2", protocol: 17, id: 0xabcd, moreFragments: true, fragmentOffset: 185).Build();

        Assert.Equal([0xab, 0xcd], frame[4..6]);
        Assert.Equal([0x20, 0xb9], frame[6..8]); // MF (0x2000) | 185
    }

    [Fact]
    public void Truncate_AfterComputingFields_KeepsComputedLengthsAndCuts()
    {
        var frame = new FrameBuilder().Ethernet().IPv4("10.0.0.1", "10.0.0.2").Udp(1, 2).Payload(new byte[100]).Truncate(20).Build();

        Assert.Equal(20, frame.Length);
        Assert.Equal([0x00, 0x80], frame[16..18]); // total length still 20 + 8 + 100
    }

    [Fact]
    public void Ethernet_WithQinQTags_ChainsTpidsAndEtherTypes()
    {
        var frame = new FrameBuilder()
            .Ethernet("00:00:00:00:00:01", "ff:ff:ff:ff:ff:ff")
            .Vlan(3001, tpid: 0x88a8)
            .Vlan(100, priority: 5)
            .IPv4("10.0.0.1", "10.0.0.2", protocol: 17)
            .Build();

        Assert.Equal([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 1], frame[..12]);
        Assert.Equal([0x88, 0xa8, 0x0b, 0xb9, 0x81, 0x00, 0xa0, 0x64, 0x08, 0x00], frame[12..22]);
        Assert.Equal(0x45, frame[22]);
    }

    [Fact]
    public void LinuxSll_BeforeIPv6_WritesSixteenByteHeaderWithProtocol()
    {
        var frame = new FrameBuilder().LinuxSll(packetType: 4, address: "0a:0b:0c:0d:0e:0f").IPv6("::1", "::2").Build();

        byte[] expected = [0x00, 0x04, 0x00, 0x01, 0x00, 0x06, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x00, 0x00, 0x86, 0xdd];
        Assert.Equal(expected, frame[..16]);
        Assert.Equal(0x60, frame[16]);
    }

    [Fact]
    public void LinuxSll2_BeforeIPv4_WritesProtocolFirstAndTwentyBytes()
    {
        var frame = new FrameBuilder().LinuxSll2(interfaceIndex: 3, packetType: 0, address: "0a:0b:0c:0d:0e:0f").IPv4("10.0.0.1", "10.0.0.2", protocol: 17).Build();

        byte[] expected = [0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x01, 0x00, 0x06, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x00, 0x00];
        Assert.Equal(expected, frame[..20]);
        Assert.Equal(0x45, frame[20]);
    }

    [Fact]
    public void Null_BothByteOrders_WriteFamilyInRequestedOrder()
    {
        var little = new FrameBuilder().Null().IPv4("10.0.0.1", "10.0.0.2", protocol: 17).Build();
        var big = new FrameBuilder().Null(bigEndian: true).IPv6("::1", "::2").Build();

        Assert.Equal([2, 0, 0, 0], little[..4]);
        Assert.Equal([0, 0, 0, 30], big[..4]);
    }

    [Fact]
    public void Ppp_BeforeIPv4_WritesHdlcAddressControlAndProtocol()
    {
        var frame = new FrameBuilder().Ppp().IPv4("10.0.0.1", "10.0.0.2", protocol: 17).Build();

        Assert.Equal([0xff, 0x03, 0x00, 0x21, 0x45], frame[..5]);
    }

    [Fact]
    public void IPv6_ExtensionHeaderChain_NextHeadersAndPayloadLengthAreChained()
    {
        var frame = new FrameBuilder()
            .IPv6("2001:db8::1", "2001:db8::2")
            .HopByHop()
            .Routing()
            .Fragment(fragmentOffset: 0, moreFragments: true, identification: 0x01020304)
            .DestinationOptions()
            .Udp(5353, 5353)
            .Build();

        Assert.Equal(40 + 8 + 8 + 8 + 8 + 8, frame.Length);
        Assert.Equal([0x60, 0, 0, 0, 0x00, 0x28, 0x00, 64], frame[..8]); // payload length 40, next header hop-by-hop
        Assert.Equal([43, 0, 0x01, 0x04, 0, 0, 0, 0], frame[40..48]); // next routing, len 0, PadN of 4
        Assert.Equal([44, 0, 0, 0, 0, 0, 0, 0], frame[48..56]);        // next fragment, type 0, segments left 0
        Assert.Equal([60, 0, 0x00, 0x01, 1, 2, 3, 4], frame[56..64]);  // next dest. options, offset 0 + M
        Assert.Equal(17, frame[64]);                                    // dest. options -> UDP
        Assert.Equal([0x14, 0xe9, 0x14, 0xe9, 0x00, 0x08], frame[72..78]);
    }

    [Fact]
    public void IPv6_VersionAndPayloadLengthOverrides_WrittenVerbatim()
    {
        var frame = new FrameBuilder().IPv6("::1", "::2", nextHeader: 17, payloadLength: 999, version: 4).Build();

        Assert.Equal(0x40, frame[0]);
        Assert.Equal([0x03, 0xe7], frame[4..6]);
        Assert.Equal(17, frame[6]);
    }

    [Fact]
    public void Tcp_WithFourOptionBytes_DataOffsetSixAndFlags()
    {
        var frame = new FrameBuilder()
            .IPv4("10.0.0.1", "10.0.0.2")
            .Tcp(443, 50000, seq: 0x01020304, ack: 0x0a0b0c0d, flags: TcpFlags.Syn | TcpFlags.Ack, window: 1024, options: [2, 4, 5, 0xb4])
            .Build();

        var tcp = frame[20..];
        Assert.Equal(24, tcp.Length);
        Assert.Equal(6, frame[9]);
        Assert.Equal([0x01, 0xbb, 0xc3, 0x50, 1, 2, 3, 4, 0x0a, 0x0b, 0x0c, 0x0d, 0x60, 0x12, 0x04, 0x00], tcp[..16]);
        Assert.Equal([2, 4, 5, 0xb4], tcp[20..24]);
    }

    [Fact]
    public void Tcp_DataOffsetOverride_WrittenEvenIfInconsistent()
    {
        var frame = new FrameBuilder().IPv4("10.0.0.1", "10.0.0.2").Tcp(1, 2, dataOffset: 15).Build();

        Assert.Equal(0xf0, frame[32]);
    }

    [Fact]
    public void Tcp_ComputedChecksum_VerifiesOverPseudoHeader()
    {
        var frame = new FrameBuilder().IPv6("2001:db8::1", "2001:db8::2").Tcp(1, 2, seq: 7).Payload("hello"u8).Build();
        var segment = frame.AsSpan(40);

        // Recompute independently: pseudo-header (addresses, 32-bit length, next header 6) plus the segment sums to 0xffff.
        uint sum = Checksum.Add(0, frame.AsSpan(8, 32));
        sum += (uint)segment.Length + 6;
        sum = Checksum.Add(sum, segment);
        Assert.Equal(0, Checksum.Finish(sum));
    }

    [Fact]
    public void Trailer_NotCountedInLengths()
    {
        var frame = new FrameBuilder().Ethernet().IPv4("10.0.0.1", "10.0.0.2").Tcp(1, 2).Trailer(new byte[6]).Build();

        Assert.Equal(60, frame.Length);
        Assert.Equal([0x00, 0x28], frame[16..18]);
    }

    [Fact]
    public void WriteTo_SmallerDestination_Throws()
    {
        var builder = new FrameBuilder().IPv4("10.0.0.1", "10.0.0.2").Udp(1, 2);

        Assert.Throws<ArgumentException>(() => builder.WriteTo(new byte[27]));
        Assert.Equal(28, builder.WriteTo(new byte[64]));
    }
}
