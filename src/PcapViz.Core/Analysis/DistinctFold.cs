namespace PcapViz.Analysis;

/// <summary>
/// The fold every bounded analysis makes when a new key would pass <c>--max-distinct</c> (docs/analysis.md,
/// "Limits"): the heaviest half stays, the lighter half is dropped into "other", and the largest count dropped is
/// what this fold adds to the undercount bound (a key dropped in several folds lost at most the sum).
/// </summary>
internal static class DistinctFold
{
    /// <summary>
    /// Drops <paramref name="heaviestFirst"/>[<paramref name="maxDistinct"/> / 2 ..] one by one through
    /// <paramref name="drop"/>, which adds each to "other" and removes it; returns the largest
    /// <paramref name="weight"/> dropped (0 when nothing was).
    /// </summary>
    public static long FoldLighterHalf<T>(List<T> heaviestFirst, int maxDistinct, Func<T, long> weight, Action<T> drop)
    {
        long largest = 0;
        for (int i = maxDistinct / 2; i < heaviestFirst.Count; i++)
        {
            var item = heaviestFirst[i];
            largest = Math.Max(largest, weight(item));
            drop(item);
        }
        return largest;
    }
}
