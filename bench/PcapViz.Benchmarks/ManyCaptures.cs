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
}
