using System.Runtime.InteropServices;
using PcapViz.Model;

namespace PcapViz.Analysis;

/// <summary>
/// Packets and IP bytes over time, in bins aligned to multiples of the bin width since the Unix epoch.
/// <para>
/// Memory is bounded: counts are kept per "base" interval (1 s when the width is chosen automatically) in a sparse
/// map; when the map holds more than <see cref="MaxKeys"/> intervals the capture necessarily spans so long that
/// the finest usable width is coarser, and the base is widened to a width that still divides every candidate.
/// </para>
/// </summary>
public sealed class TrafficAnalysis
{
    /// <summary>Widths (seconds) tried in order when choosing automatically (DESIGN.md).</summary>
    public static readonly int[] Ladder = [2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];

    public const int MaxAutoBins = 3600;
    public const int MaxExplicitBins = 100_000;
    internal const int MaxKeys = 50_000;

    // Bases for automatic mode; each is a multiple of the one before and divides every width still possible once
    // more than MaxKeys intervals are non-empty (see the class comment).
    private static readonly long[] AutoBases = [1, 15, 300, 3600, 86400];

    private readonly int? _requestedWidth;
    private Dictionary<long, Counter> _bins = [];
    private long _base;
    private readonly int _maxKeys;

    /// <param name="binSeconds">A fixed width, or null to choose as DESIGN.md says.</param>
    public TrafficAnalysis(int? binSeconds = null)
    {
        if (binSeconds is <= 0) throw new ArgumentOutOfRangeException(nameof(binSeconds), "The bin width must be positive.");
        _requestedWidth = binSeconds;
        _base = binSeconds ?? 1;
        _maxKeys = binSeconds is null ? MaxKeys : MaxExplicitBins;
    }

    public void Observe(long timestampNanos, long ipBytes)
    {
        long seconds = FloorDiv(timestampNanos, 1_000_000_000L);
        long key = FloorDiv(seconds, _base);
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_bins, key, out bool exists);
        slot.Packets++;
        slot.IpBytes += ipBytes;
        if (!exists && _bins.Count > _maxKeys) Coarsen(NextBase(_base));
    }

    /// <summary>Adds a finished result's bins, each counted at its start (run-wide timeline over captures).</summary>
    public void Merge(TrafficResult result)
    {
        foreach (var bin in result.Bins)
        {
            if (bin.Packets == 0) continue;
            long key = FloorDiv(bin.StartEpochSeconds, _base);
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_bins, key, out bool exists);
            slot.Add(new Counter(bin.Packets, bin.IpBytes));
            if (!exists && _bins.Count > _maxKeys) Coarsen(NextBase(_base));
        }
    }

    public void Merge(TrafficAnalysis other)
    {
        if (other._requestedWidth != _requestedWidth) throw new InvalidOperationException("Traffic analyses with different bin widths cannot be merged.");
        if (other._base > _base) Coarsen(other._base);
        foreach (var (key, counter) in other._bins)
        {
            long seconds = key * other._base;
            Add(FloorDiv(seconds, _base), counter);
        }
        while (_bins.Count > _maxKeys) Coarsen(NextBase(_base));
    }

    private void Add(long key, Counter counter)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_bins, key, out _);
        slot.Add(counter);
    }

    private long NextBase(long current)
    {
        if (_requestedWidth is null)
            foreach (long b in AutoBases)
                if (b > current) return b;
        return current * 10;
    }

    private void Coarsen(long newBase)
    {
        var old = _bins;
        long oldBase = _base;
        _base = newBase;
        _bins = new Dictionary<long, Counter>(Math.Min(old.Count, _maxKeys));
        foreach (var (key, counter) in old) Add(FloorDiv(key * oldBase, newBase), counter);
    }

    private static long FloorDiv(long a, long b)
    {
        long q = Math.DivRem(a, b, out long r);
        return r < 0 ? q - 1 : q;
    }

    /// <summary>Builds the dense bin list, and says in <paramref name="issues"/> what it had to do to keep it bounded.</summary>
    public TrafficResult ToResult(IssueLog? issues = null)
    {
        if (_bins.Count == 0) return new TrafficResult(_requestedWidth ?? Ladder[0], [], 0, 0);
        var keys = _bins.Keys.ToArray();
        Array.Sort(keys);
        var seconds = new long[keys.Length];
        var counters = new Counter[keys.Length];
        for (int i = 0; i < keys.Length; i++)
        {
            seconds[i] = keys[i] * _base;
            counters[i] = _bins[keys[i]];
        }
        long total = counters.Sum(c => c.Packets);

        long width;
        int first = 0, last = keys.Length - 1;
        if (_requestedWidth is int requested)
        {
            width = Math.Max(requested, _base);
            if (width != requested)
                issues?.Warn("bin-width-widened", $"A {requested}-second bin width would need more than {MaxExplicitBins:N0} bins; {width:N0}-second bins are used.");
            if (BinCount(seconds[0], seconds[^1], width) > MaxExplicitBins)
                (first, last) = DensestWindow(seconds, counters, width * (MaxExplicitBins - 1));
        }
        else
        {
            width = Ladder.FirstOrDefault(w => w % _base == 0 && BinCount(seconds[0], seconds[^1], w) <= MaxAutoBins);
            if (width == 0)
            {
                // Even one-day bins would be too many: some timestamps are absurd (1970, far future). Keep the
                // window holding almost every packet and report the rest instead of drawing decades of empty bins.
                width = Ladder[^1];
                foreach (int w in Ladder)
                {
                    if (w % _base != 0) continue;
                    var (f, l) = DensestWindow(seconds, counters, (long)w * (MaxAutoBins - 1));
                    long inside = 0;
                    for (int i = f; i <= l; i++) inside += counters[i].Packets;
                    if (total - inside <= total / 100)
                    {
                        width = w;
                        (first, last) = (f, l);
                        break;
                    }
                }
                if (first == 0 && last == keys.Length - 1)
                    (first, last) = DensestWindow(seconds, counters, width * (MaxAutoBins - 1));
            }
        }

        long outsidePackets = 0, outsideBytes = 0;
        for (int i = 0; i < keys.Length; i++)
        {
            if (i >= first && i <= last) continue;
            outsidePackets += counters[i].Packets;
            outsideBytes += counters[i].IpBytes;
        }
        if (outsidePackets > 0)
            issues?.Warn("timeline-outliers",
                $"{outsidePackets:N0} packets have timestamps far from the rest ({TimeFormat.IsoUtcSeconds(seconds[0])} to {TimeFormat.IsoUtcSeconds(seconds[^1])} in all); the timeline shows {TimeFormat.IsoUtcSeconds(seconds[first])} to {TimeFormat.IsoUtcSeconds(seconds[last])} and leaves them out.");

        long start = FloorDiv(seconds[first], width);
        long end = FloorDiv(seconds[last], width);
        var bins = new TrafficBin[end - start + 1];
        for (long b = start; b <= end; b++) bins[b - start] = new TrafficBin(b * width, 0, 0);
        for (int i = first; i <= last; i++)
        {
            long index = FloorDiv(seconds[i], width) - start;
            var bin = bins[index];
            bins[index] = bin with { Packets = bin.Packets + counters[i].Packets, IpBytes = bin.IpBytes + counters[i].IpBytes };
        }
        return new TrafficResult((int)Math.Min(width, int.MaxValue), bins, outsidePackets, outsideBytes);
    }

    private static long BinCount(long firstSecond, long lastSecond, long width) =>
        FloorDiv(lastSecond, width) - FloorDiv(firstSecond, width) + 1;

    /// <summary>The run of sorted intervals with the most packets whose span is under <paramref name="span"/> seconds.</summary>
    private static (int First, int Last) DensestWindow(long[] seconds, Counter[] counters, long span)
    {
        int bestFirst = 0, bestLast = 0;
        long best = -1, sum = 0;
        int left = 0;
        for (int right = 0; right < seconds.Length; right++)
        {
            sum += counters[right].Packets;
            while (seconds[right] - seconds[left] >= span)
            {
                sum -= counters[left].Packets;
                left++;
            }
            if (sum > best)
            {
                best = sum;
                (bestFirst, bestLast) = (left, right);
            }
        }
        return (bestFirst, bestLast);
    }
}
