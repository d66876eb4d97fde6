namespace PcapViz.Tests;

/// <summary>Tunnels: the outermost header gives the address and IP bytes; the innermost UDP/TCP gives transport and payload.</summary>
public sealed class TunnelDecoderTests
{
    private static readonly byte[] Dns = Kit.Bytes(0xAB, 0xCD, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0);

    // Inner IPv4 20 + UDP 8 + 13 = 41; inner IPv6 40 + 8 + 13 = 61.
    private const int InnerV4 = 41;
    private const int InnerV6 = 61;

    private static FrameBuilder InnerV4Dns(FrameBuilder f) => f.IPv4("10.9.9.9", "10.8.8.8").Udp(33000, 53).Payload(Dns);

    private static void AssertInnerDns(Decoded d, int depth)
    {
        Assert.Equal(TransportProtocol.Udp, d.Transport);
        Assert.Equal(33000, d.SourcePort);
        Assert.Equal(53, d.DestinationPort);
        Assert.Equal(Dns, d.Payload);
        Assert.Equal(depth, d.TunnelDepth);
    }

    [Fact]
    public void Decode_Ipv4InIpv4_OuterAddressInnerTransport()
    {
        var frame = InnerV4Dns(new FrameBuilder().Ethernet().IPv4("192.0.2.1", "192.0.2.2")).Build();
        Assert.Equal(4, frame[14 + 9]); // protocol 4
        var d = Kit.Decode(LinkTypes.Ethernet, frame);
        Assert.Equal(4, d.IpVersion);
        Assert.Equal(Kit.Bytes(192, 0, 2, 1), d.Source);
        Assert.Equal(20 + InnerV4, d.IpBytes);
        AssertInnerDns(d, 1);
    }

    [Fact]
    public void Decode_SixInFour_OuterIpv4InnerIpv6Transport()
    {
        var frame = new FrameBuilder().Ethernet().IPv4("192.0.2.1", "192.0.2.2").IPv6("2001:db8::1", "2001:db8::2").Udp(33000, 53).Payload(Dns).Build();
        Assert.Equal(41, frame[14 + 9]);
        var d = Kit.Decode(LinkTypes.Ethernet, frame);
        Assert.Equal(4, d.IpVersion);
        Assert.Equal(Kit.Bytes(192, 0, 2, 1), d.Source);
        Assert.Equal(20 + InnerV6, d.IpBytes);
        AssertInnerDns(d, 1);
    }

    [Fact]
    public void Decode_GreWithKeyAndSequence_InnerTransport()
    {
        // GRE flags K and S (0x3000), protocol 0x0800, key, sequence: 12 bytes.
        var gre = Kit.Bytes(0x30, 0x00, 0x08, 0x00, 0, 0, 0, 42, 0, 0, 0, 7);
        var frame = InnerV4Dns(new FrameBuilder().Ethernet().IPv4("192.0.2.1", "192.0.2.2", protocol: 47).Payload(gre)).Build();
        var d = Kit.Decode(LinkTypes.Ethernet, frame);
        Assert.Equal(Kit.Bytes(192, 0, 2, 1), d.Source);
        Assert.Equal(20 + 12 + InnerV4, d.IpBytes);
        AssertInnerDns(d, 1);
    }

    [Fact]
    public void Decode_GreTransparentEthernet_InnerTransport()
    {
        var gre = Kit.Bytes(0x00, 0x00, 0x65, 0x58);
        var frame = InnerV4Dns(new FrameBuilder().Ethernet().IPv6("2001:db8::1", "2001:db8::2", nextHeader: 47).Payload(gre).Ethernet()).Build();
        var d = Kit.Decode(LinkTypes.Ethernet, frame);
        Assert.Equal(6, d.IpVersion);
        Assert.Equal(Kit.Ip("2001:db8::1"), d.Source);
        Assert.Equal(40 + 4 + 14 + InnerV4, d.IpBytes);
        AssertInnerDns(d, 1);
    }

    [Fact]
    public void Decode_Vxlan_InnerEthernetTransport()
    {
        // VXLAN: flags 0x08 (VNI valid), 3 reserved, VNI 0x001234, 1 reserved.
        var vxlan = Kit.Bytes(0x08, 0, 0, 0, 0x00, 0x12, 0x34, 0);
        var frame = InnerV4Dns(new FrameBuilder().Ethernet().IPv4("192.0.2.1", "192.0.2.2").Udp(49152, 4789).Payload(vxlan).Ethernet()).Build();
        var d = Kit.Decode(LinkTypes.Ethernet, frame);
        Assert.Equal(Kit.Bytes(192, 0, 2, 1), d.Source);
        Assert.Equal(20 + 8 + 8 + 14 + InnerV4, d.IpBytes);
        AssertInnerDns(d, 1);
    }

    [Fact]
    public void Decode_VxlanWithoutValidVniFlag_OuterUdpKept()
    {
        var vxlan = Kit.Bytes(0x00, 0, 0, 0, 0x00, 0x12, 0x34, 0);
        var frame = InnerV4Dns(new FrameBuilder().Ethernet().IPv4("192.0.2.1", "192.0.2.2").Udp(49152, 4789).Payload(vxlan).Ethernet()).Build();
        var d = Kit.Decode(LinkTypes.Ethernet, frame);
        Assert.Equal(4789, d.DestinationPort);
        Assert.Equal(0, d.TunnelDepth);
    }

    [Fact]
    public void Decode_GeneveWithOption_InnerTransport()
    {
        // GENEVE: ver 0, option length 1 word, protocol 0x6558, VNI, reserved; then a 4-byte option.
        var geneve = Kit.Bytes(0x01, 0x00, 0x65, 0x58, 0, 0, 1, 0, 0x01, 0x02, 0x03, 0x00);
        var frame = InnerV4Dns(new FrameBuilder().Ethernet().IPv4("192.0.2.1", "192.0.2.2").Udp(49152, 6081).Payload(geneve).Ethernet()).Build();
        var d = Kit.Decode(LinkTypes.Ethernet, frame);
        Assert.Equal(20 + 8 + 12 + 14 + InnerV4, d.IpBytes);
        AssertInnerDns(d, 1);
    }

    [Fact]
    public void Decode_GeneveCarryingIpv4Directly_InnerTransport()
    {
        var geneve = Kit.Bytes(0x00, 0x00, 0x08, 0x00, 0, 0, 1, 0);
        var frame = InnerV4Dns(new FrameBuilder().Ethernet().IPv4("192.0.2.1", "192.0.2.2").Udp(49152, 6081).Payload(geneve)).Build();
        AssertInnerDns(Kit.Decode(LinkTypes.Ethernet, frame), 1);
    }

    [Fact]
    public void Decode_GtpU_InnerTransport()
    {
        // GTPv1-U: 0x30 (version 1, PT 1), message type 0xFF (G-PDU), length, TEID.
        var gtp = Kit.Bytes(0x30, 0xFF, 0x00, InnerV4, 0, 0, 0, 1);
        var frame = InnerV4Dns(new FrameBuilder().Ethernet().IPv4("192.0.2.1", "192.0.2.2").Udp(2152, 2152).Payload(gtp)).Build();
        var d = Kit.Decode(LinkTypes.Ethernet, frame);
        Assert.Equal(Kit.Bytes(192, 0, 2, 1), d.Source);
        Assert.Equal(20 + 8 + 8 + InnerV4, d.IpBytes);
        AssertInnerDns(d, 1);
    }

    [Fact]
    public void Decode_GtpUWithSequenceNumber_InnerTransport()
    {
        // S flag (0x32): 4 more bytes (sequence 2, N-PDU 1, next extension type 0).
        var gtp = Kit.Bytes(0x32, 0xFF, 0x00, InnerV4 + 4, 0, 0, 0, 1, 0, 9, 0, 0);
        var frame = InnerV4Dns(new FrameBuilder().Ethernet().IPv4("192.0.2.1", "192.0.2.2").Udp(2152, 2152).Payload(gtp)).Build();
        AssertInnerDns(Kit.Decode(LinkTypes.Ethernet, frame), 1);
    }

    [Fact]
    public void Decode_Teredo_InnerIpv6Transport()
    {
        var frame = new FrameBuilder().Ethernet().IPv4("192.0.2.1", "192.0.2.2").Udp(3544, 40000)
            .IPv6("2001::1", "2001::2").Udp(33000, 53).Payload(Dns).Build();
        var d = Kit.Decode(LinkTypes.Ethernet, frame);
        Assert.Equal(4, d.IpVersion);
        Assert.Equal(Kit.Bytes(192, 0, 2, 1), d.Source);
        Assert.Equal(20 + 8 + InnerV6, d.IpBytes);
        AssertInnerDns(d, 1);
    }

    [Fact]
    public void Decode_TeredoWithOriginIndication_InnerIpv6Transport()
    {
        var origin = Kit.Bytes(0x00, 0x00, 0x12, 0x34, 0xC0, 0x00, 0x02, 0x63);
        var frame = new FrameBuilder().Ethernet().IPv4("192.0.2.1", "192.0.2.2").Udp(40000, 3544).Payload(origin)
            .IPv6("2001::1", "2001::2").Udp(33000, 53).Payload(Dns).Build();
        AssertInnerDns(Kit.Decode(LinkTypes.Ethernet, frame), 1);
    }

    [Fact]
    public void Decode_DnsPortNeverTreatedAsTunnel()
    {
        // UDP 53 from port 4789: the payload is DNS, not VXLAN.
        var frame = new FrameBuilder().Ethernet().IPv4("10.0.0.1", "10.0.0.2").Udp(4789, 53).Payload(Dns).Build();
        var d = Kit.Decode(LinkTypes.Ethernet, frame);
        Assert.Equal(0, d.TunnelDepth);
        Assert.Equal(Dns, d.Payload);
    }

    [Fact]
    public void Decode_IpInIpNestedDeeperThanLimit_Stops()
    {
        var f = new FrameBuilder().Ethernet();
        for (int i = 0; i < 10; i++) f.IPv4($"10.0.0.{i + 1}", "10.0.0.200");
        var d = Kit.Decode(LinkTypes.Ethernet, f.Udp(1, 53).Payload(Dns).Build());
        Assert.Equal(Kit.Bytes(10, 0, 0, 1), d.Source);
        Assert.Equal(4, d.TunnelDepth);
        Assert.Equal(TransportProtocol.None, d.Transport);
    }
    [Fact]
    public void Decode_ErspanTypeII_InnerTransport()
    {
        // GRE with S (0x1000), protocol 0x88BE, sequence number; then the 8-byte ERSPAN II header and Ethernet.
        var gre = Kit.Bytes(0x10, 0x00, 0x88, 0xBE, 0, 0, 0, 1);
        var erspan = Kit.Bytes(0x10, 0x01, 0x00, 0x05, 0, 0, 0, 0);
        var frame = InnerV4Dns(new FrameBuilder().Ethernet().IPv4("192.0.2.1", "192.0.2.2", protocol: 47).Payload(gre).Payload(erspan).Ethernet()).Build();
        var d = Kit.Decode(LinkTypes.Ethernet, frame);
        Assert.Equal(20 + 8 + 8 + 14 + InnerV4, d.IpBytes);
        AssertInnerDns(d, 1);
    }

    [Fact]
    public void Decode_PptpEnhancedGre_InnerPppIpv4Transport()
    {
        // Enhanced GRE (version 1) with K and S: flags 0x3001, protocol 0x880B, payload length + call id, sequence.
        var gre = Kit.Bytes(0x30, 0x01, 0x88, 0x0B, 0x00, 45, 0x00, 0x07, 0, 0, 0, 1);
        var frame = InnerV4Dns(new FrameBuilder().Ethernet().IPv4("192.0.2.1", "192.0.2.2", protocol: 47).Payload(gre).Ppp()).Build();
        var d = Kit.Decode(LinkTypes.Ethernet, frame);
        Assert.Equal(20 + 12 + 4 + InnerV4, d.IpBytes);
        AssertInnerDns(d, 1);
    }
    [Fact]
    public void Decode_TeredoWithAuthenticationHeader_InnerIpv6Transport()
    {
        // Authentication indicator 00 01, ID-len 2, AU-len 1, client id, authenticator, 8-byte nonce, confirmation.
        var auth = Kit.Bytes(0x00, 0x01, 2, 1, 0xAA, 0xBB, 0xCC, 1, 2, 3, 4, 5, 6, 7, 8, 0);
        var frame = new FrameBuilder().Ethernet().IPv4("192.0.2.1", "192.0.2.2").Udp(40000, 3544).Payload(auth)
            .IPv6("2001::1", "2001::2").Udp(33000, 53).Payload(Dns).Build();
        AssertInnerDns(Kit.Decode(LinkTypes.Ethernet, frame), 1);
    }

    [Fact]
    public void Decode_GtpUWithExtensionHeader_InnerTransport()
    {
        // E flag (0x34): 12-byte header whose last byte names the next extension (0x85, PDU session container);
        // the extension is 1 word long (length 1) and its last byte says no further extension.
        var gtp = Kit.Bytes(0x34, 0xFF, 0x00, InnerV4 + 8, 0, 0, 0, 1, 0, 0, 0, 0x85, 0x01, 0x10, 0x09, 0x00);
        var frame = InnerV4Dns(new FrameBuilder().Ethernet().IPv4("192.0.2.1", "192.0.2.2").Udp(2152, 2152).Payload(gtp)).Build();
        AssertInnerDns(Kit.Decode(LinkTypes.Ethernet, frame), 1);
    }
}
