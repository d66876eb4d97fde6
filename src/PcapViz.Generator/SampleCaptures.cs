using System.Net;
using System.Text;
using PcapViz.Decoding;
using PcapViz.Slicing;

namespace PcapViz.Generator;

/// <summary>
/// Writes the small, realistic, deterministic sample captures used by the README run. Every byte depends only on
/// the code (own PRNG with fixed seeds, fixed start times), so two runs give identical files.
/// </summary>
public static class SampleCaptures
{
    /// <summary>File names written by <see cref="WriteAll"/>, in order.</summary>
    public static IReadOnlyList<string> FileNames { get; } =
    [
        "office-lan.pcap",
        "home-mdns-llmnr-ns-be.pcap",
        "gateway-two-interfaces.pcapng",
        "branch-office-qinq.pcap.gz",
        "cafe-wifi-radiotap.pcap",
        "dns-tunnel.pcap",
    ];

    /// <summary>Writes all sample captures into <paramref name="directory"/> (created if needed); returns their paths.</summary>
    public static IReadOnlyList<string> WriteAll(string directory)
    {
        Directory.CreateDirectory(directory);
        var paths = new List<string>();
        foreach (var name in FileNames)
        {
            var path = Path.Combine(directory, name);
            using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                Write(name, file);
            }

            paths.Add(path);
        }

        return paths;
    }

    /// <summary>Writes the sample named <paramref name="fileName"/> (one of <see cref="FileNames"/>) to <paramref name="stream"/>.</summary>
    public static void Write(string fileName, Stream stream)
    {
        switch (fileName)
        {
            case "office-lan.pcap":
                WritePcap(OfficeLan(), stream, nanosecond: false, bigEndian: false, gzip: false);
                break;
            case "home-mdns-llmnr-ns-be.pcap":
                WritePcap(HomeMdnsLlmnr(), stream, nanosecond: true, bigEndian: true, gzip: false);
                break;
            case "gateway-two-interfaces.pcapng":
                WriteGatewayPcapNg(stream);
                break;
            case "branch-office-qinq.pcap.gz":
                WritePcap(BranchOffice(), stream, nanosecond: false, bigEndian: false, gzip: true);
                break;
            case "cafe-wifi-radiotap.pcap":
                WritePcap(CafeWifi(), stream, nanosecond: false, bigEndian: false, gzip: false, LinkTypes.Ieee80211Radiotap);
                break;
            case "dns-tunnel.pcap":
                WritePcap(DnsTunnel(), stream, nanosecond: false, bigEndian: false, gzip: false);
                break;
            default:
                throw new ArgumentException($"No sample named '{fileName}'.", nameof(fileName));
        }
    }

    private const long Second = 1_000_000_000L;
    private const long Millisecond = 1_000_000L;

    /// <summary>A shared pool of query names (several files draw from it, so names overlap across captures).</summary>
    private static readonly IReadOnlyList<string> NamePool = DomainNames.Generate(420, seed: 20240301);

    // ------------------------------------------------------------------ the four captures

    /// <summary>Office LAN, 2 minutes: hosts on VLAN 10 (IPv4+IPv6) and VLAN 20, DNS over UDP and TCP, HTTP/HTTPS
    /// flows, ICMP echo, bursts of activity separated by quiet periods.</summary>
    private static Scenario OfficeLan()
    {
        var s = new Scenario(new Prng(1001), start: 1_709_280_000L * Second + 123_456_789); // 2024-03-01T08:00:00.123Z
        var router = new Host("router", "00:1a:2b:3c:4d:01", "192.168.10.1", "2001:db8:10::1");
        var resolver = new Host("resolver", "00:1a:2b:3c:4d:53", "192.168.10.53", "2001:db8:10::53");
        var clients = Enumerable.Range(0, 12).Select(i => new Host(
            $"pc{i}", $"3c:22:fb:10:00:{i + 16:x2}", $"192.168.{(i < 8 ? 10 : 20)}.{100 + i}",
            i < 6 ? $"2001:db8:10::{0x100 + i:x}" : null, Vlan: (ushort)(i < 8 ? 10 : 20))).ToArray();
        var servers = Enumerable.Range(0, 15).Select(i => new Host(
            $"srv{i}", router.Mac, $"{93 + i % 4}.{184 + i}.{(i * 37) % 250}.{10 + i}", i % 3 == 0 ? $"2606:2800:{0x220 + i:x}::{i + 1:x}" : null)).ToArray();
        var names = Scenario.Sample(NamePool, 170, offset: 0);

        long t = 0;
        int nameIndex = 0;
        while (t < 118 * Second)
        {
            bool burst = s.Rng.Chance(0.35);
            int events = burst ? s.Rng.Next(6, 16) : s.Rng.Next(1, 3);
            for (int e = 0; e < events; e++)
            {
                long at = t + s.Rng.Next(0, burst ? 3000 : 800) * Millisecond;
                var client = s.Rng.Pick(clients);
                var server = s.Rng.Pick(servers);
                bool v6 = client.V6 is not null && server.V6 is not null && s.Rng.Chance(0.5);
                string name = names[nameIndex++ % names.Count];
                ushort type = client.V6 is not null && s.Rng.Chance(0.3) ? DnsCodes.TypeAaaa : DnsCodes.TypeA;
                s.DnsUdp(at, client, resolver, name, type, v6 && s.Rng.Chance(0.5), router);
                if (s.Rng.Chance(0.6))
                {
                    s.TcpFlow(at + 30 * Millisecond, client, server, v6, s.Rng.Chance(0.4) ? (ushort)80 : (ushort)443,
                        responseBytes: s.Rng.Chance(0.2) ? s.Rng.Next(20_000, 60_000) : s.Rng.Next(300, 6_000), router);
                }
            }

            if (s.Rng.Chance(0.3))
            {
                var client = s.Rng.Pick(clients);
                s.Ping(t + 200 * Millisecond, client, s.Rng.Pick(servers), 4, v6: false, router);
            }

            if (s.Rng.Chance(0.25))
            {
                // Reverse lookups of the peers a client talked to.
                var server = s.Rng.Pick(servers);
                s.DnsUdp(t + 500 * Millisecond, s.Rng.Pick(clients), resolver,
                    DomainNames.ReverseIPv4(IPAddress.Parse(server.V4).GetAddressBytes()), DnsCodes.TypePtr, v6: false, router);
            }

            t += burst ? s.Rng.Next(3, 6) * Second : s.Rng.Next(1, 9) * Second;
        }

        // DNS over TCP: a zone-ish large answer and a pipelined pair of queries in one segment.
        s.DnsTcp(40 * Second, clients[1], resolver, [names[3], names[4]], router);
        s.DnsTcp(75 * Second, clients[9], resolver, [names[10]], router);
        s.DnsTcp(76 * Second, clients[2], resolver, [names[20], names[21], names[22]], router);
        return s;
    }

    /// <summary>
    /// Café Wi-Fi seen by a monitor-mode radio, 60 s, radiotap (LINKTYPE 127) with TSFT and flags fields and the FCS
    /// at the end of each frame: QoS and non-QoS data frames to and from the access point, DNS over UDP and TCP,
    /// web flows, beacons, null-function frames, and encrypted (protected) frames of a neighbouring network.
    /// </summary>
    private static Scenario CafeWifi()
    {
        var s = new Scenario(new Prng(5005), start: 1_709_301_600L * Second + 250_000_000) { Wifi = true }; // 2024-03-01T14:00:00.25Z
        var ap = new Host("ap", "f4:f2:6d:00:00:01", "10.20.0.1", "2001:db8:cafe::1");
        var resolver = new Host("resolver", ap.Mac, "10.20.0.1", "2001:db8:cafe::1");
        var stations = Enumerable.Range(0, 9).Select(i => new Host(
            $"sta{i}", $"a4:83:e7:20:00:{i + 16:x2}", $"10.20.0.{50 + i}", i % 3 == 0 ? $"2001:db8:cafe::{0x50 + i:x}" : null)).ToArray();
        foreach (var station in stations) s.Stations.Add(station);
        var servers = Enumerable.Range(0, 8).Select(i => new Host(
            $"srv{i}", ap.Mac, $"{151 + i % 3}.{101 + i}.{(i * 53) % 250}.{20 + i}", i % 2 == 0 ? $"2a04:4e42:{0x10 + i:x}::{i + 1:x}" : null)).ToArray();
        var names = Scenario.Sample(NamePool, 90, offset: 300);

        int nameIndex = 0;
        for (long t = 0; t < 59 * Second; t += s.Rng.Next(1, 4) * Second)
        {
            int events = s.Rng.Next(1, 5);
            for (int e = 0; e < events; e++)
            {
                long at = t + s.Rng.Next(0, 900) * Millisecond;
                var station = s.Rng.Pick(stations);
                var server = s.Rng.Pick(servers);
                bool v6 = station.V6 is not null && server.V6 is not null && s.Rng.Chance(0.5);
                s.DnsUdp(at, station, resolver, names[nameIndex++ % names.Count], v6 ? DnsCodes.TypeAaaa : DnsCodes.TypeA, v6, ap);
                if (s.Rng.Chance(0.5))
                    s.TcpFlow(at + 40 * Millisecond, station, server, v6, 443, responseBytes: s.Rng.Next(500, 12_000), ap);
            }

            s.Beacon(t, ap);
            if (s.Rng.Chance(0.4)) s.NullFunction(t + 300 * Millisecond, s.Rng.Pick(stations), ap);
            if (s.Rng.Chance(0.3)) s.ProtectedNeighbour(t + 600 * Millisecond, s.Rng.Next(60, 1400));
        }

        s.DnsTcp(20 * Second, stations[4], resolver, [names[1], names[2]], ap);
        return s;
    }

    /// <summary>Home network, 90 s, nanosecond big-endian pcap: mDNS over IPv4 and IPv6, LLMNR, a little unicast
    /// DNS, ICMPv6 echo.</summary>
    private static Scenario HomeMdnsLlmnr()
    {
        var s = new Scenario(new Prng(2002), start: 1_709_290_800L * Second + 987_654_321); // 2024-03-01T11:00:00.987654321Z
        var gateway = new Host("gateway", "a0:b5:49:00:00:01", "192.168.1.1", "fe80::a2b5:49ff:fe00:1");
        var devices = DomainNames.HostNames.Take(10).Select((n, i) => new Host(
            n, $"a0:b5:49:00:01:{i + 2:x2}", $"192.168.1.{20 + i}", $"fe80::a2b5:49ff:fe01:{i + 2:x}")).ToArray();
        var mdns = new Host("mdns", "01:00:5e:00:00:fb", "224.0.0.251", "ff02::fb") { V6Mac = "33:33:00:00:00:fb" };
        var llmnr = new Host("llmnr", "01:00:5e:00:00:fc", "224.0.0.252", "ff02::1:3") { V6Mac = "33:33:00:01:00:03" };
        var names = Scenario.Sample(NamePool, 40, offset: 150);

        long t = 0;
        int n = 0;
        while (t < 88 * Second)
        {
            var device = s.Rng.Pick(devices);
            switch (s.Rng.Next(5))
            {
                case 0 or 1:
                    // Service browsing: several PTR questions in one query, on both IP versions.
                    var services = Enumerable.Range(0, s.Rng.Next(1, 4)).Select(_ => s.Rng.Pick(DomainNames.MdnsServices)).Distinct().ToArray();
                    s.Mdns(t, device, mdns, services, v6: false, devices);
                    s.Mdns(t + 2 * Millisecond, device, mdns, services, v6: true, devices);
                    break;
                case 2:
                    s.Mdns(t, device, mdns, [$"{s.Rng.Pick(devices).Name}.local"], v6: s.Rng.Chance(0.5), devices, type: DnsCodes.TypeA);
                    break;
                case 3:
                    s.Llmnr(t, device, llmnr, s.Rng.Pick(DomainNames.HostNames), v6: s.Rng.Chance(0.4), devices);
                    break;
                default:
                    s.DnsUdp(t, device, gateway, names[n++ % names.Count], s.Rng.Chance(0.3) ? DnsCodes.TypeAaaa : DnsCodes.TypeA, v6: false, gateway);
                    break;
            }

            if (s.Rng.Chance(0.1))
            {
                s.Ping(t + 100 * Millisecond, device, gateway, 3, v6: true, gateway);
            }

            t += s.Rng.Chance(0.2) ? s.Rng.Next(2, 7) * Second : s.Rng.Next(50, 900) * Millisecond;
        }

        return s;
    }

    /// <summary>Branch office behind a provider bridge, 2 minutes, gzip pcap: 802.1ad outer tag + 802.1Q inner tag,
    /// DNS over UDP (many names), HTTPS flows, ICMP.</summary>
    private static Scenario BranchOffice()
    {
        var s = new Scenario(new Prng(4004), start: 1_709_294_400L * Second + 500_000_000); // 2024-03-01T12:00:00.5Z
        var router = new Host("br-router", "00:25:90:aa:00:01", "10.20.0.1", "2001:db8:20::1", Vlan: 100, OuterVlan: 3001);
        var resolver = new Host("dns", router.Mac, "10.20.0.53", "2001:db8:20::53");
        var clients = Enumerable.Range(0, 20).Select(i => new Host(
            $"br{i}", $"00:25:90:bb:{i / 256:x2}:{i % 256:x2}", $"10.20.{1 + i / 10}.{10 + i}", i % 2 == 0 ? $"2001:db8:20:1::{i + 10:x}" : null,
            Vlan: (ushort)(100 + i % 3), OuterVlan: 3001)).ToArray();
        var servers = Enumerable.Range(0, 10).Select(i => new Host(
            $"cloud{i}", router.Mac, $"{20 + i * 11}.{40 + i}.{i * 19 % 250}.{1 + i}", $"2a01:111:{0xf100 + i:x}::{i + 1:x}")).ToArray();
        var names = Scenario.Sample(NamePool, 200, offset: 220);

        long t = 0;
        int n = 0;
        while (t < 118 * Second)
        {
            bool burst = s.Rng.Chance(0.3);
            int events = burst ? s.Rng.Next(5, 14) : s.Rng.Next(0, 3);
            for (int e = 0; e < events; e++)
            {
                long at = t + s.Rng.Next(0, 2500) * Millisecond;
                var client = s.Rng.Pick(clients);
                bool v6 = client.V6 is not null && s.Rng.Chance(0.5);
                s.DnsUdp(at, client, resolver, names[n++ % names.Count], v6 ? DnsCodes.TypeAaaa : DnsCodes.TypeA, v6, router);
                if (s.Rng.Chance(0.4))
                {
                    s.TcpFlow(at + 25 * Millisecond, client, s.Rng.Pick(servers), v6, 443, s.Rng.Next(500, 9_000), router);
                }
            }

            // Background lookups (telemetry, prefetch) without a following connection.
            for (int k = s.Rng.Next(0, 4); k > 0; k--)
            {
                var client = s.Rng.Pick(clients);
                s.DnsUdp(t + s.Rng.Next(0, 3000) * Millisecond, client, resolver, names[n++ % names.Count], DnsCodes.TypeA, v6: client.V6 is not null && s.Rng.Chance(0.3), router);
            }

            if (s.Rng.Chance(0.2))
            {
                s.Ping(t, s.Rng.Pick(clients), s.Rng.Pick(servers), 2, v6: false, router);
            }

            t += burst ? s.Rng.Next(2, 5) * Second : s.Rng.Next(1, 10) * Second;
        }

        return s;
    }

    /// <summary>Gateway, 2 minutes, pcapng: interface 0 is the LAN side (Ethernet, µs), interface 1 the uplink as
    /// Linux cooked capture v1 (ns); a second section is not used. DNS incl. PTR and AAAA, HTTPS, IPv6, ICMP.</summary>
    private static void WriteGatewayPcapNg(Stream stream)
    {
        var s = new Scenario(new Prng(3003), start: 1_709_298_000L * Second + 250_000_000); // 2024-03-01T13:00:00.25Z
        var gw = new Host("gw", "00:0d:b9:00:00:01", "172.16.0.1", "2001:db8:30::1");
        var upstreamResolver = new Host("upstream-dns", "00:00:00:00:00:00", "198.51.100.53", "2001:db8:ffff::53");
        var wanIp = new Host("wan", "00:0d:b9:00:00:02", "203.0.113.7", "2001:db8:30:ffff::7");
        var lan = Enumerable.Range(0, 8).Select(i => new Host(
            $"lan{i}", $"f0:de:f1:00:00:{i + 10:x2}", $"172.16.0.{50 + i}", $"2001:db8:30::{0x50 + i:x}")).ToArray();
        var servers = Enumerable.Range(0, 8).Select(i => new Host(
            $"ext{i}", gw.Mac, $"198.51.100.{100 + i}", $"2001:db8:ff{i:x2}::{i + 1:x}")).ToArray();
        var names = Scenario.Sample(NamePool, 110, offset: 300);

        long t = 0;
        int n = 0;
        while (t < 118 * Second)
        {
            bool burst = s.Rng.Chance(0.3);
            int events = burst ? s.Rng.Next(4, 10) : s.Rng.Next(0, 3);
            for (int e = 0; e < events; e++)
            {
                long at = t + s.Rng.Next(0, 2000) * Millisecond;
                var client = s.Rng.Pick(lan);
                bool v6 = s.Rng.Chance(0.4);
                string name = names[n++ % names.Count];
                ushort type = v6 ? DnsCodes.TypeAaaa : DnsCodes.TypeA;

                // LAN side: client asks the gateway; uplink side: the gateway's NAT address asks upstream.
                s.Interface = 0;
                s.DnsUdp(at, client, gw, name, type, v6, gw);
                s.Interface = 1;
                s.Cooked = true;
                s.DnsUdp(at + 1 * Millisecond, wanIp, upstreamResolver, name, type, v6, gw);
                s.Cooked = false;
                s.Interface = 0;
                if (s.Rng.Chance(0.5))
                {
                    s.TcpFlow(at + 40 * Millisecond, client, s.Rng.Pick(servers), v6, 443, s.Rng.Next(400, 12_000), gw);
                }
            }

            if (s.Rng.Chance(0.3))
            {
                var server = s.Rng.Pick(servers);
                s.DnsUdp(t + 300 * Millisecond, s.Rng.Pick(lan), gw,
                    DomainNames.ReverseIPv4(IPAddress.Parse(server.V4).GetAddressBytes()), DnsCodes.TypePtr, v6: false, gw);
            }

            if (s.Rng.Chance(0.2))
            {
                s.Interface = 1;
                s.Cooked = true;
                s.Ping(t + 700 * Millisecond, wanIp, s.Rng.Pick(servers), 3, v6: s.Rng.Chance(0.5), gw);
                s.Cooked = false;
                s.Interface = 0;
            }

            t += burst ? s.Rng.Next(2, 6) * Second : s.Rng.Next(1, 8) * Second;
        }

        using var writer = new PcapNgWriter(stream);
        writer.AddInterface(LinkTypes.Ethernet, 262144, tsResolution: null, name: "lan0");
        writer.AddInterface(LinkTypes.LinuxSll, 262144, tsResolution: 9, name: "wan0");
        foreach (var p in s.Sorted())
        {
            writer.WriteEnhancedPacket(p.Interface, p.Time, p.Frame);
        }
    }

    private static void WritePcap(Scenario s, Stream stream, bool nanosecond, bool bigEndian, bool gzip, ushort linkType = LinkTypes.Ethernet)
    {
        using var writer = new PcapWriter(stream, linkType, nanosecond, bigEndian, 262144, gzip);
        foreach (var p in s.Sorted())
        {
            writer.Write(p.Time, p.Frame);
        }
    }

    /// <summary>The registered domain the tunnel in <c>dns-tunnel.pcap</c> runs under (its signals must top the report).</summary>
    public const string TunnelDomain = "update-check.example";

    /// <summary>A workstation that browses a little while a DNS tunnel (in the manner of iodine/dnscat2) moves data out in
    /// base32 labels of TXT and NULL queries under one domain, 3 minutes; a second host keeps asking names under a
    /// directory domain that does not exist (a stale search suffix: NXDOMAIN after NXDOMAIN).</summary>
    private static Scenario DnsTunnel()
    {
        var s = new Scenario(new Prng(5005), start: 1_709_301_600L * Second + 750_000_000); // 2024-03-01T14:00:00.75Z
        var router = new Host("router", "00:1a:2b:3c:4d:01", "10.20.0.1", null);
        var resolver = new Host("resolver", "00:1a:2b:3c:4d:53", "10.20.0.53", null);
        var victim = new Host("ws15", "3c:22:fb:20:00:0f", "10.20.0.15", null);
        var stale = new Host("ws23", "3c:22:fb:20:00:17", "10.20.0.23", null);
        var servers = Enumerable.Range(0, 6).Select(i => new Host($"srv{i}", router.Mac, $"{93 + i}.{184 + i}.{20 + i * 7}.{10 + i}", null)).ToArray();
        var names = Scenario.Sample(NamePool, 50, offset: 300);
        for (int i = 0; i < names.Count; i++)
        {
            long at = i * 3 * Second + s.Rng.Next(0, 2000) * Millisecond;
            var client = s.Rng.Chance(0.5) ? victim : stale;
            if (i % 2 == 0)
            {
                // Look a server up, then talk to it: the answer names the server's address (through a CDN CNAME at times).
                var server = servers[i / 2 % servers.Length];
                s.DnsLookup(at, client, resolver, names[i], server, cname: i % 3 == 0, router);
                s.TcpFlow(at + 40 * Millisecond, client, server, false, 443, s.Rng.Next(2_000, 40_000), router);
            }
            else
            {
                s.DnsUdp(at, client, resolver, names[i], s.Rng.Chance(0.3) ? DnsCodes.TypeAaaa : DnsCodes.TypeA, v6: false, router);
            }
        }

        // The tunnel: one query every ~0.5 s, each a new name: <base32 chunk>.<base32 chunk>.<sequence>.t.<domain>.
        for (int i = 0; i < 320; i++)
        {
            long at = i * 500 * Millisecond + s.Rng.Next(0, 200) * Millisecond;
            string first = Base32(s.Rng, s.Rng.Next(48, 64)), second = Base32(s.Rng, s.Rng.Next(20, 40));
            string name = $"{first}.{second}.{i:x4}.t.{TunnelDomain}";
            ushort type = i % 5 == 4 ? DnsCodes.TypeNull : DnsCodes.TypeTxt; // NULL every fifth query
            s.DnsTunnelExchange(at, victim, resolver, name, type, router);
        }

        // The stale search suffix: a few host names, asked again and again, never found.
        string[] words = ["fileserver", "printer-3f", "intranet", "wpad", "mail", "backup", "sso", "wiki"];
        for (int i = 0; i < 48; i++)
        {
            long at = i * 3 * Second + 700 * Millisecond;
            s.DnsNxDomain(at, stale, resolver, $"{words[i % words.Length]}.branch.corp-directory.example", router);
        }

        return s;
    }

    /// <summary>RFC 4648 base32 (lower case, no padding) of random bytes: <paramref name="length"/> characters.</summary>
    private static string Base32(Prng rng, int length)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        var chars = new char[length];
        for (int i = 0; i < length; i++) chars[i] = alphabet[rng.Next(32)];
        return new string(chars);
    }

    // ------------------------------------------------------------------ building blocks

    private sealed record Host(string Name, string Mac, string V4, string? V6, ushort? Vlan = null, ushort? OuterVlan = null)
    {
        /// <summary>Destination MAC for IPv6 multicast hosts (IPv4 uses <see cref="Mac"/>).</summary>
        public string? V6Mac { get; init; }
    }

    private readonly record struct Packet(long Time, int Order, int Interface, byte[] Frame);

    private sealed class Scenario(Prng rng, long start)
    {
        private readonly List<Packet> _packets = [];
        private ushort _ipId = 0x1c00;
        private ushort _port = 49200;

        public Prng Rng { get; } = rng;

        /// <summary>pcapng interface id for packets added now.</summary>
        public int Interface { get; set; }

        /// <summary>Use a Linux cooked v1 header instead of Ethernet for packets added now.</summary>
        public bool Cooked { get; set; }

        /// <summary>Radiotap + 802.11 instead of Ethernet (with an FCS at the end of each frame).</summary>
        public bool Wifi { get; init; }

        /// <summary>Wi-Fi: hosts that are stations (their frames go to the access point, ToDS).</summary>
        public HashSet<Host> Stations { get; } = [];

        private static readonly byte[] Fcs = [0x5a, 0x3c, 0x96, 0x0f];

        /// <summary>A beacon from the access point (management frame, no IP).</summary>
        [System.Diagnostics.CodeAnalysis.SuppressMessage("Style", "IDE0060", Justification = "The frames carry no addresses; the hosts name who sends what where the call is read, and the calls draw from the generator's random sequence in a fixed order the samples depend on.")]
        public void Beacon(long at, Host ap) =>
            Add(at, new FrameBuilder().Radiotap(flags: 0x10, tsft: true).Ieee80211(type: 0, subtype: 8, toDs: false, llcSnap: false)
                .Payload([.. new byte[12], 0, 8, .. "CafeWiFi"u8])); // timestamp, interval, capabilities; SSID element

        /// <summary>A station's null-function frame (power management; a data frame without data).</summary>
        [System.Diagnostics.CodeAnalysis.SuppressMessage("Style", "IDE0060", Justification = "As for Beacon.")]
        public void NullFunction(long at, Host station, Host ap) =>
            Add(at, new FrameBuilder().Radiotap(flags: 0x10, tsft: true).Ieee80211(subtype: 4, llcSnap: false));

        /// <summary>An encrypted QoS data frame of a neighbouring network (Protected bit: counted as non-IP).</summary>
        public void ProtectedNeighbour(long at, int length) =>
            Add(at, new FrameBuilder().Radiotap(flags: 0x10, tsft: true).Ieee80211(subtype: 8, protectedFrame: true, llcSnap: false).Payload(Random(length)));

        public static List<string> Sample(IReadOnlyList<string> pool, int count, int offset)
            => Enumerable.Range(0, count).Select(i => pool[(offset + i) % pool.Count]).ToList();

        public IEnumerable<Packet> Sorted() => _packets.OrderBy(p => p.Time).ThenBy(p => p.Order);

        private void Add(long offset, FrameBuilder frame)
        {
            if (Wifi) frame.Trailer(Fcs);
            _packets.Add(new Packet(start + offset, _packets.Count, Interface, frame.Build()));
        }

        /// <summary>Link and IP headers from <paramref name="src"/> to <paramref name="dst"/>; off-link peers are reached via <paramref name="router"/>'s MAC.</summary>
        private FrameBuilder Ip(Host src, Host dst, bool v6, Host router, byte ttl = 64)
        {
            var f = new FrameBuilder();
            var tagged = src.Vlan is not null ? src : dst;
            if (Wifi)
            {
                // Stations send to the AP (ToDS); the AP delivers to them (FromDS). QoS data mostly, some plain data.
                bool fromStation = Stations.Contains(src);
                f.Radiotap(flags: 0x10, tsft: true).Ieee80211(subtype: Rng.Chance(0.8) ? (byte)8 : (byte)0, toDs: fromStation, fromDs: !fromStation);
            }
            else if (Cooked)
            {
                f.LinuxSll(packetType: src == router || src.Name == "wan" ? (ushort)4 : (ushort)0, address: src.Mac);
            }
            else
            {
                string dstMac = v6 && dst.V6Mac is not null ? dst.V6Mac : dst.Mac;
                f.Ethernet(src.Mac, dstMac);
                if (tagged.OuterVlan is ushort outer)
                {
                    f.Vlan(outer, tpid: 0x88a8);
                }

                if (tagged.Vlan is ushort vlan)
                {
                    f.Vlan(vlan, priority: 0);
                }
            }

            return v6
                ? f.IPv6(src.V6!, dst.V6!, hopLimit: ttl == 255 ? (byte)255 : (byte)64, flowLabel: (uint)Rng.Next(1 << 20))
                : f.IPv4(src.V4, dst.V4, ttl: ttl, id: _ipId++, dontFragment: true);
        }

        public void DnsUdp(long at, Host client, Host server, string name, ushort type, bool v6, Host router)
        {
            v6 &= client.V6 is not null && server.V6 is not null;
            ushort id = (ushort)Rng.Next(65536);
            ushort port = NextPort();
            var query = new DnsMessageBuilder { Id = id }.Question(name, type);
            if (Rng.Chance(0.3))
            {
                query.Additional(DnsName.Root, 41, [], ttl: 0, @class: 1232); // EDNS0 OPT
            }

            Add(at, Ip(client, server, v6, router).Udp(port, 53).Payload(query.Build()));
            Add(at + Rng.Next(1, 40) * Millisecond + Rng.Next(1000) * 1000, Ip(server, client, v6, router).Udp(53, port).Payload(Response(id, name, type)));
        }

        /// <summary>A tunnel round trip: the query and a NOERROR answer whose TXT/NULL data carries random bytes back.</summary>
        public void DnsTunnelExchange(long at, Host client, Host server, string name, ushort type, Host router)
        {
            ushort id = (ushort)Rng.Next(65536);
            ushort port = NextPort();
            Add(at, Ip(client, server, false, router).Udp(port, 53).Payload(new DnsMessageBuilder { Id = id }.Question(name, type).Build()));
            byte[] data = Random(Rng.Next(40, 180));
            if (type == DnsCodes.TypeTxt) data = [(byte)Math.Min(255, data.Length - 1), .. data[1..]]; // one character-string
            var response = new DnsMessageBuilder { Id = id, IsResponse = true, RecursionAvailable = true, Compress = true }
                .Question(name, type).Answer(name, type, data, ttl: 0);
            Add(at + Rng.Next(20, 90) * Millisecond, Ip(server, client, false, router).Udp(53, port).Payload(response.Build()));
        }

        /// <summary>An A lookup of <paramref name="name"/> answered with <paramref name="server"/>'s address, directly or through a CNAME.</summary>
        public void DnsLookup(long at, Host client, Host resolver, string name, Host server, bool cname, Host router)
        {
            ushort id = (ushort)Rng.Next(65536);
            ushort port = NextPort();
            Add(at, Ip(client, resolver, false, router).Udp(port, 53).Payload(new DnsMessageBuilder { Id = id }.Question(name, DnsCodes.TypeA).Build()));
            var response = new DnsMessageBuilder { Id = id, IsResponse = true, RecursionAvailable = true, Compress = true }.Question(name, DnsCodes.TypeA);
            string owner = name;
            if (cname)
            {
                owner = $"{name.Split('.')[0]}.edge.orbitcdn.net";
                response.AnswerName(name, DnsCodes.TypeCname, owner, ttl: 3600);
            }
            response.Answer(owner, IPAddress.Parse(server.V4), ttl: 300);
            Add(at + Rng.Next(5, 30) * Millisecond, Ip(resolver, client, false, router).Udp(53, port).Payload(response.Build()));
        }

        /// <summary>A lookup answered NXDOMAIN.</summary>
        public void DnsNxDomain(long at, Host client, Host server, string name, Host router)
        {
            ushort id = (ushort)Rng.Next(65536);
            ushort port = NextPort();
            Add(at, Ip(client, server, false, router).Udp(port, 53).Payload(new DnsMessageBuilder { Id = id }.Question(name, DnsCodes.TypeA).Build()));
            var response = new DnsMessageBuilder { Id = id, IsResponse = true, RecursionAvailable = true, ResponseCode = 3 }.Question(name, DnsCodes.TypeA);
            Add(at + Rng.Next(5, 30) * Millisecond, Ip(server, client, false, router).Udp(53, port).Payload(response.Build()));
        }

        public void DnsTcp(long at, Host client, Host server, string[] names, Host router)
        {
            ushort port = NextPort();
            uint cSeq = (uint)Rng.NextUInt64(), sSeq = (uint)Rng.NextUInt64();
            Add(at, Ip(client, server, false, router).Tcp(port, 53, cSeq, 0, TcpFlags.Syn, 64240, options: [2, 4, 5, 0xb4]));
            Add(at + 300_000, Ip(server, client, false, router).Tcp(53, port, sSeq, cSeq + 1, TcpFlags.Syn | TcpFlags.Ack, 65160, options: [2, 4, 5, 0xb4]));
            Add(at + 500_000, Ip(client, server, false, router).Tcp(port, 53, cSeq + 1, sSeq + 1, TcpFlags.Ack, 502));
            var ids = names.Select(_ => (ushort)Rng.Next(65536)).ToArray();
            var queries = DnsMessageBuilder.TcpFraming(names.Select((n, i) => new DnsMessageBuilder { Id = ids[i] }.Question(n, DnsCodes.TypeA).Build()).ToArray());
            Add(at + 700_000, Ip(client, server, false, router).Tcp(port, 53, cSeq + 1, sSeq + 1, TcpFlags.Psh | TcpFlags.Ack, 502).Payload(queries));
            var responses = DnsMessageBuilder.TcpFraming(names.Select((n, i) => Response(ids[i], n, DnsCodes.TypeA)).ToArray());
            Add(at + 9 * Millisecond, Ip(server, client, false, router).Tcp(53, port, sSeq + 1, cSeq + 1 + (uint)queries.Length, TcpFlags.Psh | TcpFlags.Ack, 510).Payload(responses));
            uint cEnd = cSeq + 1 + (uint)queries.Length, sEnd = sSeq + 1 + (uint)responses.Length;
            Add(at + 10 * Millisecond, Ip(client, server, false, router).Tcp(port, 53, cEnd, sEnd, TcpFlags.Fin | TcpFlags.Ack, 502));
            Add(at + 11 * Millisecond, Ip(server, client, false, router).Tcp(53, port, sEnd, cEnd + 1, TcpFlags.Fin | TcpFlags.Ack, 510));
            Add(at + 12 * Millisecond, Ip(client, server, false, router).Tcp(port, 53, cEnd + 1, sEnd + 1, TcpFlags.Ack, 502));
        }

        public void Mdns(long at, Host device, Host group, string[] names, bool v6, Host[] responders, ushort type = DnsCodes.TypePtr)
        {
            var query = new DnsMessageBuilder { Id = 0, RecursionDesired = false, Compress = true };
            foreach (var name in names)
            {
                query.Question(name, type, @class: 1);
            }

            Add(at, Ip(device, group, v6, device, ttl: 255).Udp(5353, 5353).Payload(query.Build()));
            if (Rng.Chance(0.6))
            {
                var responder = Rng.Pick(responders);
                var response = new DnsMessageBuilder { Id = 0, IsResponse = true, AuthoritativeAnswer = true, RecursionDesired = false, Compress = true };
                foreach (var name in names)
                {
                    if (type == DnsCodes.TypePtr)
                    {
                        response.AnswerName(name, DnsCodes.TypePtr, $"{responder.Name}.{name}", ttl: 4500);
                    }
                    else
                    {
                        response.Answer(name, IPAddress.Parse(responder.V4), ttl: 120);
                    }
                }

                Add(at + Rng.Next(20, 120) * Millisecond, Ip(responder, group, v6, device, ttl: 255).Udp(5353, 5353).Payload(response.Build()));
            }
        }

        public void Llmnr(long at, Host device, Host group, string name, bool v6, Host[] responders)
        {
            ushort id = (ushort)Rng.Next(65536);
            ushort port = NextPort();
            ushort type = v6 ? DnsCodes.TypeAaaa : DnsCodes.TypeA;
            var query = new DnsMessageBuilder { Id = id, RecursionDesired = false }.Question(name, type);
            Add(at, Ip(device, group, v6, device, ttl: 1).Udp(port, 5355).Payload(query.Build()));
            var responder = responders.FirstOrDefault(r => r.Name == name);
            if (responder is not null && responder != device)
            {
                var response = new DnsMessageBuilder { Id = id, IsResponse = true, RecursionDesired = false, Compress = true }
                    .Question(name, type)
                    .Answer(name, IPAddress.Parse(v6 ? responder.V6! : responder.V4), ttl: 30);
                Add(at + Rng.Next(1, 10) * Millisecond, Ip(responder, device, v6, device).Udp(5355, port).Payload(response.Build()));
            }
        }

        public void Ping(long at, Host a, Host b, int count, bool v6, Host router)
        {
            v6 &= a.V6 is not null && b.V6 is not null;
            ushort ident = (ushort)Rng.Next(65536);
            var data = Encoding.ASCII.GetBytes("abcdefghijklmnopqrstuvwabcdefghi");
            for (ushort i = 0; i < count; i++)
            {
                long when = at + i * Second + Rng.Next(0, 2000) * 1000;
                long rtt = Rng.Next(300, 30_000) * 1000;
                if (v6)
                {
                    Add(when, Ip(a, b, true, router).Icmpv6(128, 0, ident, (ushort)(i + 1)).Payload(data));
                    Add(when + rtt, Ip(b, a, true, router).Icmpv6(129, 0, ident, (ushort)(i + 1)).Payload(data));
                }
                else
                {
                    Add(when, Ip(a, b, false, router).Icmp(8, 0, ident, (ushort)(i + 1)).Payload(data));
                    Add(when + rtt, Ip(b, a, false, router).Icmp(0, 0, ident, (ushort)(i + 1)).Payload(data));
                }
            }
        }

        /// <summary>An HTTP-like TCP exchange: handshake, request, bulk response in full-size segments with an ACK
        /// every second segment, FIN handshake.</summary>
        public void TcpFlow(long at, Host client, Host server, bool v6, ushort serverPort, int responseBytes, Host router)
        {
            v6 &= client.V6 is not null && server.V6 is not null;
            ushort port = NextPort();
            int mss = v6 ? 1440 : 1460;
            long rtt = Rng.Next(8, 60) * Millisecond;
            uint c = (uint)Rng.NextUInt64(), sv = (uint)Rng.NextUInt64();
            byte[] synOptions = [2, 4, (byte)(mss >> 8), (byte)mss, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7];
            FrameBuilder C() => Ip(client, server, v6, router);
            FrameBuilder S() => Ip(server, client, v6, router);

            long t = at;
            Add(t, C().Tcp(port, serverPort, c, 0, TcpFlags.Syn, 64240, synOptions));
            Add(t += rtt, S().Tcp(serverPort, port, sv, c + 1, TcpFlags.Syn | TcpFlags.Ack, 65160, synOptions));
            Add(t += 100_000, C().Tcp(port, serverPort, c + 1, sv + 1, TcpFlags.Ack, 502));
            byte[] request = serverPort == 80
                ? Encoding.ASCII.GetBytes($"GET /{Rng.Pick(DomainNames.HostWords)}/index.html HTTP/1.1\r\nHost: {server.Name}.example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nAccept: */*\r\nConnection: close\r\n\r\n")
                : Random(Rng.Next(280, 620));
            Add(t += 200_000, C().Tcp(port, serverPort, c + 1, sv + 1, TcpFlags.Psh | TcpFlags.Ack, 502).Payload(request));
            c += 1 + (uint)request.Length;
            sv += 1;
            byte[] body = serverPort == 80 ? HttpBody(responseBytes) : Random(responseBytes);
            t += rtt;
            int segment = 0;
            for (int off = 0; off < body.Length; off += mss, segment++)
            {
                int len = Math.Min(mss, body.Length - off);
                bool last = off + len >= body.Length;
                Add(t += Rng.Next(20, 400) * 1000, S().Tcp(serverPort, port, sv, c, last ? TcpFlags.Psh | TcpFlags.Ack : TcpFlags.Ack, 509).Payload(body.AsSpan(off, len)));
                sv += (uint)len;
                if (segment % 2 == 1 || last)
                {
                    Add(t + Rng.Next(50, 300) * 1000, C().Tcp(port, serverPort, c, sv, TcpFlags.Ack, 1024));
                }
            }

            Add(t += rtt, C().Tcp(port, serverPort, c, sv, TcpFlags.Fin | TcpFlags.Ack, 1024));
            Add(t += rtt / 2, S().Tcp(serverPort, port, sv, c + 1, TcpFlags.Fin | TcpFlags.Ack, 509));
            Add(t + 150_000, C().Tcp(port, serverPort, c + 1, sv + 1, TcpFlags.Ack, 1024));
        }

        private byte[] Response(ushort id, string name, ushort type)
        {
            var r = new DnsMessageBuilder { Id = id, IsResponse = true, RecursionAvailable = true, Compress = true }.Question(name, type);
            if (Rng.Chance(0.05))
            {
                r.ResponseCode = 3; // NXDOMAIN
                return r.Build();
            }

            string owner = name;
            if (type != DnsCodes.TypePtr && Rng.Chance(0.2))
            {
                owner = $"{name.Split('.')[0]}.edge.orbitcdn.net";
                r.AnswerName(name, DnsCodes.TypeCname, owner, ttl: 3600);
            }

            if (type == DnsCodes.TypePtr)
            {
                r.AnswerName(name, DnsCodes.TypePtr, $"host-{Rng.Next(1, 250)}.{Rng.Pick(DomainNames.BaseDomains)}", ttl: 86400);
            }
            else
            {
                for (int i = 0, n = Rng.Next(1, 4); i < n; i++)
                {
                    r.Answer(owner, type, Random(type == DnsCodes.TypeAaaa ? 16 : 4), ttl: (uint)Rng.Next(30, 3600));
                }
            }

            return r.Build();
        }

        private ushort NextPort()
        {
            _port = (ushort)(_port >= 65000 ? 49200 : _port + 1 + Rng.Next(7));
            return _port;
        }

        private byte[] Random(int length)
        {
            var bytes = new byte[length];
            Rng.NextBytes(bytes);
            return bytes;
        }

        private byte[] HttpBody(int length)
        {
            var text = new StringBuilder($"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n<!doctype html><html><body>");
            while (text.Length < length)
            {
                text.Append("<p>").Append(Rng.Pick(DomainNames.HostWords)).Append(' ').Append(Rng.Pick(DomainNames.RegionWords)).Append(" status ok</p>\n");
            }

            return Encoding.ASCII.GetBytes(text.ToString(0, length));
        }
    }
}
