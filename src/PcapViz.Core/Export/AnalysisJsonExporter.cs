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

            WriteConversations(w, capture.Conversations);
            WriteServices(w, capture.Conversations.Services);
            WriteBeacons(w, capture.Conversations.Beacons);
            WriteLongConnections(w, capture.Conversations.LongConnections());

            w.WriteStartObject("limits");
            WriteLimit(w, "sourceIps", capture.SourceIps.Limit);
            WriteLimit(w, "dnsQueries", capture.DnsQueries.Limit);
            WriteLimit(w, "dnsAnswers", capture.Context.Answers.Limit);
            WriteLimit(w, "dnsClients", capture.Context.Clients.Limit);
            WriteLimit(w, "conversations", capture.Conversations.Limit);
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

    /// <summary>One flow per line (<see cref="JsonOut.WriteObjectLines{T}"/>): a capture can list 200,000.</summary>
    internal static void WriteConversations(Utf8JsonWriter w, ConversationResult conversations) =>
        w.WriteObjectLines("conversations", conversations.Entries, static (w, e) =>
        {
            w.WriteString(ConversationNames.Protocol, Names.OfIpProtocol(e.Protocol));
            w.WriteNumber(ConversationNames.ProtocolNumber, e.Protocol);
            w.WriteNumber(ConversationNames.Version, e.Version);
            w.WriteString(ConversationNames.AddressA, e.AddressA);
            w.WriteNumber(ConversationNames.PortA, e.PortA);
            w.WriteString(ConversationNames.AddressB, e.AddressB);
            w.WriteNumber(ConversationNames.PortB, e.PortB);
            w.WriteNumber(ConversationNames.PacketsAToB, e.PacketsAToB);
            w.WriteNumber(ConversationNames.IpBytesAToB, e.IpBytesAToB);
            w.WriteNumber(ConversationNames.PacketsBToA, e.PacketsBToA);
            w.WriteNumber(ConversationNames.IpBytesBToA, e.IpBytesBToA);
            Span<byte> time = stackalloc byte[TimeFormat.IsoUtcMicrosLength];
            TimeFormat.WriteIsoUtcMicros(e.FirstPacketEpochNanos, time);
            w.WriteString(ConversationNames.FirstPacketUtc, time);
            TimeFormat.WriteIsoUtcMicros(e.LastPacketEpochNanos, time);
            w.WriteString(ConversationNames.LastPacketUtc, time);
            w.WriteNumber(ConversationNames.FirstPacketEpochNanos, e.FirstPacketEpochNanos);
            w.WriteNumber(ConversationNames.LastPacketEpochNanos, e.LastPacketEpochNanos);
            w.WriteStartArray(ConversationNames.TcpFlagsSeen);
            foreach (var flag in Names.Of(e.TcpFlags)) w.WriteStringValue(flag);
            w.WriteEndArray();
            w.WriteBoolean(ConversationNames.HandshakeSeen, e.HandshakeSeen);
            // Base64 is plain ASCII: written as it is ("+", not the encoder's "\u002B"), so the ID can be searched for
            // in the file as Zeek, Suricata and Arkime print it.
            Span<byte> id = stackalloc byte[2 + CommunityIdHash.TextLength];
            id[0] = (byte)'"';
            e.CommunityId.WriteUtf8(id[1..^1]);
            id[^1] = (byte)'"';
            w.WritePropertyName(ConversationNames.CommunityId);
            w.WriteRawValue(id, skipInputValidation: true);
        });

    internal static void WriteServices(Utf8JsonWriter w, IReadOnlyList<ServiceEntry> services) =>
        w.WriteObjects("services", services, static (w, v) =>
        {
            w.WriteString("transport", Names.OfIpProtocol(v.Protocol));
            w.WriteNumber("port", v.Port);
            w.WriteString("name", v.Name);
            w.WriteNumber("flows", v.Flows);
            w.WriteNumber("clients", v.Clients);
            w.WriteNumber("servers", v.Servers);
            w.WriteNumber("packets", v.Packets);
            w.WriteNumber("ipBytesToServer", v.IpBytesToServer);
            w.WriteNumber("ipBytesFromServer", v.IpBytesFromServer);
        });

    internal static void WriteBeacons(Utf8JsonWriter w, IReadOnlyList<BeaconEntry> beacons) =>
        w.WriteObjects("beacons", beacons, static (w, b) =>
        {
            w.WriteString("transport", Names.OfIpProtocol(b.Protocol));
            w.WriteString("client", b.Client);
            w.WriteString("server", b.Server);
            w.WriteNumber("port", b.Port);
            w.WriteNumber("connections", b.Connections);
            w.WriteString("firstUtc", TimeFormat.IsoUtcMicros(b.FirstEpochNanos));
            w.WriteString("lastUtc", TimeFormat.IsoUtcMicros(b.LastEpochNanos));
            w.WriteNumber("firstEpochNanos", b.FirstEpochNanos);
            w.WriteNumber("lastEpochNanos", b.LastEpochNanos);
            w.WriteNumber("medianIntervalNanos", b.MedianIntervalNanos);
            w.WriteNumber("medianBytesSent", b.MedianBytesSent);
            w.WriteNumber("score", b.Score);
            w.WriteNumber("intervalRegularity", b.IntervalRegularity);
            w.WriteNumber("intervalSymmetry", b.IntervalSymmetry);
            w.WriteNumber("coverage", b.Coverage);
            w.WriteNumber("sizeRegularity", b.SizeRegularity);
            w.WriteBoolean("flagged", b.Flagged);
            w.WriteStartObject("intervalHistogram");
            w.WriteNumber("shortestNanos", b.ShortestIntervalNanos);
            w.WriteNumber("longestNanos", b.LongestIntervalNanos);
            w.WriteStartArray("counts");
            foreach (int n in b.IntervalHistogram) w.WriteNumberValue(n);
            w.WriteEndArray();
            w.WriteEndObject();
        });

    internal static void WriteLongConnections(Utf8JsonWriter w, IReadOnlyList<ConversationEntry> flows) =>
        w.WriteObjects("longConnections", flows, static (w, e) =>
        {
            w.WriteString("communityId", e.CommunityId.ToString());
            w.WriteString("transport", Names.OfIpProtocol(e.Protocol));
            w.WriteString("addressA", e.AddressA);
            w.WriteNumber("portA", e.PortA);
            w.WriteString("addressB", e.AddressB);
            w.WriteNumber("portB", e.PortB);
            w.WriteNumber("durationNanos", e.LastPacketEpochNanos - e.FirstPacketEpochNanos);
            w.WriteNumber("ipBytesAToB", e.IpBytesAToB);
            w.WriteNumber("ipBytesBToA", e.IpBytesBToA);
        });

    private static class ConversationNames
    {
        public static readonly JsonEncodedText Protocol = JsonEncodedText.Encode("protocol");
        public static readonly JsonEncodedText ProtocolNumber = JsonEncodedText.Encode("protocolNumber");
        public static readonly JsonEncodedText Version = JsonEncodedText.Encode("version");
        public static readonly JsonEncodedText AddressA = JsonEncodedText.Encode("addressA");
        public static readonly JsonEncodedText PortA = JsonEncodedText.Encode("portA");
        public static readonly JsonEncodedText AddressB = JsonEncodedText.Encode("addressB");
        public static readonly JsonEncodedText PortB = JsonEncodedText.Encode("portB");
        public static readonly JsonEncodedText PacketsAToB = JsonEncodedText.Encode("packetsAToB");
        public static readonly JsonEncodedText IpBytesAToB = JsonEncodedText.Encode("ipBytesAToB");
        public static readonly JsonEncodedText PacketsBToA = JsonEncodedText.Encode("packetsBToA");
        public static readonly JsonEncodedText IpBytesBToA = JsonEncodedText.Encode("ipBytesBToA");
        public static readonly JsonEncodedText FirstPacketUtc = JsonEncodedText.Encode("firstPacketUtc");
        public static readonly JsonEncodedText LastPacketUtc = JsonEncodedText.Encode("lastPacketUtc");
        public static readonly JsonEncodedText FirstPacketEpochNanos = JsonEncodedText.Encode("firstPacketEpochNanos");
        public static readonly JsonEncodedText LastPacketEpochNanos = JsonEncodedText.Encode("lastPacketEpochNanos");
        public static readonly JsonEncodedText TcpFlagsSeen = JsonEncodedText.Encode("tcpFlagsSeen");
        public static readonly JsonEncodedText HandshakeSeen = JsonEncodedText.Encode("handshakeSeen");
        public static readonly JsonEncodedText CommunityId = JsonEncodedText.Encode("communityId");
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
