using PcapViz.Model;
using PcapViz.View;
using static PcapViz.Rendering.Html.PageModels;

namespace PcapViz.Rendering.Html;

/// <summary>The run-level pages: the index and the pivot page.</summary>
public sealed partial class HtmlReportExporter
{
    /// <summary>The run index as text (what <see cref="ExportRun"/> writes as index.html).</summary>
    public string RenderIndex(RunResult run) => RenderIndexPage(run, CancellationToken.None);

    private string RenderIndexPage(RunResult run, CancellationToken cancellationToken)
    {
        var options = _options;
        ArgumentNullException.ThrowIfNull(run);
        var zone = options.TimeZone;
        var f = options.Links;
        var t = run.Totals;
        int failedCount = run.Captures.Count(c => c.Status == CaptureStatus.Failed);
        int partialCount = run.Captures.Count(c => c.Status == CaptureStatus.Partial);

        var index = Index(run);
        var captureColumns = new[]
        {
            Col("Capture", mono: true), Col("Status"), Col("Packets", numeric: true), Col("IP bytes", numeric: true),
            Col("First packet", mono: true, optional: true), Col("Last packet", mono: true, optional: true), Col("Issues"), Col("Reports", optional: true),
        };
        var captureRows = new HtmlRows(captureColumns);
        foreach (var c in run.Captures)
        {
            bool read = c.Status != CaptureStatus.Failed;
            string reports = HtmlRows.Link(Href("captures", c.Id, "report.html"), "HTML") +
                (f.HasFlag(HtmlLinks.Pdf) ? " " + HtmlRows.Link(Href("captures", c.Id, "report.pdf"), "PDF") : "") +
                (f.HasFlag(HtmlLinks.Json) ? " " + HtmlRows.Link(Href("captures", c.Id, "analysis.json"), "JSON") : "");
            captureRows.Add(
            [
                new Cell(HtmlSafety.Visible(c.Input.Path), Href("captures", c.Id, "report.html")),
                Status(c.Status),
                new Cell(read ? N(c.Summary.Packets) : "–", Sort: read ? c.Summary.Packets.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-1"),
                new Cell(read ? Bytes(c.Summary.IpBytes) : "–", Sort: read ? c.Summary.IpBytes.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-1"),
                c.Summary.FirstPacketEpochNanos is long a ? TimeFormat.Display(a, zone) : "–",
                c.Summary.LastPacketEpochNanos is long b ? TimeFormat.Display(b, zone) : "–",
                IssueCount(c.Issues),
                new Cell(reports, Markup: true),
            ], rowClass: "status-row-" + Status(c.Status));
        }

        static object Problem(CaptureResult c) => new
        {
            id = c.Id,
            path = HtmlSafety.Visible(c.Input.Path),
            html_href = Href("captures", c.Id, "report.html"),
            issues = c.Issues.Select(IssueRow).ToArray(),
        };
        var failedCaptures = run.Captures.Where(c => c.Status == CaptureStatus.Failed).Select(Problem).ToArray();
        var partialCaptures = run.Captures.Where(c => c.Status == CaptureStatus.Partial).Select(Problem).ToArray();
        var single = run.Captures.Count == 1 && run.Captures[0].Status != CaptureStatus.Failed ? run.Captures[0] : null;
        var pivots = new PivotLinks(index, "");

        var downloads = new List<object>();
        if (f.HasFlag(HtmlLinks.Pdf)) downloads.Add(Link("PDF report", "report.pdf"));
        if (f.HasFlag(HtmlLinks.Json)) downloads.Add(Link("manifest.json", "manifest.json"));
        if (index.Pivots) downloads.Add(Link("addresses, names and client fingerprints across captures", RunIndex.PivotPage));

        var page = new
        {
            generated = TimeFormat.DisplaySeconds(run.Info.GeneratedUtc.ToUnixTimeSeconds(), zone),
            tool_version = run.Info.ToolVersion,
            inputs = run.Info.Inputs.ToArray(),
            options = run.Info.CommandLine.Select(kv => new { name = kv.Key, value = kv.Value }).ToArray(),
            bin_setting = run.Analysis.BinSeconds is int bs ? TimeFormat.BinWidth(bs) : "automatic",
            max_distinct = N(run.Analysis.MaxDistinct),
            pseudonyms = run.Info.Pseudonymisation is { } p
                ? $"every address and name is a pseudonym under key {p.KeyId} ({p.Method}); capture file names, counts and times are the originals"
                : null,
            downloads,
            highlights = HighlightsBlock(ReportView.Of(run).Highlights(zone), "What this run shows"),
            cards = new[]
            {
                Card("Captures", N(run.Captures.Count), $"{N(failedCount)} failed · {N(partialCount)} partial · {N(run.Skipped.Count)} skipped"),
                Card("Packets", N(t.Packets), $"IPv4 {N(t.Ipv4Packets)} · IPv6 {N(t.Ipv6Packets)}"),
                Card("Bytes", Bytes(t.IpBytes) + " IP", $"{N(t.IpBytes)} IP bytes · {N(t.CapturedBytes)} captured"),
                Card("Distinct sources", DistinctCount(run.SourceIps.Entries.Count, run.SourceIps.Limit), "across the run"),
                Card("Distinct names", DistinctCount(run.DnsQueries.QueriedNames, run.DnsQueries.Limit), $"{N(ReportView.Of(run).Queries)} queries"),
                Card("Time range", t.FirstPacketEpochNanos is null ? "–" : TimeFormat.Duration(t.DurationSeconds), TimeRange(t, zone)),
            },
            captures = TableModel("captures", "Every capture of the run", captureColumns, captureRows, run.Captures.Count, ""),
            beacons = RunBeaconsSection(run, pivots, options.MaxTableRows),
            capture_count = N(run.Captures.Count),
            failed = failedCaptures,
            partial = partialCaptures,
            skipped = run.Skipped.Select(k => new { path = HtmlSafety.Visible(k.Path), reason = HtmlSafety.Visible(k.Reason) }).ToArray(),
            empty = t.Packets == 0,
            single = single is not null,
            single_href = single is null ? "" : Href("captures", single.Id, "report.html"),
            single_path = single is null ? "" : HtmlSafety.Visible(single.Input.Path),
            sources = single is not null ? null : SourcesSection(ReportView.Of(run), options, "Each capture's page lists its own addresses in full.", pivots),
            dns = single is not null ? null : DnsSection(ReportView.Of(run), options, "Each capture's page lists its own names in full.", pivots),
            context = single is not null ? null : ContextSection(run.Context, options, "Each capture's page lists its own domains in full."),
            application = single is not null ? null : ApplicationSection(run.Application, options, "Each capture's page lists its own in full."),
            traffic = single is not null ? null : TrafficSection(ReportView.Of(run), options, "Each capture's page and traffic.csv hold its own bins."),
        };
        var globals = Globals(run, options, "PcapViz run report", TimeFormat.ZoneLabel(zone, t));
        globals["run"] = page;
        globals["history"] = HistoryModels.For(run, null, options);
        return RenderPage("index.html", globals, options, "", run.History is not null, cancellationToken);
    }

    /// <summary>The run's pivot page: every address, query name, server name and client fingerprint (up to the table limit) with the captures it was seen in.</summary>
    public string RenderPivot(RunResult run) => RenderPivotPage(run, CancellationToken.None);

    private string RenderPivotPage(RunResult run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var options = _options;
        var index = Index(run);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var sourceColumns = new[] { Col("Address", address: true), Col("Seen in", numeric: true), Col("Packets", numeric: true, optional: true), Col("IP bytes", numeric: true, optional: true), Col("Captures (packets)") };
        var sourceRows = new HtmlRows(sourceColumns);
        foreach (var e in index.Sources.Values.OrderBy(e => e.Rank))
        {
            sourceRows.Add(
            [
                e.Key, new Cell(Names.Count(e.CaptureCount, "capture"), Sort: e.CaptureCount.ToString(inv)), N(e.Total),
                new Cell(Bytes(e.Bytes), Sort: e.Bytes.ToString(inv)), SeenIn(run, e),
            ], rowId: RunIndex.SourceAnchor(e.Key));
        }
        var nameColumns = new[] { Col("Name", mono: true), Col("Seen in", numeric: true), Col("Queries", numeric: true, optional: true), Col("Captures (queries)") };
        var nameRows = new HtmlRows(nameColumns);
        foreach (var e in index.Names.Values.OrderBy(e => e.Rank))
        {
            nameRows.Add(
            [
                e.Key, new Cell(Names.Count(e.CaptureCount, "capture"), Sort: e.CaptureCount.ToString(inv)), N(e.Total), SeenIn(run, e),
            ], rowId: RunIndex.NameAnchor(e.Key));
        }
        var serverNameColumns = new[] { Col("Server name", mono: true), Col("Seen in", numeric: true), Col("Requests", numeric: true, optional: true), Col("Sources"), Col("Captures (requests)") };
        var serverNameRows = new HtmlRows(serverNameColumns);
        foreach (var e in index.ServerNames.Values.OrderBy(e => e.Rank))
        {
            serverNameRows.Add(
            [
                HtmlSafety.Visible(e.Key), new Cell(Names.Count(e.CaptureCount, "capture"), Sort: e.CaptureCount.ToString(inv)), N(e.Total),
                string.Join(", ", e.Sources), SeenIn(run, e),
            ], rowId: RunIndex.ServerNameAnchor(e.Key));
        }
        var fingerprintColumns = new[]
        {
            Col("JA4", mono: true), Col("JA3", mono: true, optional: true), Col("Seen in", numeric: true), Col("Hellos", numeric: true, optional: true),
            Col("Clients", numeric: true), Col("Server names (SNI)", mono: true), Col("Captures (hellos)"),
        };
        var fingerprintRows = new HtmlRows(fingerprintColumns);
        foreach (var e in index.Fingerprints.Values.OrderBy(e => e.Rank))
        {
            var client = index.Client(e.Key);
            fingerprintRows.Add(
            [
                client.Ja4, client.Ja3.Length > 0 ? client.Ja3 : "–", new Cell(Names.Count(e.CaptureCount, "capture"), Sort: e.CaptureCount.ToString(inv)),
                N(e.Total), client.Clients.CountText, client.ServerNames.Items.Count == 0 ? "–" : SetList(client.ServerNames), SeenIn(run, e),
            ], rowId: RunIndex.FingerprintAnchor(e.Key));
        }
        var page = new
        {
            sources = TableModel("pivot-sources", "Source addresses across captures", sourceColumns, sourceRows, index.Sources.Count, ""),
            names = TableModel("pivot-names", "Query names across captures", nameColumns, nameRows, index.Names.Count, ""),
            server_names = TableModel("pivot-server-names", "Server names across captures", serverNameColumns, serverNameRows, index.ServerNameCount,
                LeftOut(index.ServerNames.Count, index.ServerNameCount, "server names")),
            fingerprints = TableModel("pivot-fingerprints", "Client fingerprints across captures", fingerprintColumns, fingerprintRows, index.FingerprintCount,
                LeftOut(index.Fingerprints.Count, index.FingerprintCount, "fingerprints")),
            has_server_names = index.ServerNameCount > 0,
            has_fingerprints = index.FingerprintCount > 0,
            listed = N(RunIndex.MaxCapturesListed),
        };
        var globals = Globals(run, options, "Addresses, names and fingerprints across captures — PcapViz", TimeFormat.ZoneLabel(options.TimeZone, run.Totals));
        globals["pivot"] = page;
        return RenderPage("pivot.html", globals, options, "", withHistory: false, cancellationToken);
    }

    /// <summary>"The 500 seen in the most captures are listed; 1,234 more are not (analysis.json of each capture holds them)."; empty when all are listed.</summary>
    private static string LeftOut(int listed, int total, string what) => listed >= total ? ""
        : $"The {N(listed)} {what} seen in the most captures are listed; {N(total - listed)} more are not (each capture's page and analysis.json hold its own).";

    /// <summary>"a.pcap (120), b.pcap (7), … and 12 more" as links to the capture pages (markup, escaped).</summary>
    private static Cell SeenIn(RunResult run, RunIndex.Entity e)
    {
        var parts = e.TopCaptures
            .Select(c =>
            {
                var capture = run.Captures[c.Capture];
                return HtmlRows.Link(Href("captures", capture.Id, "report.html"), HtmlSafety.Visible(capture.Input.Path)) + " (" + N(c.Count) + ")";
            });
        string text = string.Join(", ", parts);
        if (e.CaptureCount > RunIndex.MaxCapturesListed) text += " and " + N(e.CaptureCount - RunIndex.MaxCapturesListed) + " more";
        return new Cell(text, Markup: true);
    }
}
