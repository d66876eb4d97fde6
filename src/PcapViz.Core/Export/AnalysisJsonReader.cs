using System.Text.Json;
using PcapViz.Model;

namespace PcapViz.Export;

/// <summary>Reads an analysis.json back into the result model (the incremental cache, merge, verify --recompute and
/// tests use it): schemaVersion 3, and 2 and 1 as written by earlier versions (names of addresses then came from DNS only).</summary>
internal static class AnalysisJsonReader
{
    public static CaptureResult Read(Stream stream, CaptureInput input)
    {
        using var doc = JsonDocument.Parse(stream);
        var root = doc.RootElement;
        int version = root.GetProperty("schemaVersion").GetInt32();
        if (version is < AnalysisJsonExporter.OldestReadableSchemaVersion or > AnalysisJsonExporter.SchemaVersion)
            throw new InvalidDataException($"analysis.json has schemaVersion {version.ToString(System.Globalization.CultureInfo.InvariantCulture)}; this PcapViz reads versions {AnalysisJsonExporter.OldestReadableSchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)} to {AnalysisJsonExporter.SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
        var inputElement = root.GetProperty("input");
        var format = Names.ParseFormat(inputElement.GetProperty("format").GetString());
        var compression = Names.ParseCompression(inputElement.GetProperty("compression").GetString());
        CaptureFileInfo? file = format == CaptureFormat.Unknown ? null : new CaptureFileInfo(format, compression,
            inputElement.GetProperty("linkTypes").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            Names.ParseTimestampPrecision(inputElement.GetProperty("timestampPrecision").GetString()));

        var s = root.GetProperty("summary");
        var summary = new CaptureSummary(
            s.GetProperty("packets").GetInt64(), s.GetProperty("ipv4Packets").GetInt64(), s.GetProperty("ipv6Packets").GetInt64(),
            s.GetProperty("capturedBytes").GetInt64(), s.GetProperty("ipBytes").GetInt64(),
            Nanos(s.GetProperty("firstPacketEpochNanos")), Nanos(s.GetProperty("lastPacketEpochNanos")),
            s.GetProperty("undecodedPackets").GetInt64(), s.GetProperty("malformedDnsMessages").GetInt64())
        {
            // Added after the first release of the schema: absent in older bundles.
            IncompleteFragmentedDatagrams = OptionalInt64(s, "incompleteFragmentedDatagrams"),
            TcpDnsStreamGaps = OptionalInt64(s, "tcpDnsStreamGaps"),
            TcpDnsFlowsEvicted = OptionalInt64(s, "tcpDnsFlowsEvicted"),
        };

        var limits = root.GetProperty("limits");
        // The context fields (docs/analysis.md section 4) came within schemaVersion 2, as additions: a file without
        // them (version 1, or 2 written before them) reads with an empty context.
        bool withContext = root.TryGetProperty("contextData", out _);
        SourceIpEntry WithSourceContext(JsonElement e, SourceIpEntry entry) => withContext ? ContextJson.ReadSourceContext(e, entry) : entry;
        DnsQueryEntry WithQueryContext(JsonElement e, DnsQueryEntry entry) => withContext ? ContextJson.ReadQueryContext(e, entry) : entry;
        var sources = new SourceIpResult(
            root.GetProperty("sourceIps").EnumerateArray().Select(e => WithSourceContext(e, new SourceIpEntry(
                e.GetProperty("address").GetString()!, e.GetProperty("version").GetInt32(),
                e.GetProperty("packets").GetInt64(), e.GetProperty("ipBytes").GetInt64()))).ToArray(),
            ReadLimit(limits.GetProperty("sourceIps")));
        var dns = new DnsQueryResult(
            root.GetProperty("dnsQueries").EnumerateArray().Select(e => WithQueryContext(e, new DnsQueryEntry(
                e.GetProperty("name").GetString()!, Names.ParseProtocol(e.GetProperty("protocol").GetString()),
                e.GetProperty("queries").GetInt64()))).ToArray(),
            ReadLimit(limits.GetProperty("dnsQueries")));
        var traffic = ReadTraffic(root.GetProperty("traffic"), version);
        var issues = root.GetProperty("issues").EnumerateArray().Select(i => new CaptureIssue(
            Names.ParseSeverity(i.GetProperty("severity").GetString()),
            i.GetProperty("code").GetString()!, i.GetProperty("message").GetString()!,
            i.GetProperty("byteOffset").ValueKind == JsonValueKind.Number ? i.GetProperty("byteOffset").GetInt64() : null,
            i.GetProperty("packetIndex").ValueKind == JsonValueKind.Number ? i.GetProperty("packetIndex").GetInt64() : null)).ToArray();
        var status = Names.ParseStatus(root.GetProperty("status").GetString());
        return new CaptureResult(root.GetProperty("id").GetString()!, input, status, file, summary, sources, dns, traffic, issues)
        {
            Context = withContext ? ContextJson.ReadContext(root, limits) : ContextResult.Empty,
            // Added within schemaVersion 2: a bundle written before flows has none.
            Conversations = root.TryGetProperty("conversations", out var conversations)
                ? ReadConversations(root, conversations, limits.GetProperty("conversations"))
                : ConversationResult.Empty,
            // schemaVersion 3 added the application layer: a version 2 file reads with it empty.
            Application = ApplicationJson.Read(root, limits),
        };
    }

    private static ConversationResult ReadConversations(JsonElement root, JsonElement array, JsonElement limit) => new(
        array.EnumerateArray().Select(e =>
        {
            var flags = TcpFlagsSeen.None;
            foreach (var flag in e.GetProperty("tcpFlagsSeen").EnumerateArray()) flags |= Names.ParseTcpFlag(flag.GetString());
            return new ConversationEntry(e.GetProperty("protocolNumber").GetInt32(), e.GetProperty("version").GetInt32(),
                e.GetProperty("addressA").GetString()!, e.GetProperty("portA").GetInt32(),
                e.GetProperty("addressB").GetString()!, e.GetProperty("portB").GetInt32(),
                e.GetProperty("packetsAToB").GetInt64(), e.GetProperty("ipBytesAToB").GetInt64(),
                e.GetProperty("packetsBToA").GetInt64(), e.GetProperty("ipBytesBToA").GetInt64(),
                e.GetProperty("firstPacketEpochNanos").GetInt64(), e.GetProperty("lastPacketEpochNanos").GetInt64(),
                flags, CommunityIdHash.Parse(e.GetProperty("communityId").GetString()));
        }).ToArray(),
        ReadLimit(limit))
    {
        Services = root.TryGetProperty("services", out var services)
            ? services.EnumerateArray().Select(v => new ServiceEntry(Names.ParseIpProtocol(v.GetProperty("transport").GetString()),
                v.GetProperty("port").GetInt32(), v.GetProperty("name").GetString(), v.GetProperty("flows").GetInt64(),
                v.GetProperty("clients").GetInt64(), v.GetProperty("servers").GetInt64(), v.GetProperty("packets").GetInt64(),
                v.GetProperty("ipBytesToServer").GetInt64(), v.GetProperty("ipBytesFromServer").GetInt64())).ToArray()
            : [],
        Beacons = root.TryGetProperty("beacons", out var beacons)
            ? beacons.EnumerateArray().Select(b => new BeaconEntry(Names.ParseIpProtocol(b.GetProperty("transport").GetString()),
                b.GetProperty("client").GetString()!, b.GetProperty("server").GetString()!, b.GetProperty("port").GetInt32(),
                b.GetProperty("connections").GetInt32(), b.GetProperty("firstEpochNanos").GetInt64(), b.GetProperty("lastEpochNanos").GetInt64(),
                b.GetProperty("medianIntervalNanos").GetInt64(), b.GetProperty("medianBytesSent").GetInt64(), b.GetProperty("score").GetDouble(),
                b.GetProperty("intervalRegularity").GetDouble(), b.GetProperty("intervalSymmetry").GetDouble(), b.GetProperty("coverage").GetDouble(),
                b.GetProperty("sizeRegularity").GetDouble(),
                new ValueList<int>(b.GetProperty("intervalHistogram").GetProperty("counts").EnumerateArray().Select(n => n.GetInt32())),
                b.GetProperty("intervalHistogram").GetProperty("shortestNanos").GetInt64(),
                b.GetProperty("intervalHistogram").GetProperty("longestNanos").GetInt64())).ToArray()
            : [],
        BeaconSamples = root.TryGetProperty("beaconConnections", out var samples) ? ReadBeaconSamples(samples) : BeaconSamples.Empty,
    };

    private static BeaconSamples ReadBeaconSamples(JsonElement samples)
    {
        var pairs = samples.GetProperty("pairs").EnumerateArray().Select(p =>
        {
            var starts = p.GetProperty("starts").EnumerateArray().Select(n => n.GetInt64()).ToArray();
            var sent = p.GetProperty("bytesSent").EnumerateArray().Select(n => n.GetInt64()).ToArray();
            if (starts.Length != sent.Length || starts.Length > BeaconSamples.MaxConnectionsPerPair)
                throw new InvalidDataException("beaconConnections: a pair's starts and bytesSent differ in length or exceed the bound.");
            return new BeaconConnections(Names.ParseIpProtocol(p.GetProperty("transport").GetString()), p.GetProperty("client").GetString()!,
                p.GetProperty("server").GetString()!, p.GetProperty("port").GetInt32(), new ValueList<long>(starts), new ValueList<long>(sent));
        }).ToArray();
        if (pairs.Length > BeaconSamples.MaxPairs) throw new InvalidDataException("beaconConnections: more pairs than the bound.");
        var first = samples.GetProperty("firstEpochNanos");
        var last = samples.GetProperty("lastEpochNanos");
        return new BeaconSamples(first.ValueKind == JsonValueKind.Null ? null : first.GetInt64(),
            last.ValueKind == JsonValueKind.Null ? null : last.GetInt64(), pairs);
    }

    private static long OptionalInt64(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.GetInt64() : 0;

    /// <summary>
    /// Version 2: bins of every segment and the gaps between them, which must agree. Version 1: dense bins from the
    /// first to the last, possibly with packets left out (<c>outsidePackets</c>); a file that left none out is read
    /// into segments by the version 2 rule (runs of more than 60 empty bins become gaps), one that did is refused,
    /// because its timeline does not hold every packet.
    /// </summary>
    private static TrafficResult ReadTraffic(JsonElement t, int version)
    {
        int width = t.GetProperty("binSeconds").GetInt32();
        if (width <= 0) throw new InvalidDataException("traffic.binSeconds must be positive.");
        var bins = t.GetProperty("bins").EnumerateArray().Select(b => new TrafficBin(
            b.GetProperty("startEpochSeconds").GetInt64(), b.GetProperty("packets").GetInt64(), b.GetProperty("ipBytes").GetInt64())).ToList();
        for (int i = 1; i < bins.Count; i++)
            if (bins[i].StartEpochSeconds < bins[i - 1].StartEpochSeconds + width || bins[i].StartEpochSeconds % width != 0)
                throw new InvalidDataException($"traffic.bins[{i.ToString(System.Globalization.CultureInfo.InvariantCulture)}] is out of order or not aligned to the bin width.");
        if (version == 1)
        {
            long outside = t.GetProperty("outsidePackets").GetInt64();
            if (outside != 0)
                throw new InvalidDataException($"analysis.json (schemaVersion 1) left {outside.ToString(System.Globalization.CultureInfo.InvariantCulture)} packets out of its timeline; analyse the capture again.");
            return new TrafficResult(width, ElideLongEmptyRuns(bins));
        }
        var result = new TrafficResult(width, bins);
        var gaps = t.GetProperty("gaps").EnumerateArray().Select(g => new TrafficGap(
            g.GetProperty("fromEpochSeconds").GetInt64(), g.GetProperty("toEpochSeconds").GetInt64())).ToList();
        if (!gaps.SequenceEqual(result.Gaps))
            throw new InvalidDataException("traffic.gaps does not match the bins.");
        if (gaps.Any(g => (g.ToEpochSeconds - g.FromEpochSeconds) / width <= TrafficResult.MaxEmptyBinsInSegment))
            throw new InvalidDataException("traffic.gaps lists a gap of 60 bins or fewer; such stretches are listed as empty bins.");
        return result;
    }

    /// <summary>Drops every run of more than <see cref="TrafficResult.MaxEmptyBinsInSegment"/> empty bins between two non-empty ones.</summary>
    private static List<TrafficBin> ElideLongEmptyRuns(List<TrafficBin> dense)
    {
        var kept = new List<TrafficBin>(dense.Count);
        int i = 0;
        while (i < dense.Count)
        {
            if (dense[i].Packets != 0 || dense[i].IpBytes != 0) { kept.Add(dense[i++]); continue; }
            int end = i;
            while (end < dense.Count && dense[end].Packets == 0 && dense[end].IpBytes == 0) end++;
            bool inside = i > 0 && end < dense.Count;
            if (inside && end - i <= TrafficResult.MaxEmptyBinsInSegment) kept.AddRange(dense.Skip(i).Take(end - i));
            i = end;
        }
        return kept;
    }

    internal static DistinctLimit ReadLimit(JsonElement e) => new(
        e.GetProperty("maxDistinct").GetInt32(), e.GetProperty("exceeded").GetBoolean(),
        e.GetProperty("otherCount").GetInt64(), e.GetProperty("otherIpBytes").GetInt64(), e.GetProperty("maxUndercount").GetInt64());

    private static long? Nanos(JsonElement e) => e.ValueKind == JsonValueKind.Number ? e.GetInt64() : null;
}
