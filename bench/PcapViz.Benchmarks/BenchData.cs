using PcapViz.Model;
using PcapViz.Reading;

namespace PcapViz.Benchmarks;

/// <summary>
/// The captures the component benchmarks run over, made by bench/run.sh with pcapviz-gen
/// (<c>synth --packets 200000 --seed 7</c> as pcap, pcapng and gzip pcap) into $PCAPVIZ_BENCH_DIR (default bench/data).
/// </summary>
public static class BenchData
{
    public const int Packets = 200_000;

    public static string Directory => Environment.GetEnvironmentVariable("PCAPVIZ_BENCH_DIR") is { Length: > 0 } dir
        ? dir
        : Path.Combine(FindRepoRoot(), "bench", "data");

    public static byte[] Load(string format) => File.ReadAllBytes(Path.Combine(Directory, $"bdn-200k.{format}"));

    /// <summary>Every record of a capture, copied into one buffer: the decoder's and the analyses' input without the reader.</summary>
    public sealed class Frames
    {
        public byte[] Data = [];
        public int[] Start = [], Length = [], OriginalLength = [], LinkType = [];
        public long[] TimestampNanos = [];
        public int Count;

        public static Frames From(byte[] capture)
        {
            var frames = new Frames { Data = new byte[capture.Length] };
            var issues = new IssueLog();
            using var stream = new MemoryStream(capture, writable: false);
            var reader = CaptureOpener.Open(stream, issues, capture.Length) ?? throw new InvalidOperationException("not a capture");
            var start = new List<int>(); var length = new List<int>(); var orig = new List<int>(); var link = new List<int>(); var ts = new List<long>();
            int used = 0;
            while (reader.TryReadNext(out var p))
            {
                p.Data.CopyTo(frames.Data.AsSpan(used));
                start.Add(used); length.Add(p.Data.Length); orig.Add(p.OriginalLength); link.Add(p.LinkType); ts.Add(p.TimestampNanos);
                used += p.Data.Length;
            }
            frames.Start = [.. start]; frames.Length = [.. length]; frames.OriginalLength = [.. orig]; frames.LinkType = [.. link]; frames.TimestampNanos = [.. ts];
            frames.Count = start.Count;
            if (frames.Count != Packets) throw new InvalidOperationException($"expected {Packets} packets, found {frames.Count}");
            return frames;
        }

        public ReadOnlySpan<byte> Frame(int i) => Data.AsSpan(Start[i], Length[i]);
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PcapViz.sln"))) return dir.FullName;
        return System.IO.Directory.GetCurrentDirectory();
    }
}
