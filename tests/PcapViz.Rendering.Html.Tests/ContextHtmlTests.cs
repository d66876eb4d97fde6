using System.Text.RegularExpressions;
using PcapViz.Analysis;
using PcapViz.Generator;
using PcapViz.Model;
using PcapViz.Orchestration;

namespace PcapViz.Rendering.Html.Tests;

/// <summary>The context on the capture page, from the real tunnel sample: signals first, names next to addresses.</summary>
public sealed partial class ContextHtmlTests
{
    private static CaptureResult TunnelSample()
    {
        string dir = Directory.CreateTempSubdirectory("pcapviz-tunnel-").FullName;
        try
        {
            string path = Path.Combine(dir, "dns-tunnel.pcap");
            using (var file = File.Create(path)) SampleCaptures.Write("dns-tunnel.pcap", file);
            return CaptureAnalyzer.Analyze(path, "dns-tunnel.pcap", "dns-tunnel", new AnalysisOptions(), cancellationToken: TestContext.Current.CancellationToken);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [GeneratedRegex("<span class=\"mono signal-domain\">([^<]*)</span>")]
    private static partial Regex SignalDomain();

    [Fact]
    public void CapturePage_TunnelSample_SignalsSectionListsTheTunnelDomainFirst_Explained()
    {
        var capture = TunnelSample();
        var run = Fixtures.Run(capture);
        string html = new HtmlReportExporter(HtmlReportOptions.Default).RenderCapture(capture, run);
        int signals = html.IndexOf("id=\"signals\"", StringComparison.Ordinal);
        int sources = html.IndexOf("id=\"sources\"", StringComparison.Ordinal);
        Assert.True(signals >= 0 && signals < sources, "the signals section comes before the source addresses");
        var domains = SignalDomain().Matches(html[signals..sources]).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal([SampleCaptures.TunnelDomain, "corp-directory.example"], domains);
        Assert.Contains("smuggled out inside names", html[signals..sources]);
        Assert.Contains("NXDOMAIN share", html);
        Assert.Contains("Sources that got the most NXDOMAIN", html);
    }

    [Fact]
    public void CapturePage_SourceWithNames_NamesInTableAndHover_ClassShown()
    {
        var capture = Fixtures.Normal() with
        {
            SourceIps = new SourceIpResult(
                [new SourceIpEntry("192.0.2.80", 4, 100, 10_000) { AddressClass = "documentation", Names = NameSources.FromDns(["www.shop.example", "<b>evil</b>.example"]), MoreNames = 1 }],
                DistinctLimit.NotExceeded(100)),
        };
        string html = new HtmlReportExporter(HtmlReportOptions.Default).RenderCapture(capture, Fixtures.Run(capture));
        Assert.Contains("<td class=\"mono\">www.shop.example, &lt;b&gt;evil&lt;/b&gt;.example (+1 more)</td>", html);
        Assert.Contains("<td class=\"opt\">documentation</td>", html); // the class column is hidden on narrow screens
        Assert.DoesNotContain("<b>evil</b>", html);
        // The chart's hover text carries the names (inside the inline JSON, where '<' is escaped).
        Assert.Contains("names: www.shop.example, ", html);
    }
}
