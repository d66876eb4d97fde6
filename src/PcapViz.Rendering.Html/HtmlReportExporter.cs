using PcapViz.Orchestration;
using System.Text;
using PcapViz.Export;
using PcapViz.Model;
using Scriban.Runtime;
using static PcapViz.Rendering.Html.PageModels;

namespace PcapViz.Rendering.Html;

/// <summary>
/// Writes the interactive HTML pages: <c>captures/&lt;id&gt;/report.html</c> per capture and <c>index.html</c> for the
/// run, from the result model only, through the Scriban templates in <c>templates/</c> (or an override directory).
/// Output is a pure function of the model and the options: no random ids, no clock, invariant culture.
/// </summary>
public sealed class HtmlReportExporter : IReportExporter
{
    private static readonly UTF8Encoding Utf8 = new(false);
    private readonly HtmlReportOptions _options;
    private readonly TemplateSet _templates;
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<RunResult, RunIndex> _indexes = new();

    public HtmlReportExporter(HtmlReportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxTableRows < 1) throw new ArgumentOutOfRangeException(nameof(options), "MaxTableRows must be at least 1.");
        _options = options;
        _templates = new TemplateSet(options.TemplateDirectory);
    }

    public string Name => "html";

    /// <summary>Capture pages link to their neighbours and say in how many captures an address appears.</summary>
    public bool CaptureFilesNeedTheWholeRun => true;

    /// <summary>The embedded default template files, by relative name.</summary>
    public static IReadOnlyList<string> DefaultTemplateNames => TemplateSet.EmbeddedNames;

    /// <summary>Bundle path of the shared plotly.js copy (written by <see cref="ExportRun"/> unless self-contained).</summary>
    public static string PlotlyAssetPath => PlotlyAsset.Instance.RelativePath;

    public void ExportCapture(CaptureResult capture, RunResult run, IOutputSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(capture);
        ArgumentNullException.ThrowIfNull(sink);
        cancellationToken.ThrowIfCancellationRequested();
        string html = RenderCapturePage(capture, run, cancellationToken);
        Write(sink, $"captures/{capture.Id}/report.html", html);
    }

    public void ExportRun(RunResult run, IOutputSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(sink);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_options.SelfContained)
        {
            var asset = PlotlyAsset.Instance;
            using (var s = sink.Create(asset.RelativePath)) s.Write(asset.Bytes);
            if (asset.License is not null)
            {
                using var l = sink.Create(asset.RelativePath + ".LICENSE.txt");
                l.Write(asset.License);
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
        Write(sink, "index.html", RenderIndexPage(run, cancellationToken));
        if (Index(run).Pivots)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Write(sink, RunIndex.PivotPage, RenderPivotPage(run, cancellationToken));
        }
    }

    private RunIndex Index(RunResult run) => _indexes.GetValue(run, r => new RunIndex(r, _options.MaxTableRows));

    /// <summary>The capture page as text (what <see cref="ExportCapture"/> writes).</summary>
    public string RenderCapture(CaptureResult capture, RunResult run) => RenderCapturePage(capture, run, CancellationToken.None);

    private string RenderCapturePage(CaptureResult capture, RunResult run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(capture);
        ArgumentNullException.ThrowIfNull(run);
        var options = _options;
        var zone = options.TimeZone;
        var s = capture.Summary;
        bool failed = capture.Status == CaptureStatus.Failed;
        bool empty = !failed && s.Packets == 0;
        var f = options.Links;

        var downloads = new List<object>();
        if (f.HasFlag(HtmlLinks.Pdf)) downloads.Add(Link("PDF report", "report.pdf"));
        if (f.HasFlag(HtmlLinks.Json)) downloads.Add(Link("analysis.json", "analysis.json"));
        if (f.HasFlag(HtmlLinks.Csv))
        {
            downloads.Add(Link("source_ips.csv", "source_ips.csv"));
            downloads.Add(Link("dns_queries.csv", "dns_queries.csv"));
            downloads.Add(Link("traffic.csv", "traffic.csv"));
        }

        string fullListHint = FullListHint(f, "source_ips.csv");
        var facts = new List<object>
        {
            Fact("File", HtmlSafety.Visible(capture.Input.Path), mono: true),
            Fact("Size", Names.ByteCount(capture.Input.SizeBytes)),
            Fact("SHA-256", capture.Input.Sha256, mono: true),
            Fact("Format", Format(capture.File)),
            Fact("Link types", capture.File is null || capture.File.LinkTypes.Count == 0 ? "–"
                : string.Join(", ", capture.File.LinkTypes.Select(Names.LinkTypeWithNumber))),
            Fact("Timestamp precision", capture.File?.TimestampPrecision ?? "–"),
            Fact("First packet", s.FirstPacketEpochNanos is long first ? TimeFormat.Display(first, zone) : "–"),
            Fact("Last packet", s.LastPacketEpochNanos is long last ? TimeFormat.Display(last, zone) : "–"),
            Fact("Duration", s.FirstPacketEpochNanos is null ? "–" : TimeFormat.Duration(s.DurationSeconds)),
            Fact("Packets", $"{N(s.Packets)} (IPv4 {N(s.Ipv4Packets)}, IPv6 {N(s.Ipv6Packets)}, not decoded {N(s.UndecodedPackets)})"),
            Fact("Bytes", $"{Names.ByteCount(s.CapturedBytes)} captured, {Names.ByteCount(s.IpBytes)} of IP"),
            Fact("Malformed DNS messages", N(s.MalformedDnsMessages)),
            Fact("Issues", IssueCount(capture.Issues)),
            Fact("Status", Status(capture.Status)),
        };

        var index = Index(run);
        int at = index.Position(capture.Id);
        var prev = at > 0 ? run.Captures[at - 1] : null;
        var next = at >= 0 && at + 1 < run.Captures.Count ? run.Captures[at + 1] : null;
        var pivots = new PivotLinks(index, "../../");
        var page = new
        {
            id = capture.Id,
            path = HtmlSafety.Visible(capture.Input.Path),
            highlights = HighlightsBlock(Highlights.ForCapture(capture, zone), "What this capture shows"),
            position = at < 0 ? "" : $"{N(at + 1)} of {N(run.Captures.Count)}",
            prev_href = prev is null ? "" : "../" + Uri.EscapeDataString(prev.Id) + "/report.html",
            prev_label = prev is null ? "" : HtmlSafety.Visible(FileName(prev.Input.Path)),
            next_href = next is null ? "" : "../" + Uri.EscapeDataString(next.Id) + "/report.html",
            next_label = next is null ? "" : HtmlSafety.Visible(FileName(next.Input.Path)),
            file_name = HtmlSafety.Visible(FileName(capture.Input.Path)),
            status = Status(capture.Status),
            failed,
            empty,
            home_href = "../../index.html",
            downloads,
            cards = new[]
            {
                Card("Packets", N(s.Packets), $"IPv4 {N(s.Ipv4Packets)} · IPv6 {N(s.Ipv6Packets)}"),
                Card("Bytes", Bytes(s.IpBytes) + " IP", $"{N(s.IpBytes)} IP bytes · {N(s.CapturedBytes)} captured"),
                Card("Distinct sources", DistinctCount(capture.SourceIps.Entries.Count, capture.SourceIps.Limit), "IPv4 and IPv6 source addresses"),
                Card("Distinct names", DistinctCount(capture.DnsQueries.QueriedNames, capture.DnsQueries.Limit), $"{N(capture.DnsQueries.TotalQueries)} queries"),
                Card("Time range", s.FirstPacketEpochNanos is null ? "–" : TimeFormat.Duration(s.DurationSeconds), TimeRange(s, zone)),
            },
            facts,
            issues = capture.Issues.Select(IssueRow).ToArray(),
            sources = SourcesSection(capture.SourceIps, options, fullListHint, capture.Context, pivots),
            dns = DnsSection(capture.DnsQueries, options, FullListHint(f, "dns_queries.csv"), pivots),
            context = ContextSection(capture.SourceIps, capture.Context, options, FullListHint(f, "dns_domains.csv")),
            traffic = TrafficSection(capture.Traffic, options, FullListHint(f, "traffic.csv")),
        };
        var globals = Globals(run, options, $"{HtmlSafety.Visible(FileName(capture.Input.Path))} — PcapViz capture report", TimeFormat.ZoneLabel(zone, s));
        globals["page"] = page;
        globals["memory"] = MemoryModels.For(run, capture, options);
        return RenderPage("capture.html", globals, options, "../../", run.Memory is not null, cancellationToken);
    }

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

        object Problem(CaptureResult c) => new
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
        if (index.Pivots) downloads.Add(Link("addresses and names across captures", RunIndex.PivotPage));

        var page = new
        {
            generated = TimeFormat.DisplaySeconds(run.Info.GeneratedUtc.ToUnixTimeSeconds(), zone),
            tool_version = run.Info.ToolVersion,
            inputs = run.Info.Inputs.ToArray(),
            options = run.Info.CommandLine.Select(kv => new { name = kv.Key, value = kv.Value }).ToArray(),
            bin_setting = run.Analysis.BinSeconds is int bs ? TimeFormat.BinWidth(bs) : "automatic",
            max_distinct = N(run.Analysis.MaxDistinct),
            downloads,
            highlights = HighlightsBlock(Highlights.ForRun(run, zone), "What this run shows"),
            cards = new[]
            {
                Card("Captures", N(run.Captures.Count), $"{N(failedCount)} failed · {N(partialCount)} partial · {N(run.Skipped.Count)} skipped"),
                Card("Packets", N(t.Packets), $"IPv4 {N(t.Ipv4Packets)} · IPv6 {N(t.Ipv6Packets)}"),
                Card("Bytes", Bytes(t.IpBytes) + " IP", $"{N(t.IpBytes)} IP bytes · {N(t.CapturedBytes)} captured"),
                Card("Distinct sources", DistinctCount(run.SourceIps.Entries.Count, run.SourceIps.Limit), "across the run"),
                Card("Distinct names", DistinctCount(run.DnsQueries.QueriedNames, run.DnsQueries.Limit), $"{N(run.DnsQueries.TotalQueries)} queries"),
                Card("Time range", t.FirstPacketEpochNanos is null ? "–" : TimeFormat.Duration(t.DurationSeconds), TimeRange(t, zone)),
            },
            captures = TableModel("captures", "Every capture of the run", captureColumns, captureRows, run.Captures.Count, ""),
            capture_count = N(run.Captures.Count),
            failed = failedCaptures,
            partial = partialCaptures,
            skipped = run.Skipped.Select(k => new { path = HtmlSafety.Visible(k.Path), reason = HtmlSafety.Visible(k.Reason) }).ToArray(),
            empty = t.Packets == 0,
            single = single is not null,
            single_href = single is null ? "" : Href("captures", single.Id, "report.html"),
            single_path = single is null ? "" : HtmlSafety.Visible(single.Input.Path),
            sources = single is not null ? null : SourcesSection(run.SourceIps, options, "Each capture's page lists its own addresses in full.", run.Context, pivots),
            dns = single is not null ? null : DnsSection(run.DnsQueries, options, "Each capture's page lists its own names in full.", pivots),
            context = single is not null ? null : ContextSection(run.SourceIps, run.Context, options, "Each capture's page lists its own domains in full."),
            traffic = single is not null ? null : TrafficSection(run.Traffic, options, "Each capture's page and traffic.csv hold its own bins."),
        };
        var globals = Globals(run, options, "PcapViz run report", TimeFormat.ZoneLabel(zone, t));
        globals["run"] = page;
        globals["memory"] = MemoryModels.For(run, null, options);
        return RenderPage("index.html", globals, options, "", run.Memory is not null, cancellationToken);
    }

    /// <param name="zoneLabel">The zone with every offset in force over the page's packets (TimeFormat.ZoneLabel).</param>
    private ScriptObject Globals(RunResult run, HtmlReportOptions options, string title, string zoneLabel)
    {
        var g = new ScriptObject
        {
            ["report"] = new
            {
                title,
                tool_version = run.Info.ToolVersion,
                generated = TimeFormat.DisplaySeconds(run.Info.GeneratedUtc.ToUnixTimeSeconds(), options.TimeZone),
                zone = zoneLabel,
                top = N(options.Top),
                max_table_rows = N(_options.MaxTableRows),
            },
        };
        return g;
    }

    /// <param name="withMemory">The run has a history or watchlists: memory.css joins the page styles. Without them
    /// it does not, so a run without nightly memory keeps the page bytes it had before memory existed.</param>
    private string RenderPage(string bodyTemplate, ScriptObject globals, HtmlReportOptions options, string rootPrefix, bool withMemory,
        CancellationToken cancellationToken)
    {
        string body = _templates.Render(bodyTemplate, globals, _options.RenderTimeLimit, cancellationToken);
        string css = Stylesheet("report.css");
        if (withMemory) css += "\n" + Stylesheet("memory.css");
        string boot = _templates.GetText("charts.js");
        if (boot.Contains("</script", StringComparison.OrdinalIgnoreCase))
            throw new TemplateRenderException("charts.js", "charts.js must not contain '</script'.");
        string tables = _templates.GetText("tables.js");
        if (tables.Contains("</script", StringComparison.OrdinalIgnoreCase))
            throw new TemplateRenderException("tables.js", "tables.js must not contain '</script'.");

        var asset = PlotlyAsset.Instance;
        string plotlyTag;
        string plotlySource;
        if (options.SelfContained)
        {
            plotlyTag = "<script>" + asset.Text + "</script>";
            plotlySource = asset.CspHash;
        }
        else
        {
            plotlyTag = $"<script src=\"{rootPrefix}{asset.RelativePath}\"></script>";
            // file:// pages: Chromium and Firefox treat a file: script next to the page as 'self'.
            plotlySource = "'self'";
        }
        string csp = $"default-src 'none'; script-src {plotlySource} {HtmlSafety.CspHash(boot)} {HtmlSafety.CspHash(tables)}; " +
                     "style-src 'unsafe-inline'; img-src data:; font-src 'none'; connect-src 'none'; " +
                     "object-src 'none'; base-uri 'none'; form-action 'none'";

        var layout = new ScriptObject();
        foreach (var kv in globals) layout[kv.Key] = kv.Value;
        layout["csp"] = csp;
        layout["css_raw"] = css;
        layout["body_raw"] = body;
        layout["plotly_raw"] = plotlyTag;
        layout["boot_raw"] = "<script>" + boot + "</script>\n<script>" + tables + "</script>";
        return _templates.Render("layout.html", layout, _options.RenderTimeLimit, cancellationToken);
    }

    private string Stylesheet(string name)
    {
        string css = _templates.GetText(name);
        if (css.Contains("</style", StringComparison.OrdinalIgnoreCase))
            throw new TemplateRenderException(name, name + " must not contain '</style'.");
        return css;
    }


    /// <summary>Links from an address or name to its row on the pivot page, with "seen in N captures".</summary>
    private sealed class PivotLinks(RunIndex index, string rootPrefix)
    {
        public bool Enabled => index.Pivots;

        public Cell Source(string address) =>
            index.Pivots && index.Sources.ContainsKey(address)
                ? new Cell(address, rootPrefix + RunIndex.PivotPage + "#" + RunIndex.SourceAnchor(address))
                : new Cell(address);

        public Cell Name(string name) =>
            index.Pivots && index.Names.ContainsKey(name)
                ? new Cell(name, rootPrefix + RunIndex.PivotPage + "#" + RunIndex.NameAnchor(name))
                : new Cell(name);

        public Cell SourceSeen(string address) => Seen(index.Sources.TryGetValue(address, out var e) ? e : null);

        public Cell NameSeen(string name) => Seen(index.Names.TryGetValue(name, out var e) ? e : null);

        private static Cell Seen(RunIndex.Entity? e) => e is null
            ? new Cell("–", Sort: "0")
            : new Cell(N(e.CaptureCount), Sort: e.CaptureCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static object HighlightsBlock(IReadOnlyList<Highlight> items, string title) => new
    {
        title,
        items = items.Select(h => new
        {
            kind = h.Kind switch { HighlightKind.Error => "error", HighlightKind.Warning => "warning", _ => "fact" },
            flag = h.Kind switch { HighlightKind.Error => "Problem", HighlightKind.Warning => "Check", _ => "" },
            text = HtmlSafety.Visible(h.Text),
            href = h.Anchor is null ? "" : "#" + h.Anchor,
        }).ToArray(),
    };

    private object SourcesSection(SourceIpResult r, HtmlReportOptions options, string fullListHint, ContextResult context, PivotLinks pivots)
    {
        int top = Math.Max(0, options.Top);
        long total = r.TotalPackets;
        long totalBytes = r.Entries.Sum(e => e.IpBytes) + r.Limit.OtherIpBytes;
        bool geoIp = context.Facts.GeoIp.Count > 0;
        var topEntries = r.Entries.Take(top).ToArray();
        var bars = topEntries.Select(e => new ChartBuilder.Bar(e.Address, e.Packets, e.IpBytes,
            $"{e.Address} ({e.AddressClass}): {N(e.Packets)} packets ({Share(e.Packets, total)}), {Bytes(e.IpBytes)} of IP ({N(e.IpBytes)} bytes)" +
            (e.Names.Count > 0 ? "; names: " + NamesText(e, 5) : ""))).ToArray();
        var columns = new List<TableColumn>
        {
            Col("#", numeric: true, optional: true), Col("Address", address: true), Col("Class", optional: true), Col("Names (from DNS answers)", mono: true),
        };
        if (geoIp) { columns.Add(Col("Country", optional: true)); columns.Add(Col("AS", optional: true)); }
        columns.AddRange(new[]
        {
            Col("IP version", numeric: true, optional: true),
            Col("Packets", numeric: true), Col("Share", numeric: true, optional: true), Col("IP bytes", numeric: true),
        });
        if (pivots.Enabled) columns.Add(Col("Captures", numeric: true));
        var rows = new HtmlRows(columns);
        int shown = Math.Min(r.Entries.Count, _options.MaxTableRows);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        for (int i = 0; i < shown; i++)
        {
            var e = r.Entries[i];
            var cells = new List<Cell>(11) { N(i + 1), pivots.Source(e.Address), e.AddressClass, NamesText(e, ContextBuilderNames) };
            if (geoIp) { cells.Add(e.Country ?? "–"); cells.Add(e.Asn is long asn ? $"AS{N(asn)} {e.AsOrg}".TrimEnd() : "–"); }
            cells.AddRange(new Cell[] { e.Version.ToString(inv), N(e.Packets), Share(e.Packets, total), new Cell(Bytes(e.IpBytes), Sort: e.IpBytes.ToString(inv)) });
            if (pivots.Enabled) cells.Add(pivots.SourceSeen(e.Address));
            rows.Add(cells, beyondTop: i >= top);
        }
        if (r.Limit.Exceeded)
        {
            var other = new List<Cell> { "", "other", "", "" };
            if (geoIp) { other.Add(""); other.Add(""); }
            other.AddRange(new Cell[] { "", N(r.Limit.OtherPackets), Share(r.Limit.OtherPackets, total), new Cell(Bytes(r.Limit.OtherIpBytes), Sort: r.Limit.OtherIpBytes.ToString(inv)) });
            if (pivots.Enabled) other.Add("");
            rows.Add(other, beyondTop: true);
        }
        return new
        {
            has_data = r.Entries.Count > 0,
            chart_id = "chart-sources",
            chart_title = $"Top {N(Math.Min(top, r.Entries.Count))} source addresses by packets",
            figure_json_raw = r.Entries.Count > 0 && top > 0 ? ChartBuilder.SourceBars(bars, total, totalBytes) : "",
            limit_note = SourcesLimitNote(r.Limit),
            scope_note = ScopeNote(r),
            table = TableModel("source-ips", "Source addresses", columns, rows, r.Entries.Count,
                r.Entries.Count > shown ? $"The table lists the first {N(shown)} of {N(r.Entries.Count)} addresses (page limit). {fullListHint}" : ""),
        };
    }


    private const int ContextBuilderNames = PcapViz.Context.ContextBuilder.MaxNamesPerAddress;

    private static readonly string[] TwoEmptyCells = ["", ""];

    /// <summary>"a.example, b.example (+3 more)": the first <paramref name="max"/> names of an address.</summary>
    private static string NamesText(SourceIpEntry e, int max)
    {
        if (e.Names.Count == 0) return "";
        int more = e.MoreNames + Math.Max(0, e.Names.Count - max);
        return string.Join(", ", e.Names.Take(max)) + (more > 0 ? $" (+{N(more)} more)" : "");
    }

    /// <summary>Share of IP packets from public and private-scope sources (address classes).</summary>
    private static string ScopeNote(SourceIpResult r)
    {
        long total = r.Entries.Sum(e => e.Packets);
        if (total == 0) return "";
        long publicPackets = r.Entries.Where(e => e.AddressClass == PcapViz.Context.AddressClasses.Public).Sum(e => e.Packets);
        long privatePackets = r.Entries.Where(e => PcapViz.Context.AddressClasses.IsPrivateScope(e.AddressClass)).Sum(e => e.Packets);
        long other = total - publicPackets - privatePackets;
        return $"By address class (IANA special-purpose registries): {Share(publicPackets, total)} of the listed sources' packets come from public addresses, " +
               $"{Share(privatePackets, total)} from private-scope ones (RFC 1918, ULA, CGNAT, link-local, loopback)" +
               (other > 0 ? $", {Share(other, total)} from other special-purpose addresses (multicast, documentation …)." : ".");
    }

    private object ContextSection(SourceIpResult sources, ContextResult c, HtmlReportOptions options, string fullListHint)
    {
        int top = Math.Max(1, options.Top);
        var flagged = PcapViz.Context.DnsDomainSignals.WithSignals(c.Domains);
        var signalRows = flagged.Select((d, i) => new
        {
            domain = d.Domain,
            signals = d.Signals.Select(sig => new { name = sig, explanation = DnsSignals.Explain(sig) }).ToArray(),
            measures = $"{N(d.DistinctNames)} distinct names, {N(d.Queries)} queries, longest label {N(d.MaxLabelLength)} octets, " +
                       $"entropy {d.MeanEntropy.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)} bits/char, " +
                       $"TXT/NULL {N(d.TxtNullQueries)}, NXDOMAIN {N(d.NxDomain)} of {N(d.Responses)} responses",
        }).ToArray();
        var r = c.Responses;
        var nxClients = c.Clients.Entries.Where(e => e.NxDomain > 0).Take(top).ToArray();
        return new
        {
            has_dns = c.Domains.Count > 0 || r.Responses > 0,
            signals = signalRows,
            domains = Table("dns-domains", "Registered domains",
                new[] { Col("#", numeric: true), Col("Domain", mono: true), Col("Signals"), Col("Queries", numeric: true), Col("Distinct names", numeric: true),
                 Col("Responses", numeric: true), Col("NXDOMAIN", numeric: true), Col("TXT/NULL", numeric: true), Col("Longest label", numeric: true) },
                c.Domains, (d, i) => Row(i < top, N(i + 1), d.Domain, string.Join(", ", d.Signals), N(d.Queries), N(d.DistinctNames),
                    N(d.Responses), N(d.NxDomain), N(d.TxtNullQueries), N(d.MaxLabelLength)),
                null, "domains", fullListHint),
            responses = N(r.Responses),
            with_question = N(r.WithQuestion),
            nxdomain_share = Share(r.NxDomain, r.WithQuestion),
            codes = string.Join(", ", r.ResponseCodes.Select(code => $"{code.Name} {N(code.Count)}")),
            malformed = r.Malformed > 0 ? $"{N(r.Malformed)} responses could not be read and are not counted." : "",
            nx_clients = Table("nxdomain-clients", "Sources that got the most NXDOMAIN",
                new[] { Col("#", numeric: true), Col("Address", mono: true), Col("NXDOMAIN", numeric: true), Col("Responses", numeric: true), Col("NXDOMAIN share", numeric: true) },
                nxClients, (e, i) => Row(true, N(i + 1), e.Address, N(e.NxDomain), N(e.Responses), Share(e.NxDomain, e.Responses)),
                null, "addresses", ""),
            has_nx_clients = nxClients.Length > 0,
            data_versions = $"Public Suffix List {c.Facts.PublicSuffixList}; IANA special-purpose registries {c.Facts.AddressRegistry}" +
                            (c.Facts.GeoIp.Count > 0 ? "; GeoIP: " + string.Join(", ", c.Facts.GeoIp) : ""),
        };
    }

    private static (bool Top, IReadOnlyList<Cell> Cells) Row(bool top, params Cell[] cells) => (top, cells);

    /// <summary>A table model from a list (rows written by <see cref="HtmlRows"/>, up to the page limit).</summary>
    private object Table<T>(string id, string caption, IReadOnlyList<TableColumn> columns, IReadOnlyList<T> items,
        Func<T, int, (bool Top, IReadOnlyList<Cell> Cells)> row, (bool Top, IReadOnlyList<Cell> Cells)? otherRow, string noun, string fullListHint)
    {
        var rows = new HtmlRows(columns);
        int shown = Math.Min(items.Count, _options.MaxTableRows);
        for (int i = 0; i < shown; i++)
        {
            var (top, cells) = row(items[i], i);
            rows.Add(cells, beyondTop: !top);
        }
        if (otherRow is { } other) rows.Add(other.Cells, beyondTop: true);
        return TableModel(id, caption, columns, rows, items.Count,
            items.Count > shown ? $"The table lists the first {N(shown)} of {N(items.Count)} {noun} (page limit). {fullListHint}" : "");
    }

    private object DnsSection(DnsQueryResult r, HtmlReportOptions options, string fullListHint, PivotLinks pivots)
    {
        int top = Math.Max(0, options.Top);
        long total = r.TotalQueries;
        var bars = r.Entries.Take(top).Select(e =>
        {
            string proto = Protocol(e.Protocol);
            string label = e.Protocol == DnsProtocol.Dns ? e.Name : $"{e.Name} ({proto})";
            return new ChartBuilder.Bar(label, e.Queries, 0, $"{e.Name} [{proto}]: {N(e.Queries)} queries ({Share(e.Queries, total)})");
        }).ToArray();
        var columns = new List<TableColumn>
        {
            Col("#", numeric: true, optional: true), Col("Name", mono: true), Col("Protocol"), Col("Queries", numeric: true), Col("Share", numeric: true, optional: true),
            Col("Registered domain", mono: true, optional: true), Col("Types", optional: true), Col("Responses", optional: true),
        };
        if (pivots.Enabled) columns.Add(Col("Captures", numeric: true));
        var rows = new HtmlRows(columns);
        int shown = Math.Min(r.Entries.Count, _options.MaxTableRows);
        for (int i = 0; i < shown; i++)
        {
            var e = r.Entries[i];
            var cells = new List<Cell>(9) { N(i + 1), pivots.Name(e.Name), Protocol(e.Protocol), N(e.Queries), Share(e.Queries, total), e.RegisteredDomain, Counts(e.QueryTypes), Counts(e.ResponseCodes) };
            if (pivots.Enabled) cells.Add(pivots.NameSeen(e.Name));
            rows.Add(cells, beyondTop: i >= top);
        }
        if (r.Limit.Exceeded)
        {
            var other = new List<Cell> { "", "other", "", N(r.Limit.OtherPackets), Share(r.Limit.OtherPackets, total), "", "", "" };
            if (pivots.Enabled) other.Add("");
            rows.Add(other, beyondTop: true);
        }
        return new
        {
            has_data = r.Entries.Count > 0,
            chart_id = "chart-dns",
            chart_title = $"Top {N(Math.Min(top, r.Entries.Count))} queried names",
            figure_json_raw = r.Entries.Count > 0 && top > 0 ? ChartBuilder.HorizontalBars(bars, "queries", "#2d7d46") : "",
            limit_note = DnsLimitNote(r.Limit),
            table = TableModel("dns-queries", "DNS, mDNS and LLMNR query names", columns, rows, r.Entries.Count,
                r.Entries.Count > shown ? $"The table lists the first {N(shown)} of {N(r.Entries.Count)} names (page limit). {fullListHint}" : ""),
        };
    }

    private static string Counts(IEnumerable<NamedCount> counts) => string.Join(", ", counts.Select(c => $"{c.Name} {N(c.Count)}"));

    private object TrafficSection(TrafficResult r, HtmlReportOptions options, string fullListHint)
    {
        var zone = options.TimeZone;
        long busiest = r.Bins.Count == 0 ? 0 : r.Bins.Max(b => b.IpBytes);
        string zoneLabel = TimeFormat.ZoneLabel(zone, r);
        var columns = new[]
        {
            Col($"Bin start ({zoneLabel})", mono: true), Col("Bin start (UTC)", mono: true, optional: true),
            Col("Packets", numeric: true), Col("IP bytes", numeric: true),
        };
        var rows = new HtmlRows(columns);
        int shown = Math.Min(r.Bins.Count, _options.MaxTableRows);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        for (int i = 0; i < shown; i++)
        {
            var b = r.Bins[i];
            rows.Add([TimeFormat.DisplaySeconds(b.StartEpochSeconds, zone), TimeFormat.IsoUtcSeconds(b.StartEpochSeconds), N(b.Packets), new Cell(N(b.IpBytes), Sort: b.IpBytes.ToString(inv))]);
        }
        return new
        {
            has_data = r.Bins.Count > 0,
            chart_id = "chart-traffic",
            chart_title = $"IP bytes per {TimeFormat.BinWidth(r.BinSeconds)} bin ({zoneLabel})",
            bin_width = TimeFormat.BinWidth(r.BinSeconds),
            zone = zoneLabel,
            bins = N(r.Bins.Count),
            busiest = Bytes(busiest),
            figure_json_raw = r.Bins.Count > 0 ? ChartBuilder.Timeline(r, zone) : "",
            gaps_note = GapsNote(r, zone),
            table = TableModel("traffic", $"Traffic per {TimeFormat.BinWidth(r.BinSeconds)} bin", columns, rows, r.Bins.Count,
                r.Bins.Count > shown ? $"The table lists the first {N(shown)} of {N(r.Bins.Count)} bins (page limit). {fullListHint}" : ""),
        };
    }

    /// <summary>The run's pivot page: every address and name (up to the table limit) with the captures it was seen in.</summary>
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
        var page = new
        {
            sources = TableModel("pivot-sources", "Source addresses across captures", sourceColumns, sourceRows, index.Sources.Count, ""),
            names = TableModel("pivot-names", "Query names across captures", nameColumns, nameRows, index.Names.Count, ""),
            listed = N(RunIndex.MaxCapturesListed),
        };
        var globals = Globals(run, options, "Addresses and names across captures — PcapViz", TimeFormat.ZoneLabel(options.TimeZone, run.Totals));
        globals["pivot"] = page;
        return RenderPage("pivot.html", globals, options, "", withMemory: false, cancellationToken);
    }

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

    private static TableColumn Col(string label, bool numeric = false, bool mono = false, bool optional = false, bool address = false) =>
        new(label, numeric, mono, optional, address);

    private static object TableModel(string id, string caption, IReadOnlyList<TableColumn> columns, HtmlRows rows, int total, string truncatedNote) => new
    {
        id,
        caption,
        columns,
        rows_raw = rows.ToString(),
        shown = N(rows.Count),
        total = N(total),
        truncated_note = truncatedNote,
    };

    private static string FullListHint(HtmlLinks f, string csvName) =>
        (f.HasFlag(HtmlLinks.Json), f.HasFlag(HtmlLinks.Csv)) switch
        {
            (true, true) => $"analysis.json and {csvName} hold them all.",
            (true, false) => "analysis.json holds them all.",
            (false, true) => $"{csvName} holds them all.",
            _ => "Write the JSON or CSV output to get them all.",
        };

    private static object Fact(string label, string value, bool mono = false) => new { label, value, mono };

    private static object IssueRow(CaptureIssue i) => new
    {
        severity = i.Severity == IssueSeverity.Error ? "error" : "warning",
        code = i.Code,
        message = HtmlSafety.Visible(i.Message),
        byte_offset = i.ByteOffset is long o ? N(o) : "–",
        packet_index = i.PacketIndex is long p ? N(p) : "–",
    };

    private static string IssueCount(IReadOnlyList<CaptureIssue> issues)
    {
        int errors = issues.Count(i => i.Severity == IssueSeverity.Error);
        int warnings = issues.Count - errors;
        return issues.Count == 0 ? "none" : $"{Names.Count(errors, "error")}, {Names.Count(warnings, "warning")}";
    }

    private static string DistinctCount(int count, DistinctLimit limit) =>
        limit.Exceeded ? $"more than {N(limit.MaxDistinct)}" : N(count);

    private static void Write(IOutputSink sink, string path, string text)
    {
        using var stream = sink.Create(path);
        byte[] bytes = Utf8.GetBytes(text);
        stream.Write(bytes);
    }
}
