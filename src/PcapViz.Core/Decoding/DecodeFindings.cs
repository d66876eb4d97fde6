using System.Globalization;

namespace PcapViz.Decoding;

/// <summary>Why a header that looked like IP is not counted as IP.</summary>
public enum AnomalyKind : byte
{
    /// <summary>No anomaly: the header was valid IP, or did not look like IP at all.</summary>
    None = 0,
    /// <summary>The link said IPv4; the version nibble (<see cref="DecodeAnomaly.Value"/>) is not 4.</summary>
    Ipv4VersionMismatch,
    /// <summary>IPv4 header length (<see cref="DecodeAnomaly.Value"/>) below 20.</summary>
    Ipv4HeaderTooShort,
    /// <summary>IPv4 total length (<see cref="DecodeAnomaly.Value"/>) below the header length (<see cref="DecodeAnomaly.Other"/>).</summary>
    Ipv4TotalLengthBelowHeader,
    /// <summary>The link said IPv6; the version nibble (<see cref="DecodeAnomaly.Value"/>) is not 6.</summary>
    Ipv6VersionMismatch,
}

/// <summary>An invalid IP header as data: a kind and its numbers. Text is made only for issues that are listed.</summary>
public readonly record struct DecodeAnomaly(AnomalyKind Kind, int Value = 0, int Other = 0)
{
    internal bool IsSet => Kind != AnomalyKind.None;

    internal string Describe() => Kind switch
    {
        AnomalyKind.Ipv4VersionMismatch => string.Create(CultureInfo.InvariantCulture, $"IPv4 expected but the version field is {Value}"),
        AnomalyKind.Ipv4HeaderTooShort => string.Create(CultureInfo.InvariantCulture, $"IPv4 header length {Value} is less than 20"),
        AnomalyKind.Ipv4TotalLengthBelowHeader => string.Create(CultureInfo.InvariantCulture, $"IPv4 total length {Value} is less than its header length {Other}"),
        AnomalyKind.Ipv6VersionMismatch => string.Create(CultureInfo.InvariantCulture, $"IPv6 expected but the version field is {Value}"),
        _ => "no anomaly",
    };
}

/// <summary>Why a frame was counted but not decoded (it counts in the summary's undecoded packets).</summary>
public enum UndecodedCause : byte
{
    /// <summary>The frame was decoded (as IP or as something else).</summary>
    None = 0,
    /// <summary>No decoder knows the link type.</summary>
    UnsupportedLinkType,
    /// <summary>A link-layer pseudo-header (radiotap, PPI, Prism, AVS) contradicts itself (bad version or length).</summary>
    MalformedLinkHeader,
    /// <summary>The last-resort fallback decoder (PacketDotNet) threw.</summary>
    DecoderFailure,
    /// <summary>An 802.11 QoS data frame carrying an A-MSDU (several packets in one frame).</summary>
    Ieee80211Amsdu,
}

/// <summary>Facts about a frame that are reported once per capture, not per frame.</summary>
[Flags]
public enum DecodeNotes : byte
{
    /// <summary>Nothing to report.</summary>
    None = 0,
    /// <summary>IPv4 total length 0 (TSO / BIG TCP): IP bytes taken from the frame's length on the wire.</summary>
    IpLengthFromWire = 1,
    /// <summary>The link type says one IP version, the header is the other: decoded by its version nibble.</summary>
    IpVersionFromNibble = 2,
    /// <summary>An 802.11 data frame with the Protected bit: encrypted, so not IP as far as the capture shows.</summary>
    Ieee80211Protected = 4,
}
