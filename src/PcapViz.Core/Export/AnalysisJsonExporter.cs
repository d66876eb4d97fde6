using System.Text.Encodings.Web;
using System.Text.Json;
using PcapViz.Model;

namespace PcapViz.Export;

/// <summary>Writes <c>captures/&lt;id&gt;/analysis.json</c> (schemaVersion 2, DESIGN.md) with every address, name and bin.</summary>
public sealed class AnalysisJsonExporter : IReportExporter
{
    public const int SchemaVersion = 2;

    /// <summary>The oldest schema version <see cref="AnalysisJsonReader"/> still reads (1: no <c>traffic.gaps</c>).</summary>
    public const int OldestReadableSchemaVersion = 1;
    public const string FileName = "analysis.json";

    internal static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        // The default encoder escapes <, >, &, ', + and non-ASCII: safe even if a file is pasted into HTML.
        Encoder = JavaScriptEncoder.Default,
        NewLine = "\n",
    };

    public string Name => "json";

    public void ExportCapture(CaptureResult capture, RunResult run, IOutputSink sink, CancellationToken cancellationToken)
    {
        using var stream = sink.Create($"captures/{capture.Id}/{FileName}");
        // Watchlist hits appear only when watchlists were given, so runs without them keep their bytes.
        var hits = run.Memory is { WatchlistsChecked: true } memory ? memory.HitsIn(capture.Id).ToList() : null;
        Write(stream, capture, run.Info.ToolVersion, hits);
    }

    public void ExportRun(RunResult run, IOutputSink sink, CancellationToken cancellationToken)
    {
    }

    public static void Write(Stream stream, CaptureResult capture, string toolVersion, IReadOnlyList<WatchlistHit>? watchlistHits = null)
    {
        using var w = new Utf8JsonWriter(stream, WriterOptions);
        w.WriteStartObject();
        w.WriteNumber("schemaVersion", SchemaVersion);
        w.WriteStartObject("tool");
        w.WriteString("name", "pcapviz");
        w.WriteString("version", toolVersion);
        w.WriteEndObject();
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
        if (capture.File is { } file) w.WriteString("timestampPrecision", file.TimestampPrecision);
        else w.WriteNull("timestampPrecision");
        w.WriteEndObject();

        WriteSummary(w, capture.Summary);

        bool geoIp = capture.Context.Facts.GeoIp.Count > 0;
        w.WriteStartArray("sourceIps");
        foreach (var e in capture.SourceIps.Entries)
        {
            w.WriteStartObject();
            w.WriteString("address", e.Address);
            w.WriteNumber("version", e.Version);
            w.WriteNumber("packets", e.Packets);
            w.WriteNumber("ipBytes", e.IpBytes);
            ContextJson.WriteSourceContext(w, e, geoIp);
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteStartArray("dnsQueries");
        foreach (var e in capture.DnsQueries.Entries)
        {
            w.WriteStartObject();
            w.WriteString("name", e.Name);
            w.WriteString("protocol", Names.Of(e.Protocol));
            w.WriteNumber("queries", e.Queries);
            ContextJson.WriteQueryContext(w, e);
            w.WriteEndObject();
        }
        w.WriteEndArray();

        ContextJson.WriteContext(w, capture.Context);

        WriteTraffic(w, capture.Traffic);

        w.WriteStartObject("limits");
        WriteLimit(w, "sourceIps", capture.SourceIps.Limit);
        WriteLimit(w, "dnsQueries", capture.DnsQueries.Limit);
        WriteLimit(w, "dnsAnswers", capture.Context.Answers.Limit);
        WriteLimit(w, "dnsClients", capture.Context.Clients.Limit);
        w.WriteEndObject();

        if (watchlistHits is not null) HistoryJsonWriter.WriteHits(w, "watchlistHits", watchlistHits);

        w.WriteStartArray("issues");
        foreach (var issue in capture.Issues)
        {
            w.WriteStartObject();
            w.WriteString("severity", Names.Of(issue.Severity));
            w.WriteString("code", issue.Code);
            w.WriteString("message", issue.Message);
            if (issue.ByteOffset is long offset) w.WriteNumber("byteOffset", offset);
            else w.WriteNull("byteOffset");
            if (issue.PacketIndex is long index) w.WriteNumber("packetIndex", index);
            else w.WriteNull("packetIndex");
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        stream.Write("\n"u8);
    }

    internal static void WriteSummary(Utf8JsonWriter w, CaptureSummary s)
    {
        w.WriteStartObject("summary");
        w.WriteNumber("packets", s.Packets);
        w.WriteNumber("ipv4Packets", s.Ipv4Packets);
        w.WriteNumber("ipv6Packets", s.Ipv6Packets);
        w.WriteNumber("capturedBytes", s.CapturedBytes);
        w.WriteNumber("ipBytes", s.IpBytes);
        if (s.FirstPacketEpochNanos is long first) w.WriteString("firstPacketUtc", TimeFormat.IsoUtcMicros(first));
        else w.WriteNull("firstPacketUtc");
        if (s.LastPacketEpochNanos is long last) w.WriteString("lastPacketUtc", TimeFormat.IsoUtcMicros(last));
        else w.WriteNull("lastPacketUtc");
        w.WriteNumber("durationSeconds", s.DurationSeconds);
        if (s.FirstPacketEpochNanos is long firstNanos) w.WriteNumber("firstPacketEpochNanos", firstNanos);
        else w.WriteNull("firstPacketEpochNanos");
        if (s.LastPacketEpochNanos is long lastNanos) w.WriteNumber("lastPacketEpochNanos", lastNanos);
        else w.WriteNull("lastPacketEpochNanos");
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
        w.WriteStartArray("bins");
        foreach (var bin in traffic.Bins)
        {
            w.WriteStartObject();
            w.WriteString("startUtc", TimeFormat.IsoUtcSeconds(bin.StartEpochSeconds));
            w.WriteNumber("startEpochSeconds", bin.StartEpochSeconds);
            w.WriteNumber("packets", bin.Packets);
            w.WriteNumber("ipBytes", bin.IpBytes);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("gaps");
        foreach (var gap in traffic.Gaps)
        {
            w.WriteStartObject();
            w.WriteString("fromUtc", TimeFormat.IsoUtcSeconds(gap.FromEpochSeconds));
            w.WriteString("toUtc", TimeFormat.IsoUtcSeconds(gap.ToEpochSeconds));
            w.WriteNumber("fromEpochSeconds", gap.FromEpochSeconds);
            w.WriteNumber("toEpochSeconds", gap.ToEpochSeconds);
            w.WriteEndObject();
        }
        w.WriteEndArray();
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
