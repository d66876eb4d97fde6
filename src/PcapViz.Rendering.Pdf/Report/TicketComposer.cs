using PcapViz.Model;
using PcapViz.Rendering.Pdf.Layout;
using PcapViz.View;

namespace PcapViz.Rendering.Pdf.Report;

/// <summary>A ranked list of the ticket (top talkers, names, server names, new indicators): its first rows and how many more there are.</summary>
/// <param name="More">Entries not listed ("and N more").</param>
internal sealed record TicketList(string Title, IReadOnlyList<Column> Columns, IReadOnlyList<IReadOnlyList<string>> Rows, long More, string Empty);

/// <summary>What one ticket shows, taken once from the model (the layout may be tried more than once).</summary>
internal sealed record TicketContent(
    PageContext Context,
    string Subtitle,
    string HighlightsTitle,
    IReadOnlyList<string> Highlights,
    TicketList Talkers,
    TicketList Names,
    TicketList? ServerNames,
    TicketList? NewIndicators,
    string NewIndicatorsAbsent,
    TicketList? Findings,
    string FindingsAbsent,
    IReadOnlyList<KeyValuePair<string, string>> Evidence);

/// <summary>
/// The one-page ticket summary (ticket.pdf): what the run (or one capture) shows, its top talkers, names and server
/// names, watchlist hits, new indicators and what proves the bundle. Every list stops at <see cref="Listed"/> rows and
/// says "and N more"; every cell is one elided line; the highlights take the lines that are left, so the page never
/// overflows (<see cref="PdfReportRenderer.RenderTicket(TicketContent, RunResult, CaptureResult?, PdfReportOptions, Stream)"/> lays the page out with fewer highlight lines until it fits).
/// Figures are the <see cref="ReportView"/>'s own: nothing here is computed a second way.
/// </summary>
internal sealed class TicketComposer(PdfLayout layout)
{
    /// <summary>Rows of each list.</summary>
    public const int Listed = 5;

    /// <summary>Most lines the highlights take (when the page has room for them).</summary>
    public const int MostHighlightLines = 16;

    /// <summary>Lines of one highlight at most (elided beyond).</summary>
    private const int LinesPerHighlight = 3;

    private PdfStyle S => layout.Style;

    /// <summary>What the ticket of the run (<paramref name="capture"/> null) or of one capture shows.</summary>
    public static TicketContent Content(RunResult run, CaptureResult? capture, PdfReportOptions options) =>
        Content(run, capture, options, ServerNames, hit => SliceFile(run, capture, hit));

    /// <summary>As above, with the hooks given (tests fill them with data the model does not have yet).</summary>
    internal static TicketContent Content(RunResult run, CaptureResult? capture, PdfReportOptions options,
        Func<RunResult, CaptureResult?, TicketList?> serverNames, Func<WatchlistHit, string?> sliceFile)
    {
        var zone = options.TimeZone;
        string generated = $"generated {TimeFormat.DisplaySeconds(run.Info.GeneratedUtc.ToUnixTimeSeconds(), zone)} by PcapViz {run.Info.ToolVersion}";
        var history = run.History;
        var paths = run.Captures.ToDictionary(c => c.Id, c => c.Input.Path, StringComparer.Ordinal);
        string CaptureList(IReadOnlyList<IndicatorSighting> sightings) => sightings.Count == 0 ? "–" :
            paths.GetValueOrDefault(sightings[0].CaptureId, sightings[0].CaptureId) + (sightings.Count > 1 ? $" +{Fmt.Int(sightings.Count - 1)}" : "");

        var view = capture is null ? ReportView.Of(run) : ReportView.Of(capture);
        var highlights = view.Highlights(zone)
            .Select(h => h.Kind switch { HighlightKind.Error => "Problem: " + h.Text, HighlightKind.Warning => "Check: " + h.Text, _ => h.Text })
            .ToList();

        var sources = view.Sources;
        var talkers = new TicketList("Top talkers",
            [new("Source address", 1.5f), new("Name", 1f), Column.Number("Packets"), Column.Number("Share")],
            sources.Entries.Take(Listed).Select(e => (IReadOnlyList<string>)
                [e.Address, ReportComposer.PdfNames(e), Fmt.Int(e.Packets), view.SourceShare(e.Packets).Percent]).ToList(),
            Math.Max(0, sources.Entries.Count - Listed), "No IP packets.");

        var queries = view.QueryNames;
        var names = NameList("Top names", "Query name", "Queries", queries.Entries.Select(e => (e.Name, e.Queries)).ToList(), "No DNS, mDNS or LLMNR queries.");

        TicketList? news = null;
        string newsAbsent = "No history database (--history): nothing to compare with.";
        if (history is { HasHistory: true })
        {
            var all = history.AllNew
                .Where(n => capture is null || n.Captures.Any(c => c.CaptureId == capture.Id)).ToList();
            news = new TicketList("New indicators",
                [new("Kind", 0.55f), new("New", 2f), Column.Number("Count")],
                all.Take(Listed).Select(n => (IReadOnlyList<string>)[Names.Of(n.Kind), n.Value, Fmt.Int(n.Count)]).ToList(),
                Math.Max(0, all.Count - Listed),
                history.RunsBefore == 0 ? "Nothing seen: this is the history's first run." : "Nothing new: every domain, name, server name, fingerprint and address was seen before.");
        }

        TicketList? findings = null;
        string findingsAbsent = "No watchlist was given (--watchlist): nothing was checked.";
        if (history is { WatchlistsChecked: true })
        {
            var hits = capture is null ? history.WatchlistHits : history.HitsIn(capture.Id).ToList();
            var slices = hits.Take(Listed).Select(sliceFile).ToList();
            bool withSlices = slices.Any(s => s is not null);
            findings = new TicketList(
                "Findings: watchlist hits",
                withSlices
                    ? [Column.Number("Watched") with { Align = ColumnAlign.Left }, new("Seen", 1.5f), new("Label", 1f), Column.Number("Count"), new("Captures", 1.1f), new("Slice", 2.2f)]
                    : [Column.Number("Watched") with { Align = ColumnAlign.Left }, new("Seen", 2f), new("Label", 1.4f), Column.Number("Count"), new("Captures", 1.6f)],
                hits.Take(Listed).Select((h, i) => (IReadOnlyList<string>)
                [
                    Names.Of(h.Kind), h.Value, h.Label.Length == 0 ? h.Entry : h.Label, Fmt.Int(h.Count), CaptureList(h.Captures),
                    .. withSlices ? [slices[i] ?? "–"] : Array.Empty<string>(),
                ]).ToList(),
                Math.Max(0, hits.Count - Listed),
                $"No watchlist hits ({Fmt.Int(history.WatchlistEntries)} watchlist entries checked).");
        }

        string inputsKey = capture is null ? "Inputs SHA-256" : "Capture SHA-256";
        string inputs = capture is null
            ? ReportComposer.RunInputsHash(run) + " (over each capture's path and SHA-256, as report.pdf shows it)"
            : capture.Input.Sha256;
        var evidence = new List<KeyValuePair<string, string>>
        {
            new(inputsKey, inputs),
            new("Manifest", options.ManifestSigned
                ? "signed (manifest.json.sig, ECDSA P-256): pcapviz verify <bundle> --key public.pem checks it and every file."
                : "not signed: pcapviz verify <bundle> checks every file against it; only --sign-key proves who wrote it."),
            new("Manifest SHA-256", "not on this page: manifest.json lists this page's own SHA-256, so no page it lists can hold the manifest's. " +
                "Record sha256sum manifest.json with the ticket."),
            new("Full lists", "report.pdf; every address and name in analysis.json" + (history is null ? "" : ", every hit and new indicator in history.json") + "."),
        };

        var context = capture is null
            ? new PageContext("PcapViz ticket summary", Names.Count(run.Captures.Count, "capture"), "inputs sha256 " + Fmt.ShortHash(ReportComposer.RunInputsHash(run)))
            : new PageContext("PcapViz ticket summary", capture.Input.Path, "input sha256 " + Fmt.ShortHash(capture.Input.Sha256));
        string subtitle = (capture is null ? $"Run of {Names.Count(run.Captures.Count, "capture")}" : "Capture " + capture.Input.Path) + ", " + generated;
        return new TicketContent(context, subtitle, capture is null ? "What the run shows" : "What the capture shows", highlights,
            talkers, names, serverNames(run, capture), news, newsAbsent, findings, findingsAbsent, evidence);
    }

    /// <summary>A ranked list of names with their counts (as the server names hook returns it).</summary>
    internal static TicketList NameList(string title, string column, string countColumn, IReadOnlyList<(string Name, long Count)> ranked, string empty) =>
        new(title, [new(column, 1f), Column.Number(countColumn)],
            ranked.Take(Listed).Select(e => (IReadOnlyList<string>)[e.Name, Fmt.Int(e.Count)]).ToList(), Math.Max(0, ranked.Count - Listed), empty);

    /// <summary>
    /// The top TLS/QUIC server names (SNI) and HTTP hosts of the run or capture (docs/analysis.md, "8. Server names"),
    /// one row per name over its sources, most hellos and requests first; null when there are none, so the section is
    /// left out.
    /// </summary>
    private static TicketList? ServerNames(RunResult run, CaptureResult? capture)
    {
        var application = capture is null ? run.Application : capture.Application;
        if (application.ServerNames.Count == 0) return null;
        var ranked = application.ServerNames
            .GroupBy(e => e.ServerName, StringComparer.Ordinal)
            .Select(g => (Name: g.Key, Count: g.Sum(e => e.Count)))
            .OrderByDescending(e => e.Count).ThenBy(e => e.Name, StringComparer.Ordinal)
            .ToList();
        return NameList("Top server names", "Server name", "Hellos, requests", ranked, "No server names.");
    }

    /// <summary>
    /// The file name of the packet slice `report --slices` wrote for a watchlist hit, in slices/&lt;capture-id&gt;/ of
    /// the capture (on the run's ticket, of the first capture it was seen in, the Captures column's), or null: without
    /// slices the findings table has no Slice column. The whole path does not fit the column.
    /// </summary>
    private static string? SliceFile(RunResult run, CaptureResult? capture, WatchlistHit hit)
    {
        if (run.Slices is not { } slices || (capture?.Id ?? (hit.Captures.Count > 0 ? hit.Captures[0].CaptureId : null)) is not { } id) return null;
        return slices.Hit(id, hit) is { File: not null } slice ? slice.FileName : "–";
    }

    /// <summary>Lays the ticket out, the highlights in at most <paramref name="highlightLines"/> lines.</summary>
    public void Compose(TicketContent content, int highlightLines)
    {
        layout.StartSection(content.Context);
        layout.Add(new Paragraph("PcapViz ticket summary", S.Title, PdfStyle.Text, MaxLines: 1));
        layout.Add(new Paragraph(content.Subtitle, S.Body, PdfStyle.Muted, MaxLines: 1));

        layout.Add(SectionHeading(content.HighlightsTitle));
        layout.Add(new BulletList(content.Highlights, highlightLines, LinesPerHighlight, " (report.pdf has them all)"));

        layout.Add(new SideBySide(Section(content.Talkers), Section(content.Names), LeftShare: 0.58f));

        var news = content.NewIndicators is { } list ? Section(list) : Absent("New indicators", content.NewIndicatorsAbsent);
        if (content.ServerNames is { } server) layout.Add(new SideBySide(Section(server), news));
        else foreach (var block in news) layout.Add(block);

        if (content.Findings is { } findings) foreach (var block in Section(findings)) layout.Add(block);
        else foreach (var block in Absent("Findings: watchlist hits", content.FindingsAbsent)) layout.Add(block);

        layout.Add(SectionHeading("Evidence"));
        layout.Add(new KeyValueTable(content.Evidence, KeyWidth: 108f));
    }

    private Heading SectionHeading(string text) => new(text, S.BodyBold, KeepWithNext: 0f);

    /// <summary>A list's heading ("Top names, and 245 more": the evidence section says where all of them are) and its table.</summary>
    private IReadOnlyList<IBlock> Section(TicketList list)
    {
        if (list.Rows.Count == 0) return Absent(list.Title, list.Empty);
        string more = list.More > 0 ? $", and {Fmt.Int(list.More)} more" : "";
        return [SectionHeading(list.Title + more), new Table(list.Columns, list.Rows)];
    }

    /// <summary>A section with nothing to list: its heading and one line saying why.</summary>
    private IReadOnlyList<IBlock> Absent(string title, string why) =>
        [SectionHeading(title), new Paragraph(why, S.Body, PdfStyle.Muted, MaxLines: 2)];
}
