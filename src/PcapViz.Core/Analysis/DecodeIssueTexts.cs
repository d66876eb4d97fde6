using System.Globalization;
using PcapViz.Decoding;
using PcapViz.Model;

namespace PcapViz.Analysis;

// The texts of the issues that decoding reports, as data until the log lists them (IssueLog formats each at most once).

/// <summary>A frame counted without being decoded, reported once per cause and link type.</summary>
internal readonly record struct UndecodedText(UndecodedCause Cause, int LinkType, string? Detail, long PacketIndex) : IIssueText
{
    public string Format()
    {
        var c = CultureInfo.InvariantCulture;
        string link = string.Create(c, $"{LinkTypes.Name(LinkType)} ({LinkType})");
        return Cause switch
        {
            UndecodedCause.UnsupportedLinkType => string.Create(c,
                $"Link type {link} is not decoded; its frames (first: packet {PacketIndex:N0}) count as non-IP."),
            UndecodedCause.MalformedLinkHeader => string.Create(c,
                $"Packet {PacketIndex:N0}: malformed link header, link type {link} (bad version or length); such frames are counted as undecoded (further ones are not reported)."),
            UndecodedCause.DecoderFailure => string.Create(c,
                $"Packet {PacketIndex:N0}: the fallback decoder failed on a {link} frame ({Detail}); such frames are counted as undecoded (further ones are not reported)."),
            UndecodedCause.Ieee80211Amsdu => string.Create(c,
                $"Packet {PacketIndex:N0} is an 802.11 A-MSDU (several packets in one frame), which is not decoded; such frames are counted as undecoded (further ones are not reported)."),
            _ => string.Create(c, $"Packet {PacketIndex:N0} was not decoded."),
        };
    }
}

/// <summary>A header that looked like IP but is invalid (listed per packet, up to the per-code cap).</summary>
internal readonly record struct AnomalyText(DecodeAnomaly Anomaly, long PacketIndex) : IIssueText
{
    public string Format() => string.Create(CultureInfo.InvariantCulture, $"Packet {PacketIndex:N0}: {Anomaly.Describe()}; it counts as non-IP.");
}

/// <summary>A once-per-capture fact about a frame.</summary>
internal readonly record struct NoteText(DecodeNotes Note, long PacketIndex) : IIssueText
{
    public string Format()
    {
        var c = CultureInfo.InvariantCulture;
        return Note switch
        {
            DecodeNotes.IpLengthFromWire => string.Create(c,
                $"Packet {PacketIndex:N0} has an IPv4 total length of 0 (segmentation offload / BIG TCP); its IP bytes are taken from the frame's length on the wire (further packets like it are not reported)."),
            DecodeNotes.IpVersionFromNibble => string.Create(c,
                $"Packet {PacketIndex:N0}: the link type says one IP version but the header is the other; it is decoded by its version field (further packets like it are not reported)."),
            DecodeNotes.Ieee80211Protected => string.Create(c,
                $"Packet {PacketIndex:N0} is a protected (encrypted) 802.11 data frame; such frames count as non-IP (further ones are not reported)."),
            _ => string.Create(c, $"Packet {PacketIndex:N0}."),
        };
    }
}

/// <summary>An end-of-capture count of reassembly losses.</summary>
internal readonly record struct ReassemblyText(string Code, long Count, long Other, long FirstPacket) : IIssueText
{
    public string Format()
    {
        var c = CultureInfo.InvariantCulture;
        return Code switch
        {
            IssueCodes.IncompleteFragments => string.Create(c,
                $"{Count:N0} fragmented IP datagrams never completed (missing fragments, time or memory limit, inconsistent lengths; first: packet {FirstPacket:N0}); DNS in them is not counted."),
            IssueCodes.OverlappingFragments => string.Create(c,
                $"{Count:N0} IP fragments overlapped bytes already received with different content (first: packet {FirstPacket:N0}); the bytes that arrived first were used."),
            _ => string.Create(c,
                $"DNS over TCP: {Count:N0} streams lost bytes (holes never filled or buffer limits: {Other:N0} flows evicted) or ended inside a message (first: packet {FirstPacket:N0}); messages in the lost bytes are not counted."),
        };
    }
}
