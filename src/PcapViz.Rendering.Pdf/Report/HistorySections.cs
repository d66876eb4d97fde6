using System.Globalization;
using PcapViz.Model;
using PcapViz.Rendering.Pdf.Layout;

namespace PcapViz.Rendering.Pdf.Report;

/// <summary>
/// The history parts of the PDFs: watchlist hits (red, first), what is new since the history began, and the
/// trend across recent runs. Text from captures and watchlists goes through the blocks, which clean it for PDF.
/// </summary>
internal sealed class HistorySections(PdfLayout layout, PdfReportOptions options)
{
    /// <summary>Rows listed per table; history.json holds them all.</summary>
    public const int MaxRows = 100;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private PdfStyle S => layout.Style;

    /// <summary>Outline (bookmark) level of the headings written here.</summary>
    public int OutlineLevel { get; init; }

    /// <summary>Watchlist hits of the run (<paramref name="captureId"/> null) or of one capture.</summary>
    public void Watchlist(RunResult run, RunHistory? history, string? captureId)
    {
        if (history is not { WatchlistsChecked: true }) return;
        var hits = captureId is null ? history.WatchlistHits : history.HitsIn(captureId).ToList();
        if (hits.Count == 0)
        {
            layout.Add(new Note($"No watchlist hits ({Fmt.Int(history.WatchlistEntries)} watchlist entries checked).", NoteKind.Info));
            return;
        }
        var paths = Paths(run);
        layout.Add(new Heading(hits.Count == 1 ? "1 watchlist hit" : $"{Fmt.Int(hits.Count)} watchlist hits", S.Heading, OutlineLevel: OutlineLevel));
        layout.Add(new Note(
            $"Addresses, names and client fingerprints {(captureId is null ? "of this run" : "of this capture")} that match an entry of the watchlists ({Fmt.Int(history.WatchlistEntries)} entries checked). Label: the watchlist's own text.",
            NoteKind.Error));
        layout.Add(new Table(
            [new("Seen", 2.2f), new("Kind", 0.8f), new("Entry", 1.6f), new("Label", 1.6f), new("From", 1.2f), Column.Number("Count"), new("Captures", 2f)],
            hits.Take(MaxRows).Select(h => (IReadOnlyList<string>)
            [
                h.Value, Names.Of(h.Kind), h.Entry, h.Label.Length == 0 ? "–" : h.Label,
                $"{Path.GetFileName(h.List)}:{h.Line.ToString(Inv)}", Fmt.Int(h.Count),
                string.Join(", ", h.Captures.Select(c => paths.GetValueOrDefault(c.CaptureId, c.CaptureId))),
            ]).ToList(),
            hits.Count > MaxRows ? $"The first {Fmt.Int(MaxRows)} of {Fmt.Int(hits.Count)} hits; history.json holds them all." : null));
    }

    /// <summary>What is new since the history began, for the run or for one capture.</summary>
    public void News(RunResult run, RunHistory? history, string? captureId)
    {
        if (history is not { HasHistory: true }) return;
        bool InThis(NewIndicator n) => captureId is null || n.Captures.Any(c => c.CaptureId == captureId);
        var all = history.AllNew.Where(InThis).ToList();
        layout.Add(new Heading($"New since the history began ({Fmt.Int(all.Count)})", S.Heading, OutlineLevel: OutlineLevel));
        string since = history.NewScope();
        layout.Add(new Paragraph(history.RunsBefore == 0
            ? "This is the first run recorded in the history database, so everything it saw is new; from the next run on, this section lists only what no earlier run saw."
            : $"Registered domains, query names, server names (TLS, QUIC, HTTP), JA4 client fingerprints and source addresses {since}.", S.Body, PdfStyle.Text));
        if (history.Rerun)
            layout.Add(new Paragraph("This night's captures were already recorded (the run was repeated): the list shows what was new when it first ran.", S.Body, PdfStyle.Muted));
        if (all.Count == 0)
        {
            layout.Add(new Note("Nothing new: every domain, name, server name, fingerprint and address was seen before.", NoteKind.Info));
            return;
        }
        var paths = Paths(run);
        var zone = options.TimeZone;
        layout.Add(new Table(
            [new("Kind", 0.9f), new("New", 3f), Column.Number("Count"), new("Seen in (first packet)", 3f)],
            all.Take(MaxRows).Select(n => (IReadOnlyList<string>)
            [
                Names.Of(n.Kind), n.Value, Fmt.Int(n.Count),
                string.Join(", ", n.Captures.Select(c => $"{paths.GetValueOrDefault(c.CaptureId, c.CaptureId)} ({Fmt.Time(c.FirstPacketEpochNanos, zone)})")),
            ]).ToList(),
            all.Count > MaxRows ? $"The first {Fmt.Int(MaxRows)} of {Fmt.Int(all.Count)}; history.json holds them all." : null));
    }

    /// <summary>Indicators far above their own baseline: a short table (the pages add a sparkline each).</summary>
    public void Baselines(RunResult run, RunHistory? history)
    {
        if (history is not { HasHistory: true, Baseline: { } b }) return;
        var above = history.AboveBaseline;
        layout.Add(new Heading($"Above their own baseline ({Fmt.Int(above.Count)})", S.Heading, OutlineLevel: OutlineLevel));
        layout.Add(new Paragraph(
            $"Volume tonight at least {IndicatorVolumes.RatioText(b.Ratio)} times the median of the indicator's own last {Fmt.Int(b.Runs)} runs in which it appeared, " +
            $"and at least {IndicatorVolumes.Text(VolumeUnit.Bytes, b.MinBytes)} (addresses), {IndicatorVolumes.Text(VolumeUnit.Queries, b.MinQueries)} (names, domains) " +
            $"or {IndicatorVolumes.Text(VolumeUnit.Requests, b.MinRequests)} (server names, JA4 fingerprints); " +
            $"{Fmt.Int(history.BaselineJudged)} judged (seen before, with at least {Fmt.Int(BaselineSettings.MinRuns)} earlier runs of known volume).", S.Body, PdfStyle.Text));
        if (above.Count == 0)
        {
            layout.Add(new Note("Nothing is far above its own baseline tonight.", NoteKind.Info));
            return;
        }
        var paths = Paths(run);
        layout.Add(new Table(
            [new("Kind", 0.8f), new("Indicator", 2.6f), Column.Number("Tonight"), Column.Number("Median"), Column.Number("Ratio"), Column.Number("Runs"), new("Seen in", 2f)],
            above.Take(MaxRows).Select(d => (IReadOnlyList<string>)
            [
                Names.Of(d.Kind), d.Value, IndicatorVolumes.Text(d.Unit, d.Volume), IndicatorVolumes.Text(d.Unit, d.Median),
                IndicatorVolumes.RatioText(d.Ratio) + "×", Fmt.Int(d.EarlierRuns),
                string.Join(", ", d.Captures.Select(c => paths.GetValueOrDefault(c.CaptureId, c.CaptureId))),
            ]).ToList(),
            above.Count > MaxRows ? $"The first {Fmt.Int(MaxRows)} of {Fmt.Int(above.Count)}; history.json holds them all." : "Runs: earlier runs the median is over; the index page charts them."));
    }

    /// <summary>The trend across the last runs, with tonight's deviation from the median.</summary>
    public void Trend(RunHistory? history)
    {
        if (history is not { HasHistory: true } || history.Trend.Count == 0) return;
        var zone = options.TimeZone;
        layout.Add(new Heading($"Trend over the last {Fmt.Int(history.Trend.Count)} runs", S.Heading, 200f, OutlineLevel: OutlineLevel));
        int earlier = history.Trend.Count - 1;
        foreach (var d in history.Deviations)
        {
            string text = d.Describe(earlier);
            if (d.IsNotable) layout.Add(new Note(text, NoteKind.Warning));
            else layout.Add(new Paragraph(text, S.Body, PdfStyle.Text));
        }
        var style = S;
        var bars = history.Trend.Select((p, i) => ((p.Tonight ? "tonight " : $"#{i + 1} ") + TimeFormat.DisplaySeconds(p.RunUtc.ToUnixTimeSeconds(), zone), (double)p.Packets)).ToList();
        layout.Add(new ChartBlock(Math.Min(260f, 48f + 11f * Math.Max(bars.Count, 3)), (c, rect) => Charts.HorizontalBars(c, rect, style, bars, "Packets per run")));
        layout.Add(new Table(
            [new("Run", 2.4f), Column.Number("Captures"), Column.Number("Failed"), Column.Number("Packets"), Column.Number("IP bytes"),
             Column.Number("Sources"), Column.Number("Names"), Column.Number("NXDOMAIN")],
            history.Trend.Select(p => (IReadOnlyList<string>)
            [
                TimeFormat.DisplaySeconds(p.RunUtc.ToUnixTimeSeconds(), zone) + (p.Tonight ? " (tonight)" : ""), Fmt.Int(p.Captures), Fmt.Int(p.FailedCaptures),
                Fmt.Int(p.Packets), Fmt.Int(p.IpBytes), Fmt.Int(p.DistinctSources), Fmt.Int(p.DistinctNames),
                p.NxdomainShareText,
            ]).ToList(),
            "Sources and names: distinct source addresses and query names over the whole run."));
    }

    private static Dictionary<string, string> Paths(RunResult run) =>
        run.Captures.ToDictionary(c => c.Id, c => c.Input.Path, StringComparer.Ordinal);
}
