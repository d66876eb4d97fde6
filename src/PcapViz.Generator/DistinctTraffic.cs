using System.Globalization;
using System.Net;

namespace PcapViz.Generator;

/// <summary>
/// The worst case for per-key state: <c>count</c> DNS queries over UDP, each from a source address of its own and for a
/// name of its own (a resolver's span port, a scan, a DNS tunnel). Every query adds one distinct source address and
/// one distinct query name, so a capture of N queries holds 2N distinct keys. With <c>withResponses</c> every query is
/// answered (A record, NOERROR, or NXDOMAIN for one in four), which adds one answer pair per query and makes the
/// resolver's address a second heavy key. Same arguments, same bytes.
/// </summary>
public static class DistinctTraffic
{
    /// <summary>Time of the first query (2024-03-01T08:00:00Z).</summary>
    private const long StartEpochNanos = 1_709_280_000L * 1_000_000_000L;

    /// <summary>Writes the capture to <paramref name="path"/> (created or overwritten).</summary>
    public static void WriteFile(string path, int count, ulong seed = 1, bool withResponses = false, double durationSeconds = 3600)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 20);
        Write(file, count, seed, withResponses, durationSeconds);
    }

    /// <summary>Writes the capture to <paramref name="stream"/>, which the caller owns.</summary>
    public static void Write(Stream stream, int count, ulong seed = 1, bool withResponses = false, double durationSeconds = 3600)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        using var pcap = new PcapWriter(stream);
        pcap.WriteHeader();
        var resolver = IPAddress.Parse("192.0.2.53");
        var rng = new Prng(seed);
        long step = count == 0 ? 0 : (long)(durationSeconds * 1e9 / count);
        for (int i = 0; i < count; i++)
        {
            // 10.0.0.1 upwards: one address per query, never the resolver's.
            uint host = 0x0A000001u + (uint)i;
            var client = new IPAddress([(byte)(host >> 24), (byte)(host >> 16), (byte)(host >> 8), (byte)host]);
            // A label of its own per query under one of 64 registered domains, as a tunnel or a scan would make.
            string name = string.Create(CultureInfo.InvariantCulture, $"q{i:x6}-{rng.NextUInt64() % 1_000_000:D6}.zone{i % 64}.example.com");
            ushort id = (ushort)i;
            ushort port = (ushort)(1024 + (i % 60000));
            long t = StartEpochNanos + i * step;
            var query = new DnsMessageBuilder { Id = id }.Question(name).Build();
            pcap.Write(t, new FrameBuilder().Ethernet().IPv4(client, resolver).Udp(port, 53).Payload(query).Build());
            if (!withResponses) continue;
            var response = new DnsMessageBuilder { Id = id, IsResponse = true, RecursionAvailable = true, ResponseCode = (byte)(i % 4 == 3 ? 3 : 0) }
                .Question(name);
            if (i % 4 != 3) response.Answer(name, new IPAddress([198, 51, (byte)(i >> 8), (byte)i]));
            pcap.Write(t + 1_000_000, new FrameBuilder().Ethernet().IPv4(resolver, client).Udp(53, port).Payload(response.Build()).Build());
        }
    }
}
