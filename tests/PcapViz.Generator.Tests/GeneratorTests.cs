using System.Buffers.Binary;
using System.IO.Compression;
using PcapViz.Decoding;
using PcapViz.Slicing;

namespace PcapViz.Generator.Tests;

/// <summary>Walks pcap records without the code under test (little-endian microsecond or nanosecond, or big-endian).</summary>
internal static class PcapRecords
{
    public static List<(long Seconds, long Fraction, byte[] Data, int OriginalLength)> Read(byte[] file)
    {
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(file);
        bool bigEndian = magic is 0xd4c3b2a1 or 0x4d3cb2a1;
        Assert.True(bigEndian || magic is 0xa1b2c3d4 or 0xa1b23c4d, $"not a pcap magic: {magic:x8}");
        uint U(int at) => bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(at)) : BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at));
        var records = new List<(long, long, byte[], int)>();
        int offset = 24;
        while (offset < file.Length)
        {
            int incl = (int)U(offset + 8);
            records.Add((U(offset), U(offset + 4), file.AsSpan(offset + 16, incl).ToArray(), (int)U(offset + 12)));
            offset += 16 + incl;
        }

        Assert.Equal(file.Length, offset);
        return records;
    }
}

public class SampleCapturesTests
{
    private static Dictionary<string, byte[]> WriteToTemp()
    {
        var dir = Path.Combine(Path.GetTempPath(), "pcapviz-gen-tests-" + Guid.NewGuid().ToString("N"));
        try
        {
            var paths = SampleCaptures.WriteAll(dir);
            return paths.ToDictionary(p => Path.GetFileName(p), p => File.ReadAllBytes(p));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static readonly Lazy<Dictionary<string, byte[]>> Files = new(WriteToTemp);

    [Fact]
    public void WriteAll_TwoRuns_ByteIdenticalFiles()
    {
        var second = WriteToTemp();

        Assert.Equal(Files.Value.Keys.Order(), second.Keys.Order());
        foreach (var (name, bytes) in Files.Value)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(second[name]), $"{name} differs between runs");
        }
    }

    [Fact]
    public void WriteAll_Always_WritesEveryNamedFileUnderThreeMegabytesTogether()
    {
        // Six samples since the DNS tunnel capture (0.87 MB; its servers' TCP flows give the answered names
        // traffic to attach to): 2.45 MB together. The bound keeps the committed inputs small.
        Assert.Equal(SampleCaptures.FileNames.Order(), Files.Value.Keys.Order());
        Assert.InRange(Files.Value.Values.Sum(b => (long)b.Length), 10_000, 3_000_000);
    }

    [Fact]
    public void WriteAll_Formats_EachFileStartsWithItsMagic()
    {
        Assert.Equal([0xd4, 0xc3, 0xb2, 0xa1], Files.Value["office-lan.pcap"][..4]);
        Assert.Equal([0xa1, 0xb2, 0x3c, 0x4d], Files.Value["home-mdns-llmnr-ns-be.pcap"][..4]);
        Assert.Equal([0x0a, 0x0d, 0x0d, 0x0a], Files.Value["gateway-two-interfaces.pcapng"][..4]);
        Assert.Equal([0x1f, 0x8b], Files.Value["branch-office-qinq.pcap.gz"][..2]);
    }

    [Fact]
    public void OfficeLan_Records_TimestampsOrderedOverAboutTwoMinutesWithVlanDnsAndTcpDns()
    {
        var records = PcapRecords.Read(Files.Value["office-lan.pcap"]);
        var times = records.Select(r => r.Seconds * 1_000_000 + r.Fraction).ToList();

        Assert.True(records.Count > 500);
        Assert.Equal(times.Order(), times);
        Assert.InRange((times[^1] - times[0]) / 1_000_000.0, 90, 130);
        Assert.All(records, r => Assert.Equal(0x8100, BinaryPrimitives.ReadUInt16BigEndian(r.Data.AsSpan(12))));
        Assert.Contains(records, r => r.Data[27] == 17 && BinaryPrimitives.ReadUInt16BigEndian(r.Data.AsSpan(40)) == 53);
        Assert.Contains(records, r => r.Data[27] == 6 && BinaryPrimitives.ReadUInt16BigEndian(r.Data.AsSpan(40)) == 53 && r.Data.Length > 70);
        Assert.Contains(records, r => BinaryPrimitives.ReadUInt16BigEndian(r.Data.AsSpan(16)) == 0x86dd);
    }

    [Fact]
    public void HomeMdnsLlmnr_Records_ContainMdnsOnBothGroupsAndLlmnr()
    {
        var records = PcapRecords.Read(Files.Value["home-mdns-llmnr-ns-be.pcap"]);

        static bool V4To(byte[] d, byte last, ushort port) => d[12] == 0x08 && d[30] == 224 && d[33] == last && BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(36)) == port;
        static bool V6To(byte[] d, byte last, ushort port) => d[12] == 0x86 && d[38] == 0xff && d[53] == last && BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(56)) == port;
        Assert.Contains(records, r => V4To(r.Data, 251, 5353));
        Assert.Contains(records, r => V6To(r.Data, 0xfb, 5353));
        Assert.Contains(records, r => V4To(r.Data, 252, 5355) || V6To(r.Data, 3, 5355));
        Assert.Contains(records, r => r.Fraction % 1000 != 0); // nanosecond timestamps in use
    }

    [Fact]
    public void BranchOffice_Decompressed_IsPcapWithQinQTags()
    {
        using var gz = new GZipStream(new MemoryStream(Files.Value["branch-office-qinq.pcap.gz"]), CompressionMode.Decompress);
        var plain = new MemoryStream();
        gz.CopyTo(plain);
        var records = PcapRecords.Read(plain.ToArray());

        Assert.True(records.Count > 200);
        Assert.All(records, r => Assert.Equal([0x88, 0xa8], r.Data[12..14]));
        Assert.All(records, r => Assert.Equal([0x81, 0x00], r.Data[16..18]));
    }

    [Fact]
    public void GatewayPcapNg_Interfaces_EthernetAndLinuxSllWithPacketsOnBoth()
    {
        var bytes = Files.Value["gateway-two-interfaces.pcapng"];
        var linkTypes = new List<ushort>();
        var perInterface = new Dictionary<uint, int>();
        int offset = 0;
        while (offset < bytes.Length)
        {
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 4));
            if (type == 1)
            {
                linkTypes.Add(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(offset + 8)));
            }
            else if (type == 6)
            {
                uint id = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 8));
                perInterface[id] = perInterface.GetValueOrDefault(id) + 1;
            }

            offset += length;
        }

        Assert.Equal(bytes.Length, offset);
        Assert.Equal([LinkTypes.Ethernet, LinkTypes.LinuxSll], linkTypes);
        Assert.True(perInterface[0] > 50);
        Assert.True(perInterface[1] > 50);
    }
}

public class SyntheticTrafficTests
{
    private static byte[] Synth(SyntheticTrafficOptions options)
    {
        var stream = new MemoryStream();
        SyntheticTraffic.Write(stream, options);
        return stream.ToArray();
    }

    private static readonly SyntheticTrafficOptions Small = new() { Packets = 20_000, Seed = 7, DurationSeconds = 600 };

    [Fact]
    public void Write_SameSeed_IdenticalBytes()
    {
        Assert.Equal(Synth(Small), Synth(Small));
    }

    [Fact]
    public void Write_OtherSeed_DifferentBytes()
    {
        Assert.NotEqual(Synth(Small), Synth(Small with { Seed = 8 }));
    }

    [Fact]
    public void Write_Pcap_RequestedPacketCountWithinDurationAndRealisticMix()
    {
        var records = PcapRecords.Read(Synth(Small));
        long startSeconds = Small.StartEpochNanos / 1_000_000_000;
        var times = records.Select(r => r.Seconds * 1_000_000 + r.Fraction).ToList();

        Assert.Equal(20_000, records.Count);
        Assert.Equal(times.Order(), times);
        Assert.InRange(times[0] / 1_000_000, startSeconds, startSeconds + 600);
        Assert.InRange(times[^1] / 1_000_000, startSeconds, startSeconds + 600);
        Assert.All(records, r => Assert.InRange(r.Data.Length, 60, 1514));
        double ipv6 = records.Count(r => r.Data[12] == 0x86 && r.Data[13] == 0xdd) / (double)records.Count;
        double full = records.Count(r => r.Data.Length == 1514) / (double)records.Count;
        double small = records.Count(r => r.Data.Length <= 74) / (double)records.Count;
        double dns = records.Count(r => IsUdpPort53(r.Data)) / (double)records.Count;
        Assert.InRange(ipv6, 0.25, 0.35);
        Assert.InRange(full, 0.30, 0.40);
        Assert.InRange(small, 0.35, 0.50);
        Assert.InRange(dns, 0.03, 0.05); // ~2 % queries plus as many responses
    }

    [Fact]
    public void Write_Pcap_Ipv4HeaderChecksumsValid()
    {
        var records = PcapRecords.Read(Synth(Small with { Packets = 2000 }));

        var v4 = records.Where(r => r.Data[12] == 0x08 && r.Data[13] == 0x00).ToList();
        Assert.NotEmpty(v4);
        Assert.All(v4, r => Assert.Equal(0, Checksum.Compute(r.Data.AsSpan(14, 20))));
        Assert.All(v4, r => Assert.True(14 + BinaryPrimitives.ReadUInt16BigEndian(r.Data.AsSpan(16)) <= r.Data.Length));
    }

    [Fact]
    public void Write_PcapNgGzip_DecompressesToSectionInterfaceAndPackets()
    {
        var gz = Synth(Small with { Packets = 100, Format = CaptureFormat.PcapNg, Gzip = true });
        using var inflate = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress);
        var plain = new MemoryStream();
        inflate.CopyTo(plain);
        var bytes = plain.ToArray();

        int offset = 0, epbs = 0;
        var types = new List<uint>();
        while (offset < bytes.Length)
        {
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
            types.Add(type);
            epbs += type == 6 ? 1 : 0;
            offset += (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 4));
        }

        Assert.Equal([0x0a0d0d0au, 1u], types.Take(2));
        Assert.Equal(100, epbs);
    }

    private static bool IsUdpPort53(byte[] d)
    {
        if (d[12] == 0x08 && d[23] == 17)
        {
            return BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(34)) == 53 || BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(36)) == 53;
        }

        if (d[12] == 0x86 && d[20] == 17)
        {
            return BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(54)) == 53 || BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(56)) == 53;
        }

        return false;
    }
}

public class PrngTests
{
    [Fact]
    public void NextUInt64_SeedOne_MatchesIndependentReferenceSequence()
    {
        // Computed with an independent Python implementation of SplitMix64 seeding + xorshift64*.
        var rng = new Prng(1);

        Assert.Equal(0x4b46a55df3611b9bUL, rng.NextUInt64());
        Assert.Equal(0xd7e1f1410e763ef4UL, rng.NextUInt64());
        Assert.Equal(0x5f14ec66975f9b06UL, rng.NextUInt64());
    }

    [Fact]
    public void Next_ManyDraws_StayInRangeAndHitBothEnds()
    {
        var rng = new Prng(42);
        var seen = new HashSet<int>();
        for (int i = 0; i < 10_000; i++)
        {
            int v = rng.Next(3, 9);
            Assert.InRange(v, 3, 8);
            seen.Add(v);
        }

        Assert.Equal(6, seen.Count);
    }
}

public class GeneratorCommandLineTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = GeneratorCommandLine.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Run_Help_ExitsZeroAndDescribesBothCommands()
    {
        var (code, stdout, _) = Run("--help");

        Assert.Equal(0, code);
        Assert.Contains("samples <dir>", stdout);
        Assert.Contains("--packets N", stdout);
    }

    [Theory]
    [InlineData]
    [InlineData("bogus")]
    [InlineData("samples")]
    [InlineData("synth", "-o", "x.pcap")]
    [InlineData("synth", "--packets", "ten", "-o", "x.pcap")]
    [InlineData("synth", "--packets", "10", "-o", "x.pcap", "--format", "pcapx")]
    [InlineData("synth", "--packets", "10", "-o", "x.pcap", "--duration", "-5")]
    [InlineData("synth", "--packets", "10", "-o")]
    public void Run_UsageError_ExitsOneWithMessageOnStderr(params string[] args)
    {
        var (code, stdout, stderr) = Run(args);

        Assert.Equal(1, code);
        Assert.StartsWith("pcapviz-gen: ", stderr);
        Assert.Equal("", stdout);
    }

    [Fact]
    public void Run_SynthMissingBoth_ReportsEveryProblem()
    {
        var (_, _, stderr) = Run("synth", "--gzip", "--what");

        Assert.Contains("--packets is required", stderr);
        Assert.Contains("-o FILE is required", stderr);
        Assert.Contains("unknown option '--what'", stderr);
    }

    [Fact]
    public void Run_SynthValid_WritesFileWithRequestedPackets()
    {
        var path = Path.Combine(Path.GetTempPath(), $"pcapviz-gen-{Guid.NewGuid():N}.pcap");
        try
        {
            var (code, _, stderr) = Run("synth", "--packets", "123", "--seed", "5", "--duration", "10", "-o", path);

            Assert.Equal(0, code);
            Assert.Equal("", stderr);
            Assert.Equal(123, PcapRecords.Read(File.ReadAllBytes(path)).Count);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
