using System.Globalization;
using System.Net;
using System.Text;
using PcapViz.Decoding;
using PcapViz.Model;
using PcapViz.Protocols.Flows;
using PcapViz.Pseudonymisation;
using PcapViz.Reading;

namespace PcapViz.Slicing;

/// <summary>One capture a slice reads: its path as the manifest lists it, where it is now, and its SHA-256 (checked already).</summary>
public sealed record SliceSource(string Path, string FullPath, string Sha256);

/// <summary>
/// What to cut: the indicators, the conversations (a beacon's flows, `report --slices`), an optional time window (from
/// inclusive, to exclusive) and the size bound. A flow is cut when it touches any indicator or belongs to any conversation.
/// </summary>
public sealed record SliceSelection(IReadOnlyList<SliceIndicator> Indicators)
{
    /// <summary>Default bound on the packet blocks of one slice: 100 MiB.</summary>
    public const long DefaultMaxBytes = 100L * 1024 * 1024;

    /// <summary>Conversations whose flows are cut whole (a beacon's connections); empty for `pcapviz slice`.</summary>
    public IReadOnlyList<SliceConversation> Conversations { get; init; } = [];

    /// <summary>Packets before this time are not cut (--from, inclusive); null: from the start.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Packets at or after this time are not cut (--to, exclusive); null: to the end.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Bytes of packet blocks (headers, data, comments) a slice may hold; the packet that would pass it is not written.</summary>
    public long MaxBytes { get; init; } = DefaultMaxBytes;
}

/// <summary>
/// The flows between a client and a server on the server's port over one transport (TCP, UDP or SCTP), in either
/// direction: the connections of a beacon (docs/analysis.md, "7. Beacons").
/// </summary>
public sealed record SliceConversation
{
    private readonly byte[] _client;
    private readonly byte[] _server;

    internal SliceConversation(int protocol, IPAddress client, IPAddress server, int port)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(server);
        Protocol = protocol;
        Port = port;
        _client = client.GetAddressBytes();
        _server = server.GetAddressBytes();
        Text = Invariant($"{Names.OfIpProtocol(protocol)} {client} -> {server} port {port}");
    }

    /// <summary>IP protocol number of the transport: 6 TCP, 17 UDP, 132 SCTP.</summary>
    public int Protocol { get; }

    /// <summary>The server's port.</summary>
    public int Port { get; }

    /// <summary>As the section comment names it: "tcp 10.0.0.5 -> 203.0.113.9 port 443".</summary>
    public string Text { get; }

    internal bool Matches(in FlowPorts ports, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination) =>
        ports.Protocol == Protocol &&
        ((ports.Destination == Port && source.SequenceEqual(_client) && destination.SequenceEqual(_server)) ||
         (ports.Source == Port && source.SequenceEqual(_server) && destination.SequenceEqual(_client)));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// One slice to write in a pass over the captures: what to cut, its comment lines, where it goes (asked once the slice
/// is cut, with what it holds; null: the slice is not written) and its scratch stream (read/write, seekable).
/// </summary>
public sealed record SliceTarget(SliceSelection Selection, IReadOnlyList<string> HeaderLines, Func<SliceResult, Stream?> Output, Stream Scratch)
{
    /// <summary>The slicer disposes the output stream once the slice is written into it (many slices need not stay open).</summary>
    public bool OwnsOutput { get; init; }
}

/// <summary>
/// A slice of a pseudonymised bundle (docs/output.md, "Slices of a pseudonymised bundle"): its indicators and
/// conversations are the bundle's pseudonyms, matched against each packet's addresses and names mapped under the key,
/// and its packets are written rewritten (<see cref="PacketRewriter"/>).
/// </summary>
public sealed record SlicePseudonymisation(Pseudonymiser Pseudonymiser)
{
    /// <summary>Keep the bytes past the innermost transport header (they can hold names and addresses: DNS, HTTP, TLS server names).</summary>
    public bool KeepPayload { get; init; }

    /// <summary>The section comment's line saying how the packets were rewritten.</summary>
    internal string Line => $"pseudonymised: every IPv4/IPv6 address rewritten with the bundle's pseudonyms (key id {Pseudonymiser.KeyId}), link-layer addresses replaced by keyed pseudonyms, " +
        "checksums updated (RFC 1624; a checksum wrong in the capture stays wrong); " +
        (KeepPayload ? "payload kept (--keep-payload): it may hold original names and addresses" : "payload past the transport header removed (captured length cut, original length kept)");
}

/// <summary>What a slice holds, and what kept it from holding every packet of every matching flow.</summary>
/// <param name="Packets">Packets written.</param>
/// <param name="PacketBytes">Bytes of the packet blocks written.</param>
/// <param name="Flows">Distinct flows the written packets belong to.</param>
/// <param name="SizeBoundReached">The size bound stopped the writing: later packets of the matching flows are missing.</param>
/// <param name="Problems">Captures that could not be read to their end (the packets before the fault are in the slice), in order.</param>
public sealed record SliceResult(long Packets, long PacketBytes, long Flows, bool SizeBoundReached, IReadOnlyList<string> Problems)
{
    /// <summary>Every packet of every matching flow was written.</summary>
    public bool Complete => !SizeBoundReached && Problems.Count == 0;
}

/// <summary>
/// Cuts the packets of every flow that touched an indicator out of captures into one pcapng (docs/output.md,
/// "Packet slices"). An address, range or Community ID is decided by each packet's flow (<see cref="SliceFlows"/>); a
/// name needs a first pass over each capture to find the flows that carry it (<see cref="FlowNameFinder"/>), then a
/// second writes them. Packets are written byte for byte as captured (captured bytes, original length, timestamp at
/// the source's resolution), each with a comment naming its capture and packet number (1-based, as Wireshark counts);
/// one interface block per source capture and interface; the section header's comment lists the captures' SHA-256
/// and says whether the slice is complete. The section header is written last, once that is known: the blocks go to a
/// scratch stream first.
/// </summary>
public static class PacketSlicer
{
    /// <summary>Writes the slice to <paramref name="output"/>; <paramref name="scratch"/> (read/write, seekable) holds the blocks meanwhile.</summary>
    public static SliceResult Write(IReadOnlyList<SliceSource> sources, SliceSelection selection, IReadOnlyList<string> headerLines,
        string toolVersion, Stream output, Stream scratch, SlicePseudonymisation? pseudonymisation = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(selection);
        ArgumentNullException.ThrowIfNull(headerLines);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(scratch);
        return WriteEach(sources, [new SliceTarget(selection, headerLines, _ => output, scratch)], toolVersion, pseudonymisation, cancellationToken)[0];
    }

    /// <summary>
    /// Writes every slice of <paramref name="targets"/> in one pass over the captures (two when a slice names a DNS
    /// name); each is the file <see cref="Write"/> would write for it alone.
    /// </summary>
    public static IReadOnlyList<SliceResult> WriteEach(IReadOnlyList<SliceSource> sources, IReadOnlyList<SliceTarget> targets,
        string toolVersion, SlicePseudonymisation? pseudonymisation = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(targets);
        var cuts = targets.Select(t => new Cut(t, pseudonymisation)).ToArray();
        var pseudonyms = pseudonymisation is null ? null : new Pseudonyms(pseudonymisation);
        // Packets outside every slice's window are not read at all (as for one slice: its fragments are not remembered either).
        long from = cuts.Min(c => c.From), to = cuts.Max(c => c.To);
        foreach (var source in sources)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var finders = cuts.Where(c => !c.Bounded && c.Names.Count > 0).Select(c => (Cut: c, Finder: c.FindNames(pseudonymisation?.Pseudonymiser))).ToList();
            if (finders.Count > 0)
            {
                Read(source, from, to, (ref PacketView view, ReadOnlySpan<char> flow, in FlowPorts _, in RawPacket raw, long number, CaptureReader _) =>
                {
                    foreach (var (cut, finder) in finders)
                        if (cut.InWindow(raw.TimestampNanos)) finder.Observe(ref view, flow, number - 1);
                }, null, pseudonyms, cancellationToken);
                foreach (var (cut, finder) in finders)
                {
                    finder.Finish();
                    if (finder.FlowsNotFollowed > 0)
                        cut.Problems.Add(Invariant($"{source.Path}: {finder.FlowsNotFollowed} packets of flows beyond the first {FlowNameFinder.MaxFollowedFlows} were not searched for server names"));
                }
            }
            foreach (var cut in cuts) cut.Interfaces.Clear();
            var problem = Read(source, from, to, (ref PacketView view, ReadOnlySpan<char> flow, in FlowPorts ports, in RawPacket raw, long number, CaptureReader reader) =>
            {
                foreach (var cut in cuts) cut.Offer(source, ref view, flow, ports, raw, number, reader, pseudonyms);
            }, AllBounded, pseudonyms, cancellationToken);
            if (problem is not null)
                foreach (var cut in cuts.Where(c => !c.Bounded)) cut.Problems.Add(problem);
            if (AllBounded()) break;
        }
        return [.. cuts.Select(c => c.Finish(sources, toolVersion))];

        // Asked after every packet: no allocation.
        bool AllBounded()
        {
            foreach (var cut in cuts)
                if (!cut.Bounded) return false;
            return true;
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>One slice being written: its selection, the flows found by name in the current capture, what it holds so far.</summary>
    private sealed class Cut
    {
        private readonly SliceTarget _target;
        private readonly PcapNgWriter _body;
        private readonly HashSet<string> _byName = new(StringComparer.Ordinal);
        private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _byNameLookup;
        private readonly HashSet<string> _flows = new(StringComparer.Ordinal);
        private long _packets, _packetBytes;

        private readonly SlicePseudonymisation? _pseudonymisation;

        public Cut(SliceTarget target, SlicePseudonymisation? pseudonymisation)
        {
            _target = target;
            _pseudonymisation = pseudonymisation;
            _body = PcapNgWriter.WithoutSectionHeader(target.Scratch);
            _byNameLookup = _byName.GetAlternateLookup<ReadOnlySpan<char>>();
            Names = [.. target.Selection.Indicators.Where(i => i.Kind == SliceIndicatorKind.Name)];
            From = target.Selection.From is { } f ? ToNanos(f) : long.MinValue;
            To = target.Selection.To is { } t ? ToNanos(t) : long.MaxValue;
        }

        public List<SliceIndicator> Names { get; }
        public long From { get; }
        public long To { get; }
        public bool Bounded { get; private set; }
        public List<string> Problems { get; } = [];

        /// <summary>The interface blocks written for the current capture.</summary>
        public Dictionary<(int LinkType, int Interface, byte Resolution), int> Interfaces { get; } = [];

        public bool InWindow(long nanos) => nanos >= From && nanos < To;

        /// <summary>A finder of the flows of the next capture that carry one of the names.</summary>
        public FlowNameFinder FindNames(Pseudonymiser? pseudonymiser)
        {
            _byName.Clear();
            return new FlowNameFinder(Names, _byName, pseudonymiser);
        }

        public void Offer(SliceSource source, ref PacketView view, ReadOnlySpan<char> flow, in FlowPorts ports, in RawPacket raw, long number, CaptureReader reader,
            Pseudonyms? pseudonyms)
        {
            if (Bounded || !InWindow(raw.TimestampNanos)) return;
            if (!_byNameLookup.Contains(flow) && !Touches(_target.Selection, ref view, flow, ports)) return;
            ReadOnlySpan<byte> data = raw.Data;
            int linkType = raw.LinkType, originalLength = raw.OriginalLength;
            if (pseudonyms?.Rewritten() is { } rewritten)
            {
                data = rewritten.Data;
                linkType = rewritten.LinkType;
                originalLength = rewritten.OriginalLength;
            }
            string comment = Invariant($"{source.Path} packet {number}");
            long size = PcapNgWriter.EnhancedPacketSize(data.Length, Encoding.UTF8.GetByteCount(comment));
            if (_packetBytes + size > _target.Selection.MaxBytes)
            {
                Bounded = true;
                return;
            }
            var (snap, resolution) = reader.InterfaceOf(raw.InterfaceId);
            if (!Interfaces.TryGetValue((linkType, raw.InterfaceId, resolution), out int id))
            {
                id = _body.AddInterface((ushort)linkType, (uint)Math.Max(snap, 0), resolution == 6 ? null : resolution,
                    Invariant($"{source.Path} interface {raw.InterfaceId}"));
                Interfaces.Add((linkType, raw.InterfaceId, resolution), id);
            }
            _body.WriteEnhancedPacket(id, raw.TimestampNanos, data, originalLength, comment);
            _packets++;
            _packetBytes += size;
            _flows.Add(flow.ToString());
        }

        /// <summary>Writes the section header (now that what the slice holds is known), then the blocks.</summary>
        public SliceResult Finish(IReadOnlyList<SliceSource> sources, string toolVersion)
        {
            _body.Dispose();
            var result = new SliceResult(_packets, _packetBytes, _flows.Count, Bounded, Problems);
            if (_target.Output(result) is not { } output) return result;
            try
            {
                using (PcapNgWriter.WithSection(output, $"PcapViz {toolVersion}", SectionComment(sources, _target.Selection, _target.HeaderLines, result, _pseudonymisation))) { }
                _target.Scratch.Position = 0;
                _target.Scratch.CopyTo(output);
                output.Flush();
            }
            finally
            {
                if (_target.OwnsOutput) output.Dispose();
            }
            return result;
        }
    }

    /// <summary>
    /// Whether the packet's flow touches an address, range or Community ID indicator, or belongs to a conversation: by its
    /// innermost flow, or by its outermost header's (the carrier of a tunnel, as the report lists it).
    /// </summary>
    private static bool Touches(SliceSelection selection, ref PacketView view, ReadOnlySpan<char> flow, in FlowPorts ports)
    {
        Span<char> outer = stackalloc char[CommunityId.Length];
        int outerLength = -1;
        FlowPorts outerPorts = default;
        foreach (var indicator in selection.Indicators)
        {
            switch (indicator.Kind)
            {
                case SliceIndicatorKind.Address or SliceIndicatorKind.Network:
                    if (indicator.Contains(view.FlowSource) || indicator.Contains(view.FlowDestination) ||
                        indicator.Contains(view.SourceAddress) || indicator.Contains(view.DestinationAddress)) return true;
                    break;
                case SliceIndicatorKind.CommunityId:
                    if (flow.SequenceEqual(indicator.Text)) return true;
                    if (outerLength < 0 && !SliceFlows.TryOuterFlow(ref view, outer, out outerLength, out outerPorts)) outerLength = 0;
                    if (outerLength > 0 && outer[..outerLength].SequenceEqual(indicator.Text)) return true;
                    break;
            }
        }
        if (selection.Conversations.Count == 0) return false;
        if (outerLength < 0 && !SliceFlows.TryOuterFlow(ref view, outer, out outerLength, out outerPorts)) outerLength = 0;
        foreach (var conversation in selection.Conversations)
            if (conversation.Matches(ports, view.FlowSource, view.FlowDestination) ||
                (outerLength > 0 && conversation.Matches(outerPorts, view.SourceAddress, view.DestinationAddress))) return true;
        return false;
    }

    /// <summary>
    /// The pseudonyms of a pass over a capture of a pseudonymised bundle: each packet is decoded from a copy that
    /// records where its headers are, its flow's addresses are replaced by their pseudonyms (so flows, Community IDs,
    /// ranges and conversations are those the bundle shows), and it is rewritten once when a slice takes it.
    /// </summary>
    private sealed class Pseudonyms(SlicePseudonymisation settings)
    {
        private readonly PacketTrail _trail = new();
        private readonly PacketRewriter _rewriter = new(settings.Pseudonymiser, settings.KeepPayload);
        private readonly byte[] _source = new byte[16], _destination = new byte[16], _outerSource = new byte[16], _outerDestination = new byte[16];
        private byte[] _frame = new byte[2048];
        private int _linkType, _length, _originalLength;
        private bool _rewritten;

        public void Decode(PacketDecoder decoder, in RawPacket raw, ref PacketView view)
        {
            if (_frame.Length < raw.Data.Length) _frame = new byte[Math.Max(raw.Data.Length, _frame.Length * 2)];
            raw.Data.CopyTo(_frame);
            _trail.Begin(_frame);
            (_linkType, _length, _originalLength, _rewritten) = (raw.LinkType, raw.Data.Length, raw.OriginalLength, false);
            decoder.Decode(raw.LinkType, _frame.AsSpan(0, raw.Data.Length), raw.OriginalLength, ref view, _trail);
            // The outermost header's addresses too: a slice finds a tunnel by its carrier (Touches).
            if (!view.SourceAddress.IsEmpty && view.SourceAddress.Length == view.DestinationAddress.Length)
            {
                int outer = view.SourceAddress.Length;
                settings.Pseudonymiser.Address(view.SourceAddress, _outerSource);
                settings.Pseudonymiser.Address(view.DestinationAddress, _outerDestination);
                view.SourceAddress = _outerSource.AsSpan(0, outer);
                view.DestinationAddress = _outerDestination.AsSpan(0, outer);
            }
            if (view.FlowSource.IsEmpty || view.FlowSource.Length != view.FlowDestination.Length) return;
            int n = view.FlowSource.Length;
            settings.Pseudonymiser.Address(view.FlowSource, _source);
            settings.Pseudonymiser.Address(view.FlowDestination, _destination);
            view.FlowSource = _source.AsSpan(0, n);
            view.FlowDestination = _destination.AsSpan(0, n);
        }

        /// <summary>The current packet rewritten (once, whatever the number of slices that take it).</summary>
        public PacketRewriter Rewritten()
        {
            if (!_rewritten) _rewriter.Rewrite(_linkType, _length, _originalLength, _trail);
            _rewritten = true;
            return _rewriter;
        }
    }

    private delegate void PacketVisitor(ref PacketView view, ReadOnlySpan<char> flow, in FlowPorts ports, in RawPacket raw, long number, CaptureReader reader);

    /// <summary>
    /// Reads one capture, calling <paramref name="visit"/> for each packet from <paramref name="from"/> (inclusive) to
    /// <paramref name="to"/> (exclusive) that belongs to a flow. Returns what ended the reading early (a truncated or
    /// corrupt capture), or null.
    /// </summary>
    private static string? Read(SliceSource source, long from, long to, PacketVisitor visit, Func<bool>? stopEarly, Pseudonyms? pseudonyms, CancellationToken cancellationToken)
    {
        var decoder = new PacketDecoder();
        var slicerFlows = new SliceFlows();
        var issues = new IssueLog();
        var flow = new char[CommunityId.Length];
        try
        {
            using var stream = new FileStream(source.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            var reader = CaptureOpener.Open(stream, issues, stream.Length);
            if (reader is null) return $"{source.Path}: not read as a capture: {FirstError(issues)}";
            var view = default(PacketView);
            while (reader.TryReadNext(out var raw))
            {
                if ((reader.PacketCount & 0xFFF) == 0) cancellationToken.ThrowIfCancellationRequested();
                if (raw.TimestampNanos < from || raw.TimestampNanos >= to) continue;
                if (pseudonyms is null) decoder.Decode(raw.LinkType, raw.Data, raw.OriginalLength, ref view);
                else pseudonyms.Decode(decoder, raw, ref view);
                if (!slicerFlows.TryFlow(ref view, flow, out int length, out var ports)) continue;
                visit(ref view, flow.AsSpan(0, length), ports, raw, reader.PacketCount, reader);
                if (stopEarly?.Invoke() == true) return null;
            }
            return issues.HasErrors
                ? Invariant($"{source.Path}: read up to packet {reader.PacketCount}, then: {FirstError(issues)}")
                : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"{source.Path}: cannot be read: {ex.Message}";
        }
    }

    private static string FirstError(IssueLog issues) =>
        issues.ToList().FirstOrDefault(i => i.Severity == IssueSeverity.Error)?.Message ?? "unknown error";

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static long ToNanos(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;

    private static string SectionComment(IReadOnlyList<SliceSource> sources, SliceSelection selection, IReadOnlyList<string> headerLines, SliceResult result,
        SlicePseudonymisation? pseudonymisation)
    {
        var text = new StringBuilder();
        foreach (string line in headerLines) text.Append(line).Append('\n');
        if (pseudonymisation is not null) text.Append(pseudonymisation.Line).Append('\n');
        if (selection.Indicators.Count > 0 || selection.Conversations.Count == 0)
            text.Append("indicators: ").AppendJoin(", ", selection.Indicators.Select(i => i.Text)).Append('\n');
        if (selection.Conversations.Count > 0)
            text.Append("conversations: ").AppendJoin(", ", selection.Conversations.Select(c => c.Text)).Append('\n');
        if (selection.From is not null || selection.To is not null)
            text.Append("window: ").Append(selection.From is { } f ? Iso(f) : "start").Append(" to ")
                .Append(selection.To is { } t ? Iso(t) : "end").Append(" (from inclusive, to exclusive)\n");
        foreach (var source in sources) text.Append("source: ").Append(source.Path).Append(" SHA-256 ").Append(source.Sha256).Append('\n');
        text.Append(Invariant($"packets: {result.Packets} of {result.Flows} flows, {result.PacketBytes} bytes of packet blocks\n"));
        if (result.SizeBoundReached)
            text.Append(Invariant($"INCOMPLETE: the slice reached its size bound of {selection.MaxBytes} bytes (--max-slice-bytes); later packets of the matching flows are not in it\n"));
        foreach (string problem in result.Problems) text.Append("INCOMPLETE: ").Append(problem).Append('\n');
        if (result.Complete) text.Append("complete: every packet of every matching flow\n");
        return text.ToString().TrimEnd('\n');
    }
}
