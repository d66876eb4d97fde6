using System.Buffers.Binary;
using PcapViz.Generator;

namespace PcapViz.Tests;

/// <summary>Small captures for end-to-end runs.</summary>
internal static class Captures
{
    public static IReadOnlyList<string> Samples(string dir) => SampleCaptures.WriteAll(dir);

    /// <summary>A clean capture of <paramref name="packets"/> UDP packets from 10.0.0.1 (distinct by <paramref name="seed"/>).</summary>
    public static void Tiny(string path, int seed = 0, int packets = 1)
    {
        using var file = File.Create(path);
        using var w = new PcapWriter(file);
        for (int i = 0; i < packets; i++)
            w.Write(1_709_251_200_000_000_000 + i * 1_000_000L,
                new FrameBuilder().Ethernet().IPv4($"10.{(seed >> 16) & 255}.{(seed >> 8) & 255}.{seed & 255}", "10.255.0.1").Udp(1000, 2000).Payload(new byte[4]).Build());
    }

    /// <summary>A capture whose only issue is a warning: a record with a sub-second field of 1,500,000 µs.</summary>
    public static void WarningOnly(string path)
    {
        var ms = new MemoryStream();
        using (var w = new PcapWriter(ms))
            w.Write(1_709_251_200_000_000_000, new FrameBuilder().Ethernet().IPv4("10.0.0.7", "10.0.0.8").Udp(1, 2).Build());
        byte[] bytes = ms.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(24 + 4), 1_500_000);
        File.WriteAllBytes(path, bytes);
    }
}
