using System.Globalization;
using System.Runtime.InteropServices;
using PcapViz.Model;

namespace PcapViz.Analysis;

/// <summary>
/// Packets and IP bytes over time, in bins aligned to multiples of the bin width since the Unix epoch.
/// <para>
/// No packet is ever left out: the timeline is one or more segments of consecutive bins; an empty stretch of
/// more than <see cref="TrafficResult.MaxEmptyBinsInSegment"/> bins between two packets is a gap, elided, and
/// the bin budget counts the bins of all segments together (docs/analysis.md, "3. Bytes over time").
/// </para>
/// <para>
/// Memory is bounded: counts are kept per "base" interval (1 s when the width is chosen automatically) in a sparse
/// map; when the map holds more than <see cref="MaxKeys"/> intervals the capture necessarily covers so much time
/// that the finest usable width is coarser, and the base is widened to a width that still divides every candidate.
/// The state is a pure function of the packets seen (not of their order or of how they were split and merged).
/// </para>
/// </summary>
internal sealed class TrafficAnalysis
{
    /// <summary>Widths (seconds) tried in order when choosing automatically (docs/analysis.md).</summary>
    public static readonly int[] Ladder = [2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];

    public const int MaxAutoBins = 3600;
    public const int MaxExplicitBins = 100_000;
    internal const int MaxKeys = 50_000;

    private const long Day = 86400;

    // Bases for automatic mode; each is a multiple of the one before and divides every width still possible once
    // more than MaxKeys intervals are non-empty (see the class comment). Beyond a day the base doubles.
    private static readonly long[] AutoBases = [1, 15, 300, 3600, Day];

    private readonly int? _requestedWidth;
    private Dictionary<long, Counter> _bins = [];
    private long _base;
    private readonly int _maxKeys;

    // Least common multiple of the widths of merged finished results: the chosen width must be a multiple of it,
    // so that every merged bin lies inside one bin of the result.
    private long _unit = 1;

    /// <param name="binSeconds">A fixed width, or null to choose as docs/analysis.md says.</param>
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
        Add(seconds, new Counter(1, ipBytes));
    }

    /// <summary>Adds a finished result's bins, each counted at its start (run-wide timeline over captures).</summary>
    public void Merge(TrafficResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        _unit = Lcm(_unit, result.BinSeconds);
        foreach (var bin in result.Bins)
        {
            if (bin.Packets == 0 && bin.IpBytes == 0) continue;
            Add(bin.StartEpochSeconds, new Counter(bin.Packets, bin.IpBytes));
        }
    }

    public void Merge(TrafficAnalysis other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._requestedWidth != _requestedWidth) throw new InvalidOperationException("Traffic analyses with different bin widths cannot be merged.");
        _unit = Lcm(_unit, other._unit);
        while (other._base > _base) Coarsen(NextBase(_base));
        foreach (var (key, counter) in other._bins)
        {
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_bins, FloorDiv(key * other._base, _base), out _);
            slot.Add(counter);
        }
        while (_bins.Count > _maxKeys) Coarsen(NextBase(_base));
    }

    private void Add(long seconds, Counter counter)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_bins, FloorDiv(seconds, _base), out bool exists);
        slot.Add(counter);
        if (!exists)
            while (_bins.Count > _maxKeys) Coarsen(NextBase(_base));
    }

    private long NextBase(long current)
    {
        if (_requestedWidth is not null) return current * 10;
        foreach (long b in AutoBases)
            if (b > current) return b;
        return current * 2;
    }

    private void Coarsen(long newBase)
    {
        var old = _bins;
        long oldBase = _base;
        _base = newBase;
        _bins = new Dictionary<long, Counter>(Math.Min(old.Count, _maxKeys));
        foreach (var (key, counter) in old)
        {
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_bins, FloorDiv(key * oldBase, newBase), out _);
            slot.Add(counter);
        }
    }

    /// <summary>Builds the segmented bin list, and says in <paramref name="issues"/> when it had to widen a requested width.</summary>
    public TrafficResult ToResult(IssueLog? issues = null)
    {
        if (_bins.Count == 0) return new TrafficResult(_requestedWidth ?? Ladder[0], []);
        var keys = _bins.Keys.ToArray();
        Array.Sort(keys);
        var seconds = new long[keys.Length];
        var counters = new Counter[keys.Length];
        for (int i = 0; i < keys.Length; i++)
        {
            seconds[i] = keys[i] * _base;
            counters[i] = _bins[keys[i]];
        }

        int budget = _requestedWidth is null ? MaxAutoBins : MaxExplicitBins;
        long width = 0, widest = 0;
        foreach (long candidate in Candidates())
        {
            widest = candidate;
            if (BinCount(seconds, candidate, budget) <= budget)
            {
                width = candidate;
                break;
            }
        }
        // Unreachable with timestamps that fit in 64-bit nanoseconds (the widest candidates hold them in a few bins),
        // but if it were reached the widest width still keeps every packet.
        if (width == 0) width = widest != 0 ? widest : Math.Min(Lcm(_base, _unit), int.MaxValue);

        if (_requestedWidth is int requested && width != requested)
            issues?.Warn("bin-width-widened", string.Create(CultureInfo.InvariantCulture,
                $"A {requested}-second bin width would need more than {MaxExplicitBins:N0} bins; {width:N0}-second bins are used."));

        var bins = new List<TrafficBin>();
        long previous = 0;
        for (int i = 0; i < keys.Length; i++)
        {
            long bin = FloorDiv(seconds[i], width);
            if (bins.Count > 0 && bin == previous)
            {
                var last = bins[^1];
                bins[^1] = last with { Packets = last.Packets + counters[i].Packets, IpBytes = last.IpBytes + counters[i].IpBytes };
                continue;
            }
            if (bins.Count > 0 && bin - previous - 1 <= TrafficResult.MaxEmptyBinsInSegment)
                for (long empty = previous + 1; empty < bin; empty++) bins.Add(new TrafficBin(empty * width, 0, 0));
            bins.Add(new TrafficBin(bin * width, counters[i].Packets, counters[i].IpBytes));
            previous = bin;
        }
        return new TrafficResult((int)width, bins);
    }

    /// <summary>The widths allowed, narrowest first: each a multiple of the base and of every merged result's width.</summary>
    private IEnumerable<long> Candidates()
    {
        long unit = Lcm(_base, _unit);
        if (_requestedWidth is int requested)
        {
            for (long w = requested; w <= int.MaxValue; w *= 10)
                if (w % unit == 0) yield return w;
            yield break;
        }
        foreach (int w in Ladder)
            if (w % unit == 0) yield return w;
        // Beyond the ladder (only timestamps spread over more than ~10 years of distinct days get here): 2 d, 4 d, 8 d …
        for (long w = 2 * Day; w <= int.MaxValue; w *= 2)
            if (w % unit == 0) yield return w;
    }

    /// <summary>Bins of all segments together at this width; stops counting once past <paramref name="budget"/>.</summary>
    private static long BinCount(long[] seconds, long width, int budget)
    {
        long count = 1;
        long previous = FloorDiv(seconds[0], width);
        for (int i = 1; i < seconds.Length && count <= budget; i++)
        {
            long bin = FloorDiv(seconds[i], width);
            if (bin == previous) continue;
            long empty = bin - previous - 1;
            count += empty > TrafficResult.MaxEmptyBinsInSegment ? 1 : empty + 1;
            previous = bin;
        }
        return count;
    }

    private static long FloorDiv(long a, long b)
    {
        long q = Math.DivRem(a, b, out long r);
        return r < 0 ? q - 1 : q;
    }

    private static long Gcd(long a, long b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }

    private static long Lcm(long a, long b) => a / Gcd(a, b) * b;
}
