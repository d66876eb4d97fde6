using System.Globalization;
using System.Text;
using PcapViz.Model;
using PcapViz.View;

namespace PcapViz.Export;

/// <summary>
/// Writes <c>source_ips.csv</c>, <c>dns_queries.csv</c>, <c>dns_domains.csv</c>, <c>server_names.csv</c>, <c>traffic.csv</c> and <c>conversations.csv</c> per capture (RFC 4180, UTF-8, LF).
/// Cells that a spreadsheet would read as a formula (starting with = + - @ tab or CR) get a leading apostrophe.
/// </summary>
public sealed class CsvExporter : IReportExporter
{
    /// <inheritdoc />
    public string Name => "csv";

    /// <inheritdoc />
    public void ExportCapture(CaptureResult capture, RunResult run, IOutputSink sink, CancellationToken cancellationToken)
    {
        string dir = $"captures/{capture.Id}/";
        var view = ReportView.Of(capture);
        bool geoIp = capture.Context.Facts.GeoIp.Count > 0;
        // name_sources: where each listed name came from (dns, tls, quic, http), word for word in the order of names.
        string[] sourceHeader = ["address", "version", "packets", "share", "ip_bytes", "address_class", "names", "more_names", "name_sources"];
        Write(sink, dir + "source_ips.csv", geoIp ? [.. sourceHeader, "country", "asn", "as_org"] : sourceHeader,
            capture.SourceIps.Entries.Select(e =>
            {
                string[] row =
                [
                    e.Address, Num(e.Version), Num(e.Packets), view.SourceShare(e.Packets).Fractional, Num(e.IpBytes),
                    e.AddressClass, string.Join(' ', e.Names.Select(n => n.Name)), Num(e.MoreNames), string.Join(' ', e.Names.Select(n => n.Source)),
                ];
                return geoIp ? [.. row, e.Country ?? "", e.Asn is long asn ? Num(asn) : "", e.AsOrg ?? ""] : row;
            }));
        Write(sink, dir + "dns_queries.csv", ["name", "protocol", "queries", "registered_domain", "query_types", "response_codes"],
            capture.DnsQueries.Entries.Select(e => new[]
            {
                e.Name, Names.Of(e.Protocol), Num(e.Queries), e.RegisteredDomain, Counts(e.QueryTypes), Counts(e.ResponseCodes),
            }));
        Write(sink, dir + "dns_domains.csv",
            ["domain", "queries", "distinct_names", "responses", "nxdomain", "txt_null_queries", "max_label_length", "long_label_names", "mean_entropy", "signals"],
            capture.Context.Domains.Select(d => new[]
            {
                d.Domain, Num(d.Queries), Num(d.DistinctNames), Num(d.Responses), Num(d.NxDomain), Num(d.TxtNullQueries),
                Num(d.MaxLabelLength), Num(d.LongLabelNames), d.MeanEntropy.ToString("0.###", CultureInfo.InvariantCulture), string.Join(' ', d.Signals),
            }));
        Write(sink, dir + "server_names.csv", ["server_name", "source", "count", "clients", "clients_complete", "servers", "servers_complete", "server_addresses"],
            capture.Application.ServerNames.Select(e => new[]
            {
                e.ServerName, e.Source, Num(e.Count), Num(e.Clients.Items.Count), Bool(e.Clients.Complete),
                Num(e.Servers.Items.Count), Bool(e.Servers.Complete), string.Join(' ', e.Servers.Items),
            }));
        Write(sink, dir + "traffic.csv", ["start_utc", "start_epoch_seconds", "bin_seconds", "packets", "ip_bytes"],
            capture.Traffic.Bins.Select(b => new[]
            {
                TimeFormat.IsoUtcSeconds(b.StartEpochSeconds), Num(b.StartEpochSeconds), Num(capture.Traffic.BinSeconds), Num(b.Packets), Num(b.IpBytes),
            }));
        WriteConversations(sink, dir + "conversations.csv", capture.Conversations.Entries);
    }

    /// <summary>
    /// conversations.csv, a row per flow (200,000 for a capture at the distinct limit), written from the entry's
    /// fields into one buffer instead of a string per cell: the same bytes as the cells <see cref="Write"/> would
    /// make. Only the addresses go through <see cref="Cell"/>; every other value is a number, a word of this tool or a
    /// Community ID, none of which a spreadsheet reads as a formula or needs quoting.
    /// </summary>
    private static void WriteConversations(IOutputSink sink, string path, IReadOnlyList<ConversationEntry> entries)
    {
        using var stream = sink.Create(path);
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
        writer.WriteLine("protocol,protocol_number,address_a,port_a,address_b,port_b,packets_a_to_b,ip_bytes_a_to_b,packets_b_to_a,ip_bytes_b_to_a,first_packet_utc,last_packet_utc,tcp_flags_seen,community_id");
        var row = new StringBuilder(256);
        Span<char> number = stackalloc char[20];
        Span<byte> ascii = stackalloc byte[Math.Max(TimeFormat.IsoUtcMicrosLength, CommunityIdHash.TextLength)];
        static void Number(StringBuilder line, long value, Span<char> digits)
        {
            value.TryFormat(digits, out int written, default, CultureInfo.InvariantCulture);
            line.Append(digits[..written]).Append(',');
        }
        static void Ascii(StringBuilder line, ReadOnlySpan<byte> text)
        {
            foreach (byte b in text) line.Append((char)b);
        }
        foreach (var e in entries)
        {
            row.Clear();
            row.Append(Names.OfIpProtocol(e.Protocol)).Append(',');
            Number(row, e.Protocol, number);
            row.Append(Cell(e.AddressA)).Append(',');
            Number(row, e.PortA, number);
            row.Append(Cell(e.AddressB)).Append(',');
            Number(row, e.PortB, number);
            Number(row, e.PacketsAToB, number);
            Number(row, e.IpBytesAToB, number);
            Number(row, e.PacketsBToA, number);
            Number(row, e.IpBytesBToA, number);
            TimeFormat.WriteIsoUtcMicros(e.FirstPacketEpochNanos, ascii);
            Ascii(row, ascii[..TimeFormat.IsoUtcMicrosLength]);
            row.Append(',');
            TimeFormat.WriteIsoUtcMicros(e.LastPacketEpochNanos, ascii);
            Ascii(row, ascii[..TimeFormat.IsoUtcMicrosLength]);
            row.Append(',');
            var flags = Names.Of(e.TcpFlags);
            for (int i = 0; i < flags.Count; i++) row.Append(i == 0 ? "" : " ").Append(flags[i]);
            row.Append(',');
            e.CommunityId.WriteUtf8(ascii);
            Ascii(row, ascii[..CommunityIdHash.TextLength]);
            writer.WriteLine(row);
        }
    }

    /// <inheritdoc />
    public void ExportRun(RunResult run, IOutputSink sink, CancellationToken cancellationToken)
    {
    }

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Bool(bool value) => value ? "true" : "false";

    /// <summary>"A=3 AAAA=1": the counts in their order (most first).</summary>
    private static string Counts(IEnumerable<NamedCount> counts) =>
        string.Join(' ', counts.Select(c => c.Name + "=" + Num(c.Count)));

    private static void Write(IOutputSink sink, string path, string[] header, IEnumerable<string[]> rows)
    {
        using var stream = sink.Create(path);
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
        writer.WriteLine(string.Join(',', header));
        var line = new StringBuilder();
        foreach (var row in rows)
        {
            line.Clear();
            for (int i = 0; i < row.Length; i++)
            {
                if (i > 0) line.Append(',');
                line.Append(Cell(row[i]));
            }
            writer.WriteLine(line);
        }
    }

    /// <summary>Quotes per RFC 4180 and defuses formula injection (OWASP: prefix a single quote).</summary>
    internal static string Cell(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' or '|' or '%')
            value = "'" + value;
        if (value.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            value = "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        return value;
    }
}
