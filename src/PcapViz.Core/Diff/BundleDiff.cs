namespace PcapViz.Diff;

/// <summary>One indicator of a diff: its value and its counts on each side (in the order of its kind's measures; zeros
/// on the side it is absent from).</summary>
public sealed record DiffEntry(string Value, IReadOnlyList<long> Old, IReadOnlyList<long> New)
{
    /// <summary>New minus old of the ranking measure.</summary>
    internal long Change => New[0] - Old[0];

    /// <summary><see cref="Change"/> against the old count (0.5 = half as much again); null when the old count is 0.</summary>
    internal double? Relative => Old[0] == 0 ? null : (double)Change / Old[0];
}

/// <summary>What changed for one kind of indicator.</summary>
/// <param name="NotCompared">Why the kind was not compared (a bundle's analysis.json does not list it); null when it was.</param>
/// <param name="Appeared">In the new bundle only, most of the ranking measure first.</param>
/// <param name="Disappeared">In the old bundle only, most of the ranking measure first.</param>
/// <param name="Changed">In both with other counts, largest absolute change of the ranking measure first.</param>
public sealed record KindDiff(DiffKind Kind, string? NotCompared, int OldDistinct, int NewDistinct,
    IReadOnlyList<DiffEntry> Appeared, IReadOnlyList<DiffEntry> Disappeared, IReadOnlyList<DiffEntry> Changed,
    bool OldLimitExceeded, bool NewLimitExceeded)
{
    /// <summary>True when both bundles list this kind, so its entries mean something (<see cref="NotCompared"/> is null).</summary>
    public bool Compared => NotCompared is null;

    /// <summary>In both bundles with the same counts.</summary>
    public int Unchanged => Compared ? NewDistinct - Appeared.Count - Changed.Count : 0;

    /// <summary>True when an entry appeared, disappeared or changed its counts.</summary>
    public bool HasChanges => Appeared.Count + Disappeared.Count + Changed.Count > 0;
}

/// <summary>
/// `pcapviz diff`: two report bundles compared as wholes (each summed over its captures), per kind of indicator. Pure
/// function of the two sides: the order of every list is fixed (ranking measure, then the other measures, then the
/// value in ordinal order), so the same bundles give the same bytes.
/// </summary>
/// <param name="GeneratedUtc">When the diff was made (SOURCE_DATE_EPOCH when set): only the page and the manifest show it.</param>
public sealed record BundleDiff(string ToolVersion, DateTimeOffset GeneratedUtc, DiffSide Old, DiffSide New, IReadOnlyList<KindDiff> Kinds)
{
    /// <summary>The key id of `--pseudonymise` (every address and name is a pseudonym); null when the values are the bundles' own.</summary>
    public string? PseudonymKeyId { get; init; }

    /// <summary>True when any kind has changes (<see cref="KindDiff.HasChanges"/>); false: the two bundles agree on everything compared.</summary>
    public bool HasChanges => Kinds.Any(k => k.HasChanges);

    /// <summary>A capture of either bundle failed or was read only in part: its counts are incomplete.</summary>
    internal bool IncompleteInput => Old.Failed + Old.Partial + New.Failed + New.Partial > 0;

    internal static BundleDiff Compute(DiffSide old, DiffSide @new, string toolVersion, DateTimeOffset generatedUtc)
    {
        ArgumentNullException.ThrowIfNull(old);
        ArgumentNullException.ThrowIfNull(@new);
        var kinds = new List<KindDiff>();
        foreach (var kind in DiffKind.All)
        {
            var o = old.Tallies[kind.Name];
            var n = @new.Tallies[kind.Name];
            // A kind neither bundle lists (both older than it) is left out; one that only one lists is named as not compared.
            if (o.Captures == 0 && n.Captures == 0 && old.Captures + @new.Captures > 0) continue;
            string? why = Absent(old, o, kind) ?? Absent(@new, n, kind);
            if (why is not null)
            {
                kinds.Add(new KindDiff(kind, why, o.Values.Count, n.Values.Count, [], [], [], o.LimitExceeded, n.LimitExceeded));
                continue;
            }
            var appeared = new List<DiffEntry>();
            var disappeared = new List<DiffEntry>();
            var changed = new List<DiffEntry>();
            long[] zeros = new long[kind.Measures.Count];
            foreach (var (value, counts) in n.Values)
            {
                if (!o.Values.TryGetValue(value, out long[]? before)) appeared.Add(new DiffEntry(value, zeros, counts));
                else if (!before.AsSpan().SequenceEqual(counts)) changed.Add(new DiffEntry(value, before, counts));
            }
            foreach (var (value, counts) in o.Values)
                if (!n.Values.ContainsKey(value)) disappeared.Add(new DiffEntry(value, counts, zeros));
            appeared.Sort((a, b) => ByCounts(a.New, b.New, a.Value, b.Value));
            disappeared.Sort((a, b) => ByCounts(a.Old, b.Old, a.Value, b.Value));
            changed.Sort(ByChange);
            kinds.Add(new KindDiff(kind, null, o.Values.Count, n.Values.Count, appeared, disappeared, changed, o.LimitExceeded, n.LimitExceeded));
        }
        return new BundleDiff(toolVersion, generatedUtc, old, @new, kinds);
    }

    /// <summary>Why <paramref name="side"/> cannot be compared for <paramref name="kind"/>; null when it can.</summary>
    private static string? Absent(DiffSide side, KindTally tally, DiffKind kind)
    {
        if (tally.Unreadable is not null) return $"the {side.Role} bundle's analysis.json: {tally.Unreadable}";
        if (tally.Captures == side.Captures) return null;
        string versions = string.Join(", ", side.SchemaVersions.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return tally.Captures == 0
            ? $"the {side.Role} bundle's analysis.json (schemaVersion {versions}) does not list {kind.Plural}"
            : $"only {tally.Captures} of the {side.Captures} captures of the {side.Role} bundle list {kind.Plural} (schemaVersion {versions})";
    }

    /// <summary>Larger counts first (measure by measure), then the value in ordinal order.</summary>
    private static int ByCounts(IReadOnlyList<long> a, IReadOnlyList<long> b, string va, string vb)
    {
        for (int i = 0; i < a.Count; i++)
        {
            int c = b[i].CompareTo(a[i]);
            if (c != 0) return c;
        }
        return string.CompareOrdinal(va, vb);
    }

    /// <summary>Largest absolute change of the ranking measure first, then largest relative change, then the new counts, then the value.</summary>
    private static int ByChange(DiffEntry a, DiffEntry b)
    {
        int c = Math.Abs(b.Change).CompareTo(Math.Abs(a.Change));
        if (c != 0) return c;
        c = Math.Abs(b.Relative ?? 0).CompareTo(Math.Abs(a.Relative ?? 0));
        return c != 0 ? c : ByCounts(a.New, b.New, a.Value, b.Value);
    }
}
