using System.Text.RegularExpressions;

namespace PcapViz.Rendering.Html.Tests;

public sealed partial class HtmlReportExporterTests
{
    private static readonly HtmlReportExporter Exporter = new(HtmlReportOptions.Default);

    [Fact]
    public void RenderCapture_TwiceWithSameModel_IsIdenticalAndHasNoGuids()
    {
        var run = Fixtures.StandardRun();
        string a = Exporter.RenderCapture(run.Captures[0], run);
        string b = new HtmlReportExporter(HtmlReportOptions.Default).RenderCapture(run.Captures[0], run);
        Assert.Equal(a, b);
        Assert.DoesNotMatch(GuidPattern(), a);
        Assert.Contains("id=\"chart-sources\"", a, StringComparison.Ordinal);
        Assert.Contains("id=\"chart-dns\"", a, StringComparison.Ordinal);
        Assert.Contains("id=\"chart-traffic\"", a, StringComparison.Ordinal);
    }

    [Fact]
    public void Pages_OnlyGenerationTimeChanges_WhenClockChanges()
    {
        var run = Fixtures.StandardRun();
        var later = run with { Info = run.Info with { GeneratedUtc = run.Info.GeneratedUtc.AddDays(3) } };
        string a = Exporter.RenderIndex(run);
        string b = Exporter.RenderIndex(later);
        Assert.NotEqual(a, b);
        Assert.Equal(a.Replace("2024-03-01 12:00:00 +00:00", "T", StringComparison.Ordinal), b.Replace("2024-03-04 12:00:00 +00:00", "T", StringComparison.Ordinal));
    }

    [Fact]
    public void Csp_HashesExactlyTheInlineScripts()
    {
        var run = Fixtures.StandardRun();
        foreach (bool selfContained in new[] { false, true })
        {
            string html = new HtmlReportExporter(HtmlReportOptions.Default with { SelfContained = selfContained }).RenderCapture(run.Captures[0], run);
            string csp = CspPattern().Match(html).Groups[1].Value.Replace("&#39;", "'", StringComparison.Ordinal).Replace("&#x27;", "'", StringComparison.Ordinal);
            var inline = InlineScriptPattern().Matches(html).Select(m => m.Groups[1].Value).ToArray();
            // charts.js and tables.js, and plotly.js when inlined.
            Assert.Equal(selfContained ? 3 : 2, inline.Length);
            foreach (string script in inline) Assert.Contains(HtmlSafety.CspHash(script), csp, StringComparison.Ordinal);
            Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("'unsafe-inline'", csp.Split(';').Single(d => d.Trim().StartsWith("script-src", StringComparison.Ordinal)), StringComparison.Ordinal);
            Assert.Equal(selfContained ? 0 : 1, ExternalScriptPattern().Count(html));
        }
    }

    [Fact]
    public void Pages_ReferToNothingOutsideTheBundle()
    {
        var run = Fixtures.StandardRun();
        foreach (bool selfContained in new[] { false, true })
        {
            var options = HtmlReportOptions.Default with { SelfContained = selfContained };
            var pages = run.Captures.Select(c => new HtmlReportExporter(options).RenderCapture(c, run)).Append(new HtmlReportExporter(options).RenderIndex(run));
            foreach (string page in pages.Select(p => StripPlotly(p)))
            {
                foreach (Match m in UrlAttributePattern().Matches(page))
                {
                    string url = m.Groups[2].Value;
                    Assert.False(url.Contains(':', StringComparison.Ordinal) || url.StartsWith("//", StringComparison.Ordinal) || url.StartsWith('/'),
                        $"{m.Groups[1].Value}=\"{url}\" leaves the bundle");
                }
            }
        }
    }

    [Fact]
    public void ExportRun_Default_WritesPlotlyAssetOnceAndIndex()
    {
        var run = Fixtures.StandardRun();
        var sink = Bundle.Write("export-default", run);
        Assert.Equal(1, sink.Created[HtmlReportExporter.PlotlyAssetPath]);
        Assert.Matches(@"^assets/plotly-\d+\.\d+\.\d+\.min\.js$", HtmlReportExporter.PlotlyAssetPath);
        Assert.Equal(1, sink.Created["index.html"]);
        foreach (var c in run.Captures) Assert.Equal(1, sink.Created[$"captures/{c.Id}/report.html"]);
        string page = File.ReadAllText(Path.Combine(sink.Root, "captures", "office-01", "report.html"));
        Assert.Contains($"src=\"../../{HtmlReportExporter.PlotlyAssetPath}\"", page, StringComparison.Ordinal);
        Assert.True(new FileInfo(Path.Combine(sink.Root, HtmlReportExporter.PlotlyAssetPath)).Length > 1_000_000);
    }

    [Fact]
    public void ExportRun_SelfContained_WritesNoAssetAndInlinesPlotly()
    {
        var run = Fixtures.StandardRun();
        var sink = Bundle.Write("export-self-contained", run, HtmlReportOptions.Default with { SelfContained = true });
        Assert.DoesNotContain(sink.Created.Keys, k => k.StartsWith("assets/", StringComparison.Ordinal));
        string page = File.ReadAllText(Path.Combine(sink.Root, "index.html"));
        Assert.DoesNotContain("<script src=", page, StringComparison.Ordinal);
        Assert.True(page.Length > 1_000_000);
    }

    [Fact]
    public void Links_FollowTheFormatsWritten()
    {
        var run = Fixtures.StandardRun();
        string all = Exporter.RenderCapture(run.Captures[0], run);
        foreach (string f in new[] { "report.pdf", "analysis.json", "source_ips.csv", "dns_queries.csv", "traffic.csv" })
            Assert.Contains($"href=\"{f}\"", all, StringComparison.Ordinal);
        string htmlOnly = new HtmlReportExporter(HtmlReportOptions.Default with { Links = HtmlLinks.None }).RenderCapture(run.Captures[0], run);
        foreach (string f in new[] { "report.pdf", "analysis.json", "source_ips.csv", "dns_queries.csv", "traffic.csv" })
            Assert.DoesNotContain($"href=\"{f}\"", htmlOnly, StringComparison.Ordinal);
        string index = Exporter.RenderIndex(run);
        Assert.Contains("href=\"manifest.json\"", index, StringComparison.Ordinal);
        Assert.Contains("href=\"captures/office-01/report.pdf\"", index, StringComparison.Ordinal);
        Assert.Contains("href=\"captures/office-01/analysis.json\"", index, StringComparison.Ordinal);
        string indexHtmlOnly = new HtmlReportExporter(HtmlReportOptions.Default with { Links = HtmlLinks.None }).RenderIndex(run);
        Assert.DoesNotContain(".pdf\"", indexHtmlOnly, StringComparison.Ordinal);
        Assert.DoesNotContain(".json\"", indexHtmlOnly, StringComparison.Ordinal);
    }

    [Fact]
    public void LargeTables_AreNotTruncatedByScriban_AndCappedByOption()
    {
        // 30,000 addresses: well over Scriban's default 1 M character output limit.
        var big = Fixtures.Normal(sources: 30_000);
        var run = Fixtures.Run(big);
        string full = new HtmlReportExporter(HtmlReportOptions.Default with { MaxTableRows = 30_000 }).RenderCapture(big, run);
        Assert.True(full.Length > 2_000_000, $"page is {full.Length} chars");
        Assert.EndsWith("</html>\n", full, StringComparison.Ordinal);
        Assert.Contains(big.SourceIps.Entries[^1].Address + "</td>", full, StringComparison.Ordinal);

        string capped = Exporter.RenderCapture(big, run);
        Assert.Contains("The table lists the first 10,000 of 30,000 addresses", capped, StringComparison.Ordinal);
        Assert.DoesNotContain(">" + big.SourceIps.Entries[10_000].Address + "</td>", capped, StringComparison.Ordinal);
        Assert.Contains(">" + big.SourceIps.Entries[9_999].Address + "</td>", capped, StringComparison.Ordinal);
    }

    [Fact]
    public void LimitsGapsFailuresAndEmptyCaptures_AreStatedPlainly()
    {
        var run = Fixtures.StandardRun();
        string limited = Exporter.RenderCapture(run.Captures[1], run);
        Assert.Contains("More than 12 distinct source addresses were seen; the rest were counted as &quot;other&quot;", limited, StringComparison.Ordinal);
        Assert.Contains("may be low by at most 17 packets", limited, StringComparison.Ordinal);
        Assert.Contains("More than 8 distinct query names", limited, StringComparison.Ordinal);
        Assert.Contains("The timeline has 1 gap without packets, each longer than 60 bins", limited, StringComparison.Ordinal);
        Assert.Contains("1970-01-01 00:00:02 +00:00 to 20", limited, StringComparison.Ordinal);
        Assert.Contains("truncated-record", limited, StringComparison.Ordinal);

        string empty = Exporter.RenderCapture(run.Captures[2], run);
        Assert.Contains("This capture holds no packets", empty, StringComparison.Ordinal);
        Assert.DoesNotContain("data-chart=\"chart-", empty, StringComparison.Ordinal);

        string failed = Exporter.RenderCapture(run.Captures[3], run);
        Assert.Contains("could not be read as a capture", failed, StringComparison.Ordinal);
        Assert.Contains("not-a-capture", failed, StringComparison.Ordinal);
        Assert.DoesNotContain("data-chart=\"chart-", failed, StringComparison.Ordinal);

        string index = Exporter.RenderIndex(run);
        Assert.Contains("Failed captures (1)", index, StringComparison.Ordinal);
        Assert.Contains("site-b/readme.txt", index, StringComparison.Ordinal);
    }

    [Fact]
    public void RenderCapture_RealisticCaptureRenderedAgain_ByteIdentical()
    {
        // Render time is measured in bench/ (bench/run.sh), not asserted here: a wall clock flakes on a busy machine.
        var run = Fixtures.StandardRun();
        var exporter = new HtmlReportExporter(HtmlReportOptions.Default);
        string first = exporter.RenderCapture(run.Captures[0], run); // parses the templates
        string again = exporter.RenderCapture(run.Captures[0], run); // reuses them
        Assert.Equal(first, again);
        Assert.Equal(first, new HtmlReportExporter(HtmlReportOptions.Default).RenderCapture(run.Captures[0], run));
    }

    [Fact]
    public void TimeZone_IsShownWithOffset()
    {
        var run = Fixtures.StandardRun();
        string html = new HtmlReportExporter(HtmlReportOptions.Default with { TimeZone = TimeZoneInfo.FindSystemTimeZoneById("America/New_York") }).RenderCapture(run.Captures[0], run);
        Assert.Contains("2024-02-29 03:00:00.123456 -05:00", html, StringComparison.Ordinal);
        Assert.Contains("America/New_York (UTC-05:00)", html, StringComparison.Ordinal);
    }

    [Fact]
    public void TemplateDirectory_OverridesSomeFilesAndFallsBackForTheRest()
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "artifacts", "template-override");
        Directory.CreateDirectory(Path.Combine(dir, "partials"));
        File.WriteAllText(Path.Combine(dir, "report.css"), "body { background: #fee; } /* ACME brand */");
        File.WriteAllText(Path.Combine(dir, "partials", "cards.html"), "<p class=\"acme\">{{ for card in cards }}{{ card.label | html.escape }};{{ end }}</p>");
        var exporter = new HtmlReportExporter(new HtmlReportOptions(TemplateDirectory: dir));
        var run = Fixtures.StandardRun();
        string html = exporter.RenderCapture(run.Captures[0], run);
        Assert.Contains("ACME brand", html, StringComparison.Ordinal);
        Assert.Contains("<p class=\"acme\">Packets;Bytes;Distinct sources;Distinct names;Time range;</p>", html, StringComparison.Ordinal);
        Assert.Contains("id=\"chart-sources\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void TemplateDirectory_UndefinedVariable_FailsLoudly()
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "artifacts", "template-strict");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "capture.html"), "<p>{{ capture.no_such_thing | html.escape }}</p>");
        var run = Fixtures.StandardRun();
        Assert.ThrowsAny<Exception>(() => new HtmlReportExporter(new HtmlReportOptions(TemplateDirectory: dir)).RenderCapture(run.Captures[0], run));
    }

    [Fact]
    public void DefaultTemplates_EscapeEveryOutputExceptRawMembers()
    {
        Assert.Contains("layout.html", HtmlReportExporter.DefaultTemplateNames);
        Assert.Contains("partials/table.html", HtmlReportExporter.DefaultTemplateNames);
        string root = Path.Combine(Golden.RepoRoot(), "templates");
        int checkedOutputs = 0;
        foreach (string file in Directory.EnumerateFiles(root, "*.html", SearchOption.AllDirectories))
        {
            foreach (Match m in ScribanBlock().Matches(File.ReadAllText(file)))
            {
                string code = m.Groups[1].Value.Trim().Trim('~').Trim();
                if (code.Length == 0 || code.StartsWith('#') || StatementPattern().IsMatch(code) || AssignmentPattern().IsMatch(code)) continue;
                checkedOutputs++;
                Assert.True(code.EndsWith("| html.escape", StringComparison.Ordinal) || RawPattern().IsMatch(code),
                    $"{Path.GetFileName(file)}: '{{{{ {code} }}}}' is written without html.escape");
            }
        }
        Assert.True(checkedOutputs > 50);
    }

    // plotly.js itself mentions plotly.com in code that our config never reaches (displaylogo: false); the browser
    // tests prove that nothing is fetched. Everything else on the page is checked.
    private static string StripPlotly(string page)
    {
        int start = page.IndexOf("<script>/**", StringComparison.Ordinal);
        if (start < 0) return page;
        int end = page.IndexOf("</script>", start, StringComparison.Ordinal);
        return page[..start] + page[end..];
    }

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", RegexOptions.IgnoreCase)]
    private static partial Regex GuidPattern();

    [GeneratedRegex("<meta http-equiv=\"Content-Security-Policy\" content=\"([^\"]*)\">")]
    private static partial Regex CspPattern();

    [GeneratedRegex("<script>(.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex InlineScriptPattern();

    [GeneratedRegex("<script src=\"[^\"]+\"></script>")]
    private static partial Regex ExternalScriptPattern();

    [GeneratedRegex("\\b(href|src|action|srcset|poster|data)=\"([^\"]*)\"")]
    private static partial Regex UrlAttributePattern();

    [GeneratedRegex(@"\{\{(.*?)\}\}", RegexOptions.Singleline)]
    private static partial Regex ScribanBlock();

    [GeneratedRegex(@"^(for|if|else|end|include)\b|^else if\b")]
    private static partial Regex StatementPattern();

    [GeneratedRegex(@"^[a-z_][a-z0-9_.]*\s*=[^=]")]
    private static partial Regex AssignmentPattern();

    [GeneratedRegex(@"^[a-z_.]+_raw$")]
    private static partial Regex RawPattern();
}
