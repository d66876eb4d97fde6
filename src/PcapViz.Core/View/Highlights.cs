using System.Globalization;
using PcapViz.Model;

namespace PcapViz.View;

/// <summary>How loudly a highlight speaks: a plain fact, something to look at, or something that went wrong.</summary>
public enum HighlightKind
{
    /// <summary>A plain fact (what was read, the busiest source).</summary>
    Fact,

    /// <summary>Something to look at (a signal, a beacon, a watchlist hit, a capture read only in part, a skipped file).</summary>
    Warning,

    /// <summary>Something that went wrong (a capture that could not be read).</summary>
    Error,
}

/// <summary>One plain sentence of the highlights block.</summary>
/// <param name="Kind">Fact, warning or error (shown as a flag).</param>
/// <param name="Text">The sentence, finished (invariant numbers, IEC units, ISO times with offset).</param>
/// <param name="Anchor">The page section that tells more ("failures", "dns", ...), or null.</param>
public sealed record Highlight(HighlightKind Kind, string Text, string? Anchor = null);

/// <summary>
/// The few sentences every capture page, index page and PDF opens with: what happened here, and is anything wrong.
/// One builder for HTML and PDF, so both say the same thing, reached through <see cref="ReportView.Highlights"/>: its
/// figures (shares, the busiest interval, the top talker and name) are the view's, never computed here. Facts first
/// (top talker, busiest interval, most queried name), then flags (failed, partial, limits hit, packets left out).
/// Analyses added to the model (names, signals, history) add their sentences here, so every output gets them at once.
/// </summary>
internal static class Highlights
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static IReadOnlyList<Highlight> ForCapture(CaptureResult capture, ReportView view, TimeZoneInfo zone)
    {
        var list = new List<Highlight>();
        if (capture.Status == CaptureStatus.Failed)
        {
            string why = capture.Issues.FirstOrDefault(i => i.Severity == IssueSeverity.Error)?.Message ?? "no reason recorded";
            list.Add(new(HighlightKind.Error, $"This file could not be read as a capture: {why}", "issues"));
            return list;
        }
        if (capture.Status == CaptureStatus.Partial)
        {
            var first = capture.Issues.FirstOrDefault(i => i.Severity == IssueSeverity.Error);
            string where = first?.ByteOffset is long o ? $" at byte offset {N(o)}" : "";
            list.Add(new(HighlightKind.Warning,
                $"Read only in part{where}: {first?.Message ?? "the capture ended early"} Everything before that point is counted.", "issues"));
        }
        var s = capture.Summary;
        if (s.Packets == 0)
        {
            list.Add(new(HighlightKind.Fact, "The capture holds no packets."));
            return list;
        }
        list.Add(new(HighlightKind.Fact,
            $"{Names.Count(s.Packets, "packet")} over {TimeFormat.Duration(s.DurationSeconds)}, {Names.Bytes(s.IpBytes)} of IP, " +
            $"from {TimeFormat.Display(s.FirstPacketEpochNanos!.Value, zone)} to {TimeFormat.Display(s.LastPacketEpochNanos!.Value, zone)}."));
        TopTalker(list, view, null);
        Busiest(list, view, zone);
        TopName(list, view);
        Domains(list, capture.Context);
        Beacons(list, capture.Conversations.Beacons, "calls-home");
        Flags(list, capture.SourceIps.Limit, capture.DnsQueries.Limit, capture.Traffic, s);
        return list;
    }

    /// <summary>"Calls home": the pairs whose beacon score reaches <see cref="BeaconEntry.Threshold"/>, strongest named.</summary>
    private static void Beacons(List<Highlight> list, IReadOnlyList<BeaconEntry> beacons, string anchor)
    {
        var flagged = beacons.Where(b => b.Flagged).ToList();
        if (flagged.Count == 0) return;
        var b = flagged[0];
        string more = flagged.Count > 1 ? $" ({Names.Count(flagged.Count - 1, "more pair")} as well)" : "";
        list.Add(new(HighlightKind.Warning,
            $"Calls home: {b.Client} connected to {b.Server} port {b.Port.ToString(CultureInfo.InvariantCulture)} {N(b.Connections)} times, about every " +
            $"{TimeFormat.Duration(b.MedianIntervalNanos / 1e9)} (beacon score {Names.Score(b.Score)}){more}.", anchor));
    }

    public static IReadOnlyList<Highlight> ForRun(RunResult run, ReportView view, TimeZoneInfo zone)
    {
        var list = new List<Highlight>();
        int failed = run.Captures.Count(c => c.Status == CaptureStatus.Failed);
        int partial = run.Captures.Count(c => c.Status == CaptureStatus.Partial);
        int ok = run.Captures.Count - failed - partial;
        list.Add(new(HighlightKind.Fact,
            $"{Names.Count(run.Captures.Count, "capture")}: {N(ok)} read cleanly, {N(partial)} partial, {N(failed)} failed; " +
            $"{Names.Count(run.Skipped.Count, "file")} skipped.", "captures"));
        if (failed > 0)
            list.Add(new(HighlightKind.Error, $"{Names.Count(failed, "capture")} could not be read: {FileNames(run.Captures.Where(c => c.Status == CaptureStatus.Failed))}.", "failures"));
        if (partial > 0)
            list.Add(new(HighlightKind.Warning, $"{Names.Count(partial, "capture")} ended early and {(partial == 1 ? "was" : "were")} read only in part: {FileNames(run.Captures.Where(c => c.Status == CaptureStatus.Partial))}.", "partial"));
        int problems = run.Skipped.Count(k => k.IsProblem);
        if (problems > 0)
            list.Add(new(HighlightKind.Warning, $"{Names.Count(problems, "file")} could not be read and {(problems == 1 ? "was" : "were")} skipped.", "skipped"));
        var t = run.Totals;
        if (t.Packets > 0)
        {
            list.Add(new(HighlightKind.Fact,
                $"{Names.Count(t.Packets, "packet")}, {Names.Bytes(t.IpBytes)} of IP, from {TimeFormat.Display(t.FirstPacketEpochNanos!.Value, zone)} " +
                $"to {TimeFormat.Display(t.LastPacketEpochNanos!.Value, zone)} ({TimeFormat.Duration(t.DurationSeconds)})."));
            int readable = run.Captures.Count(c => c.Status != CaptureStatus.Failed);
            TopTalker(list, view, readable > 1 ? a => run.Captures.Count(c => c.SourceIps.Entries.Any(e => e.Address == a)) : null);
            Busiest(list, view, zone);
            TopName(list, view);
            Domains(list, run.Context);
            // Over every capture: a beacon split across the files of a night is named here even when no capture flags it.
            Beacons(list, run.Beacons.Pairs.Select(p => p.Beacon).ToList(), "run-beacons");
            Flags(list, run.SourceIps.Limit, run.DnsQueries.Limit, run.Traffic, t);
        }
        return list;
    }

    private static string FileNames(IEnumerable<CaptureResult> captures)
    {
        const int shown = 3;
        var all = captures.Select(c => c.Input.Path).ToList();
        string head = string.Join(", ", all.Take(shown));
        return all.Count > shown ? $"{head} and {N(all.Count - shown)} more" : head;
    }

    private static void TopTalker(List<Highlight> list, ReportView view, Func<string, int>? seenIn)
    {
        if (view.TopTalker is not { } top) return;
        string seen = seenIn is null ? "" : $", seen in {Names.Count(seenIn(top.Address), "capture")}";
        string name = top.Names.Count > 0 ? $" ({top.Names[0]})" : "";
        list.Add(new(HighlightKind.Fact,
            $"Top talker: {top.Address}{name} sent {Names.Count(top.Packets, "packet")} ({view.TopTalkerShare.Percent} of IP packets, {Names.Bytes(top.IpBytes)}){seen}; " +
            $"{Names.Count(view.Sources.Entries.Count, "source address", "source addresses")} in all.", "sources"));
    }

    /// <summary>The registered domain with the most queries, and the domains with signals (as a flag to check).</summary>
    private static void Domains(List<Highlight> list, ContextResult context)
    {
        var top = context.Domains.OrderByDescending(d => d.Queries).ThenBy(d => d.Domain, StringComparer.Ordinal).FirstOrDefault();
        if (top is not null && top.Queries > 0)
            list.Add(new(HighlightKind.Fact,
                $"Top registered domain: {top.Domain} ({Names.Count(top.Queries, "query", "queries")}, {Names.Count(top.DistinctNames, "distinct name")}); " +
                $"{Names.Count(context.Domains.Count, "registered domain")} in all.", "domains"));
        var flagged = PcapViz.Context.DnsDomainSignals.WithSignals(context.Domains);
        if (flagged.Count == 0) return;
        const int shown = 3;
        string named = string.Join("; ", flagged.Take(shown).Select(d => $"{d.Domain} ({string.Join(", ", d.Signals)})"));
        string more = flagged.Count > shown ? $" and {N(flagged.Count - shown)} more" : "";
        list.Add(new(HighlightKind.Warning, $"Signals on {Names.Count(flagged.Count, "registered domain")}: {named}{more}.", "signals"));
    }

    private static void Busiest(List<Highlight> list, ReportView view, TimeZoneInfo zone)
    {
        if (view.Busiest is not { } peak) return;
        list.Add(new(HighlightKind.Fact,
            $"Busiest interval: the {TimeFormat.BinWidth(view.Traffic.BinSeconds)} from {TimeFormat.DisplaySeconds(peak.StartEpochSeconds, zone)}, " +
            $"{Names.Bytes(peak.IpBytes)} of IP in {Names.Count(peak.Packets, "packet")} ({Names.ByteRate(view.BusiestRate)}).", "traffic"));
    }

    private static void TopName(List<Highlight> list, ReportView view)
    {
        if (view.TopName is not { } top) return;
        list.Add(new(HighlightKind.Fact,
            $"Most queried name: {top.Name} ({Names.Count(top.Queries, "query", "queries")}, {view.TopNameShare.Percent} of {N(view.Queries)}); " +
            $"{Names.Count(view.QueryNames.Entries.Count, "distinct name")} in all.", "dns"));
    }

    private static void Flags(List<Highlight> list, DistinctLimit sources, DistinctLimit names, TrafficResult traffic, CaptureSummary s)
    {
        if (sources.Exceeded)
            list.Add(new(HighlightKind.Warning, $"More than {N(sources.MaxDistinct)} source addresses: the rarest were counted as \"other\", so listed counts may be low by up to {N(sources.MaxUndercount)}.", "sources"));
        if (names.Exceeded)
            list.Add(new(HighlightKind.Warning, $"More than {N(names.MaxDistinct)} query names: the rarest were counted as \"other\", so listed counts may be low by up to {N(names.MaxUndercount)}.", "dns"));
        if (traffic.Gaps.Count > 0)
        {
            long longest = traffic.Gaps.Max(g => g.ToEpochSeconds - g.FromEpochSeconds);
            list.Add(new(HighlightKind.Warning, $"The timeline has {Names.Count(traffic.Gaps.Count, "gap")} without packets (the longest {TimeFormat.Duration(longest)}).", "traffic"));
        }
        if (s.UndecodedPackets > 0)
            list.Add(new(HighlightKind.Warning, $"{Names.Count(s.UndecodedPackets, "packet")} of a link type PcapViz does not decode {(s.UndecodedPackets == 1 ? "was" : "were")} counted but not analysed."));
        if (s.MalformedDnsMessages > 0)
            list.Add(new(HighlightKind.Warning, $"{Names.Count(s.MalformedDnsMessages, "DNS message")} on a DNS port could not be parsed.", "dns"));
    }

    private static string N(long v) => v.ToString("#,0", Inv);
}
