global using Xunit;
global using PcapViz.Analysis;
global using PcapViz.Decoding;
global using PcapViz.Model;
global using PcapViz.Reading;
global using PcapViz.Generator;
global using PcapViz.TestSupport;
global using CaptureFormat = PcapViz.Model.CaptureFormat;
global using LinkTypes = PcapViz.Decoding.LinkTypes;

using System.Buffers.Binary;
using PcapViz.Slicing;

namespace PcapViz.Tests;

/// <summary>One record as read, copied out of the reader's buffer.</summary>
internal sealed record ReadPacket(byte[] Data, long TimestampNanos, int OriginalLength, int LinkType, int InterfaceId, long ByteOffset);

/// <summary>What the decoder reported for one frame, copied out of the ref struct.</summary>
internal sealed record Decoded(
    int IpVersion, byte[] Source, long IpBytes, TransportProtocol Transport, ushort SourcePort, ushort DestinationPort,
    byte[] Payload, bool LinkTypeUnsupported, string? Anomaly, int TunnelDepth, bool IpLengthFromWire,
    UndecodedCause Undecoded = UndecodedCause.None, AnomalyKind AnomalyKind = AnomalyKind.None, DecodeNotes Notes = DecodeNotes.None,
    bool IsFragment = false, uint TcpSequence = 0, byte TcpFlags = 0);

/// <summary>The PcapBuilder-style helpers: build captures in memory, open them, read every record.</summary>
internal static class Kit
{
    /// <summary>A result as analysis.json bytes (what "the same result" means in these tests).</summary>
    public static byte[] AnalysisJson(CaptureResult result, string toolVersion = "0.0.0-test")
    {
        var ms = new MemoryStream();
        PcapViz.Export.AnalysisJsonExporter.Write(ms, result, toolVersion);
        return ms.ToArray();
    }

    /// <summary>2024-01-01T00:00:00Z in seconds since the epoch (computed by hand: 19723 days × 86400).</summary>
    public const long Jan2024Seconds = 1_704_067_200L;
    public const long Jan2024Nanos = Jan2024Seconds * 1_000_000_000L;

    public static byte[] Pcap(Action<PcapWriter> write, uint linkType = 1, bool nanosecond = false, bool bigEndian = false, bool gzip = false, uint snapLength = 262144)
    {
        var ms = new MemoryStream();
        using (var w = new PcapWriter(ms, linkType, nanosecond, bigEndian, snapLength, gzip))
            write(w);
        return ms.ToArray();
    }

    public static byte[] PcapNg(Action<PcapNgWriter> write, bool bigEndian = false, bool gzip = false)
    {
        var ms = new MemoryStream();
        using (var w = new PcapNgWriter(ms, bigEndian, gzip))
            write(w);
        return ms.ToArray();
    }

    public static (CaptureReader? Reader, IssueLog Issues) Open(byte[] bytes, bool knownLength = false)
    {
        var issues = new IssueLog();
        var reader = CaptureOpener.Open(new MemoryStream(bytes, writable: false), issues, knownLength ? bytes.Length : null);
        return (reader, issues);
    }

    public static List<ReadPacket> ReadAll(CaptureReader reader)
    {
        var list = new List<ReadPacket>();
        while (reader.TryReadNext(out var p))
            list.Add(new ReadPacket(p.Data.ToArray(), p.TimestampNanos, p.OriginalLength, p.LinkType, p.InterfaceId, p.ByteOffset));
        return list;
    }

    public static (List<ReadPacket> Packets, IReadOnlyList<CaptureIssue> Issues, CaptureReader? Reader) ReadFile(byte[] bytes, bool knownLength = false)
    {
        var (reader, issues) = Open(bytes, knownLength);
        var packets = reader is null ? [] : ReadAll(reader);
        return (packets, issues.ToList(), reader);
    }

    public static Decoded Decode(int linkType, byte[] frame, int? originalLength = null)
    {
        var view = default(PacketView);
        new PacketDecoder().Decode(linkType, frame, originalLength ?? frame.Length, ref view);
        return new Decoded(view.IpVersion, view.SourceAddress.ToArray(), view.IpBytes, view.Transport, view.SourcePort,
            view.DestinationPort, view.Payload.ToArray(), view.LinkTypeUnsupported, view.Anomaly.IsSet ? view.Anomaly.Describe() : null,
            view.TunnelDepth, view.IpLengthFromWire, view.Undecoded, view.Anomaly.Kind, view.Notes, view.IsFragment, view.TcpSequence, view.TcpFlags);
    }

    public static byte[] Ip(string text) => System.Net.IPAddress.Parse(text).GetAddressBytes();

    public static byte[] Bytes(params int[] values) => values.Select(v => (byte)v).ToArray();

    public static byte[] U32Le(uint v) { var b = new byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); return b; }
    public static byte[] U32Be(uint v) { var b = new byte[4]; BinaryPrimitives.WriteUInt32BigEndian(b, v); return b; }
    public static byte[] U16Be(ushort v) { var b = new byte[2]; BinaryPrimitives.WriteUInt16BigEndian(b, v); return b; }

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>Runs every packet through a CaptureAnalysis as the pipeline does.</summary>
    public static CaptureAnalysis Analyse(IEnumerable<(long Nanos, int LinkType, byte[] Frame)> packets, AnalysisOptions? options = null, IssueLog? issues = null)
    {
        var analysis = new CaptureAnalysis(options ?? new AnalysisOptions());
        issues ??= new IssueLog();
        long index = 0;
        foreach (var (nanos, linkType, frame) in packets)
        {
            var raw = new RawPacket(frame, nanos, frame.Length, linkType, 0, 0);
            analysis.Observe(raw, issues, index++);
        }
        return analysis;
    }

    public static void Observe(SourceIpAnalysis a, byte[] frame, int linkType = 1)
    {
        var view = default(PacketView);
        new PacketDecoder().Decode(linkType, frame, frame.Length, ref view);
        a.Observe(ref view);
    }

    public static void Observe(DnsQueryAnalysis a, byte[] frame, int linkType = 1)
    {
        var view = default(PacketView);
        new PacketDecoder().Decode(linkType, frame, frame.Length, ref view);
        a.Observe(ref view);
    }
}
