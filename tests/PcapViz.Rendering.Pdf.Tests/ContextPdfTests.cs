using PcapViz.Model;
using Xunit;

namespace PcapViz.Rendering.Pdf.Tests;

/// <summary>The context in the PDF: the signals section (strongest domain first, explained), names and classes of sources.</summary>
public sealed class ContextPdfTests
{
    private static DnsDomainEntry Domain(string name, long queries, int names, params string[] signals) =>
        new(name, queries, names, queries, 0, 0, 12, 0, 0, new ValueList<string>(signals));

    private static CaptureResult WithContext() => Fixtures.Realistic() with
    {
        SourceIps = new SourceIpResult(
            [new SourceIpEntry("10.20.0.15", 4, 900, 90_000) { AddressClass = "private" },
             new SourceIpEntry("192.0.2.80", 4, 100, 10_000) { AddressClass = "documentation", Names = NameSources.FromDns(["www.shop.example", "shop.cdn.example"]), MoreNames = 3 }],
            DistinctLimit.NotExceeded(100)),
        Context = ContextResult.Empty with
        {
            Domains =
            [
                Domain("example.com", 900, 4),
                Domain("corp-directory.example", 48, 8, DnsSignals.NxDomainHeavy),
                Domain("update-check.example", 320, 320, DnsSignals.ManyDistinctNames, DnsSignals.LongLabels, DnsSignals.HighEntropy, DnsSignals.TxtHeavy),
            ],
            Responses = new DnsResponseTotals(400, 380, 0, new([new NamedCount("NOERROR", 332), new NamedCount("NXDOMAIN", 48)])),
            Clients = new DnsClientResult([new DnsClientEntry("10.20.0.23", 4, 60, 48)], DistinctLimit.NotExceeded(100)),
        },
    };

    [Fact]
    public void Capture_SignalsSection_TunnelDomainFirstWithExplanations()
    {
        string text = string.Join(' ', PdfTestKit.PageTexts(PdfTestKit.RenderCapture(WithContext())));
        int signals = text.IndexOf("Signals", StringComparison.Ordinal);
        Assert.True(signals >= 0, "no Signals heading");
        int tunnel = text.IndexOf("update-check.example", signals, StringComparison.Ordinal);
        int stale = text.IndexOf("corp-directory.example", signals, StringComparison.Ordinal);
        Assert.True(tunnel > signals && stale > tunnel, $"tunnel at {tunnel}, stale suffix at {stale}, signals at {signals}");
        Assert.Contains("smuggled out inside names", text);
        Assert.Contains("does not exist (NXDOMAIN)", text);
        Assert.DoesNotContain("example.com: ", text[signals..stale]);
    }

    [Fact]
    public void Capture_SourcesShowClassAndNames_LookupsShowNxDomainShareAndClient()
    {
        string text = string.Join(' ', PdfTestKit.PageTexts(PdfTestKit.RenderCapture(WithContext())));
        Assert.Contains("10.20.0.15 private", text);
        Assert.Contains("192.0.2.80 documentation www.shop.example +4", text);
        Assert.Contains("NXDOMAIN share 12.6", text);
        Assert.Contains("10.20.0.23", text);
    }

    [Fact]
    public void Capture_NoSignals_SaysSo()
    {
        var capture = WithContext() with { Context = WithContext().Context with { Domains = [Domain("example.com", 900, 4)] } };
        string text = string.Join(' ', PdfTestKit.PageTexts(PdfTestKit.RenderCapture(capture)));
        Assert.Contains("No registered domain shows a signal", text);
    }
}
