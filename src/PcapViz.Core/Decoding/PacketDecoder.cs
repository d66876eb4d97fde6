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
            case LinkTypes.IpOverInfiniBand: // EtherType, then two reserved bytes
                if (d.Length >= 4) DecodeEtherType(BinaryPrimitives.ReadUInt16BigEndian(d), d[4..], wireLength - 4, ref view);
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
                pos += 6;
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
        if (d.Length < 1) return;
        if (d[0] >> 4 != 4) { view.Anomaly = $"IPv4 expected but the version field is {d[0] >> 4}"; return; }
        int headerLength = (d[0] & 0x0F) * 4;
        if (headerLength < 20) { view.Anomaly = $"IPv4 header length {headerLength} is less than 20"; return; }
        if (d.Length < 20) { view.Anomaly = "IPv4 header cut short by the capture's snapshot length"; return; }
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(d[2..]);
        view.IpVersion = 4;
        view.SourceAddress = d.Slice(12, 4);
        int end;
        if (totalLength == 0)
        {
            // TSO / BIG TCP: the length field is 0 and the real length is the frame's.
            view.IpBytes = Math.Max(wireLength, d.Length);
            view.IpLengthFromWire = true;
            end = d.Length;
        }
        else
        {
            view.IpBytes = totalLength;
            if (totalLength < headerLength) { view.Anomaly = $"IPv4 total length {totalLength} is less than its header length {headerLength}"; return; }
            end = Math.Min(d.Length, totalLength);
        }
        if (headerLength > end) return;
        int fragmentOffset = BinaryPrimitives.ReadUInt16BigEndian(d[6..]) & 0x1FFF;
        if (fragmentOffset != 0) return; // only the first fragment carries the transport header
        DecodeTransport(d[9], d[headerLength..end], ref view);
    }

    internal static void DecodeIpv6(ReadOnlySpan<byte> d, int wireLength, ref PacketView view)
    {
        if (d.Length < 1) return;
        if (d[0] >> 4 != 6) { view.Anomaly = $"IPv6 expected but the version field is {d[0] >> 4}"; return; }
        if (d.Length < 40) { view.Anomaly = "IPv6 header cut short by the capture's snapshot length"; return; }
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(d[4..]);
        view.IpVersion = 6;
        view.SourceAddress = d.Slice(8, 16);
        view.IpBytes = payloadLength + 40L;
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
                        view.IpBytes = jumbo + 40L;
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

    private static void DecodeTransport(byte protocol, ReadOnlySpan<byte> d, ref PacketView view)
    {
        if (protocol == (byte)TransportProtocol.Udp)
        {
            if (d.Length < 8) return;
            view.Transport = TransportProtocol.Udp;
            view.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(d);
            view.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(d[2..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(d[4..]);
            int end = length >= 8 ? Math.Min(d.Length, length) : d.Length;
            view.Payload = d[8..end];
        }
        else if (protocol == (byte)TransportProtocol.Tcp)
        {
            if (d.Length < 20) return;
            view.Transport = TransportProtocol.Tcp;
            view.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(d);
            view.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(d[2..]);
            int dataOffset = (d[12] >> 4) * 4;
            view.Payload = dataOffset >= 20 && dataOffset <= d.Length ? d[dataOffset..] : default;
        }
    }
}
