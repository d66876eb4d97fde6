namespace PcapViz.Tests;

/// <summary>802.11 behind radiotap, PPI, Prism, AVS and plain, over hand-built frames (docs/analysis.md, "802.11").</summary>
public sealed class Ieee80211DecoderTests
{
    private static readonly byte[] Query = new DnsMessageBuilder { Id = 7 }.Question("wifi.example").Build();

    private static FrameBuilder Dns(FrameBuilder f) => f.IPv4("192.168.7.9", "192.168.7.1").Udp(40000, 53).Payload(Query);

    private static void AssertDnsV4(Decoded d)
    {
        Assert.Equal(UndecodedCause.None, d.Undecoded);
        Assert.Equal(4, d.IpVersion);
        Assert.Equal(Kit.Ip("192.168.7.9"), d.Source);
        Assert.Equal(20 + 8 + Query.Length, d.IpBytes);
        Assert.Equal(TransportProtocol.Udp, d.Transport);
        Assert.Equal(Query, d.Payload);
    }

    [Fact]
    public void Decode_PlainNonQosData_Ipv4()
    {
        AssertDnsV4(Kit.Decode(LinkTypes.Ieee80211, Dns(new FrameBuilder().Ieee80211(subtype: 0)).Build()));
    }

    [Fact]
    public void Decode_QosData_Ipv4()
    {
        AssertDnsV4(Kit.Decode(LinkTypes.Ieee80211, Dns(new FrameBuilder().Ieee80211(subtype: 8)).Build()));
    }

    [Fact]
    public void Decode_QosDataWithHtControl_Ipv4()
    {
        AssertDnsV4(Kit.Decode(LinkTypes.Ieee80211, Dns(new FrameBuilder().Ieee80211(subtype: 8, order: true)).Build()));
    }

    [Fact]
    public void Decode_NonQosDataWithOrderBit_NoHtControl_Ipv4()
    {
        // The Order bit means +HTC only on QoS frames; a non-QoS data frame has no HT control field.
        AssertDnsV4(Kit.Decode(LinkTypes.Ieee80211, Dns(new FrameBuilder().Ieee80211(subtype: 0, order: true)).Build()));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    public void Decode_FourAddressFrame_Ipv4(byte subtype)
    {
        AssertDnsV4(Kit.Decode(LinkTypes.Ieee80211, Dns(new FrameBuilder().Ieee80211(subtype: subtype, toDs: true, fromDs: true)).Build()));
    }

    [Fact]
    public void Decode_FourAddressQosWithHtControl_Ipv6()
    {
        var frame = new FrameBuilder().Ieee80211(subtype: 8, toDs: true, fromDs: true, order: true)
            .IPv6("2001:db8::9", "2001:db8::1").Udp(5353, 5353).Payload(Query).Build();
        var d = Kit.Decode(LinkTypes.Ieee80211, frame);
        Assert.Equal(6, d.IpVersion);
        Assert.Equal(Kit.Ip("2001:db8::9"), d.Source);
        Assert.Equal(Query, d.Payload);
    }

    [Theory]
    [InlineData(4)]  // null function
    [InlineData(12)] // QoS null
    [InlineData(5)]  // CF-Ack, no data
    public void Decode_NoDataSubtypes_NotIpNoWarning(byte subtype)
    {
        var d = Kit.Decode(LinkTypes.Ieee80211, Dns(new FrameBuilder().Ieee80211(subtype: subtype)).Build());
        Assert.Equal(0, d.IpVersion);
        Assert.Equal(UndecodedCause.None, d.Undecoded);
        Assert.Equal(DecodeNotes.None, d.Notes);
        Assert.Null(d.Anomaly);
    }

    [Theory]
    [InlineData(0, 8)]  // management (beacon)
    [InlineData(1, 13)] // control (ACK)
    public void Decode_ManagementAndControl_NotIpNoWarning(byte type, byte subtype)
    {
        var d = Kit.Decode(LinkTypes.Ieee80211, new FrameBuilder().Ieee80211(type: type, subtype: subtype, llcSnap: false).Payload(new byte[40]).Build());
        Assert.Equal(0, d.IpVersion);
        Assert.Equal(UndecodedCause.None, d.Undecoded);
        Assert.Equal(DecodeNotes.None, d.Notes);
    }

    [Fact]
    public void Decode_Protected_NotIpWithNote()
    {
        var d = Kit.Decode(LinkTypes.Ieee80211, Dns(new FrameBuilder().Ieee80211(subtype: 8, protectedFrame: true)).Build());
        Assert.Equal(0, d.IpVersion);
        Assert.Equal(DecodeNotes.Ieee80211Protected, d.Notes);
        Assert.Equal(UndecodedCause.None, d.Undecoded);
    }

    [Fact]
    public void Decode_Amsdu_UndecodedWithCause()
    {
        var d = Kit.Decode(LinkTypes.Ieee80211, Dns(new FrameBuilder().Ieee80211(subtype: 8, amsdu: true)).Build());
        Assert.Equal(0, d.IpVersion);
        Assert.Equal(UndecodedCause.Ieee80211Amsdu, d.Undecoded);
    }

    [Fact]
    public void Decode_LaterFragmentOfMsdu_NotIp()
    {
        var d = Kit.Decode(LinkTypes.Ieee80211, Dns(new FrameBuilder().Ieee80211(fragmentNumber: 1)).Build());
        Assert.Equal(0, d.IpVersion);
    }

    [Fact]
    public void Decode_Radiotap_Ipv4()
    {
        AssertDnsV4(Kit.Decode(LinkTypes.Ieee80211Radiotap, Dns(new FrameBuilder().Radiotap(flags: 0).Ieee80211()).Build()));
    }

    /// <summary>
    /// IPv4 total length 0 (TSO): nothing but the frame's end bounds the packet, so an FCS left in place would show
    /// in the IP bytes and the TCP payload.
    /// </summary>
    private static FrameBuilder UnboundedTcpWithFcs(FrameBuilder f) =>
        f.IPv4("10.0.0.1", "10.0.0.2", totalLength: 0).Tcp(40000, 53).Payload(DnsMessageBuilder.TcpFraming(Query)).Trailer(Kit.Bytes(0xDE, 0xAD, 0xBE, 0xEF));

    private static void AssertFcsStripped(Decoded d)
    {
        var framed = DnsMessageBuilder.TcpFraming(Query);
        Assert.Equal(framed, d.Payload);
        Assert.Equal(20 + 20 + framed.Length, d.IpBytes);
    }

    [Fact]
    public void Decode_RadiotapFcsFlag_FcsStripped()
    {
        AssertFcsStripped(Kit.Decode(LinkTypes.Ieee80211Radiotap, UnboundedTcpWithFcs(new FrameBuilder().Radiotap(flags: 0x10).Ieee80211()).Build()));
    }

    [Fact]
    public void Decode_RadiotapWithoutFcsFlag_TrailerKept()
    {
        var d = Kit.Decode(LinkTypes.Ieee80211Radiotap, UnboundedTcpWithFcs(new FrameBuilder().Radiotap(flags: 0).Ieee80211()).Build());
        Assert.Equal(20 + 20 + DnsMessageBuilder.TcpFraming(Query).Length + 4, d.IpBytes);
    }

    [Fact]
    public void Decode_RadiotapExtendedPresentBitmapAndTsft_FindsFlagsAndStripsFcs()
    {
        // Two extra present words move the fields; TSFT is 8-aligned; the flags field behind it says an FCS ends the frame.
        var frame = UnboundedTcpWithFcs(new FrameBuilder().Radiotap(flags: 0x10, tsft: true, extraPresentWords: 2).Ieee80211(subtype: 8)).Build();
        AssertFcsStripped(Kit.Decode(LinkTypes.Ieee80211Radiotap, frame));
    }

    [Fact]
    public void Decode_RadiotapFcsFlagSnapLengthCutFcs_NothingCutTwice()
    {
        // The capture kept only part of the frame (snap length): the FCS is not among the captured bytes.
        var frame = UnboundedTcpWithFcs(new FrameBuilder().Radiotap(flags: 0x10).Ieee80211()).Build();
        var d = Kit.Decode(LinkTypes.Ieee80211Radiotap, frame[..^10], originalLength: frame.Length);
        Assert.Equal(20 + 20 + DnsMessageBuilder.TcpFraming(Query).Length, d.IpBytes);
        Assert.Equal(DnsMessageBuilder.TcpFraming(Query)[..^6], d.Payload);
    }

    [Fact]
    public void Decode_RadiotapDataPadFlag_SkipsPaddingAfterHeader()
    {
        // QoS data: 26-byte header, padded to 28 before the LLC header.
        var header = new FrameBuilder().Radiotap(flags: 0x20).Ieee80211(subtype: 8, llcSnap: false).Build();
        var rest = Dns(new FrameBuilder().Ieee80211(subtype: 0)).Build()[24..]; // LLC/SNAP + IPv4
        var d = Kit.Decode(LinkTypes.Ieee80211Radiotap, Kit.Concat(header, new byte[2], rest));
        AssertDnsV4(d);
    }

    [Theory]
    [InlineData(1, null)]          // version 1
    [InlineData(0, (ushort)4)]     // length below 8
    [InlineData(0, (ushort)4000)]  // length past the frame
    public void Decode_MalformedRadiotap_UndecodedMalformedLinkHeader(byte version, ushort? length)
    {
        var frame = Dns(new FrameBuilder().Radiotap(flags: 0, version: version, length: length).Ieee80211()).Build();
        var d = Kit.Decode(LinkTypes.Ieee80211Radiotap, frame);
        Assert.Equal(UndecodedCause.MalformedLinkHeader, d.Undecoded);
        Assert.Equal(0, d.IpVersion);
    }

    [Fact]
    public void Decode_RadiotapPresentWordsRunPastHeader_Malformed()
    {
        // Every present word says another follows, past the header's length.
        var frame = Kit.Concat(Kit.Bytes(0, 0, 12, 0), Kit.U32Le(0x80000000), Kit.U32Le(0x80000000), new byte[40]);
        Assert.Equal(UndecodedCause.MalformedLinkHeader, Kit.Decode(LinkTypes.Ieee80211Radiotap, frame).Undecoded);
    }

    [Fact]
    public void Decode_TruncatedRadiotap_Malformed()
    {
        Assert.Equal(UndecodedCause.MalformedLinkHeader, Kit.Decode(LinkTypes.Ieee80211Radiotap, Kit.Bytes(0, 0, 8)).Undecoded);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Decode_Prism_Ipv4EitherByteOrder(bool bigEndian)
    {
        AssertDnsV4(Kit.Decode(LinkTypes.Ieee80211Prism, Dns(new FrameBuilder().Prism(bigEndian: bigEndian).Ieee80211()).Build()));
    }

    [Fact]
    public void Decode_PrismLengthPastFrame_Malformed()
    {
        var frame = Dns(new FrameBuilder().Prism(length: 5000).Ieee80211()).Build();
        Assert.Equal(UndecodedCause.MalformedLinkHeader, Kit.Decode(LinkTypes.Ieee80211Prism, frame).Undecoded);
    }

    [Fact]
    public void Decode_Avs_Ipv4()
    {
        AssertDnsV4(Kit.Decode(LinkTypes.Ieee80211Avs, Dns(new FrameBuilder().Avs().Ieee80211(subtype: 8)).Build()));
    }

    [Fact]
    public void Decode_AvsUnderPrismLinkType_RecognisedByMagic()
    {
        AssertDnsV4(Kit.Decode(LinkTypes.Ieee80211Prism, Dns(new FrameBuilder().Avs().Ieee80211()).Build()));
    }

    [Fact]
    public void Decode_AvsBadMagic_Malformed()
    {
        var frame = Dns(new FrameBuilder().Avs(magic: 0x12345678).Ieee80211()).Build();
        Assert.Equal(UndecodedCause.MalformedLinkHeader, Kit.Decode(LinkTypes.Ieee80211Avs, frame).Undecoded);
    }

    [Fact]
    public void Decode_PpiWith80211_Ipv4()
    {
        AssertDnsV4(Kit.Decode(LinkTypes.Ppi, Dns(new FrameBuilder().Ppi().Ieee80211()).Build()));
    }

    [Fact]
    public void Decode_PpiCommonFieldFcsFlag_StripsFcs()
    {
        AssertFcsStripped(Kit.Decode(LinkTypes.Ppi, UnboundedTcpWithFcs(new FrameBuilder().Ppi(fcs: true).Ieee80211()).Build()));
    }

    [Fact]
    public void Decode_PpiCommonFieldWithoutFcsFlag_TrailerKept()
    {
        var d = Kit.Decode(LinkTypes.Ppi, UnboundedTcpWithFcs(new FrameBuilder().Ppi(fcs: false).Ieee80211()).Build());
        Assert.Equal(20 + 20 + DnsMessageBuilder.TcpFraming(Query).Length + 4, d.IpBytes);
    }

    [Fact]
    public void Decode_PpiLengthPastFrame_Malformed()
    {
        var frame = Kit.Concat(Kit.Bytes(0, 0, 0xFF, 0x0F), Kit.U32Le(105), new byte[30]);
        Assert.Equal(UndecodedCause.MalformedLinkHeader, Kit.Decode(LinkTypes.Ppi, frame).Undecoded);
    }

    [Fact]
    public void Analyse_WifiCapture_ProtectedWarnedOnceMalformedUndecodedCaptureGoesOn()
    {
        var ok = Dns(new FrameBuilder().Radiotap(flags: 0).Ieee80211()).Build();
        var protectedFrame = Dns(new FrameBuilder().Radiotap(flags: 0).Ieee80211(subtype: 8, protectedFrame: true)).Build();
        var malformed = Kit.Bytes(0, 0, 0xFF, 0xFF, 0, 0, 0, 0, 1, 2, 3);
        var beacon = new FrameBuilder().Radiotap(flags: 0).Ieee80211(type: 0, subtype: 8, llcSnap: false).Payload(new byte[30]).Build();
        var issues = new IssueLog();
        var frames = new[] { ok, protectedFrame, malformed, protectedFrame, malformed, beacon, ok };
        var analysis = Kit.Analyse(frames.Select((f, i) => (Kit.Jan2024Nanos + i, (int)LinkTypes.Ieee80211Radiotap, f)), issues: issues);
        var summary = analysis.ToSummary();
        Assert.Equal(7, summary.Packets);
        Assert.Equal(2, summary.Ipv4Packets);
        Assert.Equal(2, summary.UndecodedPackets);
        var list = issues.ToList();
        Assert.Single(list, i => i.Code == IssueCodes.Ieee80211Protected);
        var malformedIssue = Assert.Single(list, i => i.Code == IssueCodes.MalformedLinkHeader);
        Assert.Equal(2, malformedIssue.PacketIndex);
        Assert.Contains("link type 802.11 with radiotap header (127)", malformedIssue.Message);
        Assert.Equal(2, list.Count);
        Assert.Equal(2, analysis.DnsQueries.ToResult().Entries.Single(e => e.Name == "wifi.example").Queries);
    }
}
