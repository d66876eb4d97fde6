using System.Text.Json;
using PcapViz.Model;

namespace PcapViz.Export;

/// <summary>Reads an analysis.json back into the result model (the incremental cache and tests use it).</summary>
public static class AnalysisJsonReader
{
    public static CaptureResult Read(Stream stream, CaptureInput input)
    {
        using var doc = JsonDocument.Parse(stream);
        var root = doc.RootElement;
        if (root.GetProperty("schemaVersion").GetInt32() != AnalysisJsonExporter.SchemaVersion)
            throw new InvalidDataException("analysis.json has another schema version.");
        var inputElement = root.GetProperty("input");
        string format = inputElement.GetProperty("format").GetString()!;
        CaptureFileInfo? file = format == "unknown" ? null : new CaptureFileInfo(
            format == "pcapng" ? CaptureFormat.PcapNg : CaptureFormat.Pcap,
            inputElement.GetProperty("compression").GetString() == "gzip" ? CaptureCompression.Gzip : CaptureCompression.None,
            inputElement.GetProperty("linkTypes").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            inputElement.GetProperty("timestampPrecision").GetString()!);

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
        var sources = new SourceIpResult(
            root.GetProperty("sourceIps").EnumerateArray().Select(e => new SourceIpEntry(
                e.GetProperty("address").GetString()!, e.GetProperty("version").GetInt32(),
                e.GetProperty("packets").GetInt64(), e.GetProperty("ipBytes").GetInt64())).ToArray(),
            ReadLimit(limits.GetProperty("sourceIps")));
        var dns = new DnsQueryResult(
            root.GetProperty("dnsQueries").EnumerateArray().Select(e => new DnsQueryEntry(
                e.GetProperty("name").GetString()!, ParseProtocol(e.GetProperty("protocol").GetString()),
                e.GetProperty("queries").GetInt64())).ToArray(),
            ReadLimit(limits.GetProperty("dnsQueries")));
        var t = root.GetProperty("traffic");
        var traffic = new TrafficResult(t.GetProperty("binSeconds").GetInt32(),
            t.GetProperty("bins").EnumerateArray().Select(b => new TrafficBin(
                b.GetProperty("startEpochSeconds").GetInt64(), b.GetProperty("packets").GetInt64(), b.GetProperty("ipBytes").GetInt64())).ToArray(),
            t.GetProperty("outsidePackets").GetInt64(), t.GetProperty("outsideIpBytes").GetInt64());
        var issues = root.GetProperty("issues").EnumerateArray().Select(i => new CaptureIssue(
            i.GetProperty("severity").GetString() == "error" ? IssueSeverity.Error : IssueSeverity.Warning,
            i.GetProperty("code").GetString()!, i.GetProperty("message").GetString()!,
            i.GetProperty("byteOffset").ValueKind == JsonValueKind.Number ? i.GetProperty("byteOffset").GetInt64() : null,
            i.GetProperty("packetIndex").ValueKind == JsonValueKind.Number ? i.GetProperty("packetIndex").GetInt64() : null)).ToArray();
        var status = root.GetProperty("status").GetString() switch
        {
            "ok" => CaptureStatus.Ok,
            "partial" => CaptureStatus.Partial,
            _ => CaptureStatus.Failed,
        };
        return new CaptureResult(root.GetProperty("id").GetString()!, input, status, file, summary, sources, dns, traffic, issues);
    }

    private static long OptionalInt64(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.GetInt64() : 0;

    private static DnsProtocol ParseProtocol(string? text) => text switch
    {
        "mdns" => DnsProtocol.Mdns,
        "llmnr" => DnsProtocol.Llmnr,
        _ => DnsProtocol.Dns,
    };

    private static DistinctLimit ReadLimit(JsonElement e) => new(
        e.GetProperty("maxDistinct").GetInt32(), e.GetProperty("exceeded").GetBoolean(),
        e.GetProperty("otherCount").GetInt64(), e.GetProperty("otherIpBytes").GetInt64(), e.GetProperty("maxUndercount").GetInt64());

    private static long? Nanos(JsonElement e) => e.ValueKind == JsonValueKind.Number ? e.GetInt64() : null;
}
