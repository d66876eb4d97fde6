using System.Globalization;
using PcapViz.Model;
using PcapViz.View;

namespace PcapViz.Diff;

/// <summary>A column of a diff table: heading, and whether it holds numbers (right-aligned, sorted as numbers).</summary>
public sealed record DiffColumn(string Label, bool Numeric);

/// <summary>A row of a diff table: the text of each cell, and the number each numeric cell sorts by.</summary>
public sealed record DiffRow(IReadOnlyList<string> Cells, IReadOnlyList<string?> SortKeys);

/// <summary>One table of the diff page and PDF (appeared, disappeared or changed, for one kind).</summary>
/// <param name="Id">Anchor and table id ("sourceIps-appeared").</param>
/// <param name="Total">Entries in diff.json (the table shows at most the rows asked for).</param>
public sealed record DiffTable(string Id, string Caption, IReadOnlyList<DiffColumn> Columns, IReadOnlyList<DiffRow> Rows, int Total);

/// <summary>
/// Every sentence and cell the diff page and the diff PDF show, computed once here (the renderers only print them):
/// the "what changed" box and the tables of each kind.
/// </summary>
public static class DiffReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The "what changed" box: the two bundles, then per kind what appeared, disappeared and changed most, then caveats.</summary>
    public static IReadOnlyList<Highlight> WhatChanged(BundleDiff diff)
    {
        ArgumentNullException.ThrowIfNull(diff);
        var list = new List<Highlight>
        {
            new(HighlightKind.Fact, $"Compared the old bundle, {Side(diff.Old)}, with the new one, {Side(diff.New)}, each summed over its captures."),
        };
        if (diff.PseudonymKeyId is { } keyId)
            list.Add(new(HighlightKind.Fact, $"Addresses and names are pseudonyms under the key {keyId} (--pseudonymise): the same key gives the same pseudonyms as in bundles written with it."));
        if (!diff.HasChanges)
        {
            string kinds = string.Join(", ", diff.Kinds.Where(k => k.Compared).Select(k => k.Kind.Plural));
            list.Add(new(HighlightKind.Fact, kinds.Length == 0 ? "Nothing to compare." : $"No changes: the {kinds} are the same in both bundles, with the same counts."));
        }
        foreach (var k in diff.Kinds.Where(k => k.Compared && k.HasChanges))
        {
            string text = $"{k.Kind.Title}: {Invariant.Grouped(k.Appeared.Count)} appeared, {Invariant.Grouped(k.Disappeared.Count)} disappeared, " +
                          $"{Invariant.Grouped(k.Changed.Count)} changed ({Invariant.Grouped(k.OldDistinct)} before, {Invariant.Grouped(k.NewDistinct)} now).";
            if (k.Appeared.Count > 0) text += $" Largest of the new: {k.Appeared[0].Value} ({Amount(k.Kind.Ranking, k.Appeared[0].New[0])}).";
            if (k.Disappeared.Count > 0) text += $" Largest of the gone: {k.Disappeared[0].Value} ({Amount(k.Kind.Ranking, k.Disappeared[0].Old[0])}).";
            if (k.Changed.Count > 0)
            {
                var c = k.Changed[0];
                text += $" Largest change: {c.Value}, {Amount(k.Kind.Ranking, c.Old[0])} to {Amount(k.Kind.Ranking, c.New[0])} ({Relative(c)}).";
            }
            list.Add(new(k.Appeared.Count > 0 ? HighlightKind.Warning : HighlightKind.Fact, text, k.Kind.Name));
        }
        foreach (var k in diff.Kinds.Where(k => !k.Compared))
            list.Add(new(HighlightKind.Warning, $"{k.Kind.Title} were not compared: {k.NotCompared}.", k.Kind.Name));
        foreach (var side in new[] { diff.Old, diff.New })
        {
            if (side.Failed + side.Partial > 0)
                list.Add(new(HighlightKind.Warning,
                    $"The {side.Role} bundle has {Names.Count(side.Failed, "failed capture")} and {Names.Count(side.Partial, "partial capture")}: its counts hold only what was read."));
        }
        foreach (var k in diff.Kinds.Where(k => k.OldLimitExceeded || k.NewLimitExceeded))
        {
            string which = (k.OldLimitExceeded, k.NewLimitExceeded) switch { (true, true) => "both bundles", (true, false) => "the old bundle", _ => "the new bundle" };
            list.Add(new(HighlightKind.Warning,
                $"In {which}, a capture held more distinct {k.Kind.Plural} than its limit (--max-distinct); the rest were counted only as \"other\", so some of them may be listed as appeared or disappeared without being so.",
                k.Kind.Name));
        }
        return list;
    }

    /// <summary>"3 captures of nightly/2024-03-01 (written 2024-03-01T02:00:00Z)".</summary>
    public static string Side(DiffSide side)
    {
        ArgumentNullException.ThrowIfNull(side);
        return $"{Names.Count(side.Captures, "capture")} of {side.Path}{(side.GeneratedUtc is { } g ? $" (written {g})" : "")}";
    }

    /// <summary>The appeared, disappeared and changed tables of one kind, each with at most <paramref name="maxRows"/> rows.</summary>
    public static IReadOnlyList<DiffTable> Tables(KindDiff kind, int maxRows)
    {
        ArgumentNullException.ThrowIfNull(kind);
        var measures = kind.Kind.Measures;
        var name = new DiffColumn(Capitalised(kind.Kind.Singular), false);
        var oneSide = measures.Select(m => new DiffColumn(m.Label, true)).Prepend(name).ToList();
        var both = new List<DiffColumn> { name };
        foreach (var m in measures)
        {
            both.Add(new DiffColumn($"{m.Label} before", true));
            both.Add(new DiffColumn($"{m.Label} now", true));
        }
        both.Add(new DiffColumn("Change", true));
        both.Add(new DiffColumn("Relative", true));

        DiffRow OneSide(DiffEntry e, IReadOnlyList<long> counts) =>
            new([e.Value, .. counts.Select(Invariant.Grouped)], [null, .. counts.Select(c => c.ToString(Inv))]);
        DiffRow Both(DiffEntry e)
        {
            var cells = new List<string> { e.Value };
            var keys = new List<string?> { null };
            for (int i = 0; i < measures.Count; i++)
            {
                cells.Add(Invariant.Grouped(e.Old[i]));
                cells.Add(Invariant.Grouped(e.New[i]));
                keys.Add(e.Old[i].ToString(Inv));
                keys.Add(e.New[i].ToString(Inv));
            }
            cells.Add(WithSign(e.Change));
            keys.Add(e.Change.ToString(Inv));
            cells.Add(Relative(e));
            keys.Add(e.Relative is double r ? r.ToString("R", Inv) : "");
            return new DiffRow(cells, keys);
        }

        string ranked = kind.Kind.Ranking.IsBytes ? kind.Kind.Ranking.Label : kind.Kind.Ranking.Label.ToLowerInvariant();
        return
        [
            new($"{kind.Kind.Name}-appeared", $"{kind.Kind.Title} that appeared (most {ranked} first)", oneSide,
                kind.Appeared.Take(maxRows).Select(e => OneSide(e, e.New)).ToList(), kind.Appeared.Count),
            new($"{kind.Kind.Name}-disappeared", $"{kind.Kind.Title} that disappeared (most {ranked} before first)", oneSide,
                kind.Disappeared.Take(maxRows).Select(e => OneSide(e, e.Old)).ToList(), kind.Disappeared.Count),
            new($"{kind.Kind.Name}-changed", $"{kind.Kind.Title} that changed most (change in {ranked})", both,
                kind.Changed.Take(maxRows).Select(Both).ToList(), kind.Changed.Count),
        ];
    }

    /// <summary>"+1,234" or "-56".</summary>
    internal static string WithSign(long change) => (change > 0 ? "+" : "") + Invariant.Grouped(change);

    /// <summary>"+340.0 %", "-50.0 %"; "–" when the old count is 0.</summary>
    internal static string Relative(DiffEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.Relative is double r ? (r > 0 ? "+" : "") + (100 * r).ToString("#,0.0", Inv) + " %" : "–";
    }

    /// <summary>The relative change as diff.json writes it: rounded to 6 decimals, so every platform writes the same digits.</summary>
    internal static double? RoundedRelative(DiffEntry entry) =>
        entry.Relative is double r ? Math.Round(r, 6, MidpointRounding.AwayFromZero) : null;

    private static string Amount(DiffMeasure measure, long value) =>
        measure.IsBytes ? Names.Bytes(value) : Names.Count(value, measure.Unit, measure.Units);

    private static string Capitalised(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
