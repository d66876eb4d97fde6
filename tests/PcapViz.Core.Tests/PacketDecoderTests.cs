namespace PcapViz.Tests;

public sealed class PacketDecoderTests
{
    private static readonly byte[] Data = Kit.Bytes(1, 2, 3, 4);

    // IPv4 20 + UDP 8 + 4 data bytes.
    private const int UdpPacketLength = 32;

    private static FrameBuilder V4Udp(FrameBuilder f) => f.IPv4("10.0.0.1", "10.0.0.2").Udp(1234, 9999).Payload(Data);

    private static void AssertV4Udp(Decoded d)
    {
        Assert.Equal(4, d.IpVersion);
        Assert.Equal(Kit.Bytes(10, 0, 0, 1), d.Source);
        Assert.Equal(UdpPacketLength, d.IpBytes);
        Assert.Equal(TransportProtocol.Udp, d.Transport);
        Assert.Equal(1234, d.SourcePort);
        Assert.Equal(9999, d.DestinationPort);
        Assert.Equal(Data, d.Payload);
        Assert.Null(d.Anomaly);
        Assert.False(d.LinkTypeUnsupported);
        Assert.Equal(0, d.TunnelDepth);
    }

    [Fact]
    public void Decode_EthernetIpv4Udp_AllFields() =>
        AssertV4Udp(Kit.Decode(LinkTypes.Ethernet, V4Udp(new FrameBuilder().Ethernet()).Build()));

    [Fact]
    public void Decode_EthernetPadding_NotInPayloadOrIpBytes()
    {
        var frame = V4Udp(new FrameBuilder().Ethernet()).Trailer(new byte[14]).Build();
        Assert.Equal(60, frame.Length);
        AssertV4Udp(Kit.Decode(LinkTypes.Ethernet, frame));
    }

    [Fact]
    public void Decode_Dot1Q_SkipsTag() =>
        AssertV4Udp(Kit.Decode(LinkTypes.Ethernet, V4Udp(new FrameBuilder().Ethernet().Vlan(100)).Build()));

    [Fact]
    public void Decode_Dot1adThenDot1Q_SkipsBothTags()
    {
        var frame = V4Udp(new FrameBuilder().Ethernet().Vlan(10, tpid: 0x88A8).Vlan(20)).Build();
        Assert.Equal(Kit.Bytes(0x88, 0xA8), frame[12..14]);
        Assert.Equal(Kit.Bytes(0x81, 0x00), frame[16..18]);
        AssertV4Udp(Kit.Decode(LinkTypes.Ethernet, frame));
    }

    [Fact]
    public void Decode_Ieee8023LlcSnap_FindsIpv4AfterSnapHeader()
    {
        // 802.3 length field (8 + 32 = 40), LLC AA AA 03, SNAP OUI 00 00 00, EtherType 08 00, then IPv4.
        var frame = V4Udp(new FrameBuilder().Ethernet(etherType: 40).Payload(Kit.Bytes(0xAA, 0xAA, 0x03, 0, 0, 0, 0x08, 0x00))).Build();
        Assert.Equal(0x08, frame[20]);
        AssertV4Udp(Kit.Decode(LinkTypes.Ethernet, frame));
    }

    [Fact]
    public void Decode_Ieee8023WithoutSnap_NotIp()
    {
        // LLC for STP (42 42 03): no EtherType, so nothing is IP even if IPv4-looking bytes follow.
        var frame = V4Udp(new FrameBuilder().Ethernet(etherType: 35).Payload(Kit.Bytes(0x42, 0x42, 0x03))).Build();
        Assert.Equal(0, Kit.Decode(LinkTypes.Ethernet, frame).IpVersion);
    }

    [Fact]
    public void Decode_LinuxSllV1_FindsIp() =>
        AssertV4Udp(Kit.Decode(LinkTypes.LinuxSll, V4Udp(new FrameBuilder().LinuxSll()).Build()));

    [Fact]
    public void Decode_LinuxSllV2_FindsIp() =>
        AssertV4Udp(Kit.Decode(LinkTypes.LinuxSll2, V4Udp(new FrameBuilder().LinuxSll2()).Build()));

    [Theory]
    [InlineData(101)]
    [InlineData(228)]
    public void Decode_RawIpv4LinkTypes_FindIp(int linkType) =>
        AssertV4Udp(Kit.Decode(linkType, V4Udp(new FrameBuilder()).Build()));

    [Theory]
    [InlineData(101)]
    [InlineData(229)]
    public void Decode_RawIpv6LinkTypes_FindIp(int linkType)
    {
        var d = Kit.Decode(linkType, new FrameBuilder().IPv6("2001:db8::1", "2001:db8::2").Udp(1, 2).Payload(Data).Build());
        Assert.Equal(6, d.IpVersion);
        Assert.Equal(Kit.Ip("2001:db8::1"), d.Source);
        Assert.Equal(40 + 8 + 4, d.IpBytes);
        Assert.Equal(Data, d.Payload);
    }

    [Fact]
    public void Decode_Ipv4LinkTypeCarryingIpv6_DecodedByVersionNibbleWithNote()
    {
        // As tshark: LINKTYPE_IPV4 (228) says IPv4, the version nibble says 6; the nibble wins, with a warning.
        var d = Kit.Decode(LinkTypes.Ipv4, new FrameBuilder().IPv6("2001:db8::1", "2001:db8::2").Udp(1, 53).Payload(Data).Build());
        Assert.Equal(6, d.IpVersion);
        Assert.Equal(Kit.Ip("2001:db8::1"), d.Source);
        Assert.Equal(TransportProtocol.Udp, d.Transport);
        Assert.Null(d.Anomaly);
        Assert.Equal(DecodeNotes.IpVersionFromNibble, d.Notes);
    }

    [Fact]
    public void Decode_Ipv6LinkTypeCarryingIpv4_DecodedByVersionNibbleWithNote()
    {
        var d = Kit.Decode(LinkTypes.Ipv6, new FrameBuilder().IPv4("10.1.2.3", "10.0.0.2").Udp(1, 53).Payload(Data).Build());
        Assert.Equal(4, d.IpVersion);
        Assert.Equal(Kit.Ip("10.1.2.3"), d.Source);
        Assert.Equal(DecodeNotes.IpVersionFromNibble, d.Notes);
    }

    [Fact]
    public void Decode_Ipv4LinkTypeWithVersionFive_NotIp()
    {
        var frame = new FrameBuilder().IPv4("10.1.2.3", "10.0.0.2", version: 5).Udp(1, 53).Payload(Data).Build();
        var d = Kit.Decode(LinkTypes.Ipv4, frame);
        Assert.Equal(0, d.IpVersion);
        Assert.Equal(AnomalyKind.Ipv4VersionMismatch, d.AnomalyKind);
        Assert.Equal(DecodeNotes.None, d.Notes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Decode_NullLoopbackIpv4_EitherByteOrder(bool bigEndian)
    {
        var frame = V4Udp(new FrameBuilder().Null(bigEndian: bigEndian)).Build();
        Assert.Equal(bigEndian ? Kit.Bytes(0, 0, 0, 2) : Kit.Bytes(2, 0, 0, 0), frame[..4]);
        AssertV4Udp(Kit.Decode(LinkTypes.Null, frame));
    }

    [Theory]
    [InlineData(24u, false)]
    [InlineData(28u, false)]
    [InlineData(30u, false)]
    [InlineData(24u, true)]
    [InlineData(28u, true)]
    [InlineData(30u, true)]
    public void Decode_NullLoopbackIpv6Families_FindIpv6(uint family, bool bigEndian)
    {
        var frame = new FrameBuilder().Null(bigEndian: bigEndian, ipv6Family: family).IPv6("fe80::1", "fe80::2").Udp(1, 2).Build();
        var d = Kit.Decode(LinkTypes.Null, frame);
        Assert.Equal(6, d.IpVersion);
        Assert.Equal(Kit.Ip("fe80::1"), d.Source);
    }

    [Fact]
    public void Decode_LoopLinkType_BigEndianFamily() =>
        AssertV4Udp(Kit.Decode(LinkTypes.Loop, V4Udp(new FrameBuilder().Null(bigEndian: true)).Build()));

    [Fact]
    public void Decode_NullLoopbackUnknownFamily_NotIp()
    {
        var frame = V4Udp(new FrameBuilder().Null(family: 7)).Build();
        Assert.Equal(0, Kit.Decode(LinkTypes.Null, frame).IpVersion);
    }

    [Fact]
    public void Decode_Ppp_FindsIp()
    {
        var frame = V4Udp(new FrameBuilder().Ppp()).Build();
        Assert.Equal(Kit.Bytes(0xFF, 0x03, 0x00, 0x21), frame[..4]);
        AssertV4Udp(Kit.Decode(LinkTypes.Ppp, frame));
    }

    [Fact]
    public void Decode_PppoeSession_FindsIp()
    {
        // PPPoE: ver/type 0x11, code 0, session 0x0001, length 2 + 32, then PPP protocol 0x0021.
        var frame = V4Udp(new FrameBuilder().Ethernet(etherType: 0x8864).Payload(Kit.Bytes(0x11, 0x00, 0x00, 0x01, 0x00, 34, 0x00, 0x21))).Build();
        AssertV4Udp(Kit.Decode(LinkTypes.Ethernet, frame));
    }

    [Fact]
    public void Decode_MplsTwoLabels_FindsIpBelowBottomOfStack()
    {
        // Label 16 (S = 0), label 32 (S = 1), TTL 64 each.
        var labels = Kit.Bytes(0x00, 0x01, 0x00, 0x40, 0x00, 0x02, 0x01, 0x40);
        AssertV4Udp(Kit.Decode(LinkTypes.Ethernet, V4Udp(new FrameBuilder().Ethernet(etherType: 0x8847).Payload(labels)).Build()));
    }

    [Fact]
    public void Decode_Ipv4WithOptions_TransportAfterOptions()
    {
        // Router alert option (4 bytes): IHL 6, total length 24 + 8 + 4 = 36.
        var frame = new FrameBuilder().Ethernet().IPv4("10.0.0.1", "10.0.0.2", options: Kit.Bytes(0x94, 0x04, 0, 0)).Udp(53, 5000).Payload(Data).Build();
        Assert.Equal(0x46, frame[14]);
        var d = Kit.Decode(LinkTypes.Ethernet, frame);
        Assert.Equal(36, d.IpBytes);
        Assert.Equal(TransportProtocol.Udp, d.Transport);
        Assert.Equal(53, d.SourcePort);
        Assert.Equal(Data, d.Payload);
    }

    [Fact]
    public void Decode_Ipv4HeaderLengthBelowFive_AnomalyNotIp()
    {
        var frame = new FrameBuilder().Ethernet().IPv4("10.0.0.1", "10.0.0.2", ihl: 4).Udp(1, 2).Build();
        var d = Kit.Decode(LinkTypes.Ethernet, frame);
        Assert.Equal(0, d.IpVersion);
        Assert.Equal(0, d.IpBytes);
        Assert.Empty(d.Source);
        Assert.Contains("16", d.Anomaly);
    }

    [Fact]
    public void Decode_Ipv4EtherTypeButVersionSix_AnomalyNotIp()
    {
        var frame = new FrameBuilder().Ethernet(etherType: 0x0800).IPv4("10.0.0.1", "10.0.0.2", version: 6).Udp(1, 2).Build();
        var d = Kit.Decode(LinkTypes.Ethernet, frame);
        Assert.Equal(0, d.IpVersion);
        Assert.Contains("version", d.Anomaly);
    }

    [Fact]
    public void Decode_Ipv4TotalLengthZero_IpBytesFromWireLength()
    {
        // Captured: 14 + 32 bytes; on the wire the frame was 9014 bytes (TSO), so IP bytes = 9014 - 14 = 9000.
        var frame = V4Udp(new FrameBuilder().Ethernet()).Build();
        frame[16] = 0;
        frame[17] = 0;
        var d = Kit.Decode(LinkTypes.Ethernet, frame, originalLength: 9014);
        Assert.Equal(4, d.IpVersion);
        Assert.Equal(9000, d.IpBytes);
        Assert.True(d.IpLengthFromWire);
        Assert.Equal(TransportProtocol.Udp, d.Transport);
    }

    [Fact]
    public void Decode_Ipv4HeaderCutBySnapLength_IpBytesCountedNoSource()
    {
        // 14 + 10 bytes captured: the total length (bytes 2-3) is there, the source (bytes 12-15) is not.
        var frame = V4Udp(new FrameBuilder().Ethernet()).Truncate(24).Build();
        var d = Kit.Decode(LinkTypes.Ethernet, frame, originalLength: 46);
        Assert.Equal(4, d.IpVersion);
        Assert.Equal(UdpPacketLength, d.IpBytes);
        Assert.Empty(d.Source);
        Assert.Equal(TransportProtocol.None, d.Transport);
    }

    [Fact]
    public void Decode_Ipv4NonFirstFragment_NoTransport()
    {
        var frame = new FrameBuilder().Ethernet().IPv4("10.0.0.1", "10.0.0.2", protocol: 17, fragmentOffset: 185).Payload(new byte[16]).Build();
        var d = Kit.Decode(LinkTypes.Ethernet, frame);
        Assert.Equal(4, d.IpVersion);
        Assert.Equal(36, d.IpBytes);
        Assert.Equal(TransportProtocol.None, d.Transport);
    }

    [Fact]
    public void Decode_Ipv4FirstFragmentWithMoreFragments_IsFragmentWithoutTransport()
    {
        // The transport of a fragmented datagram is read once it is reassembled (CaptureAnalysis), never from a part.
        var frame = new FrameBuilder().Ethernet().IPv4("10.0.0.1", "10.0.0.2", moreFragments: true).Udp(1, 53).Payload(Data).Build();
        var d = Kit.Decode(LinkTypes.Ethernet, frame);
        Assert.Equal(TransportProtocol.None, d.Transport);
        Assert.True(d.IsFragment);
        Assert.Equal(4, d.IpVersion);
    }

    [Fact]
    public void Decode_Ipv6ExtensionChain_TransportAfterAllHeaders()
    {
        // HBH 8 + routing 8 + fragment 8 + destination options 8 + UDP 8 + 4 = payload length 44.
        var frame = new FrameBuilder().Ethernet().IPv6("2001:db8::a", "2001:db8::b")
            .HopByHop().Routing().Fragment().DestinationOptions().Udp(5353, 5353).Payload(Data).Build();
        var d = Kit.Decode(LinkTypes.Ethernet, frame);
        Assert.Equal(6, d.IpVersion);
        Assert.Equal(84, d.IpBytes);
        Assert.Equal(TransportProtocol.Udp, d.Transport);
        Assert.Equal(5353, d.DestinationPort);
        Assert.Equal(Data, d.Payload);
    }

    [Fact]
    public void Decode_Ipv6NonFirstFragment_NoTransport()
    {
        var frame = new FrameBuilder().Ethernet().IPv6("2001:db8::a", "2001:db8::b").HopByHop().Fragment(fragmentOffset: 10).Udp(1, 53).Payload(Data).Build();
        var d = Kit.Decode(LinkTypes.Ethernet, frame);
        Assert.Equal(6, d.IpVersion);
        Assert.Equal(40 + 8 + 8 + 8 + 4, d.IpBytes);
        Assert.Equal(TransportProtocol.None, d.Transport);
    }

    [Fact]
    public void Decode_Ipv6Jumbogram_IpBytesFromJumboOption()
    {
        // Payload length 0 and a hop-by-hop jumbo payload option (C2 04) of 70 000: IP bytes 70 040.
        var frame = new FrameBuilder().Ethernet().IPv6("2001:db8::a", "2001:db8::b", payloadLength: 0)
            .HopByHop(Kit.Concat(Kit.Bytes(0xC2, 0x04), Kit.U32Be(70_000))).Udp(1, 2).Payload(Data).Build();
        var d = Kit.Decode(LinkTypes.Ethernet, frame);
        Assert.Equal(6, d.IpVersion);
        Assert.Equal(70_040, d.IpBytes);
        Assert.Equal(TransportProtocol.Udp, d.Transport);
    }

    [Fact]
    public void Decode_Ipv6HeaderCut_IpBytesCountedNoTransport()
    {
        var frame = new FrameBuilder().Ethernet().IPv6("2001:db8::a", "2001:db8::b").Udp(1, 2).Payload(Data).Truncate(14 + 30).Build();
        var d = Kit.Decode(LinkTypes.Ethernet, frame);
        Assert.Equal(6, d.IpVersion);
        Assert.Equal(52, d.IpBytes);
        Assert.Equal(Kit.Ip("2001:db8::a"), d.Source);
        Assert.Equal(TransportProtocol.None, d.Transport);
    }

    [Fact]
    public void Decode_UdpLengthShorterThanIpPayload_PayloadBoundedByUdpLength()
    {
        // UDP length 10: 2 payload bytes, though IP carries 4.
        var frame = new FrameBuilder().Ethernet().IPv4("10.0.0.1", "10.0.0.2").Udp(1, 2, length: 10).Payload(Data).Build();
        Assert.Equal(Kit.Bytes(1, 2), Kit.Decode(LinkTypes.Ethernet, frame).Payload);
    }

    [Fact]
    public void Decode_IpTotalLengthShorterThanFrame_PayloadBoundedByIpLength()
    {
        // IP total length 30: UDP payload is only the first 2 bytes though UDP says 12 and 4 follow.
        var frame = new FrameBuilder().Ethernet().IPv4("10.0.0.1", "10.0.0.2", totalLength: 30).Udp(1, 2).Payload(Data).Build();
        var d = Kit.Decode(LinkTypes.Ethernet, frame);
        Assert.Equal(30, d.IpBytes);
        Assert.Equal(Kit.Bytes(1, 2), d.Payload);
    }

    [Fact]
    public void Decode_TcpWithOptions_PayloadAfterDataOffset()
    {
        var frame = new FrameBuilder().Ethernet().IPv4("10.0.0.1", "10.0.0.2")
            .Tcp(40000, 53, options: new byte[12]).Payload(Kit.Bytes(9, 8, 7)).Build();
        Assert.Equal(0x80, frame[14 + 20 + 12]); // data offset 8 words = 32 bytes
        var d = Kit.Decode(LinkTypes.Ethernet, frame);
        Assert.Equal(TransportProtocol.Tcp, d.Transport);
        Assert.Equal(40000, d.SourcePort);
        Assert.Equal(53, d.DestinationPort);
        Assert.Equal(Kit.Bytes(9, 8, 7), d.Payload);
        Assert.Equal(20 + 32 + 3, d.IpBytes);
    }

    [Fact]
    public void Decode_TcpDataOffsetBeyondSegment_EmptyPayload()
    {
        var frame = new FrameBuilder().Ethernet().IPv4("10.0.0.1", "10.0.0.2").Tcp(1, 53, dataOffset: 15).Payload(Kit.Bytes(9, 8, 7)).Build();
        var d = Kit.Decode(LinkTypes.Ethernet, frame);
        Assert.Equal(TransportProtocol.Tcp, d.Transport);
        Assert.Empty(d.Payload);
    }

    [Fact]
    public void Decode_ShortEthernetFrame_NothingFound()
    {
        var d = Kit.Decode(LinkTypes.Ethernet, new byte[10]);
        Assert.Equal(0, d.IpVersion);
        Assert.Null(d.Anomaly);
    }

    [Fact]
    public void Decode_UnknownLinkType_Unsupported()
    {
        var d = Kit.Decode(147, new byte[40]);
        Assert.True(d.LinkTypeUnsupported);
        Assert.Equal(0, d.IpVersion);
    }

    [Fact]
    public void Decode_ArbitraryBytesForEveryHandledLinkType_NeverThrows()
    {
        var rng = new Random(7);
        int[] linkTypes = [0, 1, 9, 12, 14, 50, 51, 101, 104, 108, 113, 192, 228, 229, 239, 242, 258, 276];
        for (int n = 0; n < 3000; n++)
        {
            var frame = new byte[rng.Next(0, 120)];
            rng.NextBytes(frame);
            if (frame.Length > 14 && n % 2 == 0) { frame[12] = 0x08; frame[13] = 0x00; frame[14] = (byte)(0x40 | (frame[14] & 0x0F)); }
            foreach (int lt in linkTypes) Kit.Decode(lt, frame, rng.Next(0, 2000));
        }
    }
    [Fact]
    public void Decode_PppWithoutAddressControlAndCompressedProtocol_FindsIp()
    {
        // No FF 03, protocol field compressed to one byte (0x21 = IPv4).
        AssertV4Udp(Kit.Decode(LinkTypes.Ppp, V4Udp(new FrameBuilder().Payload(Kit.Bytes(0x21))).Build()));
    }

    [Fact]
    public void Decode_VnTag_Skipped()
    {
        // EtherType 0x8926 with a 4-byte VN-Tag, then the real EtherType.
        var frame = V4Udp(new FrameBuilder().Ethernet(etherType: 0x8926).Payload(Kit.Bytes(0x80, 0x01, 0x00, 0x02, 0x08, 0x00))).Build();
        AssertV4Udp(Kit.Decode(LinkTypes.Ethernet, frame));
    }
    [Fact]
    public void Decode_Nflog_PayloadTlvHoldsIp()
    {
        // Header: family 2 (AF_INET), version 0, resource id 1. TLV prefix (length 8, type 1), then TLV payload
        // (length 4 + 32, type 9) with the IPv4 packet. TLV lengths and types are little-endian.
        byte[] ip = V4Udp(new FrameBuilder()).Build();
        var frame = Kit.Concat(Kit.Bytes(2, 0, 0, 1), Kit.Bytes(8, 0, 1, 0, 0x08, 0x00, 3, 0), Kit.Bytes(36, 0, 9, 0), ip);
        AssertV4Udp(Kit.Decode(LinkTypes.NfLog, frame));
    }
}
