using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using PcapViz.Slicing;

namespace PcapViz.Generator;

/// <summary>TCP header flag bits (RFC 793 / RFC 3168).</summary>
[Flags]
public enum TcpFlags : byte
{
    /// <summary>No flag set.</summary>
    None = 0,
    /// <summary>FIN: the sender has no more data.</summary>
    Fin = 0x01,
    /// <summary>SYN: synchronise sequence numbers (opens a connection).</summary>
    Syn = 0x02,
    /// <summary>RST: reset the connection.</summary>
    Rst = 0x04,
    /// <summary>PSH: push the buffered data to the application.</summary>
    Psh = 0x08,
    /// <summary>ACK: the acknowledgment number is valid.</summary>
    Ack = 0x10,
    /// <summary>URG: the urgent pointer is valid.</summary>
    Urg = 0x20,
    /// <summary>ECE: ECN echo (RFC 3168).</summary>
    Ece = 0x40,
    /// <summary>CWR: congestion window reduced (RFC 3168).</summary>
    Cwr = 0x80,
}

/// <summary>
/// Builds one frame, outermost header first: <c>new FrameBuilder().Ethernet().Vlan(10).IPv4("10.0.0.1", "10.0.0.2").Udp(1234, 53).Payload(dns).Build()</c>.
/// Type fields (EtherType, IP protocol, IPv6 next header, SLL protocol, null family, PPP protocol), lengths and
/// checksums are filled in from the layers that follow unless given explicitly; every computed field can be
/// overridden to make malformed frames, and <see cref="Truncate"/> cuts the finished frame.
/// </summary>
public sealed class FrameBuilder
{
    private readonly List<Layer> _layers = [];
    private byte[] _trailer = [];
    private int? _truncate;

    // ---------------------------------------------------------------- link layers

    /// <summary>Ethernet II header (14 bytes). MACs as "aa:bb:cc:dd:ee:ff" (or '-' separated).</summary>
    public FrameBuilder Ethernet(string src = "02:00:00:00:00:01", string dst = "02:00:00:00:00:02", ushort? etherType = null)
        => Add(new EthernetLayer(ParseMac(src), ParseMac(dst), etherType));

    /// <summary>A VLAN tag: 802.1Q with the default <paramref name="tpid"/> 0x8100, 802.1ad (S-tag) with 0x88a8.
    /// The TPID goes into the preceding type field; the tag itself is TCI + the next EtherType.</summary>
    public FrameBuilder Vlan(ushort vlanId, byte priority = 0, bool dropEligible = false, ushort tpid = 0x8100, ushort? etherType = null)
        => Add(new VlanLayer((ushort)((priority << 13) | (dropEligible ? 0x1000 : 0) | (vlanId & 0x0FFF)), tpid, etherType));

    /// <summary>Linux cooked capture v1 header (16 bytes, LINKTYPE_LINUX_SLL).</summary>
    public FrameBuilder LinuxSll(ushort packetType = 0, ushort arphrdType = 1, string address = "02:00:00:00:00:01", ushort? protocol = null)
        => Add(new SllLayer(packetType, arphrdType, ParseMac(address), protocol));

    /// <summary>Linux cooked capture v2 header (20 bytes, LINKTYPE_LINUX_SLL2).</summary>
    public FrameBuilder LinuxSll2(uint interfaceIndex = 1, byte packetType = 0, ushort arphrdType = 1, string address = "02:00:00:00:00:01", ushort? protocol = null)
        => Add(new Sll2Layer(interfaceIndex, packetType, arphrdType, ParseMac(address), protocol));

    /// <summary>BSD loopback header: a 4-byte address family, little-endian (LINKTYPE_NULL from a little-endian host)
    /// unless <paramref name="bigEndian"/> (big-endian host, or LINKTYPE_LOOP). Default family 2 (AF_INET) or,
    /// before IPv6, <paramref name="ipv6Family"/> (24 NetBSD/OpenBSD, 28 FreeBSD, 30 macOS).</summary>
    public FrameBuilder Null(uint? family = null, bool bigEndian = false, uint ipv6Family = 30)
        => Add(new NullLayer(family, bigEndian, ipv6Family));

    /// <summary>
    /// Radiotap header (LINKTYPE_IEEE802_11_RADIOTAP, 127): version 0, little-endian length and present words.
    /// <paramref name="extraPresentWords"/> adds extended present-bitmap words (bit 31 chains them); a TSFT field
    /// (8 bytes, 8-aligned) precedes the flags field when <paramref name="tsft"/>; <paramref name="flags"/> is the
    /// flags field (0x10: FCS at the end, 0x20: data padding). <paramref name="version"/> and <paramref name="length"/>
    /// override, for malformed headers.
    /// </summary>
    public FrameBuilder Radiotap(byte? flags = null, bool tsft = false, int extraPresentWords = 0, byte version = 0, ushort? length = null)
        => Add(new RadiotapLayer(flags, tsft, extraPresentWords, version, length));

    /// <summary>
    /// IEEE 802.11 data frame header, then (unless <paramref name="llcSnap"/> is false) LLC/SNAP with the EtherType of
    /// the next layer. <paramref name="subtype"/>: 0 data, 4 null function, 8 QoS data, 12 QoS null ...; a QoS subtype
    /// adds QoS control (with the A-MSDU bit when <paramref name="amsdu"/>) and, when <paramref name="order"/>, HT control.
    /// ToDS and FromDS together add the fourth address. <paramref name="type"/> 0 management, 1 control, 2 data.
    /// </summary>
    public FrameBuilder Ieee80211(byte subtype = 0, bool toDs = true, bool fromDs = false, bool protectedFrame = false,
        bool order = false, bool amsdu = false, byte fragmentNumber = 0, byte type = 2, bool llcSnap = true)
        => Add(new Ieee80211Layer(subtype, toDs, fromDs, protectedFrame, order, amsdu, fragmentNumber, type, llcSnap));

    /// <summary>Prism capture header (LINKTYPE_IEEE802_11_PRISM, 119): 144 bytes, message length little-endian unless <paramref name="length"/>.</summary>
    public FrameBuilder Prism(uint? length = null, bool bigEndian = false) => Add(new PrismLayer(length, bigEndian));

    /// <summary>AVS capture header (LINKTYPE_IEEE802_11_AVS, 163): 64 bytes, magic 0x80211001 and length big-endian.</summary>
    public FrameBuilder Avs(uint magic = 0x80211001, uint? length = null) => Add(new AvsLayer(magic, length));

    /// <summary>PPI header (LINKTYPE_PPI, 192) for inner link type <paramref name="dlt"/>; with <paramref name="fcs"/> an 802.11-common field says the frame ends in an FCS.</summary>
    public FrameBuilder Ppi(uint dlt = 105, bool? fcs = null) => Add(new PpiLayer(dlt, fcs));

    /// <summary>PPP in HDLC-like framing: 0xff 0x03 and a 2-byte protocol (0x0021 IPv4, 0x0057 IPv6 by default).</summary>
    public FrameBuilder Ppp(ushort? protocol = null, byte address = 0xFF, byte control = 0x03)
        => Add(new PppLayer(address, control, protocol));

    // ---------------------------------------------------------------- network layers

    /// <summary>IPv4 header (RFC 791). <paramref name="options"/> are padded with zeros (end of option list) to a
    /// multiple of 4 bytes, making IHL &gt; 5. <paramref name="ihl"/>, <paramref name="totalLength"/>,
    /// <paramref name="version"/> and <paramref name="checksum"/> override the computed values.</summary>
    public FrameBuilder IPv4(
        string src, string dst, byte? protocol = null, byte ttl = 64, ushort id = 0,
        bool dontFragment = false, bool moreFragments = false, ushort fragmentOffset = 0, byte tos = 0,
        byte[]? options = null, byte? ihl = null, ushort? totalLength = null, byte version = 4, ushort? checksum = null)
        => IPv4(ParseIp(src, AddressFamily.InterNetwork), ParseIp(dst, AddressFamily.InterNetwork), protocol, ttl, id,
            dontFragment, moreFragments, fragmentOffset, tos, options, ihl, totalLength, version, checksum);

    /// <inheritdoc cref="IPv4(string, string, byte?, byte, ushort, bool, bool, ushort, byte, byte[], byte?, ushort?, byte, ushort?)"/>
    public FrameBuilder IPv4(
        IPAddress src, IPAddress dst, byte? protocol = null, byte ttl = 64, ushort id = 0,
        bool dontFragment = false, bool moreFragments = false, ushort fragmentOffset = 0, byte tos = 0,
        byte[]? options = null, byte? ihl = null, ushort? totalLength = null, byte version = 4, ushort? checksum = null)
    {
        var opts = options ?? [];
        var padded = new byte[(opts.Length + 3) / 4 * 4];
        opts.CopyTo(padded, 0);
        var flagsFragment = (ushort)((dontFragment ? 0x4000 : 0) | (moreFragments ? 0x2000 : 0) | (fragmentOffset & 0x1FFF));
        return Add(new IPv4Layer(Bytes(src, 4), Bytes(dst, 4), protocol, ttl, id, flagsFragment, tos, padded, ihl, totalLength, version, checksum));
    }

    /// <summary>IPv6 fixed header (RFC 8200). Next header follows the chain of extension headers and upper layer
    /// unless given; <paramref name="payloadLength"/> and <paramref name="version"/> override.</summary>
    public FrameBuilder IPv6(
        string src, string dst, byte? nextHeader = null, byte hopLimit = 64, byte trafficClass = 0, uint flowLabel = 0,
        ushort? payloadLength = null, byte version = 6)
        => IPv6(ParseIp(src, AddressFamily.InterNetworkV6), ParseIp(dst, AddressFamily.InterNetworkV6), nextHeader, hopLimit,
            trafficClass, flowLabel, payloadLength, version);

    /// <inheritdoc cref="IPv6(string, string, byte?, byte, byte, uint, ushort?, byte)"/>
    public FrameBuilder IPv6(
        IPAddress src, IPAddress dst, byte? nextHeader = null, byte hopLimit = 64, byte trafficClass = 0, uint flowLabel = 0,
        ushort? payloadLength = null, byte version = 6)
        => Add(new IPv6Layer(Bytes(src, 16), Bytes(dst, 16), nextHeader, hopLimit, trafficClass, flowLabel, payloadLength, version));

    /// <summary>IPv6 hop-by-hop options header (next header value 0). Options are PadN/Pad1-padded to a multiple of 8.</summary>
    public FrameBuilder HopByHop(byte[]? options = null, byte? nextHeader = null)
        => Add(new Ipv6OptionsLayer(0, options ?? [], nextHeader));

    /// <summary>IPv6 destination options header (next header value 60).</summary>
    public FrameBuilder DestinationOptions(byte[]? options = null, byte? nextHeader = null)
        => Add(new Ipv6OptionsLayer(60, options ?? [], nextHeader));

    /// <summary>IPv6 routing header (value 43): type, segments left and type-specific data (default 4 reserved
    /// bytes), zero-padded to a multiple of 8.</summary>
    public FrameBuilder Routing(byte routingType = 0, byte segmentsLeft = 0, byte[]? data = null, byte? nextHeader = null)
        => Add(new Ipv6RoutingLayer(routingType, segmentsLeft, data ?? new byte[4], nextHeader));

    /// <summary>IPv6 fragment header (value 44, 8 bytes). <paramref name="fragmentOffset"/> in 8-byte units.</summary>
    public FrameBuilder Fragment(ushort fragmentOffset = 0, bool moreFragments = false, uint identification = 0, byte? nextHeader = null)
        => Add(new Ipv6FragmentLayer((ushort)((fragmentOffset << 3) | (moreFragments ? 1 : 0)), identification, nextHeader));

    // ---------------------------------------------------------------- transport layers

    /// <summary>UDP header (RFC 768). Length = 8 + what follows unless given; checksum computed over the
    /// pseudo-header unless given (pass 0 for "no checksum").</summary>
    public FrameBuilder Udp(ushort srcPort, ushort dstPort, ushort? length = null, ushort? checksum = null)
        => Add(new UdpLayer(srcPort, dstPort, length, checksum));

    /// <summary>TCP header (RFC 793). <paramref name="options"/> are zero-padded to a multiple of 4;
    /// <paramref name="dataOffset"/> (in 32-bit words) and <paramref name="checksum"/> override.</summary>
    public FrameBuilder Tcp(
        ushort srcPort, ushort dstPort, uint seq = 0, uint ack = 0, TcpFlags flags = TcpFlags.Ack, ushort window = 65535,
        byte[]? options = null, byte? dataOffset = null, ushort? checksum = null, ushort urgentPointer = 0)
    {
        var opts = options ?? [];
        var padded = new byte[(opts.Length + 3) / 4 * 4];
        opts.CopyTo(padded, 0);
        return Add(new TcpLayer(srcPort, dstPort, seq, ack, flags, window, padded, dataOffset, checksum, urgentPointer));
    }

    /// <summary>ICMP (protocol 1) echo-style header: type, code, checksum, identifier, sequence.</summary>
    public FrameBuilder Icmp(byte type = 8, byte code = 0, ushort identifier = 0, ushort sequence = 0, ushort? checksum = null)
        => Add(new IcmpLayer(1, type, code, identifier, sequence, checksum));

    /// <summary>ICMPv6 (next header 58) header; checksum over the IPv6 pseudo-header.</summary>
    public FrameBuilder Icmpv6(byte type = 128, byte code = 0, ushort identifier = 0, ushort sequence = 0, ushort? checksum = null)
        => Add(new IcmpLayer(58, type, code, identifier, sequence, checksum));

    /// <summary>Raw bytes after the headers (counted in IP and UDP lengths).</summary>
    public FrameBuilder Payload(ReadOnlySpan<byte> data) => Add(new PayloadLayer(data.ToArray()));

    /// <summary>Bytes after the whole packet that no length covers (e.g. Ethernet padding to 60 bytes).</summary>
    public FrameBuilder Trailer(ReadOnlySpan<byte> data)
    {
        _trailer = data.ToArray();
        return this;
    }

    /// <summary>Cuts the built frame to its first <paramref name="length"/> bytes (after all fields are computed).</summary>
    public FrameBuilder Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _truncate = length;
        return this;
    }

    /// <summary>Length of the frame <see cref="Build"/> would return.</summary>
    public int Length
    {
        get
        {
            int full = _trailer.Length;
            foreach (var layer in _layers)
            {
                full += layer.Size;
            }

            return _truncate is int t ? Math.Min(t, full) : full;
        }
    }

    /// <summary>Builds the frame.</summary>
    public byte[] Build()
    {
        var result = new byte[Length];
        WriteTo(result);
        return result;
    }

    /// <summary>Writes the frame into <paramref name="destination"/> and returns its length.</summary>
    public int WriteTo(Span<byte> destination)
    {
        int full = _trailer.Length;
        foreach (var layer in _layers)
        {
            full += layer.Size;
        }

        int length = _truncate is int t ? Math.Min(t, full) : full;
        if (destination.Length < length)
        {
            throw new ArgumentException($"Destination has {destination.Length} bytes; the frame needs {length}.", nameof(destination));
        }

        Span<byte> buffer = full <= destination.Length ? destination[..full] : new byte[full];
        buffer.Clear();
        var offsets = new int[_layers.Count];
        int offset = 0;
        for (int i = 0; i < _layers.Count; i++)
        {
            offsets[i] = offset;
            offset += _layers[i].Size;
        }

        _trailer.CopyTo(buffer[offset..]);
        int packetEnd = offset;

        // Headers first, outermost to innermost, then checksums innermost first (they cover what follows).
        for (int i = 0; i < _layers.Count; i++)
        {
            var next = i + 1 < _layers.Count ? _layers[i + 1] : null;
            _layers[i].Write(buffer.Slice(offsets[i], _layers[i].Size), next, packetEnd - offsets[i]);
        }

        for (int i = _layers.Count - 1; i >= 0; i--)
        {
            IpLayer? ip = null;
            int ipOffset = 0;
            for (int j = i - 1; j >= 0; j--)
            {
                if (_layers[j] is IpLayer candidate)
                {
                    ip = candidate;
                    ipOffset = offsets[j];
                    break;
                }
            }

            _layers[i].Finish(buffer[offsets[i]..packetEnd], buffer[ipOffset..], ip);
        }

        if (buffer.Length > destination.Length || !buffer.Overlaps(destination))
        {
            buffer[..length].CopyTo(destination);
        }

        return length;
    }

    private FrameBuilder Add(Layer layer)
    {
        _layers.Add(layer);
        return this;
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>Parses "aa:bb:cc:dd:ee:ff" or "aa-bb-cc-dd-ee-ff".</summary>
    public static byte[] ParseMac(string mac)
    {
        var parts = mac.Split(':', '-');
        if (parts.Length != 6)
        {
            throw new FormatException($"'{mac}' is not a MAC address.");
        }

        var bytes = new byte[6];
        for (int i = 0; i < 6; i++)
        {
            bytes[i] = byte.Parse(parts[i], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }

        return bytes;
    }

    private static IPAddress ParseIp(string text, AddressFamily family)
    {
        var address = IPAddress.Parse(text);
        if (address.AddressFamily != family)
        {
            throw new FormatException($"'{text}' is not an {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} address.");
        }

        return address;
    }

    private static byte[] Bytes(IPAddress address, int length)
    {
        var bytes = address.GetAddressBytes();
        if (bytes.Length != length)
        {
            throw new ArgumentException($"{address} is not a {length * 8}-bit address.", nameof(address));
        }

        return bytes;
    }

    private static ushort EtherTypeOf(Layer? next) => next switch
    {
        VlanLayer v => v.Tpid,
        IPv4Layer => 0x0800,
        IPv6Layer => 0x86DD,
        _ => 0,
    };

    private static byte IpProtocolOf(Layer? next) => next switch
    {
        TcpLayer => 6,
        UdpLayer => 17,
        IcmpLayer icmp => icmp.Protocol,
        Ipv6OptionsLayer o => o.HeaderType,
        Ipv6RoutingLayer => 43,
        Ipv6FragmentLayer => 44,
        IPv4Layer => 4,
        IPv6Layer => 41,
        null => 59, // IPv6 "no next header"
        _ => 59,
    };

    // ---------------------------------------------------------------- layers

    private abstract class Layer
    {
        public abstract int Size { get; }

        /// <summary>Writes the header; <paramref name="packetRemaining"/> = bytes from this header's start to the packet end (trailer excluded).</summary>
        public abstract void Write(Span<byte> header, Layer? next, int packetRemaining);

        /// <summary>Computes checksums over <paramref name="fromHere"/> (this header to the packet end) once inner layers are done.</summary>
        public virtual void Finish(Span<byte> fromHere, Span<byte> ipHeader, IpLayer? enclosingIp)
        {
        }
    }

    private abstract class IpLayer : Layer
    {
        /// <summary>Sum of the pseudo-header for an upper-layer checksum (RFC 768 / RFC 8200 8.1).</summary>
        public abstract uint PseudoHeaderSum(byte protocol, int upperLength);
    }

    private sealed class EthernetLayer(byte[] src, byte[] dst, ushort? etherType) : Layer
    {
        public override int Size => 14;

        public override void Write(Span<byte> h, Layer? next, int packetRemaining)
        {
            dst.CopyTo(h);
            src.CopyTo(h[6..]);
            BinaryPrimitives.WriteUInt16BigEndian(h[12..], etherType ?? EtherTypeOf(next));
        }
    }

    private sealed class VlanLayer(ushort tci, ushort tpid, ushort? etherType) : Layer
    {
        public ushort Tpid => tpid;

        public override int Size => 4;

        public override void Write(Span<byte> h, Layer? next, int packetRemaining)
        {
            BinaryPrimitives.WriteUInt16BigEndian(h, tci);
            BinaryPrimitives.WriteUInt16BigEndian(h[2..], etherType ?? EtherTypeOf(next));
        }
    }

    private sealed class SllLayer(ushort packetType, ushort arphrd, byte[] address, ushort? protocol) : Layer
    {
        public override int Size => 16;

        public override void Write(Span<byte> h, Layer? next, int packetRemaining)
        {
            BinaryPrimitives.WriteUInt16BigEndian(h, packetType);
            BinaryPrimitives.WriteUInt16BigEndian(h[2..], arphrd);
            BinaryPrimitives.WriteUInt16BigEndian(h[4..], (ushort)address.Length);
            address.AsSpan(0, Math.Min(8, address.Length)).CopyTo(h[6..]);
            BinaryPrimitives.WriteUInt16BigEndian(h[14..], protocol ?? EtherTypeOf(next));
        }
    }

    private sealed class Sll2Layer(uint ifIndex, byte packetType, ushort arphrd, byte[] address, ushort? protocol) : Layer
    {
        public override int Size => 20;

        public override void Write(Span<byte> h, Layer? next, int packetRemaining)
        {
            BinaryPrimitives.WriteUInt16BigEndian(h, protocol ?? EtherTypeOf(next));
            BinaryPrimitives.WriteUInt32BigEndian(h[4..], ifIndex);
            BinaryPrimitives.WriteUInt16BigEndian(h[8..], arphrd);
            h[10] = packetType;
            h[11] = (byte)address.Length;
            address.AsSpan(0, Math.Min(8, address.Length)).CopyTo(h[12..]);
        }
    }

    private sealed class NullLayer(uint? family, bool bigEndian, uint ipv6Family) : Layer
    {
        public override int Size => 4;

        public override void Write(Span<byte> h, Layer? next, int packetRemaining)
        {
            uint value = family ?? (next is IPv6Layer ? ipv6Family : 2u);
            if (bigEndian)
            {
                BinaryPrimitives.WriteUInt32BigEndian(h, value);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(h, value);
            }
        }
    }

    private sealed class RadiotapLayer(byte? flags, bool tsft, int extraWords, byte version, ushort? length) : Layer
    {
        private int Natural
        {
            get
            {
                int pos = 8 + 4 * extraWords;
                if (tsft) pos = ((pos + 7) & ~7) + 8;
                if (flags is not null) pos += 1;
                return pos;
            }
        }

        public override int Size => Natural;

        public override void Write(Span<byte> h, Layer? next, int packetRemaining)
        {
            h[0] = version;
            BinaryPrimitives.WriteUInt16LittleEndian(h[2..], length ?? (ushort)Natural);
            uint present = (tsft ? 1u : 0) | (flags is not null ? 2u : 0);
            for (int i = 0; i <= extraWords; i++)
            {
                uint word = i == 0 ? present : 0;
                if (i < extraWords) word |= 1u << 31;
                BinaryPrimitives.WriteUInt32LittleEndian(h[(4 + 4 * i)..], word);
            }
            int pos = 8 + 4 * extraWords;
            if (tsft)
            {
                pos = (pos + 7) & ~7;
                BinaryPrimitives.WriteUInt64LittleEndian(h[pos..], 0x0102030405060708UL);
                pos += 8;
            }
            if (flags is byte f) h[pos] = f;
        }
    }

    private sealed class Ieee80211Layer(byte subtype, bool toDs, bool fromDs, bool protectedFrame, bool order, bool amsdu,
        byte fragmentNumber, byte type, bool llcSnap) : Layer
    {
        private bool Qos => type == 2 && (subtype & 0x08) != 0;

        private int HeaderLength => 24 + (toDs && fromDs ? 6 : 0) + (Qos ? 2 : 0) + (Qos && order ? 4 : 0);

        public override int Size => HeaderLength + (llcSnap ? 8 : 0);

        public override void Write(Span<byte> h, Layer? next, int packetRemaining)
        {
            h[0] = (byte)((type << 2) | (subtype << 4));
            h[1] = (byte)((toDs ? 0x01 : 0) | (fromDs ? 0x02 : 0) | (protectedFrame ? 0x40 : 0) | (order ? 0x80 : 0));
            for (int i = 4; i < 22; i++) h[i] = (byte)(0x10 + i); // three addresses
            h[22] = (byte)(fragmentNumber & 0x0F);
            h[23] = 0x01;
            int pos = 24;
            if (toDs && fromDs) pos += 6;
            if (Qos)
            {
                h[pos] = (byte)(amsdu ? 0x80 : 0x00);
                pos += 2;
                if (order) pos += 4;
            }
            if (!llcSnap) return;
            h[pos] = 0xAA;
            h[pos + 1] = 0xAA;
            h[pos + 2] = 0x03;
            BinaryPrimitives.WriteUInt16BigEndian(h[(pos + 6)..], EtherTypeOf(next));
        }
    }

    private sealed class PrismLayer(uint? length, bool bigEndian) : Layer
    {
        public override int Size => 144;

        public override void Write(Span<byte> h, Layer? next, int packetRemaining)
        {
            ByteOrder.Put32(h, 0x00000044, bigEndian);
            ByteOrder.Put32(h[4..], length ?? 144, bigEndian);
            "wlan0"u8.CopyTo(h[8..]);
        }
    }

    private sealed class AvsLayer(uint magic, uint? length) : Layer
    {
        public override int Size => 64;

        public override void Write(Span<byte> h, Layer? next, int packetRemaining)
        {
            BinaryPrimitives.WriteUInt32BigEndian(h, magic);
            BinaryPrimitives.WriteUInt32BigEndian(h[4..], length ?? 64);
        }
    }

    private sealed class PpiLayer(uint dlt, bool? fcs) : Layer
    {
        public override int Size => 8 + (fcs is null ? 0 : 24);

        public override void Write(Span<byte> h, Layer? next, int packetRemaining)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(h[2..], (ushort)Size);
            BinaryPrimitives.WriteUInt32LittleEndian(h[4..], dlt);
            if (fcs is not bool f) return;
            BinaryPrimitives.WriteUInt16LittleEndian(h[8..], 2); // 802.11-common
            BinaryPrimitives.WriteUInt16LittleEndian(h[10..], 20);
            BinaryPrimitives.WriteUInt16LittleEndian(h[20..], (ushort)(f ? 1 : 0)); // flags after the 8-byte TSF
        }
    }

    private sealed class PppLayer(byte address, byte control, ushort? protocol) : Layer
    {
        public override int Size => 4;

        public override void Write(Span<byte> h, Layer? next, int packetRemaining)
        {
            h[0] = address;
            h[1] = control;
            BinaryPrimitives.WriteUInt16BigEndian(h[2..], protocol ?? next switch
            {
                IPv4Layer => 0x0021,
                IPv6Layer => 0x0057,
                _ => 0,
            });
        }
    }

    private sealed class IPv4Layer(
        byte[] src, byte[] dst, byte? protocol, byte ttl, ushort id, ushort flagsFragment, byte tos, byte[] options,
        byte? ihl, ushort? totalLength, byte version, ushort? checksum) : IpLayer
    {
        private byte _protocol;

        public override int Size => 20 + options.Length;

        public override void Write(Span<byte> h, Layer? next, int packetRemaining)
        {
            _protocol = protocol ?? IpProtocolOf(next);
            h[0] = (byte)((version << 4) | ((ihl ?? (Size / 4)) & 0x0F));
            h[1] = tos;
            BinaryPrimitives.WriteUInt16BigEndian(h[2..], totalLength ?? (ushort)packetRemaining);
            BinaryPrimitives.WriteUInt16BigEndian(h[4..], id);
            BinaryPrimitives.WriteUInt16BigEndian(h[6..], flagsFragment);
            h[8] = ttl;
            h[9] = _protocol;
            src.CopyTo(h[12..]);
            dst.CopyTo(h[16..]);
            options.CopyTo(h[20..]);
            BinaryPrimitives.WriteUInt16BigEndian(h[10..], checksum ?? Checksum.Compute(h[..Size]));
        }

        public override uint PseudoHeaderSum(byte protocol, int upperLength)
        {
            uint sum = Checksum.Add(0, src);
            sum = Checksum.Add(sum, dst);
            return sum + protocol + (uint)upperLength;
        }
    }

    private sealed class IPv6Layer(
        byte[] src, byte[] dst, byte? nextHeader, byte hopLimit, byte trafficClass, uint flowLabel, ushort? payloadLength, byte version) : IpLayer
    {
        public override int Size => 40;

        public override void Write(Span<byte> h, Layer? next, int packetRemaining)
        {
            BinaryPrimitives.WriteUInt32BigEndian(h, ((uint)version << 28) | ((uint)trafficClass << 20) | (flowLabel & 0xFFFFF));
            BinaryPrimitives.WriteUInt16BigEndian(h[4..], payloadLength ?? (ushort)(packetRemaining - 40));
            h[6] = nextHeader ?? IpProtocolOf(next);
            h[7] = hopLimit;
            src.CopyTo(h[8..]);
            dst.CopyTo(h[24..]);
        }

        public override uint PseudoHeaderSum(byte protocol, int upperLength)
        {
            uint sum = Checksum.Add(0, src);
            sum = Checksum.Add(sum, dst);
            return sum + (uint)(upperLength >> 16) + (uint)(upperLength & 0xFFFF) + protocol;
        }
    }

    private sealed class Ipv6OptionsLayer(byte headerType, byte[] options, byte? nextHeader) : Layer
    {
        public byte HeaderType => headerType;

        public override int Size => (2 + options.Length + 7) / 8 * 8;

        public override void Write(Span<byte> h, Layer? next, int packetRemaining)
        {
            h[0] = nextHeader ?? IpProtocolOf(next);
            h[1] = (byte)(Size / 8 - 1);
            options.CopyTo(h[2..]);
            int pad = Size - 2 - options.Length;
            if (pad == 1)
            {
                h[Size - 1] = 0; // Pad1
            }
            else if (pad > 1)
            {
                h[2 + options.Length] = 1; // PadN
                h[3 + options.Length] = (byte)(pad - 2);
            }
        }
    }

    private sealed class Ipv6RoutingLayer(byte routingType, byte segmentsLeft, byte[] data, byte? nextHeader) : Layer
    {
        public override int Size => (4 + data.Length + 7) / 8 * 8;

        public override void Write(Span<byte> h, Layer? next, int packetRemaining)
        {
            h[0] = nextHeader ?? IpProtocolOf(next);
            h[1] = (byte)(Size / 8 - 1);
            h[2] = routingType;
            h[3] = segmentsLeft;
            data.CopyTo(h[4..]);
        }
    }

    private sealed class Ipv6FragmentLayer(ushort offsetFlags, uint identification, byte? nextHeader) : Layer
    {
        public override int Size => 8;

        public override void Write(Span<byte> h, Layer? next, int packetRemaining)
        {
            h[0] = nextHeader ?? IpProtocolOf(next);
            h[1] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(h[2..], offsetFlags);
            BinaryPrimitives.WriteUInt32BigEndian(h[4..], identification);
        }
    }

    private sealed class UdpLayer(ushort srcPort, ushort dstPort, ushort? length, ushort? checksum) : Layer
    {
        public override int Size => 8;

        public override void Write(Span<byte> h, Layer? next, int packetRemaining)
        {
            BinaryPrimitives.WriteUInt16BigEndian(h, srcPort);
            BinaryPrimitives.WriteUInt16BigEndian(h[2..], dstPort);
            BinaryPrimitives.WriteUInt16BigEndian(h[4..], length ?? (ushort)packetRemaining);
        }

        public override void Finish(Span<byte> fromHere, Span<byte> ipHeader, IpLayer? enclosingIp)
        {
            ushort value;
            if (checksum is ushort given)
            {
                value = given;
            }
            else if (enclosingIp is null)
            {
                value = 0;
            }
            else
            {
                value = Checksum.Finish(Checksum.Add(enclosingIp.PseudoHeaderSum(17, fromHere.Length), fromHere));
                if (value == 0)
                {
                    value = 0xFFFF; // RFC 768: a computed zero is sent as all ones
                }
            }

            BinaryPrimitives.WriteUInt16BigEndian(fromHere[6..], value);
        }
    }

    private sealed class TcpLayer(
        ushort srcPort, ushort dstPort, uint seq, uint ack, TcpFlags flags, ushort window, byte[] options,
        byte? dataOffset, ushort? checksum, ushort urgent) : Layer
    {
        public override int Size => 20 + options.Length;

        public override void Write(Span<byte> h, Layer? next, int packetRemaining)
        {
            BinaryPrimitives.WriteUInt16BigEndian(h, srcPort);
            BinaryPrimitives.WriteUInt16BigEndian(h[2..], dstPort);
            BinaryPrimitives.WriteUInt32BigEndian(h[4..], seq);
            BinaryPrimitives.WriteUInt32BigEndian(h[8..], ack);
            h[12] = (byte)((dataOffset ?? (byte)(Size / 4)) << 4);
            h[13] = (byte)flags;
            BinaryPrimitives.WriteUInt16BigEndian(h[14..], window);
            BinaryPrimitives.WriteUInt16BigEndian(h[18..], urgent);
            options.CopyTo(h[20..]);
        }

        public override void Finish(Span<byte> fromHere, Span<byte> ipHeader, IpLayer? enclosingIp)
        {
            ushort value = checksum
                ?? (enclosingIp is null ? (ushort)0 : Checksum.Finish(Checksum.Add(enclosingIp.PseudoHeaderSum(6, fromHere.Length), fromHere)));
            BinaryPrimitives.WriteUInt16BigEndian(fromHere[16..], value);
        }
    }

    private sealed class IcmpLayer(byte protocol, byte type, byte code, ushort identifier, ushort sequence, ushort? checksum) : Layer
    {
        public byte Protocol => protocol;

        public override int Size => 8;

        public override void Write(Span<byte> h, Layer? next, int packetRemaining)
        {
            h[0] = type;
            h[1] = code;
            BinaryPrimitives.WriteUInt16BigEndian(h[4..], identifier);
            BinaryPrimitives.WriteUInt16BigEndian(h[6..], sequence);
        }

        public override void Finish(Span<byte> fromHere, Span<byte> ipHeader, IpLayer? enclosingIp)
        {
            uint start = protocol == 58 && enclosingIp is not null ? enclosingIp.PseudoHeaderSum(58, fromHere.Length) : 0;
            BinaryPrimitives.WriteUInt16BigEndian(fromHere[2..], checksum ?? Checksum.Finish(Checksum.Add(start, fromHere)));
        }
    }

    private sealed class PayloadLayer(byte[] data) : Layer
    {
        public override int Size => data.Length;

        public override void Write(Span<byte> h, Layer? next, int packetRemaining) => data.CopyTo(h);
    }
}
