using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using PcapViz.Analysis;
using PcapViz.Decoding;
using PcapViz.Model;
using PcapViz.Reading;

namespace PcapViz.Benchmarks;

// Every benchmark handles all BenchData.Packets packets per invocation and declares them as operations, so
// BenchmarkDotNet's "Mean" is the time per packet (packets/s = 1 s / Mean) and "Allocated" is bytes per packet.

/// <summary>The readers: framing records out of a capture held in memory (no disk, no hash).</summary>
[MemoryDiagnoser]
public class ReaderBenchmarks
{
    private byte[] _capture = [];

    [Params("pcap", "pcapng", "pcap.gz")]
    public string Format { get; set; } = "pcap";

    [GlobalSetup]
    public void Setup() => _capture = BenchData.Load(Format);

    [Benchmark(OperationsPerInvoke = BenchData.Packets)]
    public long ReadRecords()
    {
        using var stream = new MemoryStream(_capture, writable: false);
        var reader = CaptureOpener.Open(stream, new IssueLog(), _capture.Length)!;
        long bytes = 0;
        while (reader.TryReadNext(out var packet)) bytes += packet.Data.Length;
        return bytes;
    }
}

/// <summary>SHA-256 of the same bytes: the other half of the single pass (reference for the reader's numbers).</summary>
[MemoryDiagnoser]
public class HashBenchmarks
{
    private byte[] _capture = [];

    [GlobalSetup]
    public void Setup() => _capture = BenchData.Load("pcap");

    [Benchmark(OperationsPerInvoke = BenchData.Packets)]
    public byte[] Sha256In1MiBChunks()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (int at = 0; at < _capture.Length; at += 1 << 20)
            hash.AppendData(_capture.AsSpan(at, Math.Min(1 << 20, _capture.Length - at)));
        return hash.GetHashAndReset();
    }
}

/// <summary>The decoder and each analysis over records already in memory.</summary>
[MemoryDiagnoser]
public class DecodeAnalyseBenchmarks
{
    private BenchData.Frames _frames = new();
    private long[] _ipBytes = [];
    private readonly PacketDecoder _decoder = new();

    [GlobalSetup]
    public void Setup()
    {
        _frames = BenchData.Frames.From(BenchData.Load("pcap"));
        _ipBytes = new long[_frames.Count];
        for (int i = 0; i < _frames.Count; i++)
        {
            var view = default(PacketView);
            _decoder.Decode(_frames.LinkType[i], _frames.Frame(i), _frames.OriginalLength[i], ref view);
            _ipBytes[i] = view.IpBytes;
        }
    }

    [Benchmark(OperationsPerInvoke = BenchData.Packets, Baseline = true)]
    public long Decode()
    {
        long sum = 0;
        for (int i = 0; i < _frames.Count; i++)
        {
            var view = default(PacketView);
            _decoder.Decode(_frames.LinkType[i], _frames.Frame(i), _frames.OriginalLength[i], ref view);
            sum += view.IpBytes;
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = BenchData.Packets)]
    public int DecodeAndSourceIps()
    {
        var analysis = new SourceIpAnalysis();
        for (int i = 0; i < _frames.Count; i++)
        {
            var view = default(PacketView);
            _decoder.Decode(_frames.LinkType[i], _frames.Frame(i), _frames.OriginalLength[i], ref view);
            analysis.Observe(ref view);
        }
        return analysis.DistinctCount;
    }

    [Benchmark(OperationsPerInvoke = BenchData.Packets)]
    public long DecodeAndDnsQueries()
    {
        var analysis = new DnsQueryAnalysis();
        for (int i = 0; i < _frames.Count; i++)
        {
            var view = default(PacketView);
            _decoder.Decode(_frames.LinkType[i], _frames.Frame(i), _frames.OriginalLength[i], ref view);
            analysis.Observe(ref view);
        }
        return analysis.Malformed;
    }

    [Benchmark(OperationsPerInvoke = BenchData.Packets)]
    public object Traffic() // object: TrafficAnalysis is internal to Core; returned so the work is not elided
    {
        var analysis = new TrafficAnalysis();
        for (int i = 0; i < _frames.Count; i++) analysis.Observe(_frames.TimestampNanos[i], _ipBytes[i]);
        return analysis;
    }

    [Benchmark(OperationsPerInvoke = BenchData.Packets)]
    public long AllAnalyses()
    {
        var analysis = new CaptureAnalysis(new AnalysisOptions());
        var issues = new IssueLog();
        for (int i = 0; i < _frames.Count; i++)
            analysis.Observe(new RawPacket(_frames.Frame(i), _frames.TimestampNanos[i], _frames.OriginalLength[i], _frames.LinkType[i], 0, 0), issues, i);
        return analysis.Packets;
    }
}
