using PcapViz.Model;

namespace PcapViz.Rendering.Html.Tests;

/// <summary>
/// The pivot page lists server names (which captures, requests, sources) and client fingerprints (which captures,
/// hellos, clients, server names) across the run's captures, bounded by the table limit with the rest counted, and
/// escapes what came from the wire.
/// </summary>
public sealed class PivotHtmlTests
{
    private const string Ja3A = "e7d705a3286e19ea42f587b344ee6865", Ja3B = "6734f37431670b3ab4292b8f60f29984";
    private const string Ja4X = "t13d1516h2_8daaf6152771_b186095e22b6", Ja4Y = "q13d0312h3_55b375c5d22e_06cda9e17597";
    private const string Hostile = "<script>alert(1)</script>\u202E.example";

    private static BoundedSet Set(params string[] items) => new(new ValueList<string>(items), true);

    private static CaptureResult With(CaptureResult c, ServerNameEntry[] names, TlsClientEntry[] clients)
    {
        var none = DistinctLimit.NotExceeded(1000);
        return c with { Application = new ApplicationResult(names, none, clients, none, [], none, [], none, [], none, [], none) };
    }

    /// <summary>Two captures: www.example.com over TLS in both and over HTTP in the second, a hostile name in the second;
    /// JA4 X (JA3 A) in both, JA4 Y (JA3 B) in the first only.</summary>
    private static RunResult Run(int maxTableRows, out HtmlReportExporter exporter)
    {
        var a = With(Fixtures.Normal("a-01", "site/a.pcap"),
            [new ServerNameEntry("www.example.com", NameSources.Tls, 3, Set("10.0.0.1"), Set("192.0.2.1"))],
            [new TlsClientEntry(Ja3A, Ja4X, 3, Set("10.0.0.1")) { ServerNames = Set("www.example.com") },
             new TlsClientEntry(Ja3B, Ja4Y, 1, Set("10.0.0.9"))]);
        var b = With(Fixtures.Normal("b-02", "site/b.pcap"),
            [new ServerNameEntry("www.example.com", NameSources.Tls, 2, Set("10.0.0.2"), Set("192.0.2.1")),
             new ServerNameEntry("www.example.com", NameSources.Http, 4, Set("10.0.0.2"), Set("192.0.2.1")),
             new ServerNameEntry(Hostile, NameSources.Tls, 1, Set("10.0.0.2"), Set("192.0.2.66"))],
            [new TlsClientEntry(Ja3A, Ja4X, 5, Set("10.0.0.2")) { ServerNames = Set(Hostile, "www.example.com") }]);
        // The run's own lists, merged as the run totals merge them (counts added, sets united).
        var run = Fixtures.Run(a, b) with
        {
            Application = new ApplicationResult(
                [new ServerNameEntry("www.example.com", NameSources.Tls, 5, Set("10.0.0.1", "10.0.0.2"), Set("192.0.2.1")),
                 new ServerNameEntry("www.example.com", NameSources.Http, 4, Set("10.0.0.2"), Set("192.0.2.1")),
                 new ServerNameEntry(Hostile, NameSources.Tls, 1, Set("10.0.0.2"), Set("192.0.2.66"))], DistinctLimit.NotExceeded(1000),
                [new TlsClientEntry(Ja3A, Ja4X, 8, Set("10.0.0.1", "10.0.0.2")) { ServerNames = Set(Hostile, "www.example.com") },
                 new TlsClientEntry(Ja3B, Ja4Y, 1, Set("10.0.0.9"))], DistinctLimit.NotExceeded(1000),
                [], DistinctLimit.NotExceeded(1000), [], DistinctLimit.NotExceeded(1000), [], DistinctLimit.NotExceeded(1000), [], DistinctLimit.NotExceeded(1000)),
        };
        exporter = new HtmlReportExporter(HtmlReportOptions.Default with { MaxTableRows = maxTableRows });
        return run;
    }

    private static string Section(string html, string id)
    {
        int start = html.IndexOf($"<section class=\"analysis\" id=\"{id}\">", StringComparison.Ordinal);
        Assert.True(start >= 0, $"section {id} is on the page");
        return html[start..html.IndexOf("</section>", start, StringComparison.Ordinal)];
    }

    private static string Row(string section, string rowId)
    {
        int start = section.IndexOf($"<tr id=\"{rowId}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"row {rowId} is in the table");
        return section[start..section.IndexOf("</tr>", start, StringComparison.Ordinal)];
    }

    private static string[] Cells(string row) =>
        System.Text.RegularExpressions.Regex.Matches(row, "<td[^>]*>(.*?)</td>").Select(m => m.Groups[1].Value).ToArray();

    [Fact]
    public void Pivot_ServerNamesAndFingerprints_CapturesCountsSourcesClients()
    {
        var run = Run(10_000, out var exporter);
        string html = exporter.RenderPivot(run);

        string names = Section(html, "server-names");
        // www.example.com: both captures, 3 + (2 + 4) requests, over TLS and HTTP; the second capture first (6 > 3).
        var www = Cells(Row(names, RunIndex.ServerNameAnchor("www.example.com")));
        Assert.Equal("www.example.com", www[0]);
        Assert.Contains("2 captures", www[1], StringComparison.Ordinal);
        Assert.Equal("9", www[2]);
        Assert.Equal("tls, http", www[3]);
        Assert.Equal("<a href=\"captures/b-02/report.html\">site/b.pcap</a> (6), <a href=\"captures/a-01/report.html\">site/a.pcap</a> (3)", www[4]);

        string fingerprints = Section(html, "fingerprints");
        var x = Cells(Row(fingerprints, RunIndex.FingerprintAnchor(Ja4X + " " + Ja3A)));
        Assert.Equal([Ja4X, Ja3A], x[..2]);
        Assert.Contains("2 captures", x[2], StringComparison.Ordinal);
        Assert.Equal(["8", "2"], x[3..5]);
        Assert.Contains("www.example.com", x[5], StringComparison.Ordinal);
        Assert.Equal("<a href=\"captures/b-02/report.html\">site/b.pcap</a> (5), <a href=\"captures/a-01/report.html\">site/a.pcap</a> (3)", x[6]);
        var y = Cells(Row(fingerprints, RunIndex.FingerprintAnchor(Ja4Y + " " + Ja3B)));
        Assert.Contains("1 capture", y[2], StringComparison.Ordinal);
        Assert.Equal(["1", "1", "–"], y[3..6]);
        // Most captures first: X (2 captures) before Y (1).
        Assert.True(fingerprints.IndexOf(Ja4X, StringComparison.Ordinal) < fingerprints.IndexOf(Ja4Y, StringComparison.Ordinal));
        Assert.DoesNotContain("more are not", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Pivot_NoApplicationLayer_SaysSoInsteadOfEmptyTables()
    {
        string html = new HtmlReportExporter(HtmlReportOptions.Default).RenderPivot(Fixtures.Run(Fixtures.Normal("a-01", "site/a.pcap"), Fixtures.Normal("b-02", "site/b.pcap")));
        Assert.Contains("No TLS or QUIC server name and no HTTP Host in the run's captures.", Section(html, "server-names"), StringComparison.Ordinal);
        Assert.Contains("No TLS or QUIC ClientHello in the run's captures.", Section(html, "fingerprints"), StringComparison.Ordinal);
        Assert.DoesNotContain("table-pivot-fingerprints", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Pivot_HostileServerName_EscapedAndMadeVisible()
    {
        var run = Run(10_000, out var exporter);
        string html = exporter.RenderPivot(run);
        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
        Assert.DoesNotContain("\u202E", html, StringComparison.Ordinal);
        string names = Section(html, "server-names");
        var row = Cells(Row(names, RunIndex.ServerNameAnchor(Hostile)));
        Assert.Equal("&lt;script&gt;alert(1)&lt;/script&gt;\\u202e.example", row[0]);
        // Also where it is one of a fingerprint's server names.
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;\\u202e.example", Section(html, "fingerprints"), StringComparison.Ordinal);
    }

    [Fact]
    public void Pivot_MoreThanTheTableLimit_ListsTheTopAndCountsTheRest()
    {
        var run = Run(1, out var exporter);
        string html = exporter.RenderPivot(run);
        string names = Section(html, "server-names");
        Assert.Contains(RunIndex.ServerNameAnchor("www.example.com"), names, StringComparison.Ordinal);
        Assert.DoesNotContain(RunIndex.ServerNameAnchor(Hostile), names, StringComparison.Ordinal);
        Assert.Contains("The 1 server names seen in the most captures are listed; 1 more are not", names, StringComparison.Ordinal);
        string fingerprints = Section(html, "fingerprints");
        Assert.Contains(Ja4X, fingerprints, StringComparison.Ordinal);
        Assert.DoesNotContain(Ja4Y, fingerprints, StringComparison.Ordinal);
        Assert.Contains("The 1 fingerprints seen in the most captures are listed; 1 more are not", fingerprints, StringComparison.Ordinal);
    }
}
