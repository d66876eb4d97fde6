using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using PcapViz.Pseudonymisation;
using PcapViz.Slicing;

namespace PcapViz.Tests;

/// <summary>
/// <see cref="PacketRewriter"/> (slices of a pseudonymised bundle): on random packets (IPv4/IPv6, TCP/UDP/ICMP/ICMPv6,
/// IP-in-IP tunnels, ICMP errors quoting a packet, raw IP and Ethernet) the rewritten packet is byte for byte the
/// packet the generator builds from the pseudonymised addresses, which computes every checksum in full: so the
/// incremental updates (RFC 1624) equal a full recompute. The same holds when the capture cut the payload, and a
/// checksum that was wrong stays wrong by the same amount.
/// </summary>
public sealed class PacketRewriterTests : IDisposable
{
    private readonly Pseudonymiser _p = new(PseudonymKey.FromBytes([.. Enumerable.Range(0, 32).Select(i => (byte)(i * 7 + 3))]));

    public void Dispose() => _p.Dispose();

    public enum Transport { Tcp, Udp, Echo, Error }

    /// <summary>One random packet's shape: enough to build it with any addresses.</summary>
    private sealed record Shape(bool Ethernet, string[] Macs, int OuterVersion, int? TunnelVersion, Transport Transport,
        IPAddress[] Addresses, ushort[] Ports, byte[] Payload, bool Options);

    private static IPAddress RandomAddress(Random rng, int version)
    {
        if (version == 4)
        {
            uint v = (uint)rng.NextInt64(0, 1L << 32);
            if (rng.Next(3) == 0) v = 0x0A000000 | (v & 0x00FFFFFF); // 10/8
            else if ((v >> 24) is 0 or 10 or 127 or >= 224) v = 0x08000000 | (v & 0x00FFFFFF);
            return new IPAddress(BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(v) : v);
        }
        var bytes = new byte[16];
        rng.NextBytes(bytes);
        if (rng.Next(3) == 0) bytes[0] = 0xFD; // unique local
        else bytes[0] = (byte)(0x20 | (bytes[0] & 0x1F));
        return new IPAddress(bytes);
    }

    private static Shape RandomShape(Random rng)
    {
        int outer = rng.Next(2) == 0 ? 4 : 6;
        int? tunnel = rng.Next(3) == 0 ? (rng.Next(2) == 0 ? 4 : 6) : null;
        int inner = tunnel ?? outer;
        var transport = (Transport)rng.Next(4);
        var addresses = new[] { RandomAddress(rng, outer), RandomAddress(rng, outer), RandomAddress(rng, inner), RandomAddress(rng, inner),
            RandomAddress(rng, inner), RandomAddress(rng, inner) };
        var payload = new byte[rng.Next(0, 200)];
        rng.NextBytes(payload);
        string Mac() => string.Join(':', Enumerable.Range(0, 6).Select(i => (i == 0 ? rng.Next(256) & 0xFE : rng.Next(256)).ToString("x2", CultureInfo.InvariantCulture)));
        return new Shape(rng.Next(2) == 0, [Mac(), Mac()], outer, tunnel, transport, addresses,
            [(ushort)rng.Next(1, 65536), (ushort)rng.Next(1, 65536)], payload, Options: outer == 4 && rng.Next(3) == 0);
    }

    /// <summary>The packet of <paramref name="s"/> with every address through <paramref name="address"/> and MAC through <paramref name="mac"/>.</summary>
    private static byte[] Build(Shape s, Func<IPAddress, IPAddress> address, Func<string, string> mac, byte[]? options = null)
    {
        var f = new FrameBuilder();
        if (s.Ethernet) f.Ethernet(mac(s.Macs[0]), mac(s.Macs[1]));
        var a = s.Addresses.Select(address).ToArray();
        if (s.OuterVersion == 4) f.IPv4(a[0], a[1], options: s.Options ? options ?? [7, 7, 4, 10, 1, 2, 3] : null);
        else f.IPv6(a[0], a[1]);
        if (s.TunnelVersion == 4) f.IPv4(a[2], a[3]);
        else if (s.TunnelVersion == 6) f.IPv6(a[2], a[3]);
        int version = s.TunnelVersion ?? s.OuterVersion;
        var (x, y) = s.TunnelVersion is null ? (a[0], a[1]) : (a[2], a[3]);
        switch (s.Transport)
        {
            case Transport.Tcp: f.Tcp(s.Ports[0], s.Ports[1], seq: 7, flags: TcpFlags.Ack | TcpFlags.Psh); break;
            case Transport.Udp: f.Udp(s.Ports[0], s.Ports[1]); break;
            case Transport.Echo:
                if (version == 4) f.Icmp(8, 0, s.Ports[0], s.Ports[1]);
                else f.Icmpv6(128, 0, s.Ports[0], s.Ports[1]);
                break;
            case Transport.Error: // destination unreachable, quoting a packet from y back to the address x did not reach
                if (version == 4) f.Icmp(3, 1).IPv4(y, a[4]).Udp(s.Ports[0], s.Ports[1]);
                else f.Icmpv6(1, 3).IPv6(y, a[5]).Tcp(s.Ports[0], s.Ports[1], seq: 9);
                _ = x;
                break;
        }
        return f.Payload(s.Payload).Build();
    }

    private (byte[] Data, int OriginalLength) Rewrite(byte[] frame, bool ethernet, int originalLength, bool keepPayload = true)
    {
        var trail = new PacketTrail();
        byte[] copy = [.. frame];
        trail.Begin(copy);
        var view = default(PacketView);
        new PacketDecoder().Decode(ethernet ? LinkTypes.Ethernet : LinkTypes.Raw, copy, originalLength, ref view, trail);
        var rewriter = new PacketRewriter(_p, keepPayload);
        rewriter.Rewrite(ethernet ? LinkTypes.Ethernet : LinkTypes.Raw, copy.Length, originalLength, trail);
        return (rewriter.Data.ToArray(), rewriter.OriginalLength);
    }

    private IPAddress Pseudonym(IPAddress a) => _p.Address(a);

    private string MacPseudonym(string mac)
    {
        byte[] bytes = [.. mac.Split(':').Select(h => byte.Parse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture))];
        _p.LinkAddress(bytes, bytes);
        return string.Join(':', bytes.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void RandomPackets_RewrittenAreTheGeneratorsPacketsOfThePseudonyms_ChecksumsAsIfRecomputed_AlsoWhenCutShort()
    {
        var rng = new Random(26);
        int cut = 0;
        for (int i = 0; i < 600; i++)
        {
            var s = RandomShape(rng);
            byte[] original = Build(s, a => a, m => m);
            // IPv4 options become No-Operation options (1): the expected packet has them so.
            byte[] expected = Build(s, Pseudonym, MacPseudonym, options: [1, 1, 1, 1, 1, 1, 1, 1]);
            var (data, length) = Rewrite(original, s.Ethernet, original.Length);
            Assert.True(expected.AsSpan().SequenceEqual(data), $"packet {i} ({s.Transport}, IPv{s.OuterVersion} in {s.TunnelVersion}): {Convert.ToHexString(data)} != {Convert.ToHexString(expected)}");
            Assert.Equal(original.Length, length);

            // The capture cut the payload (snap length): the checksums are those of the whole packet.
            if (s.Payload.Length < 2) continue;
            int snap = original.Length - rng.Next(1, s.Payload.Length);
            var (cutData, cutLength) = Rewrite(original[..snap], s.Ethernet, original.Length);
            Assert.True(expected.AsSpan(0, snap).SequenceEqual(cutData), $"packet {i} cut to {snap}");
            Assert.Equal(original.Length, cutLength);
            cut++;
        }
        Assert.True(cut > 400, $"{cut} packets cut short");
    }

    [Theory]
    [InlineData(4, Transport.Tcp)]
    [InlineData(4, Transport.Udp)]
    [InlineData(6, Transport.Tcp)]
    [InlineData(6, Transport.Udp)]
    [InlineData(6, Transport.Echo)]
    public void WrongChecksum_StaysWrongByTheSameAmount(int version, Transport transport)
    {
        var rng = new Random(version * 10 + (int)transport);
        for (int i = 0; i < 100; i++)
        {
            var s = RandomShape(rng) with { Ethernet = false, OuterVersion = version, TunnelVersion = null, Transport = transport, Options = false };
            s = s with { Addresses = [RandomAddress(rng, version), RandomAddress(rng, version), .. s.Addresses[2..]] };
            byte[] original = Build(s, a => a, m => m);
            byte[] expected = Build(s, Pseudonym, MacPseudonym);
            int headers = (version == 4 ? 20 : 40);
            int at = headers + transport switch { Transport.Tcp => 16, Transport.Udp => 6, _ => 2 };
            // Corrupt the transport checksum and, over IPv4, the header checksum.
            byte[] corrupt = [.. original];
            corrupt[at] ^= 0x5A;
            corrupt[at + 1] ^= 0xC3;
            if (version == 4) corrupt[10] ^= 0x21;
            var (data, _) = Rewrite(corrupt, ethernet: false, corrupt.Length);
            Assert.Equal(Difference(original, corrupt, at), Difference(expected, data, at));
            if (version == 4) Assert.Equal(Difference(original, corrupt, 10), Difference(expected, data, 10));
            // Everything else is the pseudonymised packet.
            Assert.True(expected.AsSpan(0, 10).SequenceEqual(data.AsSpan(0, 10)) && expected.AsSpan(12, at - 12).SequenceEqual(data.AsSpan(12, at - 12)) &&
                        expected.AsSpan(at + 2).SequenceEqual(data.AsSpan(at + 2)));
        }
    }

    /// <summary>How far the checksum at <paramref name="at"/> of <paramref name="b"/> is from <paramref name="a"/>'s, in one's complement (0 and 0xFFFF are one value).</summary>
    private static int Difference(byte[] a, byte[] b, int at)
    {
        int x = BinaryPrimitives.ReadUInt16BigEndian(a.AsSpan(at)), y = BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(at));
        return ((y - x) % 0xFFFF + 0xFFFF) % 0xFFFF;
    }

    /// <summary>A GRE tunnel with a checksum: the tunnel's and the tunnelled packet's addresses rewritten, the GRE
    /// checksum (over the GRE header and the tunnelled packet) as if computed again.</summary>
    [Fact]
    public void GreWithChecksum_BothHeadersRewritten_ChecksumAsIfRecomputed()
    {
        static byte[] Gre(Func<IPAddress, IPAddress> map)
        {
            byte[] inner = new FrameBuilder().IPv4(map(IPAddress.Parse("192.0.2.10")), map(IPAddress.Parse("8.8.8.8"))).Udp(5000, 53)
                .Payload(new byte[13]).Build();
            byte[] gre = [0x80, 0x00, 0x08, 0x00, 0, 0, 0, 0, .. inner]; // C bit, IPv4, checksum, reserved
            BinaryPrimitives.WriteUInt16BigEndian(gre.AsSpan(4), Checksum.Compute(gre));
            return new FrameBuilder().IPv4(map(IPAddress.Parse("198.51.100.1")), map(IPAddress.Parse("1.1.1.1")), protocol: 47).Payload(gre).Build();
        }
        byte[] original = Gre(a => a), expected = Gre(Pseudonym);
        var (data, _) = Rewrite(original, ethernet: false, original.Length);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(data));
        Assert.NotEqual(original[24..26], data[24..26]); // the GRE checksum did change
    }

    /// <summary>Hostile frames (random packets with bytes flipped and cut anywhere, under every link type the rewriter treats
    /// differently): never an exception, never more bytes than captured, and the rewriting is deterministic.</summary>
    [Fact]
    public void MangledFrames_AreRewrittenWithoutFault()
    {
        var rng = new Random(1624);
        int[] linkTypes = [LinkTypes.Ethernet, LinkTypes.Raw, LinkTypes.LinuxSll, LinkTypes.LinuxSll2, LinkTypes.Null, LinkTypes.Ieee80211, LinkTypes.Ppp];
        var rewriter = new PacketRewriter(_p, keepPayload: false);
        for (int i = 0; i < 3000; i++)
        {
            var s = RandomShape(rng);
            byte[] frame = Build(s, a => a, m => m);
            for (int k = rng.Next(1, 8); k > 0; k--) frame[rng.Next(frame.Length)] = (byte)rng.Next(256);
            frame = frame[..rng.Next(0, frame.Length + 1)];
            int linkType = linkTypes[rng.Next(linkTypes.Length)];
            var trail = new PacketTrail();
            byte[] copy = [.. frame];
            trail.Begin(copy);
            var view = default(PacketView);
            new PacketDecoder().Decode(linkType, copy, frame.Length + 10, ref view, trail);
            rewriter.Rewrite(linkType, copy.Length, frame.Length + 10, trail);
            byte[] first = rewriter.Data.ToArray();
            Assert.True(first.Length <= frame.Length);
            Assert.True(rewriter.OriginalLength >= first.Length);
            rewriter.Rewrite(linkType, copy.Length, frame.Length + 10, trail);
            Assert.Equal(first, rewriter.Data.ToArray());
        }
    }

    [Fact]
    public void PayloadCut_EndsAfterTheTransportHeader_KeepsTheOriginalLength_AndMacsAreLocallyAdministered()
    {
        byte[] payload = [.. "GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n"u8];
        byte[] frame = new FrameBuilder().Ethernet("00:11:22:33:44:55", "ff:ff:ff:ff:ff:ff").IPv4("192.0.2.1", "8.8.8.8")
            .Tcp(40000, 80, options: [1, 1, 1, 1]).Payload(payload).Build();
        var (data, length) = Rewrite(frame, ethernet: true, frame.Length, keepPayload: false);
        Assert.Equal(14 + 20 + 24, data.Length); // Ethernet, IPv4, TCP with 4 bytes of options
        Assert.Equal(frame.Length, length);
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }, data[..6]); // broadcast stays
        Assert.Equal(0x02, data[6] & 0x03); // locally administered unicast
        Assert.NotEqual(frame[6..12], data[6..12]);
        Assert.Equal(_p.Address(IPAddress.Parse("8.8.8.8")).GetAddressBytes(), data[30..34]);

        // An ICMP error keeps the quoted header and 8 bytes of what it quotes, addresses rewritten.
        byte[] error = new FrameBuilder().IPv4("198.51.100.7", "10.1.2.3").Icmp(3, 3).IPv4("10.1.2.3", "8.8.4.4").Udp(5353, 53).Payload(payload).Build();
        var (cut, _) = Rewrite(error, ethernet: false, error.Length, keepPayload: false);
        Assert.Equal(20 + 8 + 20 + 8, cut.Length);
        Assert.Equal(_p.Address(IPAddress.Parse("8.8.4.4")).GetAddressBytes(), cut[44..48]);
    }
}
