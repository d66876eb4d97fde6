using PcapViz.Decoding;
using PcapViz.Model;
using PcapViz.Reading;

namespace PcapViz.Analysis;

/// <summary>
/// The mergeable state of every analysis over a set of packets: one capture, a chunk of one, or a whole run.
/// </summary>
public sealed class CaptureAnalysis
{
    private readonly PacketDecoder _decoder = new();
    private readonly HashSet<int> _warnedLinkTypes = [];
    private long _packets, _ipv4, _ipv6, _capturedBytes, _ipBytes, _undecoded;
    private long _first = long.MaxValue, _last = long.MinValue;
    private bool _warnedWireLength;

    public CaptureAnalysis(AnalysisOptions options)
    {
        Options = options;
        SourceIps = new SourceIpAnalysis(options.MaxDistinct);
        DnsQueries = new DnsQueryAnalysis(options.MaxDistinct);
        Traffic = new TrafficAnalysis(options.BinSeconds);
    }

    public AnalysisOptions Options { get; }
    public SourceIpAnalysis SourceIps { get; }
    public DnsQueryAnalysis DnsQueries { get; }
    public TrafficAnalysis Traffic { get; }

    public long Packets => _packets;

    /// <summary>Decodes one record and feeds every analysis.</summary>
    public void Observe(in RawPacket packet, IssueLog issues, long packetIndex)
    {
        var view = default(PacketView);
        _decoder.Decode(packet.LinkType, packet.Data, packet.OriginalLength, ref view);

        _packets++;
        _capturedBytes += packet.Data.Length;
        if (packet.TimestampNanos < _first) _first = packet.TimestampNanos;
        if (packet.TimestampNanos > _last) _last = packet.TimestampNanos;

        if (view.IpVersion == 4) _ipv4++;
        else if (view.IpVersion == 6) _ipv6++;
        _ipBytes += view.IpBytes;

        if (view.LinkTypeUnsupported)
        {
            _undecoded++;
            if (_warnedLinkTypes.Add(packet.LinkType))
                issues.Warn("unsupported-link-type",
                    $"Link type {LinkTypes.Name(packet.LinkType)} ({packet.LinkType}) is not decoded; its frames (first: packet {packetIndex:N0}) count as non-IP.",
                    packet.ByteOffset, packetIndex);
        }
        if (view.Anomaly is not null)
            issues.Warn("malformed-ip-header", $"Packet {packetIndex:N0}: {view.Anomaly}; it counts as non-IP.", packet.ByteOffset, packetIndex);
        if (view.IpLengthFromWire && !_warnedWireLength)
        {
            _warnedWireLength = true;
            issues.Warn("ipv4-zero-total-length",
                $"Packet {packetIndex:N0} has an IPv4 total length of 0 (segmentation offload / BIG TCP); its IP bytes are taken from the frame's length on the wire (further packets like it are not reported).",
                packet.ByteOffset, packetIndex);
        }

        SourceIps.Observe(ref view);
        DnsQueries.Observe(ref view);
        Traffic.Observe(packet.TimestampNanos, view.IpBytes);
    }

    /// <summary>Adds another partial result (a later chunk, another capture).</summary>
    public void Merge(CaptureAnalysis other)
    {
        _packets += other._packets;
        _ipv4 += other._ipv4;
        _ipv6 += other._ipv6;
        _capturedBytes += other._capturedBytes;
        _ipBytes += other._ipBytes;
        _undecoded += other._undecoded;
        _first = Math.Min(_first, other._first);
        _last = Math.Max(_last, other._last);
        SourceIps.Merge(other.SourceIps);
        DnsQueries.Merge(other.DnsQueries);
        Traffic.Merge(other.Traffic);
    }

    /// <summary>Adds a finished capture's summary (for run totals built from results, e.g. reused ones).</summary>
    public CaptureSummary ToSummary() => new(_packets, _ipv4, _ipv6, _capturedBytes, _ipBytes,
        _packets > 0 ? _first : null, _packets > 0 ? _last : null, _undecoded, DnsQueries.Malformed);
}
