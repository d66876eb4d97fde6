using System.Text.Json;
using PcapViz.Model;
using PcapViz.View;

namespace PcapViz.Export;

/// <summary>Writes <c>captures/&lt;id&gt;/analysis.json</c> (schemaVersion 3: docs/output.md, docs/schema/analysis.schema.json) with every address, name and bin.</summary>
public sealed class AnalysisJsonExporter : IReportExporter
{
    internal const int SchemaVersion = 3;

    /// <summary>The oldest schema version <see cref="AnalysisJsonReader"/> still reads (1: no <c>traffic.gaps</c>).</summary>
    internal const int OldestReadableSchemaVersion = 1;
    internal const string FileName = "analysis.json";

    /// <inheritdoc />
    public string Name => "json";

    /// <inheritdoc />
    public void ExportCapture(CaptureResult capture, RunResult run, IOutputSink sink, CancellationToken cancellationToken)
    {
        using var stream = sink.Create($"captures/{capture.Id}/{FileName}");
        // Watchlist hits appear only when watchlists were given, so runs without them keep their bytes.
        var hits = run.History is { WatchlistsChecked: true } history ? history.HitsIn(capture.Id).ToList() : null;
        Write(stream, capture, run.Info.ToolVersion, hits);
    }

    /// <summary>beacons.json (docs/schema/beacons.schema.json): the run's beacons over every capture.</summary>
    public void ExportRun(RunResult run, IOutputSink sink, CancellationToken cancellationToken)
    {
        using var stream = sink.Create(BeaconsFileName);
        WriteRunBeacons(stream, run.Beacons, run.Info.ToolVersion);
    }

    internal const string BeaconsFileName = "beacons.json";

    internal static void WriteRunBeacons(Stream stream, RunBeacons beacons, string toolVersion) =>
        JsonOut.WriteDocument(stream, w =>
        {
            w.WriteNumber("schemaVersion", 1);
            w.WriteTool(toolVersion);
            w.WriteNumber("threshold", BeaconEntry.Threshold);
            w.WriteNumber("minConnections", PcapViz.Analysis.BeaconScorer.MinConnections);
            w.WriteNumberOrNull("observedFromEpochNanos", beacons.ObservedFromEpochNanos);
            w.WriteNumberOrNull("observedToEpochNanos", beacons.ObservedToEpochNanos);
            w.WriteObjects("beacons", beacons.Pairs, static (w, b) =>
            {
                WriteBeacon(w, b.Beacon);
                w.WriteNumber("captures", b.Captures);
                if (b.Nights is { } nights)
                {
                    w.WriteStartObject("nights");
                    w.WriteNumber("seen", nights.Seen);
                    w.WriteNumber("runs", nights.Runs);
                    w.WriteEndObject();
                }
                else w.WriteNull("nights");
            });
        });

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
            WriteLongConnections(w, ReportView.Of(capture).LongConnections);
            WriteBeaconSamples(w, capture.Conversations.BeaconSamples);

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

    /// <summary>One flow per line (<see cref="JsonOut.WriteRawLines{T}"/>): a capture can list 200,000.</summary>
    internal static void WriteConversations(Utf8JsonWriter w, ConversationResult conversations) =>
        w.WriteRawLines("conversations", conversations.Entries, ConversationLine.MaxBytes, ConversationLine.Format);

    /// <summary>
    /// One flow as the compact object <see cref="Utf8JsonWriter"/> wrote before (same members, order and bytes),
    /// formatted straight into bytes: every value is a number, a word of this tool, an address in its text form or a
    /// Community ID, none of which the encoder escapes (base64 is written as it is, "+" and not "\u002B", so the ID
    /// can be searched for in the file as Zeek, Suricata and Arkime print it).
    /// </summary>
    private static class ConversationLine
    {
        /// <summary>Member names with their quotes and colons (and the comma before all but the first).</summary>
        private static readonly byte[] Protocol = "{\"protocol\":\""u8.ToArray(), ProtocolNumber = "\",\"protocolNumber\":"u8.ToArray(),
            Version = ",\"version\":"u8.ToArray(), AddressA = ",\"addressA\":\""u8.ToArray(), PortA = "\",\"portA\":"u8.ToArray(),
            AddressB = ",\"addressB\":\""u8.ToArray(), PortB = "\",\"portB\":"u8.ToArray(),
            PacketsAToB = ",\"packetsAToB\":"u8.ToArray(), IpBytesAToB = ",\"ipBytesAToB\":"u8.ToArray(),
            PacketsBToA = ",\"packetsBToA\":"u8.ToArray(), IpBytesBToA = ",\"ipBytesBToA\":"u8.ToArray(),
            FirstPacketUtc = ",\"firstPacketUtc\":\""u8.ToArray(), LastPacketUtc = "\",\"lastPacketUtc\":\""u8.ToArray(),
            FirstPacketEpochNanos = "\",\"firstPacketEpochNanos\":"u8.ToArray(), LastPacketEpochNanos = ",\"lastPacketEpochNanos\":"u8.ToArray(),
            TcpFlagsSeen = ",\"tcpFlagsSeen\":["u8.ToArray(), HandshakeSeen = "],\"handshakeSeen\":"u8.ToArray(),
            CommunityId = ",\"communityId\":\""u8.ToArray();

        /// <summary>Longer than any line: names ~260 bytes, two IPv6 texts of at most 45, eight numbers of at most 20, two times, flags, the ID.</summary>
        public const int MaxBytes = 1024;

        public static int Format(ConversationEntry e, Span<byte> line)
        {
            int at = 0;
            Put(line, ref at, Protocol);
            Ascii(line, ref at, Names.OfIpProtocol(e.Protocol));
            Put(line, ref at, ProtocolNumber);
            Number(line, ref at, e.Protocol);
            Put(line, ref at, Version);
            Number(line, ref at, e.Version);
            Put(line, ref at, AddressA);
            Ascii(line, ref at, e.AddressA);
            Put(line, ref at, PortA);
            Number(line, ref at, e.PortA);
            Put(line, ref at, AddressB);
            Ascii(line, ref at, e.AddressB);
            Put(line, ref at, PortB);
            Number(line, ref at, e.PortB);
            Put(line, ref at, PacketsAToB);
            Number(line, ref at, e.PacketsAToB);
            Put(line, ref at, IpBytesAToB);
            Number(line, ref at, e.IpBytesAToB);
            Put(line, ref at, PacketsBToA);
            Number(line, ref at, e.PacketsBToA);
            Put(line, ref at, IpBytesBToA);
            Number(line, ref at, e.IpBytesBToA);
            Put(line, ref at, FirstPacketUtc);
            TimeFormat.WriteIsoUtcMicros(e.FirstPacketEpochNanos, line[at..]);
            at += TimeFormat.IsoUtcMicrosLength;
            Put(line, ref at, LastPacketUtc);
            TimeFormat.WriteIsoUtcMicros(e.LastPacketEpochNanos, line[at..]);
            at += TimeFormat.IsoUtcMicrosLength;
            Put(line, ref at, FirstPacketEpochNanos);
            Number(line, ref at, e.FirstPacketEpochNanos);
            Put(line, ref at, LastPacketEpochNanos);
            Number(line, ref at, e.LastPacketEpochNanos);
            Put(line, ref at, TcpFlagsSeen);
            bool first = true;
            foreach (var flag in Names.Of(e.TcpFlags))
            {
                if (!first) line[at++] = (byte)',';
                first = false;
                line[at++] = (byte)'"';
                Ascii(line, ref at, flag);
                line[at++] = (byte)'"';
            }
            Put(line, ref at, HandshakeSeen);
            Put(line, ref at, e.HandshakeSeen ? "true"u8 : "false"u8);
            Put(line, ref at, CommunityId);
            e.CommunityId.WriteUtf8(line[at..]);
            at += CommunityIdHash.TextLength;
            line[at++] = (byte)'"';
            line[at++] = (byte)'}';
            return at;
        }

        private static void Put(Span<byte> line, ref int at, ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(line[at..]);
            at += bytes.Length;
        }

        /// <summary>A value known to be printable ASCII that the encoder leaves alone (an address, a word of this tool).</summary>
        private static void Ascii(Span<byte> line, ref int at, string value)
        {
            if (System.Text.Ascii.FromUtf16(value, line[at..], out int written) != System.Buffers.OperationStatus.Done)
                throw new InvalidOperationException($"Not an ASCII value: {value}"); // addresses and words are ASCII by construction
            at += written;
        }

        private static void Number(Span<byte> line, ref int at, long value)
        {
            System.Buffers.Text.Utf8Formatter.TryFormat(value, line[at..], out int written);
            at += written;
        }
    }

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
        w.WriteObjects("beacons", beacons, WriteBeacon);

    /// <summary>The members of one beacon (a capture's in analysis.json, the run's in beacons.json).</summary>
    internal static void WriteBeacon(Utf8JsonWriter w, BeaconEntry b)
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
    }

    /// <summary>
    /// <c>beaconConnections</c>: what the run's beacons need of this capture (<see cref="BeaconSamples"/>), read back by
    /// a merge and an incremental run. One pair per line: a pair can hold <see cref="BeaconSamples.MaxConnectionsPerPair"/> connections.
    /// </summary>
    internal static void WriteBeaconSamples(Utf8JsonWriter w, BeaconSamples samples)
    {
        w.WriteStartObject("beaconConnections");
        w.WriteNumberOrNull("firstEpochNanos", samples.FirstEpochNanos);
        w.WriteNumberOrNull("lastEpochNanos", samples.LastEpochNanos);
        w.WriteRawLines("pairs", samples.Pairs, SampleLine.MaxBytes, SampleLine.Format);
        w.WriteEndObject();
    }

    private static class SampleLine
    {
        // Two addresses, a transport and port, and two numbers of at most 20 characters per connection.
        public const int MaxBytes = 512 + BeaconSamples.MaxConnectionsPerPair * 2 * 21;

        public static int Format(BeaconConnections p, Span<byte> line)
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(256 + p.Starts.Count * 24);
            using (var w = new Utf8JsonWriter(buffer, JsonOut.CompactWriterOptions))
            {
                w.WriteStartObject();
                w.WriteString("transport", Names.OfIpProtocol(p.Protocol));
                w.WriteString("client", p.Client);
                w.WriteString("server", p.Server);
                w.WriteNumber("port", p.Port);
                w.WriteStartArray("starts");
                foreach (long start in p.Starts) w.WriteNumberValue(start);
                w.WriteEndArray();
                w.WriteStartArray("bytesSent");
                foreach (long sent in p.BytesSent) w.WriteNumberValue(sent);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            buffer.WrittenSpan.CopyTo(line);
            return buffer.WrittenCount;
        }
    }

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
