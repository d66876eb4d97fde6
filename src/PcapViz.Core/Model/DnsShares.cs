namespace PcapViz.Model;

/// <summary>
/// The one definition of the NXDOMAIN share (docs/analysis.md, "NXDOMAIN share"): NXDOMAIN responses divided by the
/// responses that carry a question, as DNS statistics tools count it (a response without a question answers no
/// name, so it is in neither count). analysis.json, CSV, the trend in the history, pages and PDFs all use it.
/// </summary>
public static class DnsShares
{
    /// <summary>NXDOMAIN responses of the responses carrying a question.</summary>
    public static Share Of(long nxdomainResponses, long responsesWithQuestion) => new(nxdomainResponses, responsesWithQuestion);

    /// <summary>NXDOMAIN responses / responses carrying a question; null when there is no such response.</summary>
    public static double? Nxdomain(long nxdomainResponses, long responsesWithQuestion) => Of(nxdomainResponses, responsesWithQuestion).Fraction;

    /// <summary>The share as pages and PDFs print it beside its counts: "12.63 %", or "–" when there is no response with a question.</summary>
    public static string Percent(long nxdomainResponses, long responsesWithQuestion) => Of(nxdomainResponses, responsesWithQuestion).Percent;
}
