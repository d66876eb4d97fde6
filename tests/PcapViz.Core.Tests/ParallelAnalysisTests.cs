using System.Buffers.Binary;
using PcapViz.Export;
using PcapViz.Orchestration;

namespace PcapViz.Tests;

/// <summary>
/// The chunked, multi-core path of <see cref="CaptureAnalyzer"/> must give the sequential result byte for byte
/// (analysis.json), issues and their order included, whatever the number of workers.
/// </summary>
public sealed class ParallelAnalysisTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pcapviz-parallel-" + Guid.NewGuid().ToString("N"));

    public ParallelAnalysisTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    public static TheoryData<string> Samples => [.. SampleCaptures.FileNames];

    [Theory]
    [MemberData(nameof(Samples))]
    public void Analyze_SampleCapture_ParallelEqualsSequential(string name)
    {
        var paths = SampleCaptures.WriteAll(_dir);
        string path = paths.Single(p => Path.GetFileName(p) == name);
        AssertSameForAllParallelisms(path);
    }

    [Theory]
    [InlineData("pcap", false)]
    [InlineData("pcapng", false)]
    [InlineData("pcap", true)]
    public void Analyze_Synthetic200kPackets_ParallelEqualsSequential(string format, bool gzip)
    {
        string path = Path.Combine(_dir, $"synthetic.{format}{(gzip ? ".gz" : "")}");
        SyntheticTraffic.WriteFile(path, new SyntheticTrafficOptions { Packets = 200_000, Seed = 11, Format = format == "pcapng" ? PcapViz.Generator.CaptureFormat.PcapNg : PcapViz.Generator.CaptureFormat.Pcap, Gzip = gzip });
        string json = AssertSameForAllParallelisms(path);
        Assert.Contains("\"packets\": 200000", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_IssuesAcrossManyBatches_SameIssuesInSameOrder()
    {
        // 100,000 small frames (several batches): every 997th has a bad IPv4 header (more than the 20 listed per
        // code), two have an IPv4 total length of 0 (reported once), one record has a sub-second field out of
        // range (a reader warning in the middle), and the file ends inside a record (a reader error at the end).
        var bytes = Kit.Pcap(w =>
        {
            for (int i = 0; i < 100_000; i++)
            {
                if (i == 50_000)
                {
                    var header = new byte[16];
                    BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)Kit.Jan2024Seconds + 50);
                    BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), 1_500_000);
                    BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), 42);
                    BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), 42);
                    w.WriteRawBytes(header);
                    w.WriteRawBytes(Frame(i, ihl: 5, totalLength: 28));
                    continue;
                }
                var frame = i % 997 == 3 ? Frame(i, ihl: 3, totalLength: 28)
                    : i is 40_000 or 70_000 ? Frame(i, ihl: 5, totalLength: 0)
                    : Frame(i, ihl: 5, totalLength: 28);
                w.Write(Kit.Jan2024Nanos + i * 1_000_000L, frame);
            }
            var cut = new byte[16 + 10];
            BinaryPrimitives.WriteUInt32LittleEndian(cut.AsSpan(8), 100);
            BinaryPrimitives.WriteUInt32LittleEndian(cut.AsSpan(12), 100);
            w.WriteRawBytes(cut);
        });
        string path = Path.Combine(_dir, "issues.pcap");
        File.WriteAllBytes(path, bytes);

        string json = AssertSameForAllParallelisms(path);
        Assert.Contains("\"malformed-ip-header\"", json, StringComparison.Ordinal);
        Assert.Contains("more issues with code", json, StringComparison.Ordinal);
        Assert.Contains("\"timestamp-fraction-out-of-range\"", json, StringComparison.Ordinal);
        Assert.Contains("\"truncated-record\"", json, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(json, "\"ipv4-zero-total-length\""));
    }

    private static byte[] Frame(int i, int ihl, int totalLength)
    {
        var f = new byte[14 + 28];
        f[5] = 1; // destination MAC
        f[11] = 2; // source MAC
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), 0x0800);
        var ip = f.AsSpan(14);
        ip[0] = (byte)(0x40 | ihl);
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)totalLength);
        ip[8] = 64;
        ip[9] = 17; // UDP
        ip[12] = 10;
        ip[14] = (byte)(i >> 8);
        ip[15] = (byte)i;
        ip[16] = 10;
        ip[19] = 1;
        BinaryPrimitives.WriteUInt16BigEndian(ip[20..], 40000);
        BinaryPrimitives.WriteUInt16BigEndian(ip[22..], 9);
        BinaryPrimitives.WriteUInt16BigEndian(ip[24..], 8);
        return f;
    }

    private static string AssertSameForAllParallelisms(string path)
    {
        string sequential = Json(path, 1);
        foreach (int parallelism in new[] { 2, 3, 4 })
            Assert.Equal(sequential, Json(path, parallelism));
        return sequential;
    }

    private static string Json(string path, int parallelism)
    {
        var result = CaptureAnalyzer.Analyze(path, Path.GetFileName(path), "id", new AnalysisOptions(), parallelism);
        using var stream = new MemoryStream();
        AnalysisJsonExporter.Write(stream, result, "test");
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
