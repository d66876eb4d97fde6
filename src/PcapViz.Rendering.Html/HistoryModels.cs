using PcapViz.Model;
using static PcapViz.Rendering.Html.PageModels;

namespace PcapViz.Rendering.Html;

/// <summary>
/// The history sections of the pages (watchlist hits, new since the history began, trend) as plain values
/// for the templates. Every text is finished here; the templates only escape and place it. The same shape is there
/// on every page, empty without a history or watchlists, so templates never meet a missing variable.
/// </summary>
internal static class HistoryModels
{
    /// <summary>Entries listed per kind on a page; history.json holds them all.</summary>
    public const int MaxListed = 200;

    /// <param name="capture">The capture of a capture page, or null for the index.</param>
    public static object For(RunResult run, CaptureResult? capture, HtmlReportOptions options)
    {
        var m = run.History;
        var zone = options.TimeZone;
        var paths = run.Captures.ToDictionary(c => c.Id, c => c.Input.Path, StringComparer.Ordinal);
        string prefix = capture is null ? "" : "../../";
        object Sighting(IndicatorSighting s) => new
        {
            path = paths.GetValueOrDefault(s.CaptureId, s.CaptureId),
            href = prefix + Href("captures", s.CaptureId, "report.html"),
            first = s.FirstPacketEpochNanos is long f ? TimeFormat.Display(f, zone) : "–",
        };

        var hits = m is null ? [] : capture is null ? m.WatchlistHits : m.HitsIn(capture.Id).ToList();
        // With --slices, each hit links the slice of every capture it was seen in (on a capture page: that capture's).
        var slices = run.Slices;
        object[] Slices(WatchlistHit h) => slices is null ? [] : [.. (capture is null ? h.Captures.Select(c => c.CaptureId) : [capture.Id])
            .Select(id => (Id: id, Cell: HtmlReportExporter.SliceCell(slices.Hit(id, h), slices.MaxSliceBytes, prefix)))
            .Where(s => s.Cell.Text != "–")
            .Select(s => new { text = (capture is null ? paths.GetValueOrDefault(s.Id, s.Id) + ": " : "") + s.Cell.Text, href = s.Cell.Href ?? "" })];
        var watch = new
        {
            show = m is { WatchlistsChecked: true },
            has_hits = hits.Count > 0,
            title = hits.Count == 1 ? "1 watchlist hit" : $"{N(hits.Count)} watchlist hits",
            summary = m is null ? "" : hits.Count == 0
                ? $"No watchlist hits: {(m.WatchlistEntries == 1 ? "1 watchlist entry was" : N(m.WatchlistEntries) + " watchlist entries were")} checked against every source address, query name, server name and client fingerprint{(capture is null ? " of the run" : " of this capture")}."
                : $"Addresses, names and client fingerprints{(capture is null ? " of this run" : " of this capture")} that match an entry of the watchlists ({N(m.WatchlistEntries)} entries checked). The label is the watchlist's own text.",
            hits = hits.Take(MaxListed).Select(h => new
            {
                kind = Names.Of(h.Kind),
                value = HtmlSafety.Visible(h.Value),
                entry = h.Entry,
                label = h.Label.Length == 0 ? "–" : h.Label,
                source = $"{FileName(h.List.Replace('\\', '/'))} line {N(h.Line)}",
                count = IndicatorVolumes.CountText(h.Kind, h.Count),
                captures = h.Captures.Select(Sighting).ToArray(),
                slices = Slices(h),
            }).ToArray(),
            has_slices = slices is not null,
            slice_note = slices is null || capture is null ? "" : slices.NotSlicedNote(capture.Id),
            more_note = hits.Count > MaxListed ? $"The first {N(MaxListed)} of {N(hits.Count)} hits are listed; history.json holds them all." : "",
            problems = (m?.WatchlistProblems ?? []).Take(20).Select(p => $"{FileName(p.List.Replace('\\', '/'))} line {N(p.Line)}: {p.Message}").ToArray(),
        };

        return new
        {
            watch,
            news = News(m, capture, Sighting),
            trend = Trend(m, zone),
            baselines = Baselines(m, Sighting),
        };
    }

    /// <summary>Indicators far above their own baseline (the index page), each with a sparkline of its recent volumes.</summary>
    private static object Baselines(RunHistory? m, Func<IndicatorSighting, object> sighting)
    {
        if (m is not { HasHistory: true, Baseline: { } b })
            return new { show = false, title = "", intro = "", none = "", items = Array.Empty<object>(), more_note = "" };
        var above = m.AboveBaseline;
        string judged = m.BaselineJudged == 1 ? "1 indicator was judged" : $"{N(m.BaselineJudged)} indicators were judged";
        return new
        {
            show = true,
            title = $"Above their own baseline ({N(above.Count)})",
            intro = $"Source addresses (IP bytes), query names and registered domains (queries), server names and JA4 fingerprints (requests: ClientHellos and HTTP requests) " +
                    $"whose volume tonight is at least {IndicatorVolumes.RatioText(b.Ratio)} times " +
                    $"the median of their own last {N(b.Runs)} runs in which they appeared, and at least {IndicatorVolumes.Text(VolumeUnit.Bytes, b.MinBytes)}, " +
                    $"{IndicatorVolumes.Text(VolumeUnit.Queries, b.MinQueries)} or {IndicatorVolumes.Text(VolumeUnit.Requests, b.MinRequests)}. {judged}: seen before, at or above the minimum volume, with at least " +
                    $"{N(BaselineSettings.MinRuns)} earlier runs of known volume. What no earlier run saw is listed as new instead.",
            none = "Nothing is far above its own baseline tonight.",
            items = above.Take(MaxListed).Select(d => new
            {
                kind = Names.Of(d.Kind),
                value = HtmlSafety.Visible(d.Value),
                tonight = IndicatorVolumes.Text(d.Unit, d.Volume),
                median = IndicatorVolumes.Text(d.Unit, d.Median),
                ratio = IndicatorVolumes.RatioText(d.Ratio) + "×",
                runs = d.EarlierRuns == 1 ? "1 earlier run" : $"{N(d.EarlierRuns)} earlier runs",
                sparkline_raw = Sparkline.Svg(d.History,
                    $"{d.Value}: {IndicatorVolumes.Name(d.Unit)} in its last {N(d.EarlierRuns)} runs ({string.Join(", ", d.History.Where(p => !p.Tonight).Select(p => N(p.Volume)))}), then tonight ({N(d.Volume)})"),
                captures = d.Captures.Select(sighting).ToArray(),
            }).ToArray(),
            more_note = above.Count > MaxListed ? $"The first {N(MaxListed)} of {N(above.Count)} are listed; history.json holds them all." : "",
        };
    }

    private static object News(RunHistory? m, CaptureResult? capture, Func<IndicatorSighting, object> sighting)
    {
        if (m is not { HasHistory: true })
            return new { show = false, intro = "", rerun_note = "", count = "0", marker = "", groups = Array.Empty<object>() };
        bool InThis(NewIndicator n) => capture is null || n.Captures.Any(c => c.CaptureId == capture.Id);
        var groups = new[]
        {
            (Kind: "domains", Title: "New registered domains", Items: m.NewDomains.Where(InThis).ToList()),
            (Kind: "names", Title: "New query names", Items: m.NewNames.Where(InThis).ToList()),
            (Kind: "server-names", Title: "New server names", Items: m.NewServerNames.Where(InThis).ToList()),
            (Kind: "ja4", Title: "New JA4 client fingerprints", Items: m.NewJa4.Where(InThis).ToList()),
            (Kind: "addresses", Title: "New source addresses", Items: m.NewAddresses.Where(InThis).ToList()),
        };
        int count = groups.Sum(g => g.Items.Count);
        string since = m.NewScope();
        string intro = m.RunsBefore == 0
            ? "This is the first run recorded in the history database, so everything it saw is new; from the next run on, this section lists only what no earlier run saw."
            : $"Registered domains, query names, server names (TLS, QUIC, HTTP), JA4 client fingerprints and source addresses {since}{(capture is null ? "" : ", in this capture")}. Each entry names the captures it was seen in and their first packet.";
        string Describe(int n, string one, string many) => n == 1 ? "1 " + one : $"{N(n)} {many}";
        string marker = count == 0 ? "" : $"{N(count)} new: " + string.Join(", ", new[]
        {
            groups[0].Items.Count > 0 ? Describe(groups[0].Items.Count, "registered domain", "registered domains") : null,
            groups[1].Items.Count > 0 ? Describe(groups[1].Items.Count, "name", "names") : null,
            groups[2].Items.Count > 0 ? Describe(groups[2].Items.Count, "server name", "server names") : null,
            groups[3].Items.Count > 0 ? Describe(groups[3].Items.Count, "JA4 fingerprint", "JA4 fingerprints") : null,
            groups[4].Items.Count > 0 ? Describe(groups[4].Items.Count, "address", "addresses") : null,
        }.OfType<string>());
        return new
        {
            show = true,
            intro,
            rerun_note = m.Rerun ? "This night's captures were already recorded (the run was repeated): the lists show what was new when it first ran." : "",
            count = N(count),
            marker,
            groups = groups.Select(g => new
            {
                id = "new-" + g.Kind,
                title = g.Title,
                count = N(g.Items.Count),
                none = g.Kind == "ja4" ? "No new JA4 client fingerprints." : $"No new {g.Title["New ".Length..].ToLowerInvariant()}.",
                items = g.Items.Take(MaxListed).Select(n => new
                {
                    value = HtmlSafety.Visible(n.Value),
                    count = N(n.Count),
                    captures = n.Captures.Select(sighting).ToArray(),
                }).ToArray(),
                more_note = g.Items.Count > MaxListed ? $"The first {N(MaxListed)} of {N(g.Items.Count)} are listed; history.json holds them all." : "",
            }).ToArray(),
        };
    }

    private static object Trend(RunHistory? m, TimeZoneInfo zone)
    {
        if (m is not { HasHistory: true } || m.Trend.Count == 0)
            return new { show = false, title = "", chart = new { chart_id = "", chart_title = "", figure_json_raw = "" }, deviations = Array.Empty<object>(), rows = Array.Empty<object>() };
        int earlier = m.Trend.Count - 1;
        var deviations = m.Deviations.Select(d => new { notable = d.IsNotable, text = d.Describe(earlier) }).ToArray();
        return new
        {
            show = true,
            title = $"Trend over the last {N(m.Trend.Count)} runs",
            chart = new
            {
                chart_id = "chart-trend",
                chart_title = $"The last {N(m.Trend.Count)} runs, tonight last ({(m.Trend.Count == 0 ? TimeFormat.ZoneName(zone) : TimeFormat.ZoneLabel(zone, m.Trend.Min(p => p.RunUtc).ToUnixTimeSeconds(), m.Trend.Max(p => p.RunUtc).ToUnixTimeSeconds()))})",
                figure_json_raw = ChartBuilder.Trend(m.Trend, zone),
            },
            deviations,
            rows = m.Trend.Select(p => new
            {
                tonight = p.Tonight,
                time = TimeFormat.DisplaySeconds(p.RunUtc.ToUnixTimeSeconds(), zone),
                captures = N(p.Captures),
                failed = N(p.FailedCaptures),
                packets = N(p.Packets),
                ip_bytes = N(p.IpBytes),
                sources = N(p.DistinctSources),
                names = N(p.DistinctNames),
                nxdomain = p.NxdomainShareText,
            }).ToArray(),
        };
    }
}
