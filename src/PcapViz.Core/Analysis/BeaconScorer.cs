namespace PcapViz.Analysis;

/// <summary>The parts of a beacon score, each in 0..1 (docs/analysis.md, "7. Beacons").</summary>
/// <param name="Score">The weighted sum of the four components: 0.4 interval regularity, 0.2 interval symmetry, 0.2
/// coverage, 0.2 size regularity.</param>
/// <param name="IntervalRegularity">1 − 3 × MAD/median of the intervals between connection starts, at least 0: 1 for
/// intervals all alike, 0 once the typical deviation reaches a third of the median interval.</param>
/// <param name="IntervalSymmetry">1 − |Bowley skewness| of the intervals: 1 when they spread evenly around the median.</param>
/// <param name="Coverage">Connections × median interval ÷ the observed time, at most 1: 1 when the pair kept its rhythm
/// from the first to the last packet seen.</param>
/// <param name="SizeRegularity">1 − 3 × MAD/median of the bytes the client sent per connection, at least 0.</param>
internal readonly record struct BeaconScore(double Score, double IntervalRegularity, double IntervalSymmetry, double Coverage, double SizeRegularity);

/// <summary>
/// Beacon scoring in the manner of RITA: how regular the starts of a pair's connections are (median absolute
/// deviation against the median interval, Bowley skewness), how much of the observed time they cover, and how regular
/// the bytes sent are. Pure: the same inputs give the same score on every machine.
/// </summary>
internal static class BeaconScorer
{
    /// <summary>Connections a pair needs before it is scored (fewer intervals say nothing about a rhythm).</summary>
    public const int MinConnections = 8;

    public const double RegularityWeight = 0.4, SymmetryWeight = 0.2, CoverageWeight = 0.2, SizeWeight = 0.2;

    /// <summary>
    /// The score of connections starting at <paramref name="starts"/> (nanoseconds, any order) with
    /// <paramref name="bytesSent"/> each (same order), over <paramref name="observedNanos"/> of observed time (the
    /// capture's or run's span). Needs at least <see cref="MinConnections"/> starts.
    /// </summary>
    public static BeaconScore Score(ReadOnlySpan<long> starts, ReadOnlySpan<long> bytesSent, long observedNanos) =>
        Score(starts, bytesSent, observedNanos, out _, out _);

    /// <inheritdoc cref="Score(ReadOnlySpan{long}, ReadOnlySpan{long}, long)"/>
    /// <param name="medianIntervalNanos">The median interval between starts, as the score used it.</param>
    /// <param name="medianBytesSent">The median of <paramref name="bytesSent"/>, as the score used it.</param>
    public static BeaconScore Score(ReadOnlySpan<long> starts, ReadOnlySpan<long> bytesSent, long observedNanos,
        out double medianIntervalNanos, out double medianBytesSent)
    {
        if (starts.Length < MinConnections) throw new ArgumentException($"At least {MinConnections} connections are needed.", nameof(starts));
        if (bytesSent.Length != starts.Length) throw new ArgumentException("One byte count per connection.", nameof(bytesSent));

        var sorted = starts.ToArray();
        Array.Sort(sorted);
        var intervals = new double[sorted.Length - 1];
        for (int i = 1; i < sorted.Length; i++) intervals[i - 1] = sorted[i] - sorted[i - 1];
        Array.Sort(intervals);
        double median = Quantile(intervals, 0.5);
        medianIntervalNanos = median;

        double regularity = Regularity(intervals, median);
        double symmetry = 1 - Math.Abs(BowleySkewness(intervals));
        double coverage = observedNanos <= 0 || median <= 0 ? 0 : Math.Min(1, sorted.Length * median / observedNanos);

        var sizes = new double[bytesSent.Length];
        for (int i = 0; i < sizes.Length; i++) sizes[i] = bytesSent[i];
        Array.Sort(sizes);
        medianBytesSent = Quantile(sizes, 0.5);
        double sizeRegularity = Regularity(sizes, medianBytesSent);

        double score = RegularityWeight * regularity + SymmetryWeight * symmetry + CoverageWeight * coverage + SizeWeight * sizeRegularity;
        return new BeaconScore(Round(score), Round(regularity), Round(symmetry), Round(coverage), Round(sizeRegularity));
    }

    /// <summary>The intervals between sorted starts, in <paramref name="bins"/> equal bins from the shortest to the
    /// longest (all in the first bin when they are equal): the histogram pages draw.</summary>
    public static int[] IntervalHistogram(ReadOnlySpan<long> sortedStarts, int bins, out long shortestNanos, out long longestNanos)
    {
        var histogram = new int[bins];
        shortestNanos = long.MaxValue;
        longestNanos = 0;
        for (int i = 1; i < sortedStarts.Length; i++)
        {
            long interval = sortedStarts[i] - sortedStarts[i - 1];
            shortestNanos = Math.Min(shortestNanos, interval);
            longestNanos = Math.Max(longestNanos, interval);
        }
        if (sortedStarts.Length < 2) { shortestNanos = 0; return histogram; }
        double width = (double)(longestNanos - shortestNanos) / bins;
        for (int i = 1; i < sortedStarts.Length; i++)
        {
            long interval = sortedStarts[i] - sortedStarts[i - 1];
            int bin = width <= 0 ? 0 : Math.Min(bins - 1, (int)((interval - shortestNanos) / width));
            histogram[bin]++;
        }
        return histogram;
    }

    /// <summary>1 − 3 × (median absolute deviation ÷ median), clamped to 0..1; 0 when the median is 0 and values differ.</summary>
    private static double Regularity(double[] sorted, double median)
    {
        var deviations = new double[sorted.Length];
        for (int i = 0; i < sorted.Length; i++) deviations[i] = Math.Abs(sorted[i] - median);
        Array.Sort(deviations);
        double mad = Quantile(deviations, 0.5);
        if (mad == 0) return 1;
        if (median <= 0) return 0;
        return Math.Clamp(1 - 3 * mad / median, 0, 1);
    }

    /// <summary>(Q1 + Q3 − 2·Q2) ÷ (Q3 − Q1); 0 when the quartiles coincide.</summary>
    private static double BowleySkewness(double[] sorted)
    {
        double q1 = Quantile(sorted, 0.25), q2 = Quantile(sorted, 0.5), q3 = Quantile(sorted, 0.75);
        return q3 == q1 ? 0 : Math.Clamp((q1 + q3 - 2 * q2) / (q3 - q1), -1, 1);
    }

    /// <summary>Linear interpolation between closest ranks (the "R-7" definition most tools use).</summary>
    internal static double Quantile(double[] sorted, double p)
    {
        if (sorted.Length == 0) return 0;
        double h = (sorted.Length - 1) * p;
        int lo = (int)Math.Floor(h);
        int hi = Math.Min(sorted.Length - 1, lo + 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    // Scores are written to JSON: rounded to 4 decimals so that bytes do not depend on the last bit of a division.
    private static double Round(double value) => Math.Round(value, 4, MidpointRounding.ToEven);
}
