namespace PcapViz.Model;

/// <summary>
/// The codes of the issues that decoding and analysis report (the stable part of an issue; its message is formatted
/// only when the issue is kept, see <see cref="IssueLog"/>). docs/analysis.md describes each.
/// </summary>
internal static class IssueCodes
{
    public const string UnsupportedLinkType = "unsupported-link-type";
    public const string MalformedLinkHeader = "malformed-link-header";
    public const string DecoderFailure = "decoder-failure";
    public const string Ieee80211Amsdu = "ieee80211-amsdu";
    public const string Ieee80211Protected = "ieee80211-protected";
    public const string MalformedIpHeader = "malformed-ip-header";
    public const string IpVersionMismatch = "ip-version-mismatch";
    public const string Ipv4ZeroTotalLength = "ipv4-zero-total-length";
    public const string MalformedDns = "malformed-dns";
    public const string MalformedDnsResponse = "malformed-dns-response";
    public const string IncompleteFragments = "incomplete-fragmented-datagrams";
    public const string OverlappingFragments = "overlapping-fragments";
    public const string TcpDnsStreamLoss = "tcp-dns-stream-loss";
    public const string ReassemblyReplayed = "reassembly-sequential";
    public const string ApplicationLimits = "application-connections-not-read";
}

/// <summary>
/// The text of an issue, kept as data (a kind and a few numbers) until the log decides to list it: formatting
/// happens at most once, and never for occurrences past the per-code cap.
/// </summary>
internal interface IIssueText
{
    string Format();
}
