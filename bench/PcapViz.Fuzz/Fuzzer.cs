using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using PcapViz.Analysis;
using PcapViz.Decoding;
using PcapViz.Model;
using PcapViz.Reading;

namespace PcapViz.Fuzz;

internal sealed record FuzzOptions(double Seconds, long Execs, ulong Seed, IReadOnlyList<string> Corpora, string? Findings, string Target, double HangSeconds)
{
    public static FuzzOptions? Parse(string[] args, TextWriter error)
    {
        double seconds = 60, hang = 5;
        long execs = long.MaxValue;
        ulong seed = 1;
        var corpora = new List<string>();
        string? findings = null;
        string target = "all";
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            try
            {
                switch (args[i])
                {
                    case "--seconds": seconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--execs": execs = long.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--seed": seed = ulong.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--corpus": corpora.Add(Next()); break;
                    case "--findings": findings = Next(); break;
                    case "--hang-seconds": hang = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--target":
                        target = Next();
                        if (target is not ("capture" or "dns" or "all")) throw new ArgumentException("--target: capture, dns or all");
                        break;
                    default: throw new ArgumentException($"unknown argument '{args[i]}'");
                }
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
            {
                error.WriteLine($"pcapviz-fuzz: {ex.Message}");
                return null;
            }
        }
        return new FuzzOptions(seconds, execs, seed, corpora, findings, target, hang);
    }
}

/// <summary>The mutation loop with AFL-style edge coverage read from SharpFuzz's shared map.</summary>
internal sealed unsafe class Fuzzer
{
    private const int MapSize = 1 << 16;
    private const int MaxInput = 1 << 20;

    private readonly FuzzOptions _options;
    private readonly TextWriter _out;
    private readonly byte* _map;
    private readonly byte[] _virgin = new byte[MapSize];
    private readonly List<(string Target, byte[] Data)> _corpus = [];
    private readonly HashSet<string> _findings = new(StringComparer.Ordinal);
    private ulong _rng;
    private long _execs;

    public Fuzzer(FuzzOptions options, TextWriter output)
    {
        _options = options;
        _out = output;
        _rng = options.Seed * 0x9E3779B97F4A7C15UL + 1;
        _map = (byte*)NativeMemory.AllocZeroed(MapSize);
        SharpFuzz.Common.Trace.SharedMem = _map;
    }

    public int Run()
    {
        var clock = Stopwatch.StartNew();
        foreach (var (target, data) in Seeds()) Execute(target, data, keepIfNew: true, force: true);
        int seedEdges = Edges();
        int seedCorpus = _corpus.Count;
        _out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seeds: {seedCorpus} inputs, {seedEdges} edges"));
        var lastReport = clock.Elapsed;
        while (clock.Elapsed.TotalSeconds < _options.Seconds && _execs < _options.Execs)
        {
            var (target, parent) = _corpus[(int)(Next() % (ulong)_corpus.Count)];
            var child = Mutate(parent, target);
            Execute(target, child, keepIfNew: true, force: false);
            if (clock.Elapsed - lastReport > TimeSpan.FromSeconds(10))
            {
                lastReport = clock.Elapsed;
                _out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalSeconds:0}s: {_execs} execs, {_corpus.Count} inputs, {Edges()} edges, {_findings.Count} findings"));
            }
        }
        _out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"done: {_execs} execs in {clock.Elapsed.TotalSeconds:0.0} s, corpus {seedCorpus} -> {_corpus.Count}, edges {seedEdges} -> {Edges()}, findings {_findings.Count}"));
        return _findings.Count == 0 ? 0 : 1;
    }

    private int Edges()
    {
        int n = 0;
        foreach (byte b in _virgin) if (b != 0) n++;
        return n;
    }

    private IEnumerable<(string Target, byte[] Data)> Seeds()
    {
        bool captures = _options.Target is "capture" or "all";
        bool dns = _options.Target is "dns" or "all";
        if (captures)
        {
            foreach (string name in Generator.SampleCaptures.FileNames)
            {
                var ms = new MemoryStream();
                Generator.SampleCaptures.Write(name, ms);
                yield return ("capture", Truncate(ms.ToArray()));
            }
            foreach (string dir in _options.Corpora)
                foreach (string file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                {
                    var info = new FileInfo(file);
                    if (info.Length is > 0 and <= MaxInput) yield return ("capture", File.ReadAllBytes(file));
                }
        }
        if (dns)
        {
            yield return ("dns", new Generator.DnsMessageBuilder().Question(Generator.DnsName.Parse("www.example.com")).Build());
            yield return ("dns", new Generator.DnsMessageBuilder().Question(Generator.DnsName.Parse("a.b.c.example.org"), DnsCodes.TypeTxt).Build());
            yield return ("dns", new Generator.DnsMessageBuilder().Question(Generator.DnsName.FromLabels([0x41, 0x2E, 0x5C], [0xFF, 0x00])).Build());
            yield return ("dns", new Generator.DnsMessageBuilder().Question(Generator.DnsName.Root).Build());
        }
    }

    // Seeds larger than a fuzzer can usefully mutate are cut (the reader reports the cut end as data, not a crash).
    private static byte[] Truncate(byte[] data) => data.Length <= 64 * 1024 ? data : data[..(64 * 1024)];

    private void Execute(string target, byte[] data, bool keepIfNew, bool force)
    {
        new Span<byte>(_map, MapSize).Clear();
        SharpFuzz.Common.Trace.PrevLocation = 0;
        _execs++;
        var clock = Stopwatch.StartNew();
        try
        {
            if (target == "dns") Targets.Dns(data);
            else Targets.Capture(data);
        }
        catch (Exception ex)
        {
            Finding(target, data, $"{ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}");
        }
        if (clock.Elapsed.TotalSeconds > _options.HangSeconds)
            Finding(target, data, $"slow input: {clock.Elapsed.TotalSeconds:0.0} s");
        if (keepIfNew && (HasNewCoverage() || force)) _corpus.Add((target, data));
    }

    /// <summary>AFL's hit-count buckets: an edge is new, or hit a new order of magnitude of times.</summary>
    private bool HasNewCoverage()
    {
        bool found = false;
        for (int i = 0; i < MapSize; i++)
        {
            byte hits = _map[i];
            if (hits == 0) continue;
            byte bucket = hits switch { 1 => 1, 2 => 2, 3 => 4, <= 7 => 8, <= 15 => 16, <= 31 => 32, <= 127 => 64, _ => 128 };
            if ((_virgin[i] & bucket) == 0)
            {
                _virgin[i] |= bucket;
                found = true;
            }
        }
        return found;
    }

    private void Finding(string target, byte[] data, string what)
    {
        string hash = Convert.ToHexStringLower(SHA256.HashData(data))[..16];
        string key = what.Split('\n')[0];
        if (!_findings.Add(key)) return;
        _out.WriteLine($"FINDING ({target}, input {hash}, {data.Length} bytes): {what}");
        if (_options.Findings is not null)
        {
            Directory.CreateDirectory(_options.Findings);
            File.WriteAllBytes(Path.Combine(_options.Findings, $"{target}-{hash}.bin"), data);
            File.WriteAllText(Path.Combine(_options.Findings, $"{target}-{hash}.txt"), what);
        }
    }

    private ulong Next()
    {
        _rng ^= _rng << 13;
        _rng ^= _rng >> 7;
        _rng ^= _rng << 17;
        return _rng;
    }

    private int Below(int n) => n <= 0 ? 0 : (int)(Next() % (ulong)n);

    private static readonly long[] Interesting = [0, 1, -1, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 12, 16, 20, 24, 28, 40, 53, 60, 1500, 65535];

    private byte[] Mutate(byte[] parent, string target)
    {
        var data = new List<byte>(parent);
        int rounds = 1 << Below(4);
        for (int r = 0; r < rounds; r++)
        {
            if (data.Count == 0) data.Add((byte)Next());
            int at = Below(data.Count);
            switch (Below(10))
            {
                case 0: data[at] ^= (byte)(1 << Below(8)); break;
                case 1: data[at] = (byte)Next(); break;
                case 2: data[at] = (byte)(data[at] + Below(35) - 17); break;
                case 3: Put(data, at, Interesting[Below(Interesting.Length)], 1 << Below(3), Below(2) == 0); break;
                case 4: // delete a chunk
                    int del = Math.Min(data.Count - at, 1 + Below(Math.Min(64, data.Count)));
                    data.RemoveRange(at, del);
                    break;
                case 5: // duplicate a chunk
                    int len = Math.Min(data.Count - at, 1 + Below(64));
                    if (data.Count + len <= MaxInput) data.InsertRange(Below(data.Count + 1), data.GetRange(at, len));
                    break;
                case 6: // insert random bytes
                    int count = 1 + Below(16);
                    if (data.Count + count <= MaxInput)
                        data.InsertRange(at, Enumerable.Range(0, count).Select(_ => (byte)Next()).ToArray());
                    break;
                case 7: // splice with another input of the same target
                    var other = _corpus[Below(_corpus.Count)];
                    if (other.Target == target && other.Data.Length > 0)
                    {
                        int from = Below(other.Data.Length);
                        int take = Math.Min(other.Data.Length - from, 1 + Below(256));
                        int cut = Math.Min(data.Count, at + take);
                        data.RemoveRange(at, cut - at);
                        data.InsertRange(at, other.Data.AsSpan(from, take).ToArray());
                    }
                    break;
                case 8: // truncate
                    data.RemoveRange(at, data.Count - at);
                    break;
                default: // a 16- or 32-bit word plus or minus a little
                    int width = Below(2) == 0 ? 2 : 4;
                    if (at + width <= data.Count)
                    {
                        long v = 0;
                        for (int i = 0; i < width; i++) v |= (long)data[at + i] << (8 * i);
                        Put(data, at, v + Below(65) - 32, width, littleEndian: true);
                    }
                    break;
            }
        }
        return data.ToArray();
    }

    private static void Put(List<byte> data, int at, long value, int width, bool littleEndian)
    {
        for (int i = 0; i < width && at + i < data.Count; i++)
        {
            int shift = 8 * (littleEndian ? i : width - 1 - i);
            data[at + i] = (byte)(value >> shift);
        }
    }
}

/// <summary>What one input is run through.</summary>
internal static class Targets
{
    private static readonly AnalysisOptions Options = new(BinSeconds: null, MaxDistinct: 64);

    /// <summary>The whole per-capture path: open (format and gzip by magic), read every record, decode, analyse, finish.</summary>
    public static void Capture(byte[] data)
    {
        var issues = new IssueLog();
        var reader = CaptureOpener.Open(new MemoryStream(data, writable: false), issues, data.Length);
        if (reader is null) return;
        var analysis = new CaptureAnalysis(Options);
        long index = 0;
        while (reader.TryReadNext(out var packet) && index < 1_000_000) analysis.Observe(packet, issues, index++);
        var traffic = analysis.Traffic.ToResult(issues);
        _ = analysis.SourceIps.ToResult();
        _ = analysis.DnsQueries.ToResult();
        var summary = analysis.ToSummary();
        long binned = traffic.Bins.Sum(b => b.Packets); // every packet is in a bin (segments and gaps, docs/analysis.md)
        long ipPackets = summary.Ipv4Packets + summary.Ipv6Packets;
        if (binned != ipPackets && binned != summary.Packets)
            throw new InvalidOperationException($"invariant: traffic bins hold {binned} packets, the summary counts {summary.Packets} ({ipPackets} IP)");
    }

    /// <summary>The DNS parser on a raw message (as UDP port 53 would carry it).</summary>
    public static void Dns(byte[] data)
    {
        Span<char> name = stackalloc char[DnsNameWalker.MaxPresentationLength];
        var status = DnsMessageParser.Parse(data, name, out int length);
        if (status == DnsParseStatus.Query && (length < 1 || length > name.Length))
            throw new InvalidOperationException($"invariant: query name length {length}");
        for (int offset = 0; offset < Math.Min(data.Length, 64); offset++)
        {
            // Reading and skipping walk the same name by the same rules: they must agree on whether it is valid.
            if (DnsNameWalker.TryRead(data, offset, name, out _) != DnsNameWalker.TrySkip(data, offset, out int next))
                throw new InvalidOperationException($"invariant: reading and skipping the name at {offset} disagree");
            if (next != -1 && (next <= offset || next > data.Length))
                throw new InvalidOperationException($"invariant: the name at {offset} ends at {next}, outside the message");
        }
    }
}
