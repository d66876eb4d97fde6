using System.Globalization;
using PcapViz.Generator;

namespace PcapViz.Benchmarks;

/// <summary>Writes many small synthetic captures, as a nightly archive holds them: 500 per sub-directory.</summary>
internal static class ManyCaptures
{
    public static int Write(string directory, int count, int packets)
    {
        for (int i = 1; i <= count; i++)
        {
            string part = Path.Combine(directory, ((i - 1) / 500).ToString("D3", CultureInfo.InvariantCulture));
            Directory.CreateDirectory(part);
            string path = Path.Combine(part, $"capture-{i.ToString("D5", CultureInfo.InvariantCulture)}.pcap");
            if (File.Exists(path)) continue;
            SyntheticTraffic.WriteFile(path, new SyntheticTrafficOptions { Packets = packets, Seed = (ulong)i, DurationSeconds = 600, DnsNames = 50 });
        }
        return 0;
    }

    /// <summary>
    /// Writes captures that each come near the distinct-key limit (--max-distinct, 200,000 by default): many sources
    /// and names with flat popularity, as a scan or a DNS flood gives. Memory per capture result is then at its largest.
    /// </summary>
    public static int WriteHeavy(string directory, int count, int packets)
    {
        Directory.CreateDirectory(directory);
        for (int i = 1; i <= count; i++)
        {
            string path = Path.Combine(directory, $"heavy-{i.ToString("D3", CultureInfo.InvariantCulture)}.pcap");
            if (File.Exists(path)) continue;
            SyntheticTraffic.WriteFile(path, new SyntheticTrafficOptions
            {
                Packets = packets, Seed = (ulong)i, DurationSeconds = 3600, Hosts = 300_000, DnsNames = 150_000, DnsShare = 0.3, ZipfExponent = 0.2,
            });
        }
        return 0;
    }
}
