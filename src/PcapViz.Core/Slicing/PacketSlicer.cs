using System.Globalization;
using System.Text;
using PcapViz.Decoding;
using PcapViz.Model;
using PcapViz.Protocols.Flows;
using PcapViz.Reading;

namespace PcapViz.Slicing;

/// <summary>One capture a slice reads: its path as the manifest lists it, where it is now, and its SHA-256 (checked already).</summary>
public sealed record SliceSource(string Path, string FullPath, string Sha256);

/// <summary>What to cut: the indicators, an optional time window (from inclusive, to exclusive) and the size bound.</summary>
public sealed record SliceSelection(IReadOnlyList<SliceIndicator> Indicators)
{
    /// <summary>Default bound on the packet blocks of one slice: 100 MiB.</summary>
    public const long DefaultMaxBytes = 100L * 1024 * 1024;

    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? To { get; init; }

    /// <summary>Bytes of packet blocks (headers, data, comments) a slice may hold; the packet that would pass it is not written.</summary>
    public long MaxBytes { get; init; } = DefaultMaxBytes;
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
        string toolVersion, Stream output, Stream scratch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(selection);
        ArgumentNullException.ThrowIfNull(headerLines);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(scratch);
        var names = selection.Indicators.Where(i => i.Kind == SliceIndicatorKind.Name).ToList();
        var problems = new List<string>();
        var flows = new HashSet<string>(StringComparer.Ordinal);
        long packets = 0, packetBytes = 0;
        bool bounded = false;
        var body = PcapNgWriter.WithoutSectionHeader(scratch);
        foreach (var source in sources)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var byName = new HashSet<string>(StringComparer.Ordinal);
            if (names.Count > 0)
            {
                var finder = new FlowNameFinder(names, byName);
                Read(source, selection, (ref PacketView view, ReadOnlySpan<char> flow, in RawPacket _, long number, CaptureReader _) =>
                    finder.Observe(ref view, flow, number - 1), null, cancellationToken);
                finder.Finish();
                if (finder.FlowsNotFollowed > 0)
                    problems.Add(Invariant($"{source.Path}: {finder.FlowsNotFollowed} packets of flows beyond the first {FlowNameFinder.MaxFollowedFlows} were not searched for server names"));
            }
            var interfaces = new Dictionary<(int LinkType, int Interface, byte Resolution), int>();
            var byNameLookup = byName.GetAlternateLookup<ReadOnlySpan<char>>();
            var problem = Read(source, selection, (ref PacketView view, ReadOnlySpan<char> flow, in RawPacket raw, long number, CaptureReader reader) =>
            {
                if (bounded) return;
                if (!byNameLookup.Contains(flow) && !Touches(selection.Indicators, ref view, flow)) return;
                string comment = Invariant($"{source.Path} packet {number}");
                long size = PcapNgWriter.EnhancedPacketSize(raw.Data.Length, Encoding.UTF8.GetByteCount(comment));
                if (packetBytes + size > selection.MaxBytes)
                {
                    bounded = true;
                    return;
                }
                var (snap, resolution) = reader.InterfaceOf(raw.InterfaceId);
                if (!interfaces.TryGetValue((raw.LinkType, raw.InterfaceId, resolution), out int id))
                {
                    id = body.AddInterface((ushort)raw.LinkType, (uint)Math.Max(snap, 0), resolution == 6 ? null : resolution,
                        Invariant($"{source.Path} interface {raw.InterfaceId}"));
                    interfaces.Add((raw.LinkType, raw.InterfaceId, resolution), id);
                }
                body.WriteEnhancedPacket(id, raw.TimestampNanos, raw.Data, raw.OriginalLength, comment);
                packets++;
                packetBytes += size;
                flows.Add(flow.ToString());
            }, () => bounded, cancellationToken);
            if (problem is not null) problems.Add(problem);
            if (bounded) break;
        }
        body.Dispose();
        var result = new SliceResult(packets, packetBytes, flows.Count, bounded, problems);
        using (PcapNgWriter.WithSection(output, $"PcapViz {toolVersion}", SectionComment(sources, selection, headerLines, result))) { }
        scratch.Position = 0;
        scratch.CopyTo(output);
        output.Flush();
        return result;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Whether the packet's flow touches an address, range or Community ID indicator.</summary>
    private static bool Touches(IReadOnlyList<SliceIndicator> indicators, ref PacketView view, ReadOnlySpan<char> flow)
    {
        foreach (var indicator in indicators)
        {
            switch (indicator.Kind)
            {
                case SliceIndicatorKind.Address or SliceIndicatorKind.Network:
                    if (indicator.Contains(view.FlowSource) || indicator.Contains(view.FlowDestination)) return true;
                    break;
                case SliceIndicatorKind.CommunityId:
                    if (flow.SequenceEqual(indicator.Text)) return true;
                    break;
            }
        }
        return false;
    }

    private delegate void PacketVisitor(ref PacketView view, ReadOnlySpan<char> flow, in RawPacket raw, long number, CaptureReader reader);

    /// <summary>
    /// Reads one capture, calling <paramref name="visit"/> for each packet inside the window that belongs to a flow.
    /// Returns what ended the reading early (a truncated or corrupt capture), or null.
    /// </summary>
    private static string? Read(SliceSource source, SliceSelection selection, PacketVisitor visit, Func<bool>? stopEarly, CancellationToken cancellationToken)
    {
        long from = selection.From is { } f ? ToNanos(f) : long.MinValue;
        long to = selection.To is { } t ? ToNanos(t) : long.MaxValue;
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
                decoder.Decode(raw.LinkType, raw.Data, raw.OriginalLength, ref view);
                if (!slicerFlows.TryFlow(ref view, flow, out int length)) continue;
                visit(ref view, flow.AsSpan(0, length), raw, reader.PacketCount, reader);
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

    private static string SectionComment(IReadOnlyList<SliceSource> sources, SliceSelection selection, IReadOnlyList<string> headerLines, SliceResult result)
    {
        var text = new StringBuilder();
        foreach (string line in headerLines) text.Append(line).Append('\n');
        text.Append("indicators: ").AppendJoin(", ", selection.Indicators.Select(i => i.Text)).Append('\n');
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
