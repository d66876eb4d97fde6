using PcapViz.Analysis.Application;
using PcapViz.Decoding;
using PcapViz.Decoding.Reassembly;
using PcapViz.Model;
using PcapViz.Reading;

namespace PcapViz.Analysis;

/// <summary>
/// The mergeable state of every analysis over a set of packets: one capture, a chunk of one, or a whole run.
/// Decodes each record, feeds the per-packet analyses, and routes DNS payloads to the DNS analysis: UDP messages
/// directly, TCP streams and IP fragments through bounded reassembly; queries and responses alike (docs/analysis.md, "Reassembly").
/// </summary>
internal sealed class CaptureAnalysis : IDnsMessageSink
{
    /// <summary>A parallel worker copies at most this many bytes of frames that need reassembly; past it the
    /// capture is read again on one thread (<see cref="NeedsSequentialPass"/>).</summary>
    internal const long MaxDeferredBytes = 256L << 20;

    private readonly PacketDecoder _decoder = new();
    private readonly HashSet<(UndecodedCause, int, string?)> _warnedUndecoded = [];
    private DecodeNotes _warnedNotes;
    private long _packets, _ipv4, _ipv6, _capturedBytes, _ipBytes, _undecoded;
    private long _first = long.MaxValue, _last = long.MinValue;

    private readonly IpFragmentReassembler _fragments = new();
    private readonly TcpDnsReassembler _tcp = new();
    // The outermost destination address of the frame being routed through reassembly (see OnDnsMessage).
    private readonly byte[] _receiver = new byte[16];
    private int _receiverLength;
    private bool _completed;

    // Parallel analysis: stateful reassembly needs every fragment and TCP segment in packet order, so workers keep
    // copies of those frames and the merged analysis replays them in order (CompleteDeferred).
    private readonly bool _defer;
    private List<DeferredFrame>? _deferred;
    private long _deferredBytes;

    private sealed record DeferredFrame(long Index, long TimestampNanos, int LinkType, int OriginalLength, byte[] Data);

    public CaptureAnalysis(AnalysisOptions options) : this(options, deferReassembly: false)
    {
    }

    /// <param name="deferReassembly">True for a worker that sees only some chunks of a capture.</param>
    internal CaptureAnalysis(AnalysisOptions options, bool deferReassembly)
    {
        Options = options;
        _defer = deferReassembly;
        SourceIps = new SourceIpAnalysis(options.MaxDistinct);
        DnsQueries = new DnsQueryAnalysis(options.MaxDistinct);
        Traffic = new TrafficAnalysis(options.BinSeconds);
        Flows = new FlowAnalysis(options.MaxDistinct) { BeaconIgnore = options.BeaconIgnore };
        Application = new ApplicationAnalysis(options.MaxDistinct);
    }

    public AnalysisOptions Options { get; }
    public SourceIpAnalysis SourceIps { get; }
    public DnsQueryAnalysis DnsQueries { get; }
    public TrafficAnalysis Traffic { get; }
    public FlowAnalysis Flows { get; }
    public ApplicationAnalysis Application { get; }

    public long Packets => _packets;

    /// <summary>A parallel worker buffered more than <see cref="MaxDeferredBytes"/>: read the capture on one thread.</summary>
    internal bool NeedsSequentialPass => _deferredBytes > MaxDeferredBytes;

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

        if (view.Undecoded != UndecodedCause.None)
        {
            _undecoded++;
            if (_warnedUndecoded.Add((view.Undecoded, view.UndecodedLinkType, view.UndecodedDetail)))
                issues.Add(IssueSeverity.Warning, UndecodedCode(view.Undecoded),
                    new UndecodedText(view.Undecoded, view.UndecodedLinkType, view.UndecodedDetail, packetIndex),
                    packet.ByteOffset, packetIndex, onceKey: $"{view.Undecoded}:{view.UndecodedLinkType}:{view.UndecodedDetail}");
        }
        if (view.Anomaly.IsSet)
            issues.Add(IssueSeverity.Warning, IssueCodes.MalformedIpHeader, new AnomalyText(view.Anomaly, packetIndex), packet.ByteOffset, packetIndex);
        if ((view.Notes & ~_warnedNotes) != 0) WarnNotes(view.Notes, issues, packet.ByteOffset, packetIndex);

        SourceIps.Observe(ref view);
        Traffic.Observe(packet.TimestampNanos, view.IpBytes);
        Flows.Observe(ref view, packet.TimestampNanos);

        bool reassemble = view.IsFragment || (view.Transport == TransportProtocol.Tcp && IsDns(ref view) is not null &&
                                              (!view.Payload.IsEmpty || (view.TcpFlags & StreamFlags) != 0));
        bool application = ApplicationAnalysis.MayMatter(ref view);
        if (reassemble || application)
        {
            if (_defer) Defer(packet, packetIndex);
            else Route(ref view, packet.TimestampNanos, packetIndex, reassemble, application);
        }
        if (!reassemble && view.Transport == TransportProtocol.Udp && IsDns(ref view) is DnsProtocol protocol)
        {
            DnsQueries.Observe(view.Payload, protocol, view.DestinationAddress);
        }
    }

    private const byte StreamFlags = TransportFields.TcpSyn | TransportFields.TcpFin | TransportFields.TcpRst;

    private static DnsProtocol? IsDns(ref PacketView view) => view.Transport == TransportProtocol.None ? null
        : DnsQueryAnalysis.Classify(view.Transport, view.SourcePort, view.DestinationPort);

    /// <summary>Every DNS message that reassembly completes (TCP stream message, reassembled datagram) comes here once,
    /// while the packet that completed it is being routed: its outermost destination is the message's receiver.</summary>
    void IDnsMessageSink.OnDnsMessage(ReadOnlySpan<byte> message, DnsProtocol protocol) => OnDnsMessage(message, protocol);

    private void OnDnsMessage(ReadOnlySpan<byte> message, DnsProtocol protocol) =>
        DnsQueries.Observe(message, protocol, _receiver.AsSpan(0, _receiverLength));

    /// <summary>Packets that need their connection's or datagram's earlier packets, in packet order: fragments and TCP
    /// segments on a DNS port through reassembly, TCP payloads and QUIC long headers to the application analysis.</summary>
    private void Route(ref PacketView view, long nanos, long packetIndex, bool reassemble, bool application)
    {
        if (application) Application.Observe(ref view, nanos);
        if (reassemble) Route(ref view, nanos, packetIndex);
    }

    /// <summary>Fragments and TCP segments on a DNS port: through reassembly, in packet order.</summary>
    private void Route(ref PacketView view, long nanos, long packetIndex)
    {
        _receiverLength = Math.Min(view.DestinationAddress.Length, _receiver.Length);
        view.DestinationAddress[.._receiverLength].CopyTo(_receiver);
        if (view.IsFragment)
        {
            if (!_fragments.Add(ref view, nanos, packetIndex)) return;
            var inner = default(PacketView);
            inner.IpVersion = view.IpVersion != 0 ? view.IpVersion : 4; // set: headers inside are not the outermost
            inner.TunnelDepth = view.TunnelDepth;
            inner.FlowSource = view.FlowSource;
            inner.FlowDestination = view.FlowDestination;
            PacketDecoder.DecodeTransport(view.FragmentProtocol, _fragments.CompletedPayload, ref inner);
            if (inner.IsFragment || IsDns(ref inner) is not DnsProtocol innerProtocol) return;
            if (inner.Transport == TransportProtocol.Udp) OnDnsMessage(inner.Payload, innerProtocol);
            else _tcp.Add(ref inner, innerProtocol, packetIndex, this);
            return;
        }
        if (IsDns(ref view) is DnsProtocol dns) _tcp.Add(ref view, dns, packetIndex, this);
    }

    private void Defer(in RawPacket packet, long packetIndex)
    {
        _deferred ??= [];
        _deferredBytes += packet.Data.Length;
        if (NeedsSequentialPass) return;
        _deferred.Add(new DeferredFrame(packetIndex, packet.TimestampNanos, packet.LinkType, packet.OriginalLength, packet.Data.ToArray()));
    }

    /// <summary>Replays the frames that workers deferred, in packet order, through reassembly (after <see cref="Merge"/>).</summary>
    internal void CompleteDeferred()
    {
        if (_deferred is null) return;
        _deferred.Sort(static (a, b) => a.Index.CompareTo(b.Index));
        foreach (var frame in _deferred)
        {
            var view = default(PacketView);
            _decoder.Decode(frame.LinkType, frame.Data, frame.OriginalLength, ref view);
            bool reassemble = view.IsFragment || (view.Transport == TransportProtocol.Tcp && IsDns(ref view) is not null);
            Route(ref view, frame.TimestampNanos, frame.Index, reassemble, ApplicationAnalysis.MayMatter(ref view));
        }
        _deferred = null;
    }

    /// <summary>
    /// End of the capture: datagrams and streams still open count as incomplete; reassembly losses are reported.
    /// Idempotent.
    /// </summary>
    public void Complete(IssueLog issues)
    {
        if (_completed) return;
        _completed = true;
        CompleteDeferred();
        _fragments.Finish();
        _tcp.Finish(_packets);
        Application.Complete();
        if (_fragments.Incomplete > 0)
            issues.Add(IssueSeverity.Warning, IssueCodes.IncompleteFragments,
                new ReassemblyText(IssueCodes.IncompleteFragments, _fragments.Incomplete, 0, _fragments.FirstIncompletePacket), null, _fragments.FirstIncompletePacket);
        if (_fragments.Conflicts > 0)
            issues.Add(IssueSeverity.Warning, IssueCodes.OverlappingFragments,
                new ReassemblyText(IssueCodes.OverlappingFragments, _fragments.Conflicts, 0, _fragments.FirstConflictPacket), null, _fragments.FirstConflictPacket);
        long tcpLosses = _tcp.Gaps + _tcp.Evicted + _tcp.Unfinished;
        if (tcpLosses > 0)
            issues.Add(IssueSeverity.Warning, IssueCodes.TcpDnsStreamLoss,
                new ReassemblyText(IssueCodes.TcpDnsStreamLoss, tcpLosses, _tcp.Evicted, _tcp.FirstLossPacket), null, _tcp.FirstLossPacket);
    }

    private void WarnNotes(DecodeNotes notes, IssueLog issues, long byteOffset, long packetIndex)
    {
        foreach (var (note, code) in NoteCodes)
        {
            if ((notes & note) == 0 || (_warnedNotes & note) != 0) continue;
            _warnedNotes |= note;
            issues.Add(IssueSeverity.Warning, code, new NoteText(note, packetIndex), byteOffset, packetIndex, onceKey: code);
        }
    }

    private static readonly (DecodeNotes Note, string Code)[] NoteCodes =
    [
        (DecodeNotes.IpLengthFromWire, IssueCodes.Ipv4ZeroTotalLength),
        (DecodeNotes.IpVersionFromNibble, IssueCodes.IpVersionMismatch),
        (DecodeNotes.Ieee80211Protected, IssueCodes.Ieee80211Protected),
    ];

    private static string UndecodedCode(UndecodedCause cause) => cause switch
    {
        UndecodedCause.MalformedLinkHeader => IssueCodes.MalformedLinkHeader,
        UndecodedCause.DecoderFailure => IssueCodes.DecoderFailure,
        UndecodedCause.Ieee80211Amsdu => IssueCodes.Ieee80211Amsdu,
        _ => IssueCodes.UnsupportedLinkType,
    };

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
        Flows.Merge(other.Flows);
        Application.Merge(other.Application);
        if (other._deferred is not null) (_deferred ??= []).AddRange(other._deferred);
        _deferredBytes += other._deferredBytes;
    }

    /// <summary>Adds a finished capture's summary (for run totals built from results, e.g. reused ones).</summary>
    public CaptureSummary ToSummary() => new(_packets, _ipv4, _ipv6, _capturedBytes, _ipBytes,
        _packets > 0 ? _first : null, _packets > 0 ? _last : null, _undecoded, DnsQueries.Malformed)
    {
        IncompleteFragmentedDatagrams = _fragments.Incomplete,
        TcpDnsStreamGaps = _tcp.Gaps + _tcp.Unfinished,
        TcpDnsFlowsEvicted = _tcp.Evicted,
    };
}
