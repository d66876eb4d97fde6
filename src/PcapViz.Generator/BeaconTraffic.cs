using System.Net;

namespace PcapViz.Generator;

/// <summary>How a generated host times its connections (<see cref="BeaconTraffic"/>).</summary>
public enum BeaconPattern
{
    /// <summary>Every <c>interval</c> seconds ± 2 s (uniform), the same request size each time.</summary>
    Regular,
    /// <summary>Every <c>interval</c> seconds ± 30 % (uniform): a beacon with jitter, as implants configure it.</summary>
    Jittered,
    /// <summary>At random: exponential intervals of mean <c>interval</c> seconds (a Poisson process), random sizes.</summary>
    Poisson,
}

/// <summary>
/// Captures for the beacon analysis: one host (10.9.0.10) connecting over TCP to one server (203.0.113.80:443) by
/// <see cref="BeaconPattern"/> for <c>hours</c>, among background traffic — ten hosts opening short TCP connections to
/// random web servers at random times, NTP to the local time server every 64 s, and DNS to the local resolver every
/// 30 s — so that a test can check that the pattern, and only it, is scored as it should be. Each TCP connection is a
/// handshake, one request, one response and a FIN exchange from a fresh client port. Same arguments, same bytes.
/// </summary>
public static class BeaconTraffic
{
    private const long StartEpochNanos = 1_709_280_000L * 1_000_000_000L; // 2024-03-01T08:00:00Z
    private const long Second = 1_000_000_000L;

    /// <summary>The host that beacons (10.9.0.10), the client of every scored connection.</summary>
    public static readonly IPAddress Beaconing = IPAddress.Parse("10.9.0.10");
    /// <summary>The beacon's server (203.0.113.80), reached on TCP port 443.</summary>
    public static readonly IPAddress Server = IPAddress.Parse("203.0.113.80");
    /// <summary>The local NTP server (10.9.0.1) every host queries every 64 s.</summary>
    public static readonly IPAddress TimeServer = IPAddress.Parse("10.9.0.1");
    /// <summary>The local DNS resolver (10.9.0.53) every host queries every 30 s.</summary>
    public static readonly IPAddress Resolver = IPAddress.Parse("10.9.0.53");

    /// <summary>Writes the capture (classic pcap, Ethernet) to <paramref name="path"/>: <paramref name="hours"/> of traffic with the beacon every <paramref name="intervalSeconds"/> on average by <paramref name="pattern"/>; <paramref name="seed"/> drives every random choice.</summary>
    public static void WriteFile(string path, BeaconPattern pattern, double hours = 8, double intervalSeconds = 60, ulong seed = 1)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 20);
        Write(file, pattern, hours, intervalSeconds, seed);
    }

    internal static void Write(Stream stream, BeaconPattern pattern, double hours = 8, double intervalSeconds = 60, ulong seed = 1) =>
        Write(stream, null, double.PositiveInfinity, pattern, hours, intervalSeconds, seed);

    /// <summary>
    /// The capture <see cref="WriteFile"/> writes, split in two files at <paramref name="splitAtHours"/> after its start:
    /// each connection (and each NTP or DNS exchange) goes whole to the file of its first packet, so that the flows of
    /// the two files together are those of the one capture (the NTP flow, one 5-tuple all along, is in both).
    /// </summary>
    public static void WriteSplit(string firstPath, string secondPath, double splitAtHours, BeaconPattern pattern, double hours = 8,
        double intervalSeconds = 60, ulong seed = 1)
    {
        using var first = new FileStream(firstPath, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 20);
        using var second = new FileStream(secondPath, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 20);
        Write(first, second, splitAtHours, pattern, hours, intervalSeconds, seed);
    }

    private static void Write(Stream stream, Stream? second, double splitAtHours, BeaconPattern pattern, double hours, double intervalSeconds, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hours);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(intervalSeconds);
        var rng = new Prng(seed);
        long end = StartEpochNanos + (long)(hours * 3600 * Second);
        long split = second is null ? long.MaxValue : StartEpochNanos + (long)(splitAtHours * 3600 * Second);
        var packets = new List<(long Time, int Order, byte[] Frame, bool Second)>();
        int order = 0;
        ushort nextPort = 40000;
        ushort Port() => nextPort = nextPort >= 65000 ? (ushort)40000 : (ushort)(nextPort + 1);

        void Connection(long t, IPAddress client, IPAddress server, ushort serverPort, int requestBytes, int responseBytes)
        {
            ushort clientPort = Port();
            uint c = (uint)rng.NextUInt64(), s = (uint)rng.NextUInt64();
            bool late = t >= split;
            void Add(long at, bool fromClient, TcpFlags flags, uint seq, uint ack, int payload)
            {
                var frame = new FrameBuilder().Ethernet()
                    .IPv4(fromClient ? client : server, fromClient ? server : client)
                    .Tcp(fromClient ? clientPort : serverPort, fromClient ? serverPort : clientPort, seq, ack, flags)
                    .Payload(new byte[payload]).Build();
                packets.Add((at, order++, frame, late));
            }
            Add(t, true, TcpFlags.Syn, c, 0, 0);
            Add(t + 20_000_000, false, TcpFlags.Syn | TcpFlags.Ack, s, c + 1, 0);
            Add(t + 40_000_000, true, TcpFlags.Ack, c + 1, s + 1, 0);
            Add(t + 41_000_000, true, TcpFlags.Psh | TcpFlags.Ack, c + 1, s + 1, requestBytes);
            Add(t + 80_000_000, false, TcpFlags.Psh | TcpFlags.Ack, s + 1, c + 1 + (uint)requestBytes, responseBytes);
            Add(t + 81_000_000, true, TcpFlags.Fin | TcpFlags.Ack, c + 1 + (uint)requestBytes, s + 1 + (uint)responseBytes, 0);
            Add(t + 100_000_000, false, TcpFlags.Fin | TcpFlags.Ack, s + 1 + (uint)responseBytes, c + 2 + (uint)requestBytes, 0);
            Add(t + 120_000_000, true, TcpFlags.Ack, c + 2 + (uint)requestBytes, s + 2 + (uint)responseBytes, 0);
        }

        // The pattern under test.
        for (long t = StartEpochNanos; t < end;)
        {
            bool random = pattern == BeaconPattern.Poisson;
            int request = random ? rng.Next(200, 1400) : 320, response = random ? rng.Next(200, 60_000) : 1200;
            Connection(t, Beaconing, Server, 443, request, response);
            double next = pattern switch
            {
                BeaconPattern.Regular => intervalSeconds + (rng.NextDouble() * 4 - 2),
                BeaconPattern.Jittered => intervalSeconds * (0.7 + rng.NextDouble() * 0.6),
                _ => -intervalSeconds * Math.Log(1 - rng.NextDouble()),
            };
            t += (long)(next * Second);
        }

        // Background: ten hosts browsing at random, NTP and DNS to local servers on a fixed rhythm.
        for (int h = 0; h < 10; h++)
        {
            var host = new IPAddress([10, 9, 1, (byte)(20 + h)]);
            for (long t = StartEpochNanos + rng.Next(0, 600) * Second; t < end; t += (long)(rng.Next(5, 900) * Second))
            {
                var web = new IPAddress([198, 51, 100, (byte)rng.Next(1, 255)]);
                Connection(t, host, web, rng.Chance(0.8) ? (ushort)443 : (ushort)80, rng.Next(200, 1500), rng.Next(500, 200_000));
            }
        }
        for (long t = StartEpochNanos + 5 * Second; t < end; t += 64 * Second)
        {
            var ntp = new byte[48];
            ntp[0] = 0x23;
            packets.Add((t, order++, new FrameBuilder().Ethernet().IPv4(Beaconing, TimeServer).Udp(123, 123).Payload(ntp).Build(), t >= split));
            ntp[0] = 0x24;
            packets.Add((t + 2_000_000, order++, new FrameBuilder().Ethernet().IPv4(TimeServer, Beaconing).Udp(123, 123).Payload(ntp).Build(), t >= split));
        }
        ushort id = 0;
        for (long t = StartEpochNanos + 7 * Second; t < end; t += 30 * Second)
        {
            ushort port = Port();
            var query = new DnsMessageBuilder { Id = ++id }.Question("updates.example.com").Build();
            packets.Add((t, order++, new FrameBuilder().Ethernet().IPv4(Beaconing, Resolver).Udp(port, 53).Payload(query).Build(), t >= split));
            var answer = new DnsMessageBuilder { Id = id, IsResponse = true, RecursionAvailable = true }
                .Question("updates.example.com").Answer("updates.example.com", IPAddress.Parse("203.0.113.7")).Build();
            packets.Add((t + 3_000_000, order++, new FrameBuilder().Ethernet().IPv4(Resolver, Beaconing).Udp(53, port).Payload(answer).Build(), t >= split));
        }

        packets.Sort(static (a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : a.Order.CompareTo(b.Order));
        using var pcap = new PcapWriter(stream);
        pcap.WriteHeader();
        using var pcapSecond = second is null ? null : new PcapWriter(second);
        pcapSecond?.WriteHeader();
        foreach (var (time, _, frame, late) in packets) (late ? pcapSecond! : pcap).Write(time, frame);
    }
}
