using System.Text.Json;
using PcapViz.Model;

namespace PcapViz.Export;

/// <summary>Writes <c>captures/&lt;id&gt;/analysis.json</c> (schemaVersion 3: docs/output.md, docs/schema/analysis.schema.json) with every address, name and bin.</summary>
public sealed class AnalysisJsonExporter : IReportExporter
{
    internal const int SchemaVersion = 3;

    /// <summary>The oldest schema version <see cref="AnalysisJsonReader"/> still reads (1: no <c>traffic.gaps</c>).</summary>
    internal const int OldestReadableSchemaVersion = 1;
    internal const string FileName = "analysis.json";

    public string Name => "json";

    public void ExportCapture(CaptureResult capture, RunResult run, IOutputSink sink, CancellationToken cancellationToken)
    {
        using var stream = sink.Create($"captures/{capture.Id}/{FileName}");
        // Watchlist hits appear only when watchlists were given, so runs without them keep their bytes.
        var hits = run.History is { WatchlistsChecked: true } history ? history.HitsIn(capture.Id).ToList() : null;
        Write(stream, capture, run.Info.ToolVersion, hits);
    }

    public void ExportRun(RunResult run, IOutputSink sink, CancellationToken cancellationToken)
    {
    }

    internal static void Write(Stream stream, CaptureResult capture, string toolVersion, IReadOnlyList<WatchlistHit>? watchlistHits = null) =>
        JsonOut.WriteDocument(stream, w =>
        {
            w.WriteNumber("schemaVersion", SchemaVersion);
            w.WriteTool(toolVersion);
            w.WriteString("id", capture.Id);
            w.WriteString("status", Names.Of(capture.Status));

            w.WriteStartObject("input");
            w.WriteString("path", capture.Input.Path);
            w.WriteNumber("sizeBytes", capture.Input.SizeBytes);
            w.WriteString("sha256", capture.Input.Sha256);
            w.WriteString("format", Names.Of(capture.File?.Format ?? CaptureFormat.Unknown));
            w.WriteString("compression", Names.Of(capture.File?.Compression ?? CaptureCompression.None));
            w.WriteStartArray("linkTypes");
            foreach (int linkType in capture.File?.LinkTypes ?? []) w.WriteNumberValue(linkType);
            w.WriteEndArray();
            w.WriteStringOrNull("timestampPrecision", capture.File?.TimestampPrecision);
            w.WriteEndObject();

            WriteSummary(w, capture.Summary);

            bool geoIp = capture.Context.Facts.GeoIp.Count > 0;
            w.WriteObjects("sourceIps", capture.SourceIps.Entries, (w, e) =>
            {
                w.WriteString("address", e.Address);
                w.WriteNumber("version", e.Version);
                w.WriteNumber("packets", e.Packets);
                w.WriteNumber("ipBytes", e.IpBytes);
                ContextJson.WriteSourceContext(w, e, geoIp);
            });

            w.WriteObjects("dnsQueries", capture.DnsQueries.Entries, static (w, e) =>
            {
                w.WriteString("name", e.Name);
                w.WriteString("protocol", Names.Of(e.Protocol));
                w.WriteNumber("queries", e.Queries);
                ContextJson.WriteQueryContext(w, e);
            });

            ContextJson.WriteContext(w, capture.Context);

            ApplicationJson.Write(w, capture.Application);

            WriteTraffic(w, capture.Traffic);

            w.WriteStartObject("limits");
            WriteLimit(w, "sourceIps", capture.SourceIps.Limit);
            WriteLimit(w, "dnsQueries", capture.DnsQueries.Limit);
            WriteLimit(w, "dnsAnswers", capture.Context.Answers.Limit);
            WriteLimit(w, "dnsClients", capture.Context.Clients.Limit);
            ApplicationJson.WriteLimits(w, capture.Application);
            w.WriteEndObject();

            if (watchlistHits is not null) HistoryJsonWriter.WriteHits(w, "watchlistHits", watchlistHits);

            w.WriteObjects("issues", capture.Issues, static (w, issue) =>
            {
                w.WriteString("severity", Names.Of(issue.Severity));
                w.WriteString("code", issue.Code);
                w.WriteString("message", issue.Message);
                w.WriteNumberOrNull("byteOffset", issue.ByteOffset);
                w.WriteNumberOrNull("packetIndex", issue.PacketIndex);
            });
        });

    internal static void WriteSummary(Utf8JsonWriter w, CaptureSummary s)
    {
        w.WriteStartObject("summary");
        w.WriteNumber("packets", s.Packets);
        w.WriteNumber("ipv4Packets", s.Ipv4Packets);
        w.WriteNumber("ipv6Packets", s.Ipv6Packets);
        w.WriteNumber("capturedBytes", s.CapturedBytes);
        w.WriteNumber("ipBytes", s.IpBytes);
        w.WriteStringOrNull("firstPacketUtc", s.FirstPacketEpochNanos is long first ? TimeFormat.IsoUtcMicros(first) : null);
        w.WriteStringOrNull("lastPacketUtc", s.LastPacketEpochNanos is long last ? TimeFormat.IsoUtcMicros(last) : null);
        w.WriteNumber("durationSeconds", s.DurationSeconds);
        w.WriteNumberOrNull("firstPacketEpochNanos", s.FirstPacketEpochNanos);
        w.WriteNumberOrNull("lastPacketEpochNanos", s.LastPacketEpochNanos);
        w.WriteNumber("undecodedPackets", s.UndecodedPackets);
        w.WriteNumber("malformedDnsMessages", s.MalformedDnsMessages);
        w.WriteNumber("incompleteFragmentedDatagrams", s.IncompleteFragmentedDatagrams);
        w.WriteNumber("tcpDnsStreamGaps", s.TcpDnsStreamGaps);
        w.WriteNumber("tcpDnsFlowsEvicted", s.TcpDnsFlowsEvicted);
        w.WriteEndObject();
    }

    internal static void WriteTraffic(Utf8JsonWriter w, TrafficResult traffic)
    {
        w.WriteStartObject("traffic");
        w.WriteNumber("binSeconds", traffic.BinSeconds);
        w.WriteObjects("bins", traffic.Bins, static (w, bin) =>
        {
            w.WriteString("startUtc", TimeFormat.IsoUtcSeconds(bin.StartEpochSeconds));
            w.WriteNumber("startEpochSeconds", bin.StartEpochSeconds);
            w.WriteNumber("packets", bin.Packets);
            w.WriteNumber("ipBytes", bin.IpBytes);
        });
        w.WriteObjects("gaps", traffic.Gaps, static (w, gap) =>
        {
            w.WriteString("fromUtc", TimeFormat.IsoUtcSeconds(gap.FromEpochSeconds));
            w.WriteString("toUtc", TimeFormat.IsoUtcSeconds(gap.ToEpochSeconds));
            w.WriteNumber("fromEpochSeconds", gap.FromEpochSeconds);
            w.WriteNumber("toEpochSeconds", gap.ToEpochSeconds);
        });
        w.WriteEndObject();
    }

    internal static void WriteLimit(Utf8JsonWriter w, string name, DistinctLimit limit)
    {
        w.WriteStartObject(name);
        w.WriteNumber("maxDistinct", limit.MaxDistinct);
        w.WriteBoolean("exceeded", limit.Exceeded);
        w.WriteNumber("otherCount", limit.OtherPackets);
        w.WriteNumber("otherIpBytes", limit.OtherIpBytes);
        w.WriteNumber("maxUndercount", limit.MaxUndercount);
        w.WriteEndObject();
    }
}
