using System.Buffers.Binary;
using PcapViz.Decoding;
using PcapViz.Pseudonymisation;

namespace PcapViz.Slicing;

/// <summary>
/// Rewrites a packet of a slice of a pseudonymised bundle (docs/output.md, "Slices of a pseudonymised bundle") with the
/// bundle's pseudonyms: every IPv4 and IPv6 address of every IP header the decoder found (the outer one, each tunnelled
/// one: IP-in-IP, GRE, VXLAN, GENEVE, GTP-U, Teredo …), of the packet quoted in an ICMP or ICMPv6 error, and of IPv6
/// routing headers (types 0, 2 and 4; other types' data is zeroed); IPv4 options are replaced by No-Operation options
/// (record route, source route and timestamp options hold addresses); Ethernet and Linux cooked-capture addresses by
/// their keyed link-address pseudonyms; a frame of another link type (802.11, PPP, …) is written from its outer IP
/// header as raw IP. Unless the payload is kept, the captured bytes end after the innermost transport header (TCP with
/// its options, UDP, the ICMP header, for an ICMP error with the quoted IP header and 8 bytes behind it); the original
/// length is kept, so the packet reads as one the capture cut short. An address the capture cut in the middle ends the
/// captured bytes where it starts.
/// </summary>
/// <remarks>
/// Checksums are updated, never recomputed from the packet (RFC 1624, <see cref="Checksum.Update"/>): the TCP, UDP,
/// ICMPv6 checksum for the pseudo-header's addresses and for any bytes of its segment that changed (a tunnelled header,
/// a quoted one), the ICMP checksum for the quoted packet's changes, the IPv4 header checksum for its addresses and
/// options; innermost first, as an outer checksum covers the inner ones. So a checksum stays right for a packet whose
/// payload the capture (or the cut) left out, and one that was wrong in the original (a corrupted packet, or one captured
/// before checksum offload filled it in) stays wrong by the same amount: a slice does not make a bad packet look good.
/// A UDP checksum of 0 over IPv4 (none) stays 0. The GRE checksum (when present) is updated for the tunnelled packet's
/// changes. Not updated: UDP-Lite and DCCP checksums.
/// </remarks>
internal sealed class PacketRewriter(Pseudonymiser pseudonymiser, bool keepPayload)
{
    private readonly List<PacketTrail.IpHeader> _entries = [];
    private readonly List<int> _finalDestinations = [];
    private byte[] _out = new byte[2048];

    /// <summary>The link type of the last rewritten packet (raw IP for a re-framed one).</summary>
    public int LinkType { get; private set; }

    /// <summary>The original length of the last rewritten packet (less the link header left out of a re-framed one).</summary>
    public int OriginalLength { get; private set; }

    /// <summary>The captured bytes of the last rewritten packet.</summary>
    public ReadOnlySpan<byte> Data => _out.AsSpan(_start, _end - _start);

    private int _start, _end;

    /// <summary>Rewrites the first <paramref name="length"/> bytes of <paramref name="trail"/>'s frame, decoded with that trail.</summary>
    public void Rewrite(int linkType, int length, int originalLength, PacketTrail trail)
    {
        ReadOnlySpan<byte> original = trail.Frame.AsSpan(0, length);
        if (_out.Length < length) _out = new byte[Math.Max(length, _out.Length * 2)];
        Span<byte> b = _out.AsSpan(0, length);
        original.CopyTo(b);
        _start = 0;
        _end = length;
        LinkType = linkType;
        switch (linkType)
        {
            case LinkTypes.Ethernet or LinkTypes.Raw or LinkTypes.RawOpenBsd or LinkTypes.RawBsdOs or LinkTypes.Ipv4 or LinkTypes.Ipv6
                or LinkTypes.Null or LinkTypes.Loop:
                break;
            case LinkTypes.LinuxSll: // packet type, ARPHRD type, address length, 8 address bytes, protocol
                if (length >= 16) Address(b, 6, Math.Min((int)BinaryPrimitives.ReadUInt16BigEndian(b[4..]), 8), link: true);
                else _end = Math.Min(_end, 6);
                break;
            case LinkTypes.LinuxSll2: // protocol, reserved, interface index, ARPHRD type, packet type, address length, 8 address bytes
                if (length >= 20) Address(b, 12, Math.Min((int)b[11], 8), link: true);
                else _end = Math.Min(_end, 12);
                break;
            default:
                // Link headers of other types hold addresses of their own (802.11 has up to four): left out.
                _start = trail.Ips.Count > 0 ? trail.Ips[0].Offset : length;
                LinkType = LinkTypes.Raw;
                break;
        }
        foreach (int ethernet in trail.Ethernets)
        {
            if (ethernet < _start) continue;
            Address(b, ethernet, 6, link: true);
            Address(b, ethernet + 6, 6, link: true);
        }

        _entries.Clear();
        _finalDestinations.Clear();
        int innermost = -1, innermostQuoted = -1;
        for (int i = 0; i < trail.Ips.Count; i++)
        {
            var ip = trail.Ips[i];
            innermost = _entries.Count;
            innermostQuoted = -1;
            _entries.Add(ip);
            _finalDestinations.Add(RewriteHeader(b, ip, trail, i));
            if (Quoted(b, ip) is { } quoted)
            {
                innermostQuoted = _entries.Count;
                _entries.Add(quoted);
                _finalDestinations.Add(RewriteHeader(b, quoted, null, -1));
            }
        }
        // Innermost first: an outer checksum covers the inner headers and their checksums.
        for (int i = _entries.Count - 1; i >= 0; i--)
        {
            UpdateTransportChecksum(original, b, _entries[i], _finalDestinations[i]);
            UpdateIpv4HeaderChecksum(original, b, _entries[i]);
        }
        if (!keepPayload && innermost >= 0) _end = Math.Min(_end, PayloadStart(b, length, _entries[innermost], innermostQuoted));
        _end = Math.Max(_end, _start);
        OriginalLength = Math.Max(originalLength - _start, _end - _start);
    }

    /// <summary>Maps the header's addresses, blanks IPv4 options, maps IPv6 routing headers; returns where the pseudo-header's destination is.</summary>
    private int RewriteHeader(Span<byte> b, in PacketTrail.IpHeader ip, PacketTrail? trail, int index)
    {
        int o = ip.Offset;
        if (ip.Version == 4)
        {
            Address(b, o + Ipv4Fields.Source, 4, link: false);
            Address(b, o + Ipv4Fields.Destination, 4, link: false);
            int headerLength = (b[o] & 0x0F) * 4;
            int optionsEnd = Math.Min(o + headerLength, b.Length);
            if (o + Ipv4Fields.MinHeaderLength < optionsEnd) b[(o + Ipv4Fields.MinHeaderLength)..optionsEnd].Fill(1); // NOP
            return o + Ipv4Fields.Destination;
        }
        Address(b, o + Ipv6Fields.Source, 16, link: false);
        Address(b, o + Ipv6Fields.Destination, 16, link: false);
        int final = o + Ipv6Fields.Destination;
        if (trail is null) return final;
        foreach (var (owner, offset, length) in trail.RoutingHeaders)
        {
            if (owner != index || length < 8) continue;
            int type = b[offset + 2], segmentsLeft = b[offset + 3];
            int addresses = (length - 8) / 16;
            if (type == 4) addresses = Math.Min(addresses, b[offset + 4] + 1); // segment routing: last entry
            else if (type is not (0 or 2))
            {
                b.Slice(offset + 8, length - 8).Clear(); // compressed or unknown addresses: none kept
                continue;
            }
            for (int k = 0; k < addresses; k++) Address(b, offset + 8 + 16 * k, 16, link: false);
            // Segments left: the pseudo-header holds the final destination (RFC 8200 8.1), the last address (the first
            // segment of a segment routing header).
            if (segmentsLeft > 0 && addresses > 0) final = type == 4 ? offset + 8 : offset + 8 + 16 * (addresses - 1);
        }
        return final;
    }

    /// <summary>The IP header an ICMP or ICMPv6 error quotes (after its 8-byte header), or null.</summary>
    private static PacketTrail.IpHeader? Quoted(ReadOnlySpan<byte> b, in PacketTrail.IpHeader ip)
    {
        if (ip.UpperOffset < 0 || ip.LaterFragment || ip.UpperEnd - ip.UpperOffset < 9) return null;
        byte type = b[ip.UpperOffset];
        bool error = ip.Protocol == IpProtocols.Icmp ? type is 3 or 4 or 5 or 11 or 12 : ip.Protocol == IpProtocols.IcmpV6 && type is >= 1 and <= 4;
        if (!error) return null;
        int q = ip.UpperOffset + 8, end = ip.UpperEnd;
        int version = b[q] >> 4;
        var quoted = new PacketTrail.IpHeader { Offset = q, Version = version, UpperOffset = -1 };
        if (version == 4)
        {
            int headerLength = (b[q] & 0x0F) * 4;
            if (headerLength < Ipv4Fields.MinHeaderLength || q + headerLength > end) return quoted;
            int total = BinaryPrimitives.ReadUInt16BigEndian(b[(q + Ipv4Fields.TotalLength)..]);
            quoted.UpperOffset = q + headerLength;
            quoted.UpperEnd = total >= headerLength ? Math.Min(end, q + total) : end;
            quoted.Protocol = b[q + Ipv4Fields.Protocol];
            quoted.LaterFragment = (BinaryPrimitives.ReadUInt16BigEndian(b[(q + Ipv4Fields.FlagsAndFragmentOffset)..]) & Ipv4Fields.FragmentOffsetMask) != 0;
            return quoted;
        }
        if (version != 6) return null;
        if (q + Ipv6Fields.HeaderLength > end) return quoted;
        quoted.UpperOffset = q + Ipv6Fields.HeaderLength;
        quoted.UpperEnd = Math.Min(end, quoted.UpperOffset + BinaryPrimitives.ReadUInt16BigEndian(b[(q + Ipv6Fields.PayloadLength)..]));
        quoted.Protocol = b[q + Ipv6Fields.NextHeader]; // extension headers are not followed: their protocol has no checksum here
        return quoted;
    }

    /// <summary>Replaces an address with its pseudonym; one the capture cut short ends the captured bytes where it starts.</summary>
    private void Address(Span<byte> b, int at, int length, bool link)
    {
        if (at >= _end || length == 0) return;
        if (at + length > _end)
        {
            _end = at;
            return;
        }
        var address = b.Slice(at, length);
        if (link) pseudonymiser.LinkAddress(address, address);
        else pseudonymiser.Address(address, address);
    }

    /// <summary>Offset of a transport's checksum field, or -1 for one without a checksum this rewriting keeps right.</summary>
    private static int ChecksumField(ReadOnlySpan<byte> b, in PacketTrail.IpHeader ip) => ip.Protocol switch
    {
        IpProtocols.Tcp => 16,
        IpProtocols.Udp => 6,
        IpProtocols.Icmp or IpProtocols.IcmpV6 => 2,
        IpProtocols.Gre when (b[ip.UpperOffset] & 0x80) != 0 => 4, // the C bit: a checksum over the GRE header and its payload
        _ => -1,
    };

    private void UpdateTransportChecksum(ReadOnlySpan<byte> original, Span<byte> b, in PacketTrail.IpHeader ip, int finalDestination)
    {
        if (ip.UpperOffset < 0 || ip.LaterFragment) return;
        int field = ChecksumField(b, ip);
        if (field < 0 || ip.UpperOffset + field + 2 > Math.Min(ip.UpperEnd, _end)) return;
        int at = ip.UpperOffset + field;
        ushort checksum = BinaryPrimitives.ReadUInt16BigEndian(b[at..]);
        if (ip.Protocol == IpProtocols.Udp && checksum == 0 && ip.Version == 4) return; // no checksum
        uint oldSum = RegionSum(original, ip.UpperOffset, ip.UpperEnd, at), newSum = RegionSum(b, ip.UpperOffset, ip.UpperEnd, at);
        if (ip.Protocol is not (IpProtocols.Icmp or IpProtocols.Gre)) // no pseudo-header
        {
            oldSum = PseudoAddresses(original, ip, finalDestination, oldSum);
            newSum = PseudoAddresses(b, ip, finalDestination, newSum);
        }
        ushort updated = Checksum.Update(checksum, oldSum, newSum);
        if (ip.Protocol == IpProtocols.Udp && updated == 0) updated = 0xFFFF; // RFC 768: a computed 0 is sent as all ones
        BinaryPrimitives.WriteUInt16BigEndian(b[at..], updated);
    }

    private void UpdateIpv4HeaderChecksum(ReadOnlySpan<byte> original, Span<byte> b, in PacketTrail.IpHeader ip)
    {
        if (ip.Version != 4) return;
        int o = ip.Offset, headerLength = (b[o] & 0x0F) * 4;
        if (headerLength < Ipv4Fields.MinHeaderLength || o + headerLength > _end) return;
        int at = o + 10;
        ushort checksum = BinaryPrimitives.ReadUInt16BigEndian(b[at..]);
        BinaryPrimitives.WriteUInt16BigEndian(b[at..], Checksum.Update(checksum, RegionSum(original, o, o + headerLength, at), RegionSum(b, o, o + headerLength, at)));
    }

    /// <summary>The one's complement sum of [<paramref name="from"/>, <paramref name="to"/>) with the checksum field at <paramref name="field"/> left out.</summary>
    private static uint RegionSum(ReadOnlySpan<byte> data, int from, int to, int field)
    {
        to = Math.Min(to, data.Length);
        uint sum = Checksum.Add(0, data[from..field]); // the field is at an even distance from the start: words stay aligned
        return field + 2 < to ? Checksum.Add(sum, data[(field + 2)..to]) : sum;
    }

    private static uint PseudoAddresses(ReadOnlySpan<byte> data, in PacketTrail.IpHeader ip, int finalDestination, uint sum) =>
        ip.Version == 4
            ? Checksum.Add(sum, data.Slice(ip.Offset + Ipv4Fields.Source, 8))
            : Checksum.Add(Checksum.Add(sum, data.Slice(ip.Offset + Ipv6Fields.Source, 16)), data.Slice(finalDestination, 16));

    /// <summary>Where the payload of the innermost transport (<paramref name="inner"/>) starts: what is cut unless the payload is kept.</summary>
    private int PayloadStart(ReadOnlySpan<byte> b, int length, in PacketTrail.IpHeader inner, int quotedIndex)
    {
        if (inner.UpperOffset < 0)
            return inner.Offset + (inner.Version == 4 ? Math.Max(Ipv4Fields.MinHeaderLength, (b[inner.Offset] & 0x0F) * 4) : Ipv6Fields.HeaderLength);
        int u = inner.UpperOffset;
        if (inner.LaterFragment) return u;
        switch (inner.Protocol)
        {
            case IpProtocols.Tcp:
                int dataOffset = u + TransportFields.TcpDataOffset < length ? (b[u + TransportFields.TcpDataOffset] >> 4) * 4 : 0;
                return u + Math.Max(TransportFields.TcpMinHeaderLength, dataOffset);
            case IpProtocols.Udp:
                return u + TransportFields.UdpHeaderLength;
            case IpProtocols.Sctp:
                return u + 12; // the common header: ports, verification tag, checksum
            case IpProtocols.Icmp or IpProtocols.IcmpV6:
                if (quotedIndex < 0) return u + 8;
                var quoted = _entries[quotedIndex];
                return quoted.UpperOffset >= 0 ? quoted.UpperOffset + 8 : quoted.Offset + (quoted.Version == 4 ? Ipv4Fields.MinHeaderLength : Ipv6Fields.HeaderLength);
            default:
                return u;
        }
    }
}
