using PcapViz.Analysis;
using PcapViz.Analysis.Application;
using PcapViz.Model;

namespace PcapViz.Orchestration;

/// <summary>Run-wide totals, merged from finished capture results in their (sorted) order.</summary>
internal static class RunTotals
{
    public static (CaptureSummary Totals, SourceIpResult SourceIps, DnsQueryResult Dns, TrafficResult Traffic) Build(
        IReadOnlyList<CaptureResult> captures, AnalysisOptions options)
    {
        var (totals, sources, dns, traffic, _, _, _) = Merge(captures, options);
        return (totals, sources.ToResult(), dns.ToResult(), traffic.ToResult());
    }

    /// <summary>One pass over the captures (a spilled capture is read back once).</summary>
    private static (CaptureSummary, SourceIpAnalysis, DnsQueryAnalysis, TrafficAnalysis, DnsResponseAnalysis, ApplicationTables, RunBeaconTable) Merge(
        IReadOnlyList<CaptureResult> captures, AnalysisOptions options)
    {
        var sources = new SourceIpAnalysis(options.MaxDistinct);
        var dns = new DnsQueryAnalysis(options.MaxDistinct);
        var traffic = new TrafficAnalysis(options.BinSeconds);
        var responses = new DnsResponseAnalysis(options.MaxDistinct);
        var application = new ApplicationTables(options.MaxDistinct);
        var beacons = new RunBeaconTable();
        var totals = CaptureSummary.Empty;
        foreach (var c in captures)
        {
            totals = totals.Add(c.Summary);
            var details = c.Details;
            sources.Merge(details.SourceIps);
            dns.Merge(details.DnsQueries);
            traffic.Merge(details.Traffic);
            responses.Merge(details.Context);
            application.Merge(details.Application);
            beacons.Add(details.Conversations.BeaconSamples);
        }
        return (totals, sources, dns, traffic, responses, application, beacons);
    }

    /// <summary>
    /// The run's totals with the context merged from every capture: source addresses and query names enriched
    /// (names, classes, registered domains), the run-wide <see cref="ContextResult"/> and the run's beacons.
    /// </summary>
    public static (CaptureSummary Totals, SourceIpResult SourceIps, DnsQueryResult Dns, TrafficResult Traffic, ContextResult Context, ApplicationResult Application,
        RunBeacons Beacons) BuildWithContext(
        IReadOnlyList<CaptureResult> captures, AnalysisOptions options)
    {
        // A run of one capture is that capture: its results, context included, are already what merging would give
        // (a failed capture has none, and its empty results carry the default limits, not the run's).
        if (captures is [{ Status: not CaptureStatus.Failed } only])
        {
            var details = only.Details;
            return (CaptureSummary.Empty.Add(only.Summary), details.SourceIps, details.DnsQueries, details.Traffic, details.Context, details.Application,
                RunBeaconTable.Of([details.Conversations.BeaconSamples]));
        }
        var (totals, sources, dns, traffic, responses, tables, beacons) = Merge(captures, options);
        var application = tables.ToResult();
        var (s, d, context) = PcapViz.Context.ContextBuilder.Build(sources.ToResult(), dns.ToResult(), responses, application, options);
        return (totals, s, d, traffic.ToResult(), context, application, beacons.ToResult());
    }
}
