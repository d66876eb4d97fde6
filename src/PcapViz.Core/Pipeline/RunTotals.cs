using PcapViz.Analysis;
using PcapViz.Model;

namespace PcapViz.Pipeline;

/// <summary>Run-wide totals, merged from finished capture results in their (sorted) order.</summary>
public static class RunTotals
{
    public static (CaptureSummary Totals, SourceIpResult SourceIps, DnsQueryResult Dns, TrafficResult Traffic) Build(
        IReadOnlyList<CaptureResult> captures, AnalysisOptions options)
    {
        var sources = new SourceIpAnalysis(options.MaxDistinct);
        var dns = new DnsQueryAnalysis(options.MaxDistinct);
        var traffic = new TrafficAnalysis(options.BinSeconds);
        long packets = 0, v4 = 0, v6 = 0, captured = 0, ipBytes = 0, undecoded = 0, malformed = 0;
        long? first = null, last = null;
        foreach (var c in captures)
        {
            var s = c.Summary;
            packets += s.Packets;
            v4 += s.Ipv4Packets;
            v6 += s.Ipv6Packets;
            captured += s.CapturedBytes;
            ipBytes += s.IpBytes;
            undecoded += s.UndecodedPackets;
            malformed += s.MalformedDnsMessages;
            if (s.FirstPacketEpochNanos is long f) first = first is long cf ? Math.Min(cf, f) : f;
            if (s.LastPacketEpochNanos is long l) last = last is long cl ? Math.Max(cl, l) : l;
            sources.Merge(c.SourceIps);
            dns.Merge(c.DnsQueries);
            traffic.Merge(c.Traffic);
        }
        var totals = new CaptureSummary(packets, v4, v6, captured, ipBytes, first, last, undecoded, malformed);
        return (totals, sources.ToResult(), dns.ToResult(), traffic.ToResult());
    }
}
