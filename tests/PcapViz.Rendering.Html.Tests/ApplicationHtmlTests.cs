using System.Net;
using System.Text.Json;
using PcapViz.Analysis;
using PcapViz.Model;
using PcapViz.Orchestration;
using PcapViz.TestSupport;

namespace PcapViz.Rendering.Html.Tests;

/// <summary>
/// The capture page shows what the application analysis found on corpus-l7 captures: every server name, JA3 and JA3S
/// of the reference (../shared/corpus-l7-expected, tshark) and every HTTP host and path, read from the page's HTML
/// inside its own section; and text from the wire is escaped.
/// </summary>
public sealed class ApplicationHtmlTests
{
    public static TheoryData<string> Files() =>
    [
        "zeek-tls-tls1.2.pcap", "zeek-tls-tls13-ech.pcap", "zeek-quic-quic_win11_firefox_google.pcap", "zeek-http-get.pcap", "zeek-http-bro.org.pcap",
    ];

    private static string Section(string html, string id)
    {
        int start = html.IndexOf($"<section class=\"analysis\" id=\"{id}\">", StringComparison.Ordinal);
        Assert.True(start >= 0, $"section {id} is on the page");
        int end = html.IndexOf("</section>", start, StringComparison.Ordinal);
        return html[start..end];
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void CapturePage_CorpusL7_ShowsTheReferenceNamesFingerprintsAndRequests(string fileName)
    {
        string? corpus = TestEnvironment.SharedDirectory("corpus-l7");
        string? expectedDir = TestEnvironment.SharedDirectory("corpus-l7-expected");
        TestEnvironment.Require(corpus is not null && expectedDir is not null, "../shared/corpus-l7 or corpus-l7-expected is missing.");
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(expectedDir!, fileName + ".l7.json")));
        var expected = json.RootElement;
        var capture = CaptureAnalyzer.Analyze(Path.Combine(corpus!, fileName), fileName, "c", new AnalysisOptions(),
            cancellationToken: TestContext.Current.CancellationToken);
        string html = new HtmlReportExporter(HtmlReportOptions.Default).RenderCapture(capture, Fixtures.Run(capture));

        string names = Section(html, "server-names"), clients = Section(html, "client-fingerprints"), http = Section(html, "http-requests");
        int checks = 0;
        foreach (var h in expected.GetProperty("client_hellos").EnumerateArray())
        {
            string sni = h.GetProperty("sni").GetString()!, ja3 = h.GetProperty("ja3").GetString()!;
            if (sni.Length > 0) { Assert.Contains(">" + WebUtility.HtmlEncode(sni) + "<", names, StringComparison.Ordinal); checks++; }
            if (ja3.Length > 0) { Assert.Contains(">" + ja3 + "<", clients, StringComparison.Ordinal); checks++; }
        }
        foreach (var s in expected.GetProperty("server_hellos").EnumerateArray())
        {
            Assert.Contains(">" + s.GetProperty("ja3s").GetString() + "<", clients, StringComparison.Ordinal);
            checks++;
        }
        foreach (var r in expected.GetProperty("http_requests").EnumerateArray())
        {
            Assert.Contains(">" + WebUtility.HtmlEncode(r.GetProperty("uri").GetString()!) + "<", http, StringComparison.Ordinal);
            string host = r.GetProperty("host").GetString()!;
            if (host.Length > 0) Assert.Contains(">" + WebUtility.HtmlEncode(host) + "<", http, StringComparison.Ordinal);
            checks++;
        }
        Assert.True(checks > 0, "the reference lists something to look for");
    }

    [Fact]
    public void CapturePage_ServerNameAndHeadersWithMarkup_Escaped()
    {
        var capture = Fixtures.Normal();
        var set = new BoundedSet(new ValueList<string>(["192.0.2.1"]), true);
        var none = DistinctLimit.NotExceeded(10);
        capture = capture with
        {
            Application = new ApplicationResult(
                [new ServerNameEntry("<script>alert(1)</script>.example", NameSources.Tls, 1, set, set)], none,
                [new TlsClientEntry("0123456789abcdef0123456789abcdef", "t13d0000h2_000000000000_000000000000", 1, set)], none, [], none,
                [new CertificateEntry(new string('a', 64), true, "CN=<img src=x onerror=alert(1)>", "CN=issuer", new ValueList<string>(["<b>bold</b>"]),
                    "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z", 1, new ValueList<string>([CertificateSignals.SelfSigned]))], none,
                [new HttpRequestEntry("evil\u202Ehost", "GET", "/<x>", "\"><svg onload=alert(1)>", 1, set)], none, [], none),
        };
        string html = new HtmlReportExporter(HtmlReportOptions.Default).RenderCapture(capture, Fixtures.Run(capture));
        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img src=x", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<svg onload", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>bold", html, StringComparison.Ordinal);
        Assert.DoesNotContain("\u202E", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;.example", html, StringComparison.Ordinal);
        Assert.Contains("evil\\u202ehost", html, StringComparison.Ordinal);
        Assert.Contains("self-signed", Section(html, "certificates"), StringComparison.Ordinal);
    }
}
