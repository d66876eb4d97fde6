using System.Buffers.Binary;
using System.IO.Compression;

namespace PcapViz.Robustness.Tests;

/// <summary>
/// Every real-world corpus file cut short and bit-flipped, and random garbage behind valid magic numbers: the
/// reader and the analyses never throw, never hang and never allocate more than a bounded amount per case.
/// </summary>
public sealed class CorpusFuzzTests
{
    private const int SmallFileLimit = 4096;
    private const int SpreadOffsets = 200;
    private const int FlipVariants = 200;
    private static readonly ParallelOptions TwoCores = new() { MaxDegreeOfParallelism = 2 };

    [Fact]
    public async Task CorpusFile_TruncatedAtManyOffsets_NeverThrowsHangsOrBalloons()
    {
        var files = RobustnessCorpus.CorpusFiles();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        long cases = 0;
        await ReadHarness.WithoutHanging(() =>
            Parallel.ForEach(files, TwoCores, file =>
            {
                byte[] data = File.ReadAllBytes(file);
                string name = Path.GetFileName(file);
                foreach (int cut in TruncationOffsets(data.Length))
                {
                    // Half the cases know the length up front (a file), half do not (a pipe or a gzip member).
                    bool passLength = cut % 2 == 0;
                    var outcome = Guarded(failures, $"{name} cut at {cut}", () => ReadHarness.Read(new MemoryStream(data, 0, cut, writable: false), passLength ? cut : null));
                    if (outcome is null) continue;
                    Check(outcome, $"{name} cut at {cut} of {data.Length} (length {(passLength ? "known" : "unknown")})");
                    // A cut inside the file header (every format's first header is at least 24 bytes) is an error, never a clean empty file.
                    if (cut < 24 && data.Length >= 28 && !name.EndsWith(".gz", StringComparison.Ordinal))
                        Assert.True(outcome.Issues.Any(i => i.Severity == PcapViz.Model.IssueSeverity.Error), $"{name} cut at {cut}: no error ({outcome.Describe()})");
                    Interlocked.Increment(ref cases);
                }
            }));
        Assert.True(failures.IsEmpty, string.Join(Environment.NewLine, failures.Take(20)));
        TestContext.Current.TestOutputHelper?.WriteLine($"truncation: {cases:N0} cases over {files.Count} corpus files");
        Assert.True(cases > files.Count * 100L, $"only {cases} cases");
    }

    [Fact]
    public async Task CorpusFile_WithRandomBytesFlipped_NeverThrowsHangsOrBalloons()
    {
        // Gzip-compressed files included: a flip in their deflate data corrupts the stream wherever it lands,
        // including inside the capture's file header.
        var files = RobustnessCorpus.CorpusFiles().ToList();
        long cases = await FlipSweep(files);
        Assert.True(cases >= (files.Count - 2) * (long)FlipVariants, $"only {cases} cases");
    }

    /// <summary>Reads <see cref="FlipVariants"/> seeded variants of each file with 1 to 8 bytes changed; returns the case count.</summary>
    internal static async Task<long> FlipSweep(IReadOnlyList<string> files)
    {
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        long cases = 0;
        await ReadHarness.WithoutHanging(() =>
            Parallel.ForEach(files, TwoCores, file =>
            {
                byte[] original = File.ReadAllBytes(file);
                if (original.Length == 0) return;
                string name = Path.GetFileName(file);
                var rng = new Random(StableSeed(name));
                byte[] data = new byte[original.Length];
                for (int variant = 0; variant < FlipVariants; variant++)
                {
                    original.CopyTo(data, 0);
                    // Half the variants hit the headers (first 4 KiB), half land anywhere.
                    int window = variant % 2 == 0 ? Math.Min(original.Length, SmallFileLimit) : original.Length;
                    int flips = 1 + rng.Next(8);
                    for (int f = 0; f < flips; f++)
                    {
                        int at = rng.Next(window);
                        data[at] = variant % 3 == 0 ? (byte)rng.Next(256) : (byte)(data[at] ^ (1 << rng.Next(8)));
                    }
                    var outcome = Guarded(failures, $"{name} variant {variant}", () => ReadHarness.Read(new MemoryStream(data, writable: false), variant % 4 == 0 ? null : data.Length));
                    Interlocked.Increment(ref cases);
                    if (outcome is null) continue;
                    Check(outcome, $"{name} variant {variant} ({flips} bytes changed)");
                }
            }));
        Assert.True(failures.IsEmpty, $"{failures.Count} cases threw:" + Environment.NewLine + string.Join(Environment.NewLine, failures.Take(20)));
        TestContext.Current.TestOutputHelper?.WriteLine($"bit flips: {cases:N0} cases over {files.Count} files");
        return cases;
    }

    public static TheoryData<string> MagicKinds() => new(["pcap-le-us", "pcap-be-us", "pcap-le-ns", "pcap-be-ns", "pcapng-le", "pcapng-be", "gzip-raw", "gzip-pcap", "gzip-pcapng"]);

    [Theory]
    [MemberData(nameof(MagicKinds))]
    public async Task RandomGarbage_BehindValidMagic_NeverThrowsHangsOrBalloons(string kind)
    {
        int reported = 0;
        await ReadHarness.WithoutHanging(() =>
        {
            var rng = new Random(StableSeed(kind));
            for (int i = 0; i < 400; i++)
            {
                byte[] data = GarbageBehindMagic(kind, rng);
                var outcome = ReadHarness.Read(new MemoryStream(data, writable: false), i % 2 == 0 ? data.Length : null);
                Check(outcome, $"{kind} case {i} ({data.Length} bytes)");
                if (outcome.Issues.Count > 0) reported++;
            }
        });
        // Random bytes after a magic number are almost never a well-formed capture: most cases must say so.
        Assert.True(reported > 200, $"{kind}: only {reported} of 400 garbage cases reported any issue");
    }

    /// <summary>Runs one case; an escaping exception is recorded (with the case) instead of ending the whole sweep.</summary>
    private static ReadOutcome? Guarded(System.Collections.Concurrent.ConcurrentQueue<string> failures, string description, Func<ReadOutcome> read)
    {
        try
        {
            return read();
        }
        catch (Exception ex)
        {
            failures.Enqueue($"{description}: {ex.GetType().Name}: {ex.Message} at {ex.StackTrace?.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Contains("PcapViz", StringComparison.Ordinal))}");
            return null;
        }
    }

    private static void Check(ReadOutcome outcome, string description)
    {
        if (outcome.AllocatedBytes >= ReadHarness.AllocationLimit)
            Assert.Fail($"{description}: allocated {outcome.AllocatedBytes:N0} bytes ({outcome.Describe()}).");
    }

    private static IEnumerable<int> TruncationOffsets(int length)
    {
        if (length < SmallFileLimit)
        {
            for (int i = 0; i < length; i++) yield return i;
            yield break;
        }
        var offsets = new SortedSet<int>();
        for (int i = 0; i < 64; i++) offsets.Add(i); // every offset inside the file header and first record header
        for (int i = 0; i < SpreadOffsets; i++) offsets.Add((int)((long)length * i / SpreadOffsets));
        var rng = new Random(length);
        for (int i = 0; i < 40; i++) offsets.Add(rng.Next(length));
        offsets.Add(length - 1);
        foreach (int o in offsets) yield return o;
    }

    private static byte[] GarbageBehindMagic(string kind, Random rng)
    {
        int size = rng.Next(4) switch { 0 => rng.Next(32), 1 => rng.Next(256), 2 => rng.Next(4096), _ => rng.Next(65536) };
        byte[] garbage = new byte[size];
        rng.NextBytes(garbage);
        byte[] Magic(uint value, bool bigEndian)
        {
            var m = new byte[4];
            if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(m, value); else BinaryPrimitives.WriteUInt32LittleEndian(m, value);
            return m;
        }
        byte[] PcapNgHead(bool bigEndian)
        {
            var h = new byte[12];
            BinaryPrimitives.WriteUInt32LittleEndian(h, 0x0A0D0D0A);
            int len = rng.Next(3) == 0 ? rng.Next() : 28 + 4 * rng.Next(64);
            if (bigEndian) BinaryPrimitives.WriteInt32BigEndian(h.AsSpan(4), len); else BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(4), len);
            if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(8), 0x1A2B3C4D); else BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(8), 0x1A2B3C4D);
            return h;
        }
        byte[] Gzip(byte[] content)
        {
            var ms = new MemoryStream();
            using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(content);
            return ms.ToArray();
        }
        return kind switch
        {
            "pcap-le-us" => [.. Magic(0xA1B2C3D4, false), .. garbage],
            "pcap-be-us" => [.. Magic(0xA1B2C3D4, true), .. garbage],
            "pcap-le-ns" => [.. Magic(0xA1B23C4D, false), .. garbage],
            "pcap-be-ns" => [.. Magic(0xA1B23C4D, true), .. garbage],
            "pcapng-le" => [.. PcapNgHead(false), .. garbage],
            "pcapng-be" => [.. PcapNgHead(true), .. garbage],
            "gzip-raw" => [0x1F, 0x8B, 0x08, 0x00, .. garbage],
            "gzip-pcap" => Gzip([.. Magic(0xA1B2C3D4, rng.Next(2) == 0), .. garbage]),
            "gzip-pcapng" => Gzip([.. PcapNgHead(rng.Next(2) == 0), .. garbage]),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    private static int StableSeed(string text)
    {
        int h = 17;
        foreach (char c in text) h = unchecked(h * 31 + c);
        return h;
    }
}
