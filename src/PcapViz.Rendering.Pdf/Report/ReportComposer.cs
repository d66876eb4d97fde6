using System.Security.Cryptography;
using System.Text;
using PcapViz.Model;
using PcapViz.Rendering.Pdf.Layout;
using PcapViz.View;

namespace PcapViz.Rendering.Pdf.Report;

/// <summary>Turns the result model into blocks: the run summary and one section per capture.</summary>
internal sealed partial class ReportComposer(PdfLayout layout, PdfReportOptions options)
{
    /// <summary>Outline level of the section headings written next (one below the capture or run part they belong to).</summary>
    private int _sectionLevel;

    /// <summary>Issues listed one by one before the rest are counted ("and N more").</summary>
    public const int MaxIssuesListed = 30;

    /// <summary>Most bars in a chart; the table below it lists the full top N.</summary>
    public const int MaxChartBars = 15;

    private const float TimelineHeight = 210f;

    /// <summary>Gaps of a timeline listed one by one before the rest are counted.</summary>
    public const int MaxGapsListed = 5;

    /// <summary>Bar charts grow with their bars, so two bars are not drawn as two slabs.</summary>
    private static float BarChartHeight(int bars) => Math.Min(230f, 48f + 13f * Math.Max(bars, 3));

    private PdfStyle S => layout.Style;

    private int Top => Math.Max(1, options.Top);

    public static PageContext CaptureContext(CaptureResult capture) =>
        new("PcapViz capture report", capture.Input.Path, "input sha256 " + Fmt.ShortHash(capture.Input.Sha256));

    /// <summary>Short hash standing for all inputs of the run: SHA-256 over "path NUL sha256 LF" of each capture in order.</summary>
    public static string RunInputsHash(RunResult run)
    {
        var sb = new StringBuilder();
        foreach (var c in run.Captures) sb.Append(c.Input.Path).Append('\0').Append(c.Input.Sha256).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    /// <summary>Named destination of a capture's section in the run PDF.</summary>
    public static string CaptureAnchor(CaptureResult capture) => "capture-" + capture.Id;

    /// <param name="groupTitle">A bookmark to open before this capture (the first of the run's capture sections).</param>
    public void Capture(CaptureResult capture, RunInfo info, bool standalone, RunResult? run = null, string? groupTitle = null)
    {
        layout.StartSection(CaptureContext(capture));
        if (groupTitle is not null) layout.Mark(groupTitle, 0);
        if (standalone)
        {
            layout.Add(new Paragraph("PcapViz capture report", S.Title, PdfStyle.Text));
            layout.Add(new Paragraph($"Generated {TimeFormat.DisplaySeconds(info.GeneratedUtc.ToUnixTimeSeconds(), options.TimeZone)} by PcapViz {info.ToolVersion}", S.Small, PdfStyle.Muted));
        }
        int level = standalone ? 0 : 1;
        layout.Add(new Heading("Capture " + capture.Input.Path, S.Heading, OutlineLevel: level, Anchor: CaptureAnchor(capture), OutlineTitle: capture.Input.Path));
        _sectionLevel = level + 1;
        if (run is not null)
        {
            var history = new HistorySections(layout, options) { OutlineLevel = _sectionLevel };
            history.Watchlist(run, run.History, capture.Id);
            history.News(run, run.History, capture.Id);
        }
        HighlightsBlock(ReportView.Of(capture).Highlights(options.TimeZone), "What this capture shows");
        Facts(capture);
        Issues(capture.Issues);

        if (capture.Status == CaptureStatus.Failed || capture.File is null)
        {
            layout.Add(new Note("This file could not be read as a capture, so there is nothing to analyse. The facts and issues above are all there is.", NoteKind.Error));
            return;
        }
        if (capture.Summary.Packets == 0)
        {
            layout.Add(new Note("No packets: the capture holds no packet records, so there are no charts or tables.", NoteKind.Info));
            return;
        }
        var view = ReportView.Of(capture);
        Analyses(view, capture.Application);
        CallsHome(view, run?.Slices, capture.Id);
        Conversations(view);
    }

    /// <summary>Whether the run PDF is a summary (a table of every capture, full sections only for those that need a look).</summary>
    public bool IsSummary(RunResult run) => options.RunDetail switch
    {
        RunPdfDetail.Full => false,
        RunPdfDetail.Summary => true,
        _ => run.Captures.Count > options.SummaryThreshold,
    };

    /// <summary>The captures that get a full section in the run PDF: all of them, or in a summary only those with something to look at.</summary>
    public IReadOnlyList<CaptureResult> DetailedCaptures(RunResult run) =>
        IsSummary(run) ? run.Captures.Where(c => Flagged(run, c)).ToList() : run.Captures;

    /// <summary>Failed, partial, with any issue, with a watchlist hit, or with a highlight that is not a plain fact (a spilled capture is read back once for it).</summary>
    private bool Flagged(RunResult run, CaptureResult c) =>
        c.Status != CaptureStatus.Ok || c.Issues.Count > 0 || (run.History is { } m && m.HitsIn(c.Id).Any()) ||
        ReportView.Of(c.Held()).Highlights(options.TimeZone).Any(h => h.Kind != HighlightKind.Fact);

    public void Run(RunResult run, CancellationToken cancellationToken)
    {
        var info = run.Info;
        var detailed = DetailedCaptures(run);
        bool summaryOnly = IsSummary(run);
        bool combined = run.Captures.Count > 1 && run.Totals.Packets > 0;
        layout.StartSection(new PageContext("PcapViz run report", $"{Fmt.Int(run.Captures.Count)} captures", "inputs sha256 " + Fmt.ShortHash(RunInputsHash(run))));
        layout.Add(new Paragraph("PcapViz run report", S.Title, PdfStyle.Text));
        layout.Add(new Paragraph($"Generated {TimeFormat.DisplaySeconds(info.GeneratedUtc.ToUnixTimeSeconds(), options.TimeZone)} by PcapViz {info.ToolVersion}", S.Small, PdfStyle.Muted));
        _sectionLevel = 0;

        var historySections = new HistorySections(layout, options) { OutlineLevel = _sectionLevel };
        historySections.Watchlist(run, run.History, null);
        HighlightsBlock(ReportView.Of(run).Highlights(options.TimeZone), "What this run shows");

        // Contents: every part of this PDF, each line a link; the outline (bookmarks) has the same entries.
        layout.Add(new Heading("Contents", S.Heading, OutlineLevel: 0, Anchor: "contents"));
        layout.Add(new ContentsLine("The run", "run", 0));
        if (run.Beacons.Flagged.Any()) layout.Add(new ContentsLine("Calls home in this run", "run-beacons", 0));
        layout.Add(new ContentsLine("Captures (summary table)", "captures", 0));
        if (run.Skipped.Count > 0) layout.Add(new ContentsLine("Skipped files", "skipped", 0));
        if (combined) layout.Add(new ContentsLine("All captures combined", "combined", 0));
        if (detailed.Count > 0)
        {
            layout.Add(new ContentsLine(summaryOnly ? $"Captures that need a look ({Fmt.Int(detailed.Count)} of {Fmt.Int(run.Captures.Count)})" : "Each capture", CaptureAnchor(detailed[0]), 0));
            foreach (var c in detailed) layout.Add(new ContentsLine(c.Input.Path, CaptureAnchor(c), 1));
        }
        if (info.CommandLine.Count > 0) layout.Add(new ContentsLine("Appendix: options in effect", "appendix", 0));
        layout.AddGap();

        layout.Add(new Heading("Run", S.Heading, OutlineLevel: 0, Anchor: "run", OutlineTitle: "The run"));
        var t = run.Totals;
        int ok = run.Captures.Count(c => c.Status == CaptureStatus.Ok);
        int partial = run.Captures.Count(c => c.Status == CaptureStatus.Partial);
        int failed = run.Captures.Count(c => c.Status == CaptureStatus.Failed);
        var rows = new List<KeyValuePair<string, string>>
        {
            new("Inputs", info.Inputs.Count == 0 ? "–" : string.Join(", ", info.Inputs)),
            new("Captures", $"{Fmt.Int(run.Captures.Count)} ({Fmt.Int(ok)} OK, {Fmt.Int(partial)} partial, {Fmt.Int(failed)} failed)"),
            new("Skipped files", Fmt.Int(run.Skipped.Count)),
            new("First packet", Fmt.Time(t.FirstPacketEpochNanos, options.TimeZone)),
            new("Last packet", Fmt.Time(t.LastPacketEpochNanos, options.TimeZone)),
            new("Packets", PacketsText(t)),
            new("Captured bytes", Fmt.Bytes(t.CapturedBytes)),
            new("IP bytes", Fmt.Bytes(t.IpBytes)),
            new("Inputs hash", RunInputsHash(run) + " (SHA-256 over each capture's path and SHA-256)"),
        };
        if (info.CommandLine.Count > 0) rows.Add(new("Options", "listed in the appendix at the end"));
        layout.Add(new KeyValueTable(rows));

        historySections.News(run, run.History, null);
        historySections.Baselines(run, run.History);
        historySections.Trend(run.History);
        RunCallsHome(run);

        layout.Add(new Heading("Captures", S.Heading, OutlineLevel: 0, Anchor: "captures", OutlineTitle: "Captures (summary table)"));
        if (summaryOnly)
        {
            const string Why = "failed or partial, with issues, watchlist hits, signals or other warnings";
            string which = detailed.Count == 0
                ? $"none of them needs a look ({Why}), so it has no capture sections"
                : $"it has a section only for the {Fmt.Int(detailed.Count)} that need a look ({Why})";
            layout.Add(new Note(
                $"This run has {Names.Count(run.Captures.Count, "capture")}. This PDF is a summary: {which}; every capture's own PDF " +
                "(captures/<id>/report.pdf) has its full detail. --run-pdf full puts every capture in this PDF.", NoteKind.Info));
        }
        var captureRows = run.Captures.Select((c, i) => (IReadOnlyList<string>)
        [
            Fmt.Int(i + 1), c.Input.Path, Fmt.StatusShort(c.Status), c.Status == CaptureStatus.Failed ? "–" : Fmt.Int(c.Summary.Packets),
            c.Status == CaptureStatus.Failed ? "–" : Names.Bytes(c.Summary.IpBytes), Fmt.ShortHash(c.Input.Sha256), Fmt.Int(c.Issues.Count),
        ]).ToList();
        layout.Add(new Table(
            [Column.Number("#"), new("File", 4f), new("Status", 1f), Column.Number("Packets"),
             Column.Number("IP bytes"), new("SHA-256", 1.6f), Column.Number("Issues")],
            captureRows,
            summaryOnly
                ? "Every capture has its own PDF with the full SHA-256, its issues and analyses."
                : "Each capture has its own section below, starting on a new page, with the full SHA-256 and its issues."));

        if (run.Skipped.Count > 0)
        {
            layout.Add(new Heading("Skipped files", S.Heading, OutlineLevel: 0, Anchor: "skipped"));
            layout.Add(new Table([new("File", 3f), new("Reason", 4f)],
                run.Skipped.Select(s => (IReadOnlyList<string>)[s.Path, s.Reason]).ToList()));
        }

        if (combined)
        {
            layout.StartSection(layout.Context);
            layout.Add(new Heading("All captures combined", S.Heading, OutlineLevel: 0, Anchor: "combined"));
            _sectionLevel = 1;
            layout.Add(new Paragraph("The analyses below are merged over every capture that could be read.", S.Body, PdfStyle.Muted));
            Analyses(ReportView.Of(run), run.Application);
        }

        for (int i = 0; i < detailed.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // A spilled capture is read back once for its section (each part read alone would read the file again).
            Capture(detailed[i].Held(), info, standalone: false, run, i == 0 ? (summaryOnly ? "Captures that need a look" : "Each capture") : null);
        }

        if (info.CommandLine.Count > 0)
        {
            layout.StartSection(new PageContext("PcapViz run report", "Appendix", "inputs sha256 " + Fmt.ShortHash(RunInputsHash(run))));
            layout.Add(new Heading("Appendix: options in effect", S.Heading, OutlineLevel: 0, Anchor: "appendix"));
            layout.Add(new KeyValueTable(info.CommandLine.Select(kv => new KeyValuePair<string, string>(kv.Key, kv.Value)).ToList()));
        }
    }

    /// <summary>The highlights block: plain sentences; problems and things to check as tinted notes.</summary>
    private void HighlightsBlock(IReadOnlyList<Highlight> items, string title)
    {
        if (items.Count == 0) return;
        layout.Add(new Heading(title, S.Heading, 40f, OutlineLevel: _sectionLevel, OutlineTitle: "Highlights"));
        foreach (var h in items)
        {
            switch (h.Kind)
            {
                case HighlightKind.Error: layout.Add(new Note("Problem: " + h.Text, NoteKind.Error)); break;
                case HighlightKind.Warning: layout.Add(new Note("Check: " + h.Text, NoteKind.Warning)); break;
                default: layout.Add(new Paragraph("• " + h.Text, S.Body, PdfStyle.Text, MaxLines: 8)); break;
            }
        }
    }

    private void Facts(CaptureResult c)
    {
        var s = c.Summary;
        bool read = c.Status != CaptureStatus.Failed && c.File is not null;
        var rows = new List<KeyValuePair<string, string>>
        {
            new("File", c.Input.Path),
            new("Status", Fmt.Status(c.Status)),
            new("Size", Fmt.Bytes(c.Input.SizeBytes)),
            new("SHA-256", c.Input.Sha256),
            new("Format", Fmt.Format(c.File)),
        };
        if (read)
        {
            rows.Add(new("Link types", Fmt.LinkTypes(c.File!.LinkTypes)));
            rows.Add(new("First packet", Fmt.Time(s.FirstPacketEpochNanos, options.TimeZone)));
            rows.Add(new("Last packet", Fmt.Time(s.LastPacketEpochNanos, options.TimeZone)));
            rows.Add(new("Duration", s.FirstPacketEpochNanos is null ? "–" : TimeFormat.Duration(s.DurationSeconds)));
            rows.Add(new("Packets", PacketsText(s)));
            rows.Add(new("Captured bytes", Fmt.Bytes(s.CapturedBytes)));
            rows.Add(new("IP bytes", Fmt.Bytes(s.IpBytes)));
            if (s.UndecodedPackets > 0) rows.Add(new("Undecoded packets", Fmt.Int(s.UndecodedPackets) + " (link type not understood; counted, not analysed)"));
            if (s.MalformedDnsMessages > 0) rows.Add(new("Malformed DNS", Fmt.Int(s.MalformedDnsMessages) + " messages on a DNS port could not be parsed"));
        }
        rows.Add(new("Issues", Fmt.Issues(c.Issues)));
        layout.Add(new KeyValueTable(rows));
    }

    private static string PacketsText(CaptureSummary s) =>
        $"{Fmt.Int(s.Packets)} ({Fmt.Int(s.Ipv4Packets)} IPv4, {Fmt.Int(s.Ipv6Packets)} IPv6)";

    private void Issues(IReadOnlyList<CaptureIssue> issues)
    {
        if (issues.Count == 0) return;
        layout.Add(new Heading("Issues", S.Heading, 40f, OutlineLevel: _sectionLevel));
        foreach (var issue in issues.Take(MaxIssuesListed))
        {
            var where = new List<string>();
            if (issue.ByteOffset is long o) where.Add("byte offset " + Fmt.Int(o));
            if (issue.PacketIndex is long p) where.Add("packet " + Fmt.Int(p));
            string severity = issue.Severity == IssueSeverity.Error ? "Error" : "Warning";
            string location = where.Count > 0 ? " (" + string.Join(", ", where) + ")" : "";
            layout.Add(new Paragraph($"{severity} {issue.Code}{location}: {issue.Message}",
                issue.Severity == IssueSeverity.Error ? S.BodyBold : S.Body, PdfStyle.Text, MaxLines: 6));
        }
        if (issues.Count > MaxIssuesListed)
        {
            layout.Add(new Paragraph($"… and {Fmt.Int(issues.Count - MaxIssuesListed)} more (all are in analysis.json).", S.Body, PdfStyle.Muted));
        }
    }

    private void Analyses(ReportView view, ApplicationResult application)
    {
        Signals(view.Context);
        SourceIps(view);
        Dns(view);
        Domains(view.Context);
        Application(application);
        Traffic(view);
    }

    /// <summary>Registered domains with signals, strongest first, each signal explained in plain words.</summary>
    private void Signals(ContextResult c)
    {
        var flagged = PcapViz.Context.DnsDomainSignals.WithSignals(c.Domains);
        layout.Add(new Heading("Signals", S.Heading, 60f, OutlineLevel: _sectionLevel));
        if (flagged.Count == 0)
        {
            layout.Add(new Paragraph(c.Domains.Count == 0 && c.Responses.Responses == 0
                ? "No DNS traffic, so no signals."
                : "No registered domain shows a signal (many distinct names, long labels, high entropy, TXT/NULL-heavy, NXDOMAIN-heavy).",
                S.Body, PdfStyle.Muted));
            return;
        }
        layout.Add(new Paragraph("Registered domains whose lookups look like tunnelling, generated names (DGA) or probing, most signals first. A signal is a reason to look, not a verdict.",
            S.Body, PdfStyle.Text));
        foreach (var d in flagged.Take(Top))
        {
            layout.Add(new Paragraph($"{d.Domain}: {string.Join(", ", d.Signals)}", S.BodyBold, PdfStyle.Text, MaxLines: 3));
            foreach (string signal in d.Signals)
                layout.Add(new Paragraph($"{signal}: {DnsSignals.Explain(signal)}.", S.Body, PdfStyle.Text, MaxLines: 4));
            layout.Add(new Paragraph(
                $"{Fmt.Int(d.DistinctNames)} distinct names, {Fmt.Int(d.Queries)} queries, longest label {Fmt.Int(d.MaxLabelLength)} octets, entropy {d.MeanEntropy.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)} bits/char, TXT/NULL {Fmt.Int(d.TxtNullQueries)}, NXDOMAIN {Fmt.Int(d.NxDomain)} of {Fmt.Int(d.Responses)} responses.",
                S.Small, PdfStyle.Muted, MaxLines: 3));
        }
        if (flagged.Count > Top)
            layout.Add(new Paragraph($"… and {Fmt.Int(flagged.Count - Top)} more domains with signals (dns_domains.csv and analysis.json list them all).", S.Body, PdfStyle.Muted));
    }

    /// <summary>How lookups ended and the registered domains.</summary>
    private void Domains(ContextResult c)
    {
        if (c.Domains.Count == 0 && c.Responses.Responses == 0) return;
        layout.Add(new Heading("Registered domains and how lookups ended", S.Heading, 80f, OutlineLevel: _sectionLevel, OutlineTitle: "Registered domains"));
        var r = c.Responses;
        layout.Add(new Paragraph(
            $"{Fmt.Int(r.Responses)} responses, {Fmt.Int(r.WithQuestion)} answering a question; NXDOMAIN share {DnsShares.Percent(r.NxDomain, r.WithQuestion)}" +
            (r.ResponseCodes.Count > 0 ? " (" + string.Join(", ", r.ResponseCodes.Select(code => $"{code.Name} {Fmt.Int(code.Count)}")) + ")." : "."),
            S.Body, PdfStyle.Text));
        if (r.Malformed > 0)
            layout.Add(new Note($"{Fmt.Int(r.Malformed)} responses could not be read and are not counted.", NoteKind.Warning));
        var nx = c.Clients.Entries.Where(e => e.NxDomain > 0).Take(Math.Min(Top, 10)).ToList();
        if (nx.Count > 0)
        {
            layout.Add(new Table(
                [Column.Number("#"), new("Sources that got the most NXDOMAIN", 1f), Column.Number("NXDOMAIN"), Column.Number("Responses"), Column.Number("Share")],
                nx.Select((e, i) => (IReadOnlyList<string>)[Fmt.Int(i + 1), e.Address, Fmt.Int(e.NxDomain), Fmt.Int(e.Responses), DnsShares.Percent(e.NxDomain, e.Responses)]).ToList()));
        }
        var top = c.Domains.Take(Top).ToList();
        layout.Add(new Table(
            [Column.Number("#"), new("Registered domain", 1.4f), new("Signals", 1f), Column.Number("Queries"), Column.Number("Names"), Column.Number("NXDOMAIN"), Column.Number("TXT/NULL")],
            top.Select((d, i) => (IReadOnlyList<string>)
                [Fmt.Int(i + 1), d.Domain, string.Join(", ", d.Signals), Fmt.Int(d.Queries), Fmt.Int(d.DistinctNames), Fmt.Int(d.NxDomain), Fmt.Int(d.TxtNullQueries)]).ToList(),
            $"Top {Fmt.Int(top.Count)} of {Fmt.Int(c.Domains.Count)} registered domains by queries (Public Suffix List {c.Facts.PublicSuffixList}, ICANN section). Names: distinct query names under the domain."));
    }

    private void SourceIps(ReportView view)
    {
        var r = view.Sources;
        var context = view.Context;
        var top = TopListWithChart("Source IP addresses", r.Entries, view.SourcePackets, r.Limit, "No IPv4 or IPv6 packets, so no source addresses.",
            shown => $"Top {Fmt.Int(shown)} of {Fmt.Int(r.Entries.Count)} source addresses by packets (outermost IPv4/IPv6 header); {Fmt.Int(view.SourcePackets)} IP packets in all.",
            "source addresses", "packets", "Packets", e => (e.Names.Count > 0 ? $"{e.Address} ({Wire(e.Names[0].Name)})" : e.Address, (double)e.Packets));
        if (top is null) return;
        var classes = view.Classes;
        if (classes.Public.Whole > 0)
            layout.Add(new Paragraph(
                $"By address class: {classes.Public.Percent} of the listed sources' packets from public addresses, {classes.PrivateScope.Percent} from private-scope ones (RFC 1918, ULA, CGNAT, link-local, loopback), {classes.Other.Percent} from other special-purpose addresses.",
                S.Small, PdfStyle.Muted));
        bool geoIp = context.Facts.GeoIp.Count > 0;
        layout.Add(new Table(
            [
                // Address and class are fitted (never cut: a class is one short word, an address at most 39 characters);
                // the names share what is left and are the ones elided.
                Column.Number("#"), new("Source address", 0f, Fit: true), new("Class", 0f, Fit: true), new("Names (DNS answers)", 1.6f),
                .. geoIp ? new[] { new Column("Country / AS", 0.8f) } : [],
                Column.Number("Packets"), Column.Number("Share"), Column.Number("IP bytes"),
            ],
            top.Select((e, i) => (IReadOnlyList<string>)
            [
                Fmt.Int(i + 1), e.Address, e.AddressClass, PdfNames(e),
                .. geoIp ? new[] { $"{e.Country ?? "–"} {(e.Asn is long asn ? "AS" + asn.ToString(System.Globalization.CultureInfo.InvariantCulture) : "")}".Trim() } : [],
                Fmt.Int(e.Packets), view.SourceShare(e.Packets).Percent, Fmt.Int(e.IpBytes),
            ]).ToList(),
            "Share: of all IP packets in the capture. Class: IANA special-purpose registries. Names: the name A/AAAA answers in the capture gave the address most often, and how many more they gave (the full list is in analysis.json)."));
    }

    private void Dns(ReportView view)
    {
        var r = view.QueryNames;
        var top = TopListWithChart("DNS lookups", r.Entries, view.Queries, r.Limit, "No DNS, mDNS or LLMNR queries.",
            shown => $"Top {Fmt.Int(shown)} of {Fmt.Int(r.Entries.Count)} query names (first question of each query; DNS over UDP/TCP 53, mDNS, LLMNR); {Fmt.Int(view.Queries)} queries in all.",
            "query names", "queries", "Queries", e => (e.Name, (double)e.Queries));
        if (top is null) return;
        layout.Add(new Table(
            [Column.Number("#"), new("Name", 1f), Column.Number("Protocol") with { Align = ColumnAlign.Left }, Column.Number("Queries"), Column.Number("Share")],
            top.Select((e, i) => (IReadOnlyList<string>)
                [Fmt.Int(i + 1), e.Name, Fmt.Protocol(e.Protocol), Fmt.Int(e.Queries), view.QueryShare(e.Queries).Percent]).ToList(),
            "Names in presentation form; bytes outside printable ASCII are escaped as \\DDD. Long names are cut with … (analysis.json has them in full)."));
    }

    /// <summary>Top conversations by IP bytes, top address pairs and services (docs/analysis.md, 5 and 6).</summary>
    private void Conversations(ReportView view)
    {
        var r = view.Conversations;
        if (!SectionHeading("Conversations and services", 120f, r.Entries.Count == 0, "No IP flows.")) return;
        var top = r.Entries.Take(Top).ToList();
        layout.Add(new Paragraph(
            $"Top {Fmt.Int(top.Count)} of {Fmt.Int(r.Entries.Count)} bidirectional flows by IP bytes (endpoints in Community ID order); conversations.csv and analysis.json list every flow with its Community ID.",
            S.Body, PdfStyle.Text));
        LimitNote(r.Limit, "flows", "packets");
        layout.Add(new Table(
            [Column.Number("#"), new("Transport", 0f, Fit: true), new("Endpoint A", 1f), new("Endpoint B", 1f), Column.Number("IP bytes A→B"), Column.Number("IP bytes B→A"), Column.Number("Share")],
            top.Select((e, i) => (IReadOnlyList<string>)
                [Fmt.Int(i + 1), Names.OfIpProtocol(e.Protocol), Endpoint(e.AddressA, e.PortA, e.Protocol), Endpoint(e.AddressB, e.PortB, e.Protocol),
                 Fmt.Int(e.IpBytesAToB), Fmt.Int(e.IpBytesBToA), view.FlowShare(e.IpBytes).Percent]).ToList(),
            "Share: of the IP bytes of every flow in the capture."));
        var pairs = view.TopAddressPairs(Top);
        layout.Add(new Table(
            [Column.Number("#"), new("Address A", 1f), new("Address B", 1f), Column.Number("Flows"), Column.Number("IP bytes"), Column.Number("Share")],
            pairs.Select((p, i) => (IReadOnlyList<string>)
                [Fmt.Int(i + 1), p.AddressA, p.AddressB, Fmt.Int(p.Flows), Fmt.Int(p.IpBytes), view.FlowShare(p.IpBytes).Percent]).ToList(),
            "Top address pairs: the flows between two addresses together."));
        var services = r.Services.Take(Top).ToList();
        if (services.Count > 0)
        {
            layout.Add(new Table(
                [Column.Number("#"), new("Service", 1f), Column.Number("Port"), Column.Number("Flows"), Column.Number("Clients"), Column.Number("Servers"), Column.Number("IP bytes"), Column.Number("Share")],
                services.Select((v, i) => (IReadOnlyList<string>)
                    [Fmt.Int(i + 1), $"{v.Name ?? "–"} ({Names.OfIpProtocol(v.Protocol)})", v.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     Fmt.Int(v.Flows), Fmt.Int(v.Clients), Fmt.Int(v.Servers), Fmt.Int(v.IpBytes), view.FlowShare(v.IpBytes).Percent]).ToList(),
                "Services: flows by their server's port and transport, named from the IANA registry subset shipped with PcapViz (– : not listed there)."));
        }
    }

    /// <summary>A short "Calls home" section when a pair scores as a beacon, with the long connections; nothing otherwise.</summary>
    private void CallsHome(ReportView view, RunSlices? slices, string captureId)
    {
        var r = view.Conversations;
        var flagged = r.Beacons.Where(b => b.Flagged).ToList();
        if (flagged.Count == 0) return;
        layout.Add(new Heading("Calls home", S.Heading, 80f, OutlineLevel: _sectionLevel));
        layout.Add(new Paragraph(
            $"{Fmt.Int(flagged.Count)} client → server pairs connect at a regular rhythm (beacon score {Names.Score(BeaconEntry.Threshold)} or more: regular intervals between connection starts, covering the capture, with regular sizes).",
            S.Body, PdfStyle.Text));
        BeaconsTable(flagged.Select(b => (b, (string[])[])).ToList(), [],
            "Score = 0.4 interval regularity + 0.2 symmetry + 0.2 coverage + 0.2 size regularity (docs/analysis.md). analysis.json has every scored pair with its interval histogram.");
        if (slices is not null)
        {
            // report --slices: the file of each pair's packets in the bundle, by the row number above.
            var lines = flagged.Take(Top).Select((b, i) => slices.Beacon(captureId, b) is { } slice
                ? $"{Fmt.Int(i + 1)}: slice: {slice.File ?? "–"} ({slice.Describe(slices.MaxSliceBytes)})" : $"{Fmt.Int(i + 1)}: no slice").ToList();
            string note = slices.NotSlicedNote(captureId);
            layout.Add(new Paragraph("Packet slices in the bundle: " + string.Join("; ", lines) + "." + (note.Length > 0 ? " " + note : ""), S.Body, PdfStyle.Text));
        }
        var longConnections = view.LongConnections;
        if (longConnections.Count > 0)
        {
            layout.Add(new Table(
                [Column.Number("#"), new("Endpoint A", 1f), new("Endpoint B", 1f), Column.Number("Duration"), Column.Number("IP bytes A→B"), Column.Number("IP bytes B→A")],
                longConnections.Take(Top).Select((e, i) => (IReadOnlyList<string>)
                    [Fmt.Int(i + 1), Endpoint(e.AddressA, e.PortA, e.Protocol), Endpoint(e.AddressB, e.PortB, e.Protocol),
                     TimeFormat.Duration((e.LastPacketEpochNanos - e.FirstPacketEpochNanos) / 1e9), Fmt.Int(e.IpBytesAToB), Fmt.Int(e.IpBytesBToA)]).ToList(),
                "Long connections: flows lasting an hour or more."));
        }
    }

    /// <summary>"Calls home in this run": the run's pairs scoring as beacons over every capture; nothing when none does.</summary>
    private void RunCallsHome(RunResult run)
    {
        var flagged = run.Beacons.Flagged.ToList();
        if (flagged.Count == 0) return;
        layout.Add(new Heading("Calls home in this run", S.Heading, 80f, OutlineLevel: 0, Anchor: "run-beacons"));
        layout.Add(new Paragraph(
            $"{Fmt.Int(flagged.Count)} client → server pairs connect at a regular rhythm over the connections of every capture of the run (beacon score {Names.Score(BeaconEntry.Threshold)} or more over the time the run's flows span).",
            S.Body, PdfStyle.Text));
        BeaconsTable(flagged.Select(b => (b.Beacon, (string[])[Fmt.Int(b.Captures), b.Nights is { } n ? $"{Fmt.Int(n.Seen)} of {Fmt.Int(n.Runs)}" : "–"])).ToList(),
            [Column.Number("Captures"), new("Nights beaconing", 0.8f)],
            "Score as for a capture, over the run. Nights beaconing: of the last nights the history holds (--history), tonight included, those in which the pair scored as much. beacons.json has every scored pair.");
    }

    /// <summary>The table of flagged beacons (a capture's or the run's, which adds <paramref name="extra"/> columns).</summary>
    private void BeaconsTable(IReadOnlyList<(BeaconEntry Beacon, string[] Extra)> flagged, Column[] extra, string caption)
    {
        layout.Add(new Table(
            [Column.Number("#"), new("Client", 1f), new("Server", 1f), Column.Number("Port"), Column.Number("Conns"), Column.Number("Interval"), Column.Number("Score"), new("Regularity · symmetry · coverage · size", 1.2f), .. extra],
            flagged.Take(Top).Select((f, i) => (IReadOnlyList<string>)
                [Fmt.Int(i + 1), f.Beacon.Client, f.Beacon.Server, f.Beacon.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), Fmt.Int(f.Beacon.Connections),
                 TimeFormat.Duration(f.Beacon.MedianIntervalNanos / 1e9), Names.Score(f.Beacon.Score),
                 $"{Names.Score(f.Beacon.IntervalRegularity)} · {Names.Score(f.Beacon.IntervalSymmetry)} · {Names.Score(f.Beacon.Coverage)} · {Names.Score(f.Beacon.SizeRegularity)}", .. f.Extra]).ToList(),
            caption));
    }

    private static string Endpoint(string address, int port, int protocol) =>
        protocol is 6 or 17 or 132 ? (address.Contains(':', StringComparison.Ordinal) ? $"[{address}]:{port}" : $"{address}:{port}") : address;

    private void Traffic(ReportView view)
    {
        var r = view.Traffic;
        if (!SectionHeading("Traffic over time", 120f, r.Bins.Count == 0, "No IP packets on the timeline.")) return;
        var zone = options.TimeZone;
        var peak = view.BusiestBins(1)[0];
        layout.Add(new KeyValueTable(
        [
            new("Bin width", TimeFormat.BinWidth(r.BinSeconds)),
            new("Time zone", TimeFormat.ZoneLabel(zone, r)),
            new("Timeline", $"{TimeFormat.DisplaySeconds(r.Bins[0].StartEpochSeconds, zone)} to {TimeFormat.DisplaySeconds(r.Bins[^1].StartEpochSeconds + r.BinSeconds, zone)} ({Fmt.Int(r.Bins.Count)} bins)"),
            new("Peak bin", $"{TimeFormat.DisplaySeconds(peak.StartEpochSeconds, zone)}: {Fmt.Bytes(peak.IpBytes)}, {Fmt.Int(peak.Packets)} packets, {Fmt.Rate(peak.IpBytes / (double)r.BinSeconds)}"),
            new("Mean rate", $"{Fmt.Rate(view.MeanRate)} over the timeline; {Fmt.Int(view.TimelinePackets)} packets, {Fmt.Bytes(view.TimelineBytes)} of IP"),
        ]));
        var gaps = r.Gaps;
        if (gaps.Count > 0)
        {
            string listed = string.Join("; ", gaps.Take(MaxGapsListed).Select(g => TimeFormat.Span(g.FromEpochSeconds, g.ToEpochSeconds, zone)));
            string more = gaps.Count > MaxGapsListed ? $"; and {Fmt.Int(gaps.Count - MaxGapsListed)} more (analysis.json lists every gap)" : "";
            layout.Add(new Note(
                $"The timeline has {Fmt.Int(gaps.Count)} {(gaps.Count == 1 ? "gap" : "gaps")} without packets, each longer than {Fmt.Int(TrafficResult.MaxEmptyBinsInSegment)} bins, drawn as breaks in the chart: {listed}{more}. Every packet is in a bin.",
                NoteKind.Info));
        }
        var style = S;
        layout.Add(new ChartBlock(TimelineHeight, (c, rect) => Charts.Timeline(c, rect, style, r, zone)));
        var busiest = view.BusiestBins(Top);
        layout.Add(new Table(
            [Column.Number("#"), new("Busiest bins, start", 1f), Column.Number("Packets"), Column.Number("IP bytes"), Column.Number("Rate")],
            busiest.Select((b, i) => (IReadOnlyList<string>)
                [Fmt.Int(i + 1), TimeFormat.DisplaySeconds(b.StartEpochSeconds, zone), Fmt.Int(b.Packets), Fmt.Int(b.IpBytes), Names.ByteRate(b.IpBytes / (double)r.BinSeconds)]).ToList(),
            $"The {Fmt.Int(busiest.Count)} bins with the most IP bytes; every bin is in traffic.csv."));
    }

    internal static string PdfNames(SourceIpEntry e)
    {
        // The most answered name and how many more: the column is narrow, and the count must not be elided away.
        if (e.Names.Count == 0) return "";
        int more = e.MoreNames + e.Names.Count - 1;
        return Wire(e.Names[0].Name) + (more > 0 ? $" +{Fmt.Int(more)}" : "");
    }

    /// <summary>
    /// A capture section's heading, kept on a page with <paramref name="keepWithNext"/> points of what follows; when the
    /// section is <paramref name="empty"/>, the note saying so (<paramref name="none"/>) and false: the section ends there.
    /// </summary>
    private bool SectionHeading(string title, float keepWithNext, bool empty, string none)
    {
        layout.Add(new Heading(title, S.Heading, keepWithNext, OutlineLevel: _sectionLevel));
        if (!empty) return true;
        layout.Add(new Note(none, NoteKind.Info));
        return false;
    }

    /// <summary>
    /// Opens a top-list section (source addresses, query names): the heading, kept with room for the chart; a note and
    /// null when the capture has no entries and no total; otherwise the lead paragraph, the limit note and a bar chart of
    /// the first <see cref="MaxChartBars"/>. Returns the first <see cref="Top"/> entries, for the section's table.
    /// </summary>
    private List<T>? TopListWithChart<T>(string heading, IReadOnlyList<T> entries, long total, DistinctLimit limit, string none,
        Func<int, string> lead, string what, string unit, string axis, Func<T, (string Label, double Value)> bar)
    {
        float keep = BarChartHeight(Math.Min(MaxChartBars, Math.Min(Top, entries.Count))) + 40f;
        if (!SectionHeading(heading, keep, entries.Count == 0 && total == 0, none)) return null;
        var top = entries.Take(Top).ToList();
        layout.Add(new Paragraph(lead(top.Count), S.Body, PdfStyle.Text));
        LimitNote(limit, what, unit);
        var style = S;
        var chartItems = top.Take(MaxChartBars).Select(bar).ToList();
        layout.Add(new ChartBlock(BarChartHeight(chartItems.Count), (c, rect) => Charts.HorizontalBars(c, rect, style, chartItems, ChartAxisLabel(axis, chartItems.Count, top.Count))));
        return top;
    }

    private static string ChartAxisLabel(string unit, int shown, int listed) =>
        shown < listed ? $"{unit} (the first {Fmt.Int(shown)} of the {Fmt.Int(listed)} listed below)" : unit;

    private void LimitNote(DistinctLimit limit, string what, string unit)
    {
        if (!limit.Exceeded) return;
        layout.Add(new Note(
            $"More than {Fmt.Int(limit.MaxDistinct)} distinct {what} (--max-distinct): the rest were folded into \"other\" ({Fmt.Int(limit.OtherPackets)} {unit}). Listed counts may be too low by up to {Fmt.Int(limit.MaxUndercount)}.",
            NoteKind.Warning));
    }
}
