namespace PcapViz.Analysis;

/// <summary>Quickselect: partial ordering in linear expected time, for the folds of bounded analyses.</summary>
internal static class Selection
{
    /// <summary>
    /// Reorders <paramref name="items"/> so that <paramref name="items"/>[<paramref name="k"/>] is the element a full
    /// sort by <paramref name="comparer"/> would put there, with nothing after it ordered before it and nothing
    /// before it ordered after it.
    /// </summary>
    public static void SelectSmallest<T, TComparer>(Span<T> items, int k, TComparer comparer)
        where TComparer : struct, IComparer<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(k, items.Length);
        int left = 0, right = items.Length - 1;
        while (right > left)
        {
            if (right - left < 16)
            {
                items[left..(right + 1)].Sort(comparer);
                return;
            }
            // Median of three as the pivot, then a three-way partition (many equal counts are the common case).
            int middle = left + (right - left) / 2;
            if (comparer.Compare(items[middle], items[left]) < 0) Swap(items, middle, left);
            if (comparer.Compare(items[right], items[left]) < 0) Swap(items, right, left);
            if (comparer.Compare(items[right], items[middle]) < 0) Swap(items, right, middle);
            T pivot = items[middle];
            int lt = left, i = left, gt = right;
            while (i <= gt)
            {
                int c = comparer.Compare(items[i], pivot);
                if (c < 0) Swap(items, lt++, i++);
                else if (c > 0) Swap(items, i, gt--);
                else i++;
            }
            if (k < lt) right = lt - 1;
            else if (k > gt) left = gt + 1;
            else return;
        }
    }

    private static void Swap<T>(Span<T> items, int i, int j) => (items[i], items[j]) = (items[j], items[i]);
}
