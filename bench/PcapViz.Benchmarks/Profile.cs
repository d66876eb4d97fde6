using System.Diagnostics;
using System.Globalization;
using PcapViz.Analysis;
using PcapViz.Decoding;
using PcapViz.Model;
using PcapViz.Orchestration;
using PcapViz.Reading;

namespace PcapViz.Benchmarks;

/// <summary>
/// Where the time of one file goes: each stage of the single pass added one at a time (median of 3 runs each,
/// warm page cache), then the whole analysis on 1..N cores.
/// </summary>
public static class Profile
{
    private const int Runs = 3;

    public static int Run(string path, int[] parallelisms)
    {
        long size = new FileInfo(path).Length;
        Console.WriteLine($"# profile of {path} ({size:N0} bytes), median of {Runs} runs, {Environment.ProcessorCount} cores");
        Console.WriteLine("| stage | seconds | MB/s | packets/s |");
        Console.WriteLine("|---|---:|---:|---:|");
        Stage("read bytes (FileStream, 1 MiB reads)", size, () => { ReadBytes(path); return 0; });
        Stage("+ SHA-256 (HashingStream)", size, () => { Hash(path); return 0; });
        Stage("read records (no hash)", size, () => Records(path, hash: false, decode: false));
        Stage("read records + SHA-256", size, () => Records(path, hash: true, decode: false));
        Stage("read records + SHA-256 + decode", size, () => Records(path, hash: true, decode: true));
        Stage("read + SHA-256 on its own thread + all analyses (one analysis thread)", size, () => HashAside(path));
        foreach (int p in parallelisms)
            Stage($"CaptureAnalyzer.Analyze, parallelism {p}", size, () => CaptureAnalyzer.Analyze(path, "x", "x", new AnalysisOptions(), p).Summary.Packets);
        return 0;
    }

    public static int AnalyzeOnce(string path, int parallelism)
    {
        var sw = Stopwatch.StartNew();
        var result = CaptureAnalyzer.Analyze(path, "x", "x", new AnalysisOptions(), parallelism);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{sw.Elapsed.TotalSeconds:F3} s, {result.Summary.Packets} packets, parallelism {parallelism}"));
        return 0;
    }

    private static void Stage(string name, long size, Func<long> run)
    {
        var times = new double[Runs];
        long packets = 0;
        for (int i = 0; i < Runs; i++)
        {
            var sw = Stopwatch.StartNew();
            packets = run();
            times[i] = sw.Elapsed.TotalSeconds;
        }
        Array.Sort(times);
        double t = times[Runs / 2];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {t:F3} | {size / t / 1e6:F0} | {(packets > 0 ? (packets / t).ToString("N0", CultureInfo.InvariantCulture) : "")} |"));
    }

    private static FileStream Open(string path) => new(path, new FileStreamOptions
    {
        Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite, Options = FileOptions.SequentialScan, BufferSize = 0,
    });

    private static void ReadBytes(string path)
    {
        using var file = Open(path);
        var buffer = new byte[1 << 20];
        while (file.Read(buffer) > 0) { }
    }

    private static void Hash(string path)
    {
        using var hashing = new HashingStream(Open(path));
        hashing.Finish();
    }

    private static long HashAside(string path)
    {
        using var hashing = new HashingStream(Open(path), hashOnAnotherThread: true);
        var issues = new IssueLog();
        var reader = CaptureOpener.Open(hashing, issues, new FileInfo(path).Length)!;
        var analysis = new PcapViz.Analysis.CaptureAnalysis(new AnalysisOptions());
        long index = 0;
        while (reader.TryReadNext(out var packet)) analysis.Observe(packet, issues, index++);
        hashing.Finish();
        return index;
    }

    private static long Records(string path, bool hash, bool decode)
    {
        using Stream stream = hash ? new HashingStream(Open(path)) : Open(path);
        var reader = CaptureOpener.Open(stream, new IssueLog(), new FileInfo(path).Length)!;
        var decoder = new PacketDecoder();
        long packets = 0, sum = 0;
        while (reader.TryReadNext(out var packet))
        {
            packets++;
            if (decode)
            {
                var view = default(PacketView);
                decoder.Decode(packet.LinkType, packet.Data, packet.OriginalLength, ref view);
                sum += view.IpBytes;
            }
        }
        GC.KeepAlive(sum);
        return packets;
    }
}
