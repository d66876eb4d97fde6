using System.Buffers.Binary;

namespace PcapViz.Decoding;

/// <summary>
/// Finds the outermost IP header of a frame and the UDP/TCP payload behind it, without allocating. 802.11 (plain,
/// radiotap, PPI, Prism, AVS) is decoded natively (PacketDecoder.Ieee80211.cs); link types it does not know are
/// handed to <see cref="FallbackDecoder"/> (PacketDotNet), which only tells where IP starts and whose failures are
/// contained: a frame it cannot decode counts as undecoded, never as a failed capture.
/// </summary>
internal sealed partial class PacketDecoder
{
    private const int MaxTags = 8;
    private const int MaxMplsLabels = 16;
    private const int MaxIpv6ExtensionHeaders = 16;

    private const int EthernetHeaderLength = 14;
    private const int EthernetTypeOffset = 12;
    private const int SllHeaderLength = 16;
    private const int SllProtocolOffset = 14;
    private const int Sll2HeaderLength = 20;
    private const int Sll2ProtocolOffset = 0;
    private const int LoopbackHeaderLength = 4;
    private const int PppoeHeaderLength = 6;
    private const int CiscoHdlcHeaderLength = 4;
    private const int CiscoHdlcTypeOffset = 2;
    private const int IpoibHeaderLength = 44;
    private const int IpoibTypeOffset = 40;
    private const int PktapMinHeaderLength = 8;
    private const int PpiHeaderLength = 8;


    /// <summary>Decodes one frame. Never throws: what cannot be decoded is reported in the view.</summary>
    public void Decode(int linkType, ReadOnlySpan<byte> frame, int originalLength, ref PacketView view)
    {
        view = default;
        DecodeLink(linkType, frame, originalLength, ref view, depth: 0);
    }

    /// <summary>Decodes one frame held in <paramref name="trail"/>'s buffer, recording where its address-bearing headers are.</summary>
    public void Decode(int linkType, ReadOnlySpan<byte> frame, int originalLength, ref PacketView view, PacketTrail trail)
    {
        view = default;
        view.Trail = trail;
        DecodeLink(linkType, frame, originalLength, ref view, depth: 0);
    }

    private static void Undecodable(ref PacketView view, UndecodedCause cause, int linkType)
    {
        view = default;
        view.Undecoded = cause;
        view.UndecodedLinkType = linkType;
    }

    private void DecodeLink(int linkType, ReadOnlySpan<byte> d, int wireLength, ref PacketView view, int depth)
    {
        switch (linkType)
        {
            case LinkTypes.Ethernet:
                DecodeEthernet(d, wireLength, ref view);
                return;
            case LinkTypes.Raw or LinkTypes.RawOpenBsd or LinkTypes.RawBsdOs:
                DecodeIpByVersion(d, wireLength, ref view);
                return;
            case LinkTypes.Ipv4 or LinkTypes.Ipv6:
                DecodeDeclaredIp(d, wireLength, declaredVersion: linkType == LinkTypes.Ipv4 ? 4 : 6, ref view);
                return;
            case LinkTypes.LinuxSll:
                DecodeAfterEtherTypeHeader(d, wireLength, SllHeaderLength, SllProtocolOffset, ref view);
                return;
            case LinkTypes.LinuxSll2:
                DecodeAfterEtherTypeHeader(d, wireLength, Sll2HeaderLength, Sll2ProtocolOffset, ref view);
                return;
            case LinkTypes.Null or LinkTypes.Loop:
                // DLT_NULL's family is in the capturing host's byte order, DLT_LOOP's in network order; that order is tried first.
                if (d.Length >= LoopbackHeaderLength)
                    DecodeAddressFamily(linkType == LinkTypes.Null ? BinaryPrimitives.ReadUInt32LittleEndian(d) : BinaryPrimitives.ReadUInt32BigEndian(d),
                        d[LoopbackHeaderLength..], wireLength - LoopbackHeaderLength, ref view);
                return;
            case LinkTypes.Ppp or LinkTypes.PppHdlc:
                DecodePpp(d, wireLength, ref view);
                return;
            case LinkTypes.PppEthernet:
                if (d.Length >= PppoeHeaderLength) DecodePpp(d[PppoeHeaderLength..], wireLength - PppoeHeaderLength, ref view);
                return;
            case LinkTypes.CiscoHdlc: // address, control, then an EtherType
                DecodeAfterEtherTypeHeader(d, wireLength, CiscoHdlcHeaderLength, CiscoHdlcTypeOffset, ref view);
                return;
            case LinkTypes.IpOverInfiniBand:
                // Linux IPoIB pseudo-header: 20-byte destination and source hardware addresses, EtherType, 2 reserved bytes.
                DecodeAfterEtherTypeHeader(d, wireLength, IpoibHeaderLength, IpoibTypeOffset, ref view);
                return;
            case LinkTypes.ArcnetLinux:
                DecodeArcnet(d, wireLength, ref view);
                return;
            case LinkTypes.NfLog:
                DecodeNfLog(d, wireLength, ref view);
                return;
            case LinkTypes.Ieee80211:
                DecodeIeee80211(d, wireLength, fcsAtEnd: false, dataPad: false, ref view);
                return;
            case LinkTypes.Ieee80211Radiotap:
                DecodeRadiotap(d, wireLength, ref view);
                return;
            case LinkTypes.Ieee80211Prism:
                DecodePrism(d, wireLength, ref view);
                return;
            case LinkTypes.Ieee80211Avs:
                DecodeAvs(d, wireLength, ref view);
                return;
            case LinkTypes.PktAp when depth == 0:
                if (d.Length >= PktapMinHeaderLength)
                {
                    uint headerLength = BinaryPrimitives.ReadUInt32LittleEndian(d);
                    int inner = (int)BinaryPrimitives.ReadUInt32LittleEndian(d[4..]);
                    if (headerLength >= PktapMinHeaderLength && headerLength <= (uint)d.Length)
                        DecodeLink(inner, d[(int)headerLength..], wireLength - (int)headerLength, ref view, depth + 1);
                    else Undecodable(ref view, UndecodedCause.MalformedLinkHeader, linkType);
                }
                return;
            case LinkTypes.Ppi when depth == 0:
                DecodePpi(d, wireLength, ref view, depth);
                return;
            default:
                DecodeFallback(linkType, d, wireLength, ref view);
                return;
        }
    }

    private static void DecodeFallback(int linkType, ReadOnlySpan<byte> d, int wireLength, ref PacketView view)
    {
        switch (FallbackDecoder.TryFindIp(linkType, d, out int offset, out string? failure))
        {
            case FallbackOutcome.Unsupported:
                Undecodable(ref view, UndecodedCause.UnsupportedLinkType, linkType);
                return;
            case FallbackOutcome.Failed:
                Undecodable(ref view, UndecodedCause.DecoderFailure, linkType);
                view.UndecodedDetail = failure;
                return;
            default:
                if (offset >= 0 && offset < d.Length) DecodeIpByVersion(d[offset..], wireLength - offset, ref view);
                return;
        }
    }

    private static void DecodeEthernet(ReadOnlySpan<byte> d, int wireLength, ref PacketView view)
    {
        view.Trail?.Ethernet(d);
        if (d.Length < EthernetHeaderLength) return;
        int pos = EthernetTypeOffset;
        int type = BinaryPrimitives.ReadUInt16BigEndian(d[pos..]);
        for (int i = 0; i < MaxTags; i++)
        {
            if (type is EtherTypes.Vlan or EtherTypes.QinQ or EtherTypes.VlanLegacy9100 or EtherTypes.VlanLegacy9200)
                pos += 4;
            else if (type == EtherTypes.VnTag)
                pos += 6;
            else if (type <= EtherTypes.MaxLength8023)
            {
                // IEEE 802.3 length field: only LLC/SNAP with a zero OUI carries an EtherType.
                if (d.Length < pos + 10 || !IsSnapWithEtherType(d[(pos + 2)..], allowBridgeTunnel: false)) return;
                pos += 8; // length 2, LLC 3, OUI 3: the SNAP EtherType follows
            }
            else break;
            if (d.Length < pos + 2) return;
            type = BinaryPrimitives.ReadUInt16BigEndian(d[pos..]);
        }
        DecodeEtherType(type, d[(pos + 2)..], wireLength - pos - 2, ref view);
    }

    private static void DecodeEtherType(int type, ReadOnlySpan<byte> d, int wireLength, ref PacketView view)
    {
        switch (type)
        {
            case EtherTypes.Ipv4:
                DecodeIpv4(d, wireLength, ref view);
                break;
            case EtherTypes.Ipv6:
                DecodeIpv6(d, ref view);
                break;
            case EtherTypes.PppoeSession: // version/type, code, session id, length, then the PPP protocol
                if (d.Length >= 8) DecodePppProtocol(BinaryPrimitives.ReadUInt16BigEndian(d[6..]), d[8..], wireLength - 8, ref view);
                break;
            case EtherTypes.MplsUnicast or EtherTypes.MplsMulticast:
                DecodeMpls(d, wireLength, ref view);
                break;
        }
    }

    /// <summary>
    /// Linux ARCnet: source, destination, 2-byte offset, protocol id; RFC 1201 protocols (IPv4 0xD4, IPv6 0xC4)
    /// add a split flag and a 2-byte sequence number (4 more bytes after an exception packet's 0xFF flag);
    /// RFC 1051 IPv4 (0xF0) has none.
    /// </summary>
    private static void DecodeArcnet(ReadOnlySpan<byte> d, int wireLength, ref PacketView view)
    {
        if (d.Length < 5) return;
        int header;
        switch (d[4])
        {
            case 0xF0:
                header = 5;
                break;
            case 0xD4 or 0xC4:
                if (d.Length < 6) return;
                header = d[5] == 0xFF ? 12 : 8;
                break;
            default:
                return;
        }
        if (d.Length < header) return;
        if (d[4] == 0xC4) DecodeIpv6(d[header..], ref view);
        else DecodeIpv4(d[header..], wireLength - header, ref view);
    }

    private static void DecodeMpls(ReadOnlySpan<byte> d, int wireLength, ref PacketView view)
    {
        int pos = 0;
        for (int i = 0; i < MaxMplsLabels; i++)
        {
            if (d.Length < pos + 4) return;
            bool bottom = (d[pos + 2] & 0x01) != 0;
            pos += 4;
            if (bottom)
            {
                // Below the label stack the payload type is not signalled; IP is recognised by its version nibble.
                DecodeIpByVersion(d[pos..], wireLength - pos, ref view);
                return;
            }
        }
    }

    /// <summary>A loopback family word, read in the link type's usual byte order; the other order is accepted too.</summary>
    private static void DecodeAddressFamily(uint family, ReadOnlySpan<byte> d, int wireLength, ref PacketView view)
    {
        static int Version(uint f) => f switch { 2 => 4, 10 or 24 or 28 or 30 => 6, _ => 0 };
        int version = Version(family);
        if (version == 0) version = Version(BinaryPrimitives.ReverseEndianness(family));
        if (version == 4) DecodeIpv4(d, wireLength, ref view);
        else if (version == 6) DecodeIpv6(d, ref view);
    }

    private static void DecodePpp(ReadOnlySpan<byte> d, int wireLength, ref PacketView view)
    {
        int pos = 0;
        if (d.Length >= 2 && d[0] == 0xFF && d[1] == 0x03) pos = 2;
        if (d.Length < pos + 1) return;
        int protocol;
        if ((d[pos] & 0x01) != 0) { protocol = d[pos]; pos += 1; } // protocol field compression
        else
        {
            if (d.Length < pos + 2) return;
            protocol = BinaryPrimitives.ReadUInt16BigEndian(d[pos..]);
            pos += 2;
        }
        DecodePppProtocol(protocol, d[pos..], wireLength - pos, ref view);
    }

    private static void DecodePppProtocol(int protocol, ReadOnlySpan<byte> d, int wireLength, ref PacketView view)
    {
        switch (protocol)
        {
            case PppProtocols.Ipv4: DecodeIpv4(d, wireLength, ref view); break;
            case PppProtocols.Ipv6: DecodeIpv6(d, ref view); break;
            case PppProtocols.MplsUnicast or PppProtocols.MplsMulticast: DecodeMpls(d, wireLength, ref view); break;
        }
    }

    private static void DecodeNfLog(ReadOnlySpan<byte> d, int wireLength, ref PacketView view)
    {
        const int payloadTlv = 9;
        if (d.Length < 4) return;
        int family = d[0];
        int pos = 4;
        while (pos + 4 <= d.Length)
        {
            int length = BinaryPrimitives.ReadUInt16LittleEndian(d[pos..]);
            int type = BinaryPrimitives.ReadUInt16LittleEndian(d[(pos + 2)..]) & 0x7FFF;
            if (length < 4) return;
            if (type == payloadTlv)
            {
                int end = Math.Min(d.Length, pos + length);
                var payload = d[(pos + 4)..end];
                int wire = wireLength - pos - 4;
                if (family == 2) DecodeIpv4(payload, wire, ref view);
                else if (family == 10) DecodeIpv6(payload, ref view);
                else DecodeIpByVersion(payload, wire, ref view);
                return;
            }
            pos += (length + 3) & ~3;
        }
    }

    /// <summary>A fixed-length link header with an EtherType at <paramref name="typeOffset"/>; too short a packet is left undecoded.</summary>
    private static void DecodeAfterEtherTypeHeader(ReadOnlySpan<byte> d, int wireLength, int headerLength, int typeOffset, ref PacketView view)
    {
        if (d.Length >= headerLength)
            DecodeEtherType(BinaryPrimitives.ReadUInt16BigEndian(d[typeOffset..]), d[headerLength..], wireLength - headerLength, ref view);
    }

    /// <summary>
    /// LINKTYPE_IPV4 and LINKTYPE_IPV6: the version nibble wins over the link type (as in tshark), with a note; any
    /// other nibble is decoded as the declared version, which reports the mismatch.
    /// </summary>
    private static void DecodeDeclaredIp(ReadOnlySpan<byte> d, int wireLength, int declaredVersion, ref PacketView view)
    {
        int version = declaredVersion;
        if (d.Length >= 1 && d[0] >> 4 is 4 or 6 && d[0] >> 4 != declaredVersion)
        {
            view.Notes |= DecodeNotes.IpVersionFromNibble;
            version = d[0] >> 4;
        }
        if (version == 4) DecodeIpv4(d, wireLength, ref view);
        else DecodeIpv6(d, ref view);
    }

    private static void DecodeIpByVersion(ReadOnlySpan<byte> d, int wireLength, ref PacketView view)
    {
        if (d.Length < 1) return;
        switch (d[0] >> 4)
        {
            case 4: DecodeIpv4(d, wireLength, ref view); break;
            case 6: DecodeIpv6(d, ref view); break;
        }
    }

    internal static void DecodeIpv4(ReadOnlySpan<byte> d, int wireLength, ref PacketView view)
    {
        bool outer = view.IpVersion == 0;
        if (d.Length < 1) return;
        if (d[0] >> 4 != 4)
        {
            if (outer) view.Anomaly = new DecodeAnomaly(AnomalyKind.Ipv4VersionMismatch, d[0] >> 4);
            return;
        }
        view.Trail?.Ip(d, 4);
        int headerLength = (d[0] & 0x0F) * 4;
        if (headerLength < Ipv4Fields.MinHeaderLength)
        {
            if (outer) view.Anomaly = new DecodeAnomaly(AnomalyKind.Ipv4HeaderTooShort, headerLength);
            return;
        }
        if (d.Length < Ipv4Fields.TotalLength + 2) return; // not even the total length was captured
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(d[Ipv4Fields.TotalLength..]);
        if (totalLength != 0 && totalLength < headerLength)
        {
            // A header that claims to be longer than its packet is not IP: not counted at all.
            if (outer) view.Anomaly = new DecodeAnomaly(AnomalyKind.Ipv4TotalLengthBelowHeader, totalLength, headerLength);
            return;
        }
        int end = totalLength == 0 ? d.Length : Math.Min(d.Length, totalLength);
        if (outer)
        {
            view.IpVersion = 4;
            if (d.Length >= Ipv4Fields.Source + Ipv4Fields.AddressLength) view.SourceAddress = d.Slice(Ipv4Fields.Source, Ipv4Fields.AddressLength);
            if (d.Length >= Ipv4Fields.Destination + Ipv4Fields.AddressLength) view.DestinationAddress = d.Slice(Ipv4Fields.Destination, Ipv4Fields.AddressLength);
            if (totalLength == 0)
            {
                // TSO / BIG TCP: the length field is 0 and the real length is the frame's.
                view.IpBytes = Math.Max(wireLength, d.Length);
                view.Notes |= DecodeNotes.IpLengthFromWire;
            }
            else view.IpBytes = totalLength;
        }
        if (headerLength > end) return; // header cut short by the snapshot length
        view.FlowSource = d.Slice(Ipv4Fields.Source, Ipv4Fields.AddressLength);
        view.FlowDestination = d.Slice(Ipv4Fields.Destination, Ipv4Fields.AddressLength);
        int flags = BinaryPrimitives.ReadUInt16BigEndian(d[Ipv4Fields.FlagsAndFragmentOffset..]);
        int fragmentOffset = (flags & Ipv4Fields.FragmentOffsetMask) * 8;
        bool more = (flags & Ipv4Fields.MoreFragmentsFlag) != 0;
        if (fragmentOffset != 0 || more)
        {
            // Only the whole datagram has a transport header worth reading: it is decoded once reassembled.
            if (outer) NoteOuterTransport(d[Ipv4Fields.Protocol], fragmentOffset == 0 ? d[headerLength..end] : default, ref view);
            view.IsFragment = true;
            view.FragmentProtocol = d[Ipv4Fields.Protocol];
            view.FragmentId = BinaryPrimitives.ReadUInt16BigEndian(d[Ipv4Fields.Identification..]);
            view.FragmentOffset = fragmentOffset;
            view.MoreFragments = more;
            view.FragmentData = d[headerLength..end];
            view.Trail?.Upper(view.FragmentProtocol, view.FragmentData, laterFragment: fragmentOffset != 0);
            return;
        }
        view.Trail?.Upper(d[Ipv4Fields.Protocol], d[headerLength..end], laterFragment: false);
        if (outer) NoteOuterTransport(d[Ipv4Fields.Protocol], d[headerLength..end], ref view);
        DecodeTransport(d[Ipv4Fields.Protocol], d[headerLength..end], ref view);
    }

    internal static void DecodeIpv6(ReadOnlySpan<byte> d, ref PacketView view)
    {
        bool outer = view.IpVersion == 0;
        if (d.Length < 1) return;
        if (d[0] >> 4 != 6)
        {
            if (outer) view.Anomaly = new DecodeAnomaly(AnomalyKind.Ipv6VersionMismatch, d[0] >> 4);
            return;
        }
        view.Trail?.Ip(d, 6);
        if (d.Length < Ipv6Fields.PayloadLength + 2) return; // not even the payload length was captured
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(d[Ipv6Fields.PayloadLength..]);
        if (outer)
        {
            view.IpVersion = 6;
            view.IpBytes = payloadLength + (long)Ipv6Fields.HeaderLength;
            if (d.Length >= Ipv6Fields.Source + Ipv6Fields.AddressLength) view.SourceAddress = d.Slice(Ipv6Fields.Source, Ipv6Fields.AddressLength);
            if (d.Length >= Ipv6Fields.Destination + Ipv6Fields.AddressLength) view.DestinationAddress = d.Slice(Ipv6Fields.Destination, Ipv6Fields.AddressLength);
        }
        if (d.Length < Ipv6Fields.HeaderLength) return; // header cut short by the snapshot length
        view.FlowSource = d.Slice(Ipv6Fields.Source, Ipv6Fields.AddressLength);
        view.FlowDestination = d.Slice(Ipv6Fields.Destination, Ipv6Fields.AddressLength);
        int end = payloadLength == 0 ? d.Length : Math.Min(d.Length, Ipv6Fields.HeaderLength + payloadLength);
        int next = d[Ipv6Fields.NextHeader];
        int pos = Ipv6Fields.HeaderLength;
        for (int i = 0; i < MaxIpv6ExtensionHeaders; i++)
        {
            switch (next)
            {
                case IpProtocols.HopByHop or IpProtocols.Ipv6Routing or IpProtocols.Ipv6DestinationOptions
                    or IpProtocols.MobilityHeader or IpProtocols.HostIdentityProtocol or IpProtocols.Shim6:
                {
                    if (pos + 8 > end) return;
                    int length = (d[pos + 1] + 1) * 8;
                    if (pos + length > end) return;
                    if (next == IpProtocols.Ipv6Routing) view.Trail?.RoutingHeader(d.Slice(pos, length));
                    if (next == IpProtocols.HopByHop && payloadLength == 0 && TryJumboLength(d.Slice(pos + 2, length - 2), out uint jumbo))
                    {
                        if (outer) view.IpBytes = jumbo + (long)Ipv6Fields.HeaderLength;
                        end = (int)Math.Min(d.Length, Ipv6Fields.HeaderLength + (long)jumbo);
                    }
                    next = d[pos];
                    pos += length;
                    continue;
                }
                case IpProtocols.Ipv6Fragment:
                {
                    if (pos + Ipv6Fields.FragmentHeaderLength > end) return;
                    int field = BinaryPrimitives.ReadUInt16BigEndian(d[(pos + Ipv6Fields.FragmentOffsetAndFlags)..]);
                    int offset = field & ~0x7; // 13-bit offset in 8-byte units, in place
                    bool more = (field & 0x1) != 0;
                    next = d[pos];
                    if (offset == 0 && !more)
                    {
                        // An atomic fragment (RFC 6946): the whole datagram.
                        pos += Ipv6Fields.FragmentHeaderLength;
                        continue;
                    }
                    if (outer) NoteOuterTransport((byte)next, offset == 0 ? d[(pos + Ipv6Fields.FragmentHeaderLength)..end] : default, ref view);
                    view.IsFragment = true;
                    view.FragmentProtocol = (byte)next;
                    view.FragmentId = BinaryPrimitives.ReadUInt32BigEndian(d[(pos + Ipv6Fields.FragmentIdentification)..]);
                    view.FragmentOffset = offset;
                    view.MoreFragments = more;
                    view.FragmentData = d[(pos + Ipv6Fields.FragmentHeaderLength)..end];
                    view.Trail?.Upper((byte)next, view.FragmentData, laterFragment: offset != 0);
                    return;
                }
                case IpProtocols.AuthenticationHeader:
                {
                    if (pos + 8 > end) return;
                    int length = (d[pos + 1] + 2) * 4;
                    if (pos + length > end) return;
                    next = d[pos];
                    pos += length;
                    continue;
                }
                default:
                    view.Trail?.Upper((byte)next, d[pos..end], laterFragment: false);
                    if (outer) NoteOuterTransport((byte)next, d[pos..end], ref view);
                    DecodeTransport((byte)next, d[pos..end], ref view);
                    return;
            }
        }
    }

    private static bool TryJumboLength(ReadOnlySpan<byte> options, out uint length)
    {
        int pos = 0;
        while (pos < options.Length)
        {
            byte type = options[pos];
            if (type == 0) { pos++; continue; } // Pad1
            if (pos + 2 > options.Length) break;
            int len = options[pos + 1];
            if (type == Ipv6Fields.JumboOptionType && len == 4 && pos + 6 <= options.Length)
            {
                length = BinaryPrimitives.ReadUInt32BigEndian(options[(pos + 2)..]);
                return true;
            }
            pos += 2 + len;
        }
        length = 0;
        return false;
    }

    private const int MaxTunnelDepth = 4;

    /// <summary>The outermost header's protocol and, when captured, its ports (ICMP: type and code) and TCP flags: the flow key.</summary>
    private static void NoteOuterTransport(byte protocol, ReadOnlySpan<byte> d, ref PacketView view)
    {
        view.OuterProtocolKnown = true;
        view.OuterProtocol = protocol;
        switch (protocol)
        {
            case IpProtocols.Tcp or IpProtocols.Udp or IpProtocols.Sctp when d.Length >= TransportFields.PortsLength:
                view.OuterPortsKnown = true;
                view.OuterSourcePort = BinaryPrimitives.ReadUInt16BigEndian(d);
                view.OuterDestinationPort = BinaryPrimitives.ReadUInt16BigEndian(d[2..]);
                if (protocol == IpProtocols.Tcp && d.Length > TransportFields.TcpFlags) view.OuterTcpFlags = d[TransportFields.TcpFlags];
                return;
            case IpProtocols.Icmp or IpProtocols.IcmpV6 when d.Length >= TransportFields.IcmpTypeAndCodeLength:
                view.OuterPortsKnown = true;
                view.OuterSourcePort = d[0];
                view.OuterDestinationPort = d[1];
                return;
        }
    }

    /// <summary>Decodes a transport header (and any tunnel behind it). Also used for reassembled datagrams.</summary>
    internal static void DecodeTransport(byte protocol, ReadOnlySpan<byte> d, ref PacketView view)
    {
        view.IpProtocol = protocol;
        view.TransportHeader = d;
        switch (protocol)
        {
            case IpProtocols.Udp:
            {
                if (d.Length < TransportFields.UdpHeaderLength) return;
                view.Transport = TransportProtocol.Udp;
                view.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(d);
                view.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(d[2..]);
                int length = BinaryPrimitives.ReadUInt16BigEndian(d[TransportFields.UdpLength..]);
                int end = length >= TransportFields.UdpHeaderLength ? Math.Min(d.Length, length) : d.Length;
                view.Payload = d[TransportFields.UdpHeaderLength..end];
                if (view.TunnelDepth < MaxTunnelDepth) DecodeUdpTunnel(ref view);
                return;
            }
            case IpProtocols.Tcp:
            {
                if (d.Length < TransportFields.TcpMinHeaderLength) return;
                view.Transport = TransportProtocol.Tcp;
                view.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(d);
                view.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(d[2..]);
                view.TcpSequence = BinaryPrimitives.ReadUInt32BigEndian(d[TransportFields.TcpSequence..]);
                view.TcpFlags = d[TransportFields.TcpFlags];
                int dataOffset = (d[TransportFields.TcpDataOffset] >> 4) * 4;
                view.Payload = dataOffset >= TransportFields.TcpMinHeaderLength && dataOffset <= d.Length ? d[dataOffset..] : default;
                return;
            }
            case IpProtocols.IpInIp when view.TunnelDepth < MaxTunnelDepth:
                view.TunnelDepth++;
                DecodeIpv4(d, d.Length, ref view);
                return;
            case IpProtocols.Ipv6 when view.TunnelDepth < MaxTunnelDepth:
                view.TunnelDepth++;
                DecodeIpv6(d, ref view);
                return;
            case IpProtocols.Gre when view.TunnelDepth < MaxTunnelDepth:
                view.TunnelDepth++;
                DecodeGre(d, ref view);
                return;
        }
    }

    private static bool IsPort(in PacketView view, ushort port) => view.SourcePort == port || view.DestinationPort == port;

    /// <summary>UDP-borne tunnels, recognised by their registered ports (never a DNS port).</summary>
    private static void DecodeUdpTunnel(ref PacketView view)
    {
        var p = view.Payload;
        if (IsPort(view, Ports.Dns) || IsPort(view, Ports.Mdns) || IsPort(view, Ports.Llmnr)) return;
        if (IsPort(view, Ports.Vxlan))
        {
            if (p.Length < 8 || (p[0] & 0x08) == 0) return;
            view.TunnelDepth++;
            DecodeEthernet(p[8..], p.Length - 8, ref view);
        }
        else if (IsPort(view, Ports.Geneve))
        {
            if (p.Length < 8 || p[0] >> 6 != 0) return;
            int header = 8 + (p[0] & 0x3F) * 4;
            if (header > p.Length) return;
            int type = BinaryPrimitives.ReadUInt16BigEndian(p[2..]);
            view.TunnelDepth++;
            if (type == EtherTypes.TransparentEthernetBridging) DecodeEthernet(p[header..], p.Length - header, ref view);
            else DecodeEtherType(type, p[header..], p.Length - header, ref view);
        }
        else if (IsPort(view, Ports.GtpUser))
        {
            // GTPv1-U G-PDU: 8-byte header, 4 more when any of E/S/PN is set, then extension headers.
            if (p.Length < 8 || p[0] >> 5 != 1 || p[1] != 0xFF) return;
            int pos = 8;
            if ((p[0] & 0x07) != 0)
            {
                if (p.Length < 12) return;
                int next = p[11];
                pos = 12;
                while ((p[0] & 0x04) != 0 && next != 0)
                {
                    if (pos >= p.Length) return;
                    int length = p[pos] * 4;
                    if (length == 0 || pos + length > p.Length) return;
                    next = p[pos + length - 1];
                    pos += length;
                }
            }
            view.TunnelDepth++;
            DecodeIpByVersion(p[pos..], p.Length - pos, ref view);
        }
        else if (IsPort(view, Ports.Teredo))
        {
            // Optional authentication (0x0001) and origin indication (0x0000) headers, then IPv6.
            int pos = 0;
            if (p.Length >= 2 && p[0] == 0x00 && p[1] == 0x01)
            {
                if (p.Length < 4) return;
                pos = 4 + p[2] + p[3] + 8 + 1;
            }
            if (p.Length >= pos + 8 && p[pos] == 0x00 && p[pos + 1] == 0x00) pos += 8;
            if (pos >= p.Length || p[pos] >> 4 != 6) return;
            view.TunnelDepth++;
            DecodeIpv6(p[pos..], ref view);
        }
    }

    private static void DecodeGre(ReadOnlySpan<byte> d, ref PacketView view)
    {
        if (d.Length < 4) return;
        int flags = BinaryPrimitives.ReadUInt16BigEndian(d);
        int type = BinaryPrimitives.ReadUInt16BigEndian(d[2..]);
        int version = flags & 0x7;
        bool checksum = (flags & 0x8000) != 0, key = (flags & 0x2000) != 0, sequence = (flags & 0x1000) != 0;
        int pos = 4;
        if (version == 0)
        {
            pos += (checksum ? 4 : 0) + (key ? 4 : 0) + (sequence ? 4 : 0);
        }
        else if (version == 1)
        {
            bool ack = (flags & 0x0080) != 0;
            pos += 4 + (sequence ? 4 : 0) + (ack ? 4 : 0); // key (payload length + call id) is always present
        }
        else return;
        if (pos > d.Length) return;
        var inner = d[pos..];
        switch (type)
        {
            case EtherTypes.TransparentEthernetBridging: // transparent Ethernet bridging
                DecodeEthernet(inner, inner.Length, ref view);
                break;
            case EtherTypes.ErspanTypeII: // ERSPAN type II (8-byte header) or type I (no header; no sequence number)
                if (!sequence) DecodeEthernet(inner, inner.Length, ref view);
                else if (inner.Length >= 8) DecodeEthernet(inner[8..], inner.Length - 8, ref view);
                break;
            case EtherTypes.ErspanTypeIII: // ERSPAN type III: 12-byte header, 8 more with the optional platform sub-header
                if (inner.Length < 12) return;
                int header = 12 + ((inner[11] & 0x01) != 0 ? 8 : 0);
                if (inner.Length >= header) DecodeEthernet(inner[header..], inner.Length - header, ref view);
                break;
            case EtherTypes.Ppp when version == 1: // PPTP: PPP inside enhanced GRE
                DecodePpp(inner, inner.Length, ref view);
                break;
            default:
                DecodeEtherType(type, inner, inner.Length, ref view);
                break;
        }
    }
}
