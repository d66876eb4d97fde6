using PcapViz.Analysis;
using PcapViz.Model;

namespace PcapViz.Orchestration;

/// <summary>Run-wide totals, merged from finished capture results in their (sorted) order.</summary>
public static class RunTotals
{
    public static (CaptureSummary Totals, SourceIpResult SourceIps, DnsQueryResult Dns, TrafficResult Traffic) Build(
        IReadOnlyList<CaptureResult> captures, AnalysisOptions options)
    {
        var sources = new SourceIpAnalysis(options.MaxDistinct);
        var dns = new DnsQueryAnalysis(options.MaxDistinct);
        var traffic = new TrafficAnalysis(options.BinSeconds);
        var totals = CaptureSummary.Empty;
        foreach (var c in captures)
        {
            totals = totals.Add(c.Summary);
            sources.Merge(c.SourceIps);
            dns.Merge(c.DnsQueries);
            traffic.Merge(c.Traffic);
        }
        return (totals, sources.ToResult(), dns.ToResult(), traffic.ToResult());
    }

    /// <summary>
    /// The run's totals with the context merged from every capture: source addresses and query names enriched
    /// (names, classes, registered domains) and the run-wide <see cref="ContextResult"/>.
    /// </summary>
    public static (CaptureSummary Totals, SourceIpResult SourceIps, DnsQueryResult Dns, TrafficResult Traffic, ContextResult Context) BuildWithContext(
        IReadOnlyList<CaptureResult> captures, AnalysisOptions options)
    {
        var (totals, sources, dns, traffic) = Build(captures, options);
        var responses = new DnsResponseAnalysis(options.MaxDistinct);
        foreach (var c in captures) responses.Merge(c.Context);
        var (s, d, context) = PcapViz.Context.ContextBuilder.Build(sources, dns, responses, options);
        return (totals, s, d, traffic, context);
    }
}
