using System.Buffers.Binary;

namespace PcapViz.Decoding;

/// <summary>
/// Finds the outermost IP header of a frame and the UDP/TCP payload behind it, without allocating. Link types it
/// does not know are handed to <see cref="FallbackDecoder"/> (PacketDotNet), which only tells where IP starts.
/// </summary>
public sealed class PacketDecoder
{
    private const int MaxTags = 8;
    private const int MaxMplsLabels = 16;
    private const int MaxIpv6ExtensionHeaders = 16;
    private const int EtherTypeIpv4 = 0x0800;
    private const int EtherTypeIpv6 = 0x86DD;
    private const int EtherTypePppoeSession = 0x8864;
    private const int EtherTypeMplsUnicast = 0x8847;
    private const int EtherTypeMplsMulticast = 0x8848;
    private const int EtherTypeVnTag = 0x8926;

    private const int IpoibHeaderLength = 44;

    private readonly FallbackDecoder _fallback = new();

    /// <summary>Decodes one frame. Never throws for malformed data.</summary>
    public void Decode(int linkType, ReadOnlySpan<byte> frame, int originalLength, ref PacketView view)
    {
        view = default;
        DecodeLink(linkType, frame, originalLength, ref view, depth: 0);
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
            case LinkTypes.Ipv4:
                DecodeIpv4(d, wireLength, ref view);
                return;
            case LinkTypes.Ipv6:
                DecodeIpv6(d, wireLength, ref view);
                return;
            case LinkTypes.LinuxSll:
                if (d.Length >= 16) DecodeEtherType(BinaryPrimitives.ReadUInt16BigEndian(d[14..]), d[16..], wireLength - 16, ref view);
                return;
            case LinkTypes.LinuxSll2:
                if (d.Length >= 20) DecodeEtherType(BinaryPrimitives.ReadUInt16BigEndian(d), d[20..], wireLength - 20, ref view);
                return;
            case LinkTypes.Null:
                if (d.Length >= 4) DecodeAddressFamily(BinaryPrimitives.ReadUInt32LittleEndian(d), BinaryPrimitives.ReadUInt32BigEndian(d), d[4..], wireLength - 4, ref view);
                return;
            case LinkTypes.Loop:
                if (d.Length >= 4) DecodeAddressFamily(BinaryPrimitives.ReadUInt32BigEndian(d), BinaryPrimitives.ReadUInt32BigEndian(d), d[4..], wireLength - 4, ref view);
                return;
            case LinkTypes.Ppp or LinkTypes.PppHdlc:
                DecodePpp(d, wireLength, ref view);
                return;
            case LinkTypes.PppEthernet:
                if (d.Length >= 6) DecodePpp(d[6..], wireLength - 6, ref view);
                return;
            case LinkTypes.CiscoHdlc: // address, control, then an EtherType
                if (d.Length >= 4) DecodeEtherType(BinaryPrimitives.ReadUInt16BigEndian(d[2..]), d[4..], wireLength - 4, ref view);
                return;
            case LinkTypes.IpOverInfiniBand:
                // Linux IPoIB pseudo-header: 20-byte destination and source hardware addresses, EtherType, 2 reserved bytes.
                if (d.Length >= IpoibHeaderLength)
                    DecodeEtherType(BinaryPrimitives.ReadUInt16BigEndian(d[(IpoibHeaderLength - 4)..]), d[IpoibHeaderLength..], wireLength - IpoibHeaderLength, ref view);
                return;
            case LinkTypes.ArcnetLinux:
                DecodeArcnet(d, wireLength, ref view);
                return;
            case LinkTypes.NfLog:
                DecodeNfLog(d, wireLength, ref view);
                return;
            case LinkTypes.PktAp when depth == 0:
                if (d.Length >= 8)
                {
                    uint headerLength = BinaryPrimitives.ReadUInt32LittleEndian(d);
                    int inner = (int)BinaryPrimitives.ReadUInt32LittleEndian(d[4..]);
                    if (headerLength >= 8 && headerLength <= (uint)d.Length)
                        DecodeLink(inner, d[(int)headerLength..], wireLength - (int)headerLength, ref view, depth + 1);
                }
                return;
            case LinkTypes.Ppi when depth == 0:
                if (d.Length >= 8)
                {
                    int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(d[2..]);
                    int inner = (int)BinaryPrimitives.ReadUInt32LittleEndian(d[4..]);
                    if (headerLength >= 8 && headerLength <= d.Length)
                        DecodeLink(inner, d[headerLength..], wireLength - headerLength, ref view, depth + 1);
                }
                return;
            default:
                if (_fallback.TryFindIp(linkType, d, out int offset))
                {
                    if (offset >= 0 && offset < d.Length) DecodeIpByVersion(d[offset..], wireLength - offset, ref view);
                }
                else
                {
                    view.LinkTypeUnsupported = true;
                }
                return;
        }
    }

    private static void DecodeEthernet(ReadOnlySpan<byte> d, int wireLength, ref PacketView view)
    {
        if (d.Length < 14) return;
        int pos = 12;
        int type = BinaryPrimitives.ReadUInt16BigEndian(d[pos..]);
        for (int i = 0; i < MaxTags; i++)
        {
            if (type is 0x8100 or 0x88A8 or 0x9100 or 0x9200)
                pos += 4;
            else if (type == EtherTypeVnTag)
                pos += 6;
            else if (type <= 1500)
            {
                // IEEE 802.3 length field: only LLC/SNAP with a zero OUI carries an EtherType.
                if (d.Length < pos + 10 || d[pos + 2] != 0xAA || d[pos + 3] != 0xAA || d[pos + 4] != 0x03 ||
                    d[pos + 5] != 0 || d[pos + 6] != 0 || d[pos + 7] != 0) return;
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
            case EtherTypeIpv4:
                DecodeIpv4(d, wireLength, ref view);
                break;
            case EtherTypeIpv6:
                DecodeIpv6(d, wireLength, ref view);
                break;
            case EtherTypePppoeSession:
                if (d.Length >= 8) DecodePppProtocol(BinaryPrimitives.ReadUInt16BigEndian(d[6..]), d[8..], wireLength - 8, ref view);
                break;
            case EtherTypeMplsUnicast or EtherTypeMplsMulticast:
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
        if (d[4] == 0xC4) DecodeIpv6(d[header..], wireLength - header, ref view);
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

    private static void DecodeAddressFamily(uint family, uint familySwapped, ReadOnlySpan<byte> d, int wireLength, ref PacketView view)
    {
        // The family is in the capturing host's byte order; accept either order.
        static int Version(uint f) => f switch { 2 => 4, 10 or 24 or 28 or 30 => 6, _ => 0 };
        int version = Version(family);
        if (version == 0) version = Version(BinaryPrimitives.ReverseEndianness(family));
        if (version == 0) version = Version(familySwapped);
        if (version == 4) DecodeIpv4(d, wireLength, ref view);
        else if (version == 6) DecodeIpv6(d, wireLength, ref view);
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
            case 0x0021: DecodeIpv4(d, wireLength, ref view); break;
            case 0x0057: DecodeIpv6(d, wireLength, ref view); break;
            case 0x0281 or 0x0283: DecodeMpls(d, wireLength, ref view); break;
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
                else if (family == 10) DecodeIpv6(payload, wire, ref view);
                else DecodeIpByVersion(payload, wire, ref view);
                return;
            }
            pos += (length + 3) & ~3;
        }
    }

    private static void DecodeIpByVersion(ReadOnlySpan<byte> d, int wireLength, ref PacketView view)
    {
        if (d.Length < 1) return;
        switch (d[0] >> 4)
        {
            case 4: DecodeIpv4(d, wireLength, ref view); break;
            case 6: DecodeIpv6(d, wireLength, ref view); break;
        }
    }

    internal static void DecodeIpv4(ReadOnlySpan<byte> d, int wireLength, ref PacketView view)
    {
        bool outer = view.IpVersion == 0;
        if (d.Length < 1) return;
        if (d[0] >> 4 != 4)
        {
            if (outer) view.Anomaly = $"IPv4 expected but the version field is {d[0] >> 4}";
            return;
        }
        int headerLength = (d[0] & 0x0F) * 4;
        if (headerLength < 20)
        {
            if (outer) view.Anomaly = $"IPv4 header length {headerLength} is less than 20";
            return;
        }
        if (d.Length < 4) return; // not even the total length was captured
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(d[2..]);
        int end = totalLength == 0 ? d.Length : Math.Min(d.Length, totalLength);
        if (outer)
        {
            view.IpVersion = 4;
            if (d.Length >= 16) view.SourceAddress = d.Slice(12, 4);
            if (totalLength == 0)
            {
                // TSO / BIG TCP: the length field is 0 and the real length is the frame's.
                view.IpBytes = Math.Max(wireLength, d.Length);
                view.IpLengthFromWire = true;
            }
            else
            {
                view.IpBytes = totalLength;
                if (totalLength < headerLength)
                {
                    view.Anomaly = $"IPv4 total length {totalLength} is less than its header length {headerLength}";
                    return;
                }
            }
        }
        else if (totalLength != 0 && totalLength < headerLength)
        {
            return;
        }
        if (headerLength > end) return; // header cut short by the snapshot length
        int fragmentOffset = BinaryPrimitives.ReadUInt16BigEndian(d[6..]) & 0x1FFF;
        if (fragmentOffset != 0) return; // only the first fragment carries the transport header
        DecodeTransport(d[9], d[headerLength..end], ref view);
    }

    internal static void DecodeIpv6(ReadOnlySpan<byte> d, int wireLength, ref PacketView view)
    {
        bool outer = view.IpVersion == 0;
        if (d.Length < 1) return;
        if (d[0] >> 4 != 6)
        {
            if (outer) view.Anomaly = $"IPv6 expected but the version field is {d[0] >> 4}";
            return;
        }
        if (d.Length < 6) return; // not even the payload length was captured
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(d[4..]);
        if (outer)
        {
            view.IpVersion = 6;
            view.IpBytes = payloadLength + 40L;
            if (d.Length >= 24) view.SourceAddress = d.Slice(8, 16);
        }
        if (d.Length < 40) return; // header cut short by the snapshot length
        int end = payloadLength == 0 ? d.Length : Math.Min(d.Length, 40 + payloadLength);
        int next = d[6];
        int pos = 40;
        for (int i = 0; i < MaxIpv6ExtensionHeaders; i++)
        {
            switch (next)
            {
                case 0 or 43 or 60 or 135 or 139 or 140:
                {
                    if (pos + 8 > end) return;
                    int length = (d[pos + 1] + 1) * 8;
                    if (pos + length > end) return;
                    if (next == 0 && payloadLength == 0 && TryJumboLength(d.Slice(pos + 2, length - 2), out uint jumbo))
                    {
                        if (outer) view.IpBytes = jumbo + 40L;
                        end = (int)Math.Min(d.Length, 40L + jumbo);
                    }
                    next = d[pos];
                    pos += length;
                    continue;
                }
                case 44:
                {
                    if (pos + 8 > end) return;
                    int offset = BinaryPrimitives.ReadUInt16BigEndian(d[(pos + 2)..]) >> 3;
                    if (offset != 0) return;
                    next = d[pos];
                    pos += 8;
                    continue;
                }
                case 51:
                {
                    if (pos + 8 > end) return;
                    int length = (d[pos + 1] + 2) * 4;
                    if (pos + length > end) return;
                    next = d[pos];
                    pos += length;
                    continue;
                }
                default:
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
            if (type == 0xC2 && len == 4 && pos + 6 <= options.Length)
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
    private const ushort VxlanPort = 4789;
    private const ushort GenevePort = 6081;
    private const ushort GtpUserPort = 2152;
    private const ushort TeredoPort = 3544;

    private static void DecodeTransport(byte protocol, ReadOnlySpan<byte> d, ref PacketView view)
    {
        switch (protocol)
        {
            case (byte)TransportProtocol.Udp:
            {
                if (d.Length < 8) return;
                view.Transport = TransportProtocol.Udp;
                view.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(d);
                view.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(d[2..]);
                int length = BinaryPrimitives.ReadUInt16BigEndian(d[4..]);
                int end = length >= 8 ? Math.Min(d.Length, length) : d.Length;
                view.Payload = d[8..end];
                if (view.TunnelDepth < MaxTunnelDepth) DecodeUdpTunnel(ref view);
                return;
            }
            case (byte)TransportProtocol.Tcp:
            {
                if (d.Length < 20) return;
                view.Transport = TransportProtocol.Tcp;
                view.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(d);
                view.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(d[2..]);
                int dataOffset = (d[12] >> 4) * 4;
                view.Payload = dataOffset >= 20 && dataOffset <= d.Length ? d[dataOffset..] : default;
                return;
            }
            case 4 when view.TunnelDepth < MaxTunnelDepth: // IPv4 in IP
                view.TunnelDepth++;
                DecodeIpv4(d, d.Length, ref view);
                return;
            case 41 when view.TunnelDepth < MaxTunnelDepth: // IPv6 in IP
                view.TunnelDepth++;
                DecodeIpv6(d, d.Length, ref view);
                return;
            case 47 when view.TunnelDepth < MaxTunnelDepth:
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
        if (IsPort(view, 53) || IsPort(view, 5353) || IsPort(view, 5355)) return;
        if (IsPort(view, VxlanPort))
        {
            if (p.Length < 8 || (p[0] & 0x08) == 0) return;
            view.TunnelDepth++;
            DecodeEthernet(p[8..], p.Length - 8, ref view);
        }
        else if (IsPort(view, GenevePort))
        {
            if (p.Length < 8 || p[0] >> 6 != 0) return;
            int header = 8 + (p[0] & 0x3F) * 4;
            if (header > p.Length) return;
            int type = BinaryPrimitives.ReadUInt16BigEndian(p[2..]);
            view.TunnelDepth++;
            if (type == 0x6558) DecodeEthernet(p[header..], p.Length - header, ref view);
            else DecodeEtherType(type, p[header..], p.Length - header, ref view);
        }
        else if (IsPort(view, GtpUserPort))
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
        else if (IsPort(view, TeredoPort))
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
            DecodeIpv6(p[pos..], p.Length - pos, ref view);
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
            case 0x6558: // transparent Ethernet bridging
                DecodeEthernet(inner, inner.Length, ref view);
                break;
            case 0x88BE: // ERSPAN type II (8-byte header) or type I (no header; no sequence number)
                if (!sequence) DecodeEthernet(inner, inner.Length, ref view);
                else if (inner.Length >= 8) DecodeEthernet(inner[8..], inner.Length - 8, ref view);
                break;
            case 0x22EB: // ERSPAN type III: 12-byte header, 8 more with the optional platform sub-header
                if (inner.Length < 12) return;
                int header = 12 + ((inner[11] & 0x01) != 0 ? 8 : 0);
                if (inner.Length >= header) DecodeEthernet(inner[header..], inner.Length - header, ref view);
                break;
            case 0x880B when version == 1: // PPTP: PPP inside enhanced GRE
                DecodePpp(inner, inner.Length, ref view);
                break;
            default:
                DecodeEtherType(type, inner, inner.Length, ref view);
                break;
        }
    }
}
