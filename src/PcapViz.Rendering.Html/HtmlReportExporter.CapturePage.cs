using PcapViz.Model;
using PcapViz.View;
using static PcapViz.Rendering.Html.PageModels;

namespace PcapViz.Rendering.Html;

/// <summary>The capture page: its model, section by section (highlights, sources, context, DNS, traffic).</summary>
public sealed partial class HtmlReportExporter
{
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
        var view = ReportView.Of(capture);

        var downloads = new List<object>();
        if (f.HasFlag(HtmlLinks.Pdf)) downloads.Add(Link("PDF report", "report.pdf"));
        if (f.HasFlag(HtmlLinks.Json)) downloads.Add(Link("analysis.json", "analysis.json"));
        if (f.HasFlag(HtmlLinks.Csv))
        {
            downloads.Add(Link("source_ips.csv", "source_ips.csv"));
            downloads.Add(Link("dns_queries.csv", "dns_queries.csv"));
            downloads.Add(Link("traffic.csv", "traffic.csv"));
            downloads.Add(Link("conversations.csv", "conversations.csv"));
            downloads.Add(Link("server_names.csv", "server_names.csv"));
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
            highlights = HighlightsBlock(view.Highlights(zone), "What this capture shows"),
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
                Card("Distinct names", DistinctCount(capture.DnsQueries.QueriedNames, capture.DnsQueries.Limit), $"{N(view.Queries)} queries"),
                Card("Time range", s.FirstPacketEpochNanos is null ? "–" : TimeFormat.Duration(s.DurationSeconds), TimeRange(s, zone)),
            },
            facts,
            issues = capture.Issues.Select(IssueRow).ToArray(),
            sources = SourcesSection(view, options, fullListHint, pivots),
            dns = DnsSection(view, options, FullListHint(f, "dns_queries.csv"), pivots),
            context = ContextSection(capture.Context, options, FullListHint(f, "dns_domains.csv")),
            application = ApplicationSection(capture.Application, options, FullListHint(f, "server_names.csv")),
            traffic = TrafficSection(view, options, FullListHint(f, "traffic.csv")),
            flows = FlowsSection(view, options, FullListHint(f, "conversations.csv"), pivots, run.Slices, capture.Id),
        };
        var globals = Globals(run, options, $"{HtmlSafety.Visible(FileName(capture.Input.Path))} — PcapViz capture report", TimeFormat.ZoneLabel(zone, s));
        globals["page"] = page;
        globals["history"] = HistoryModels.For(run, capture, options);
        return RenderPage("capture.html", globals, options, "../../", run.History is not null, cancellationToken);
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

    private object SourcesSection(ReportView view, HtmlReportOptions options, string fullListHint, PivotLinks pivots)
    {
        var r = view.Sources;
        var context = view.Context;
        int top = Math.Max(0, options.Top);
        bool geoIp = context.Facts.GeoIp.Count > 0;
        var topEntries = r.Entries.Take(top).ToArray();
        var bars = topEntries.Select(e => new ChartBuilder.Bar(e.Address, e.Packets, e.IpBytes,
            $"{e.Address} ({e.AddressClass}): {N(e.Packets)} packets ({view.SourceShare(e.Packets).Percent}), {Bytes(e.IpBytes)} of IP ({N(e.IpBytes)} bytes)" +
            (e.Names.Count > 0 ? "; names: " + NamesText(e, 5) : ""))).ToArray();
        var columns = new List<TableColumn>
        {
            Col("#", numeric: true, optional: true), Col("Address", address: true), Col("Class", optional: true), Col("Names (DNS, TLS, QUIC, HTTP)", mono: true),
        };
        if (geoIp) { columns.Add(Col("Country", optional: true)); columns.Add(Col("AS", optional: true)); }
        columns.AddRange(new[]
        {
            Col("IP version", numeric: true, optional: true),
            Col("Packets", numeric: true), Col("Share", numeric: true, optional: true), Col("IP bytes", numeric: true),
        });
        if (pivots.Enabled) columns.Add(Col("Captures", numeric: true));
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        (bool Top, IReadOnlyList<Cell> Cells)? otherRow = null;
        if (r.Limit.Exceeded)
        {
            var other = new List<Cell> { "", "other", "", "" };
            if (geoIp) { other.Add(""); other.Add(""); }
            other.AddRange(new Cell[] { "", N(r.Limit.OtherPackets), view.SourceShare(r.Limit.OtherPackets).Percent, new(Bytes(r.Limit.OtherIpBytes), Sort: r.Limit.OtherIpBytes.ToString(inv)) });
            if (pivots.Enabled) other.Add("");
            otherRow = (false, other);
        }
        var table = Table("source-ips", "Source addresses", columns, r.Entries, (e, i) =>
        {
            var cells = new List<Cell>(11) { N(i + 1), pivots.Source(e.Address), e.AddressClass, NamesText(e, ContextBuilderNames) };
            if (geoIp) { cells.Add(e.Country ?? "–"); cells.Add(e.Asn is long asn ? $"AS{N(asn)} {e.AsOrg}".TrimEnd() : "–"); }
            cells.AddRange(new Cell[] { e.Version.ToString(inv), N(e.Packets), view.SourceShare(e.Packets).Percent, new(Bytes(e.IpBytes), Sort: e.IpBytes.ToString(inv)) });
            if (pivots.Enabled) cells.Add(pivots.SourceSeen(e.Address));
            return (i < top, cells);
        }, otherRow, "addresses", fullListHint);
        return new
        {
            has_data = r.Entries.Count > 0,
            chart_id = "chart-sources",
            chart_title = $"Top {N(Math.Min(top, r.Entries.Count))} source addresses by packets",
            figure_json_raw = r.Entries.Count > 0 && top > 0 ? ChartBuilder.SourceBars(bars) : "",
            limit_note = SourcesLimitNote(r.Limit),
            scope_note = ScopeNote(view.Classes),
            table,
        };
    }


    private const int ContextBuilderNames = PcapViz.Context.ContextBuilder.MaxNamesPerAddress;


    /// <summary>"a.example, b.example (+3 more)": the first <paramref name="max"/> names of an address.</summary>
    private static string NamesText(SourceIpEntry e, int max)
    {
        if (e.Names.Count == 0) return "";
        int more = e.MoreNames + Math.Max(0, e.Names.Count - max);
        return string.Join(", ", e.Names.Take(max).Select(n => HtmlSafety.Visible(n.Source == NameSources.Dns ? n.Name : $"{n.Name} [{n.Source}]")))
               + (more > 0 ? $" (+{N(more)} more)" : "");
    }

    /// <summary>Share of the listed sources' packets from public and private-scope sources (<see cref="ReportView.Classes"/>).</summary>
    private static string ScopeNote(AddressClassShares c)
    {
        if (c.Public.Whole <= 0) return "";
        return $"By address class (IANA special-purpose registries): {c.Public.Percent} of the listed sources' packets come from public addresses, " +
               $"{c.PrivateScope.Percent} from private-scope ones (RFC 1918, ULA, CGNAT, link-local, loopback)" +
               (c.Other.Part > 0 ? $", {c.Other.Percent} from other special-purpose addresses (multicast, documentation …)." : ".");
    }

    private object ContextSection(ContextResult c, HtmlReportOptions options, string fullListHint)
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
            nxdomain_share = DnsShares.Percent(r.NxDomain, r.WithQuestion),
            codes = string.Join(", ", r.ResponseCodes.Select(code => $"{code.Name} {N(code.Count)}")),
            malformed = r.Malformed > 0 ? $"{N(r.Malformed)} responses could not be read and are not counted." : "",
            nx_clients = Table("nxdomain-clients", "Sources that got the most NXDOMAIN",
                new[] { Col("#", numeric: true), Col("Address", mono: true), Col("NXDOMAIN", numeric: true), Col("Responses", numeric: true), Col("NXDOMAIN share", numeric: true) },
                nxClients, (e, i) => Row(true, N(i + 1), e.Address, N(e.NxDomain), N(e.Responses), DnsShares.Percent(e.NxDomain, e.Responses)),
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

    private object DnsSection(ReportView view, HtmlReportOptions options, string fullListHint, PivotLinks pivots)
    {
        var r = view.QueryNames;
        int top = Math.Max(0, options.Top);
        var bars = r.Entries.Take(top).Select(e =>
        {
            string proto = Protocol(e.Protocol);
            string label = e.Protocol == DnsProtocol.Dns ? e.Name : $"{e.Name} ({proto})";
            return new ChartBuilder.Bar(label, e.Queries, 0, $"{e.Name} [{proto}]: {N(e.Queries)} queries ({view.QueryShare(e.Queries).Percent})");
        }).ToArray();
        var columns = new List<TableColumn>
        {
            Col("#", numeric: true, optional: true), Col("Name", mono: true), Col("Protocol"), Col("Queries", numeric: true), Col("Share", numeric: true, optional: true),
            Col("Registered domain", mono: true, optional: true), Col("Types", optional: true), Col("Responses", optional: true),
        };
        if (pivots.Enabled) columns.Add(Col("Captures", numeric: true));
        (bool Top, IReadOnlyList<Cell> Cells)? otherRow = null;
        if (r.Limit.Exceeded)
        {
            var other = new List<Cell> { "", "other", "", N(r.Limit.OtherPackets), view.QueryShare(r.Limit.OtherPackets).Percent, "", "", "" };
            if (pivots.Enabled) other.Add("");
            otherRow = (false, other);
        }
        var table = Table("dns-queries", "DNS, mDNS and LLMNR query names", columns, r.Entries, (e, i) =>
        {
            var cells = new List<Cell>(9) { N(i + 1), pivots.Name(e.Name), Protocol(e.Protocol), N(e.Queries), view.QueryShare(e.Queries).Percent, e.RegisteredDomain, Counts(e.QueryTypes), Counts(e.ResponseCodes) };
            if (pivots.Enabled) cells.Add(pivots.NameSeen(e.Name));
            return (i < top, cells);
        }, otherRow, "names", fullListHint);
        return new
        {
            has_data = r.Entries.Count > 0,
            chart_id = "chart-dns",
            chart_title = $"Top {N(Math.Min(top, r.Entries.Count))} queried names",
            figure_json_raw = r.Entries.Count > 0 && top > 0 ? ChartBuilder.HorizontalBars(bars, "queries", "#2d7d46") : "",
            limit_note = DnsLimitNote(r.Limit),
            table,
        };
    }

    private static string Counts(IEnumerable<NamedCount> counts) => string.Join(", ", counts.Select(c => $"{c.Name} {N(c.Count)}"));

    private object TrafficSection(ReportView view, HtmlReportOptions options, string fullListHint)
    {
        var r = view.Traffic;
        var zone = options.TimeZone;
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
            busiest = Bytes(view.Busiest?.IpBytes ?? 0),
            figure_json_raw = r.Bins.Count > 0 ? ChartBuilder.Timeline(r, zone) : "",
            gaps_note = GapsNote(r, zone),
            table = TableModel("traffic", $"Traffic per {TimeFormat.BinWidth(r.BinSeconds)} bin", columns, rows, r.Bins.Count,
                r.Bins.Count > shown ? $"The table lists the first {N(shown)} of {N(r.Bins.Count)} bins (page limit). {fullListHint}" : ""),
        };
    }

    /// <summary>Rows the conversations, address-pairs and services tables show at most (the files list every flow).</summary>
    internal const int FlowRows = 100;

    private object FlowsSection(ReportView view, HtmlReportOptions options, string fullListHint, PivotLinks pivots, RunSlices? slices, string captureId)
    {
        var r = view.Conversations;
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        int top = Math.Max(0, options.Top);

        var flowColumns = new List<TableColumn>
        {
            Col("#", numeric: true, optional: true), Col("Transport"), Col("Endpoint A", address: true), Col("Port A", numeric: true),
            Col("Endpoint B", address: true), Col("Port B", numeric: true), Col("Packets A→B", numeric: true, optional: true),
            Col("Packets B→A", numeric: true, optional: true), Col("IP bytes A→B", numeric: true), Col("IP bytes B→A", numeric: true),
            Col("Share", numeric: true, optional: true), Col("Duration", numeric: true, optional: true), Col("TCP", optional: true),
            Col("Community ID", mono: true, optional: true),
        };
        var flowRows = new HtmlRows(flowColumns);
        int shown = Math.Min(r.Entries.Count, Math.Min(FlowRows, _options.MaxTableRows));
        for (int i = 0; i < shown; i++)
        {
            var e = r.Entries[i];
            flowRows.Add([N(i + 1), Names.OfIpProtocol(e.Protocol), pivots.Source(e.AddressA), PortCell(e.Protocol, e.PortA), pivots.Source(e.AddressB),
                PortCell(e.Protocol, e.PortB), N(e.PacketsAToB), N(e.PacketsBToA),
                new Cell(N(e.IpBytesAToB), Sort: e.IpBytesAToB.ToString(inv)), new Cell(N(e.IpBytesBToA), Sort: e.IpBytesBToA.ToString(inv)),
                view.FlowShare(e.IpBytes).Percent,
                new Cell(TimeFormat.Duration((e.LastPacketEpochNanos - e.FirstPacketEpochNanos) / 1e9),
                    Sort: (e.LastPacketEpochNanos - e.FirstPacketEpochNanos).ToString(inv)),
                string.Join(" ", Names.Of(e.TcpFlags)), e.CommunityId.ToString()], beyondTop: i >= top);
        }

        var pairs = view.TopAddressPairs(FlowRows);
        var pairColumns = new List<TableColumn>
        {
            Col("#", numeric: true, optional: true), Col("Address A", address: true), Col("Address B", address: true),
            Col("Flows", numeric: true), Col("Packets", numeric: true), Col("IP bytes", numeric: true), Col("Share", numeric: true, optional: true),
        };
        var pairRows = new HtmlRows(pairColumns);
        for (int i = 0; i < pairs.Count; i++)
        {
            var p = pairs[i];
            pairRows.Add([N(i + 1), pivots.Source(p.AddressA), pivots.Source(p.AddressB), N(p.Flows), N(p.Packets),
                new Cell(N(p.IpBytes), Sort: p.IpBytes.ToString(inv)), view.FlowShare(p.IpBytes).Percent], beyondTop: i >= top);
        }

        var serviceColumns = new List<TableColumn>
        {
            Col("#", numeric: true, optional: true), Col("Service"), Col("Transport"), Col("Port", numeric: true), Col("Flows", numeric: true),
            Col("Clients", numeric: true), Col("Servers", numeric: true), Col("Packets", numeric: true, optional: true),
            Col("IP bytes to server", numeric: true), Col("IP bytes from server", numeric: true), Col("Share", numeric: true, optional: true),
        };
        var serviceRows = new HtmlRows(serviceColumns);
        int services = Math.Min(r.Services.Count, Math.Min(FlowRows, _options.MaxTableRows));
        for (int i = 0; i < services; i++)
        {
            var v = r.Services[i];
            serviceRows.Add([N(i + 1), v.Name ?? "–", Names.OfIpProtocol(v.Protocol), v.Port.ToString(inv), N(v.Flows), N(v.Clients), N(v.Servers),
                N(v.Packets), new Cell(N(v.IpBytesToServer), Sort: v.IpBytesToServer.ToString(inv)),
                new Cell(N(v.IpBytesFromServer), Sort: v.IpBytesFromServer.ToString(inv)), view.FlowShare(v.IpBytes).Percent], beyondTop: i >= top);
        }

        var beaconColumns = BeaconColumns(run: false);
        if (slices is not null) beaconColumns.Add(Col("Slice"));
        var beaconRows = new HtmlRows(beaconColumns);
        for (int i = 0; i < r.Beacons.Count; i++)
        {
            var cells = BeaconCells(i, r.Beacons[i], pivots);
            if (slices is not null) cells.Add(SliceCell(slices.Beacon(captureId, r.Beacons[i]), slices.MaxSliceBytes, "../../"));
            beaconRows.Add(cells, beyondTop: i >= top);
        }
        var longConnections = view.LongConnections;
        var longColumns = new List<TableColumn>
        {
            Col("#", numeric: true, optional: true), Col("Transport"), Col("Endpoint A", address: true), Col("Port A", numeric: true),
            Col("Endpoint B", address: true), Col("Port B", numeric: true), Col("Duration", numeric: true),
            Col("IP bytes A→B", numeric: true), Col("IP bytes B→A", numeric: true), Col("Community ID", mono: true, optional: true),
        };
        var longRows = new HtmlRows(longColumns);
        for (int i = 0; i < longConnections.Count; i++)
        {
            var e = longConnections[i];
            long duration = e.LastPacketEpochNanos - e.FirstPacketEpochNanos;
            longRows.Add([N(i + 1), Names.OfIpProtocol(e.Protocol), pivots.Source(e.AddressA), PortCell(e.Protocol, e.PortA), pivots.Source(e.AddressB),
                PortCell(e.Protocol, e.PortB), new Cell(TimeFormat.Duration(duration / 1e9), Sort: duration.ToString(inv)),
                new Cell(N(e.IpBytesAToB), Sort: e.IpBytesAToB.ToString(inv)), new Cell(N(e.IpBytesBToA), Sort: e.IpBytesBToA.ToString(inv)),
                e.CommunityId.ToString()], beyondTop: i >= top);
        }

        string limitNote = r.Limit.Exceeded
            ? $"More than {N(r.Limit.MaxDistinct)} flows: the lightest were folded into \"other\" ({N(r.Limit.OtherPackets)} packets, {Bytes(r.Limit.OtherIpBytes)} of IP); pairs and services count the listed flows only."
            : "";
        return new
        {
            has_data = r.Entries.Count > 0,
            flows = N(r.Entries.Count),
            services_count = N(r.Services.Count),
            limit_note = limitNote,
            conversations = TableModel("conversations", "Conversations, most IP bytes first", flowColumns, flowRows, r.Entries.Count,
                r.Entries.Count > shown ? $"The table lists the top {N(shown)} of {N(r.Entries.Count)} flows. {fullListHint}" : ""),
            pairs = TableModel("address-pairs", "Address pairs, most IP bytes first", pairColumns, pairRows, pairs.Count, ""),
            flagged = N(r.Beacons.Count(b => b.Flagged)),
            threshold = Names.Score(BeaconEntry.Threshold),
            has_beacons = r.Beacons.Count > 0,
            beacons = TableModel("beacons", "Client → server pairs scored for beaconing, highest first", beaconColumns, beaconRows, r.Beacons.Count, ""),
            slice_note = slices?.NotSlicedNote(captureId) ?? "",
            has_long = longConnections.Count > 0,
            long_connections = TableModel("long-connections", "Flows lasting an hour or more, longest first", longColumns, longRows, longConnections.Count, ""),
            services = TableModel("services", "Services (server port and transport), most IP bytes first", serviceColumns, serviceRows, r.Services.Count,
                r.Services.Count > services ? $"The table lists the top {N(services)} of {N(r.Services.Count)} services (analysis.json lists every one)." : ""),
        };
    }

    /// <summary>
    /// The cell linking a finding's packet slice (`report --slices`), relative to the page (<paramref name="prefix"/>
    /// leads back to the bundle's root), with what it holds; "–" for a finding without one.
    /// </summary>
    internal static Cell SliceCell(FindingSlice? slice, long maxSliceBytes, string prefix) => slice switch
    {
        null => "–",
        { File: null } => slice.Describe(maxSliceBytes),
        _ => new Cell($"{slice.FileName} ({slice.Describe(maxSliceBytes)})", Href: prefix + Href(slice.File.Split('/'))),
    };

    /// <summary>The columns of a beacons table: a capture's, or the run's with the captures and nights of each pair.</summary>
    private static List<TableColumn> BeaconColumns(bool run)
    {
        var columns = new List<TableColumn>
        {
            Col("#", numeric: true, optional: true), Col("Client", address: true), Col("Server", address: true), Col("Service"),
            Col("Connections", numeric: true), Col("Median interval", numeric: true), Col("Score", numeric: true),
            Col("Interval regularity", numeric: true, optional: true), Col("Interval symmetry", numeric: true, optional: true),
            Col("Coverage", numeric: true, optional: true), Col("Size regularity", numeric: true, optional: true),
            Col("Intervals (shortest to longest)", mono: true),
        };
        if (run) columns.AddRange([Col("Captures", numeric: true), Col("Seen beaconing")]);
        return columns;
    }

    /// <summary>One beacon's cells under <see cref="BeaconColumns"/> (without the run's two).</summary>
    private static List<Cell> BeaconCells(int i, BeaconEntry b, PivotLinks pivots)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        return
        [
            N(i + 1), pivots.Source(b.Client), pivots.Source(b.Server), $"{Names.OfIpProtocol(b.Protocol)} {PortCell(b.Protocol, b.Port)}",
            N(b.Connections), new Cell(TimeFormat.Duration(b.MedianIntervalNanos / 1e9), Sort: b.MedianIntervalNanos.ToString(inv)),
            new Cell((b.Flagged ? "⚑ " : "") + Names.Score(b.Score), Sort: Names.Score(b.Score)), Names.Score(b.IntervalRegularity), Names.Score(b.IntervalSymmetry),
            Names.Score(b.Coverage), Names.Score(b.SizeRegularity),
            $"{Names.Sparkline(b.IntervalHistogram)} {TimeFormat.Duration(b.ShortestIntervalNanos / 1e9)}–{TimeFormat.Duration(b.LongestIntervalNanos / 1e9)}",
        ];
    }

    /// <summary>"5 of the last 7 nights" (<see cref="BeaconNights"/>); a dash without --history.</summary>
    internal static string Nights(BeaconNights? nights) =>
        nights is { } n ? $"{N(n.Seen)} of the last {Names.Count(n.Runs, "night")}" : "–";

    /// <summary>The index's "Calls home in this run": the run's pairs scoring at least the threshold; null when none does.</summary>
    private static object? RunBeaconsSection(RunResult run, PivotLinks pivots, int maxRows)
    {
        var flagged = run.Beacons.Flagged.ToList();
        if (flagged.Count == 0) return null;
        var columns = BeaconColumns(run: true);
        var rows = new HtmlRows(columns);
        for (int i = 0; i < flagged.Count; i++)
        {
            var cells = BeaconCells(i, flagged[i].Beacon, pivots);
            cells.AddRange([N(flagged[i].Captures), Nights(flagged[i].Nights)]);
            rows.Add(cells, beyondTop: i >= maxRows);
        }
        return new
        {
            flagged = N(flagged.Count),
            threshold = Names.Score(BeaconEntry.Threshold),
            table = TableModel("run-beacons", "Client → server pairs calling home over the run, highest score first", columns, rows, flagged.Count, ""),
        };
    }

    private static string PortCell(int protocol, int port)
    {
        if (protocol is not (6 or 17 or 132)) return port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string? name = PcapViz.Context.ServiceNames.Of(protocol, port);
        return name is null ? port.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : $"{port.ToString(System.Globalization.CultureInfo.InvariantCulture)} ({name})";
    }
}
