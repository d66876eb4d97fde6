using Microsoft.Playwright;
using PcapViz.Model;

namespace PcapViz.Rendering.Html.Tests;

/// <summary>
/// Opens written bundles from file:// in the system's headless Chromium (never a downloaded browser), with every
/// network request blocked and counted as a failure, and checks charts, tables, console and injection safety.
/// Screenshots go to artifacts/screenshots/ next to the test binary.
/// </summary>
public sealed class BrowserTests
{
    private const string ChromiumPath = "/usr/bin/chromium";

    private static string ScreenshotDir
    {
        get
        {
            string dir = Path.Combine(AppContext.BaseDirectory, "artifacts", "screenshots");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    [Fact]
    public async Task IndexAndCapturePage_FromFileUrlWithNetworkBlocked_RenderEveryChartAndTable()
    {
        var run = Fixtures.StandardRun();
        var sink = Bundle.Write("browser-default", run);
        await using var session = await BrowserSession.StartAsync();

        var index = await session.OpenAsync(Path.Combine(sink.Root, "index.html"));
        await ExpectChartsAsync(index, "chart-sources", "chart-dns", "chart-traffic");
        Assert.Equal(run.Captures.Count, await index.Locator("#table-captures tbody tr").CountAsync());
        Assert.Equal(1, await index.Locator("#failures h3").CountAsync());
        await ScreenshotAsync(index, "index.png");

        var capture = await session.OpenAsync(Path.Combine(sink.Root, "captures", "office-01", "report.html"));
        await ExpectChartsAsync(capture, "chart-sources", "chart-dns", "chart-traffic");
        var c = run.Captures[0];
        Assert.Equal(c.SourceIps.Entries.Count, await capture.Locator("#table-source-ips tbody tr").CountAsync());
        Assert.Equal(c.DnsQueries.Entries.Count, await capture.Locator("#table-dns-queries tbody tr").CountAsync());
        Assert.Equal(c.Traffic.Bins.Count, await capture.Locator("#table-traffic tbody tr").CountAsync());
        Assert.Equal(20, await capture.Locator("#chart-sources .plot .bars .point").CountAsync());
        Assert.Equal("10.0.0.1", (await capture.Locator("#table-source-ips tbody tr").First.Locator("td").Nth(1).TextContentAsync())?.Trim());
        Assert.Contains("UTC", await capture.Locator("#chart-traffic .xtitle").TextContentAsync() ?? "", StringComparison.Ordinal);
        Assert.Contains("bin width 2 s", await capture.Locator("#chart-traffic .xtitle").TextContentAsync() ?? "", StringComparison.Ordinal);
        Assert.Equal(1, await capture.Locator("#chart-traffic .rangeslider-container").CountAsync());
        await ScreenshotAsync(capture, "capture-office-01.png");

        var failed = await session.OpenAsync(Path.Combine(sink.Root, "captures", "notes-04", "report.html"));
        Assert.Equal(0, await failed.Locator(".js-plotly-plot").CountAsync());
        Assert.Contains("not-a-capture", await failed.Locator("section.failure").TextContentAsync() ?? "", StringComparison.Ordinal);
        await ScreenshotAsync(failed, "capture-failed.png");

        var limited = await session.OpenAsync(Path.Combine(sink.Root, "captures", "branch-02", "report.html"));
        await ExpectChartsAsync(limited, "chart-sources", "chart-dns", "chart-traffic");
        await ScreenshotAsync(limited, "capture-limited.png");

        session.AssertClean();
    }

    [Fact]
    public async Task SelfContainedPages_WorkAlone_WithoutAssetsFolder()
    {
        var run = Fixtures.StandardRun();
        var sink = Bundle.Write("browser-self-contained", run, HtmlReportOptions.Default with { SelfContained = true, TimeZone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin") });
        Assert.False(Directory.Exists(Path.Combine(sink.Root, "assets")));
        // Copy the page somewhere on its own, as when attached to a ticket.
        string alone = Path.Combine(AppContext.BaseDirectory, "artifacts", "browser-alone");
        Directory.CreateDirectory(alone);
        File.Copy(Path.Combine(sink.Root, "captures", "office-01", "report.html"), Path.Combine(alone, "attached.html"), true);
        await using var session = await BrowserSession.StartAsync();
        var page = await session.OpenAsync(Path.Combine(alone, "attached.html"));
        await ExpectChartsAsync(page, "chart-sources", "chart-dns", "chart-traffic");
        Assert.Contains("Europe/Berlin (UTC+01:00)", await page.Locator("#chart-traffic .xtitle").TextContentAsync() ?? "", StringComparison.Ordinal);
        await ScreenshotAsync(page, "capture-self-contained-berlin.png");
        session.AssertClean();
    }

    [Fact]
    public async Task HostileNamesAndFileName_AreShownLiterallyAndNeverRun()
    {
        var evil = Fixtures.Injection();
        var run = Fixtures.Run(evil, Fixtures.Normal());
        var sink = Bundle.Write("browser-injection", run);
        await using var session = await BrowserSession.StartAsync();

        foreach (string file in new[] { Path.Combine("captures", evil.Id, "report.html"), "index.html" })
        {
            var page = await session.OpenAsync(Path.Combine(sink.Root, file));
            await page.WaitForSelectorAsync("#chart-dns .main-svg");
            string title = await page.TitleAsync();
            Assert.NotEqual("pwned", title);
            Assert.EndsWith(file == "index.html" ? "PcapViz run report" : " — PcapViz capture report", title, StringComparison.Ordinal);
            Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.__pwned"));
            Assert.Equal(0, await page.Locator("img").CountAsync());
            string[] cells = await page.EvaluateAsync<string[]>("() => Array.from(document.querySelectorAll('#table-dns-queries td')).map(td => td.textContent)");
            foreach (string payload in Fixtures.Payloads) Assert.Contains(payload, cells);
            if (file != "index.html")
            {
                string[] ticks = await page.EvaluateAsync<string[]>("() => Array.from(document.querySelectorAll('#chart-dns .ytick text')).map(t => t.textContent)");
                // Longer than the label limit: shortened in the middle, both ends kept literally.
                Assert.Contains("</script><script>docum…itle='pwned'</script>", ticks);
                Assert.Contains(Fixtures.Payloads[1], ticks);
                Assert.Contains(Fixtures.Payloads[2] + " (mdns)", ticks);
            }
            await ScreenshotAsync(page, file.Contains("captures", StringComparison.Ordinal) ? "injection-capture.png" : "injection-index.png");
        }
        var capturePage = await session.OpenAsync(Path.Combine(sink.Root, "captures", evil.Id, "report.html"));
        Assert.Equal(evil.Input.Path, (await capturePage.Locator("p.subtitle").TextContentAsync())?.Trim());
        Assert.Equal(evil.Input.Path[(evil.Input.Path.LastIndexOf('/') + 1)..] + " — PcapViz capture report", await capturePage.TitleAsync());
        session.AssertClean();
    }

    [Fact]
    public async Task CaptureTable_FilterSortAndPivot_WorkInChromium()
    {
        var run = Fixtures.StandardRun();
        var sink = Bundle.Write("browser-tables", run, HtmlReportOptions.Default);
        var office = run.Captures[0];
        await using var session = await BrowserSession.StartAsync();
        var page = await session.OpenAsync(Path.Combine(sink.Root, "captures", "office-01", "report.html"));
        var table = page.Locator("#table-source-ips");
        var visible = table.Locator("tbody tr:not([hidden])");
        int total = office.SourceIps.Entries.Count;
        Assert.Equal(total, await visible.CountAsync());
        Assert.Equal($"{total} rows", (await table.Locator(".match-count").TextContentAsync())?.Trim());

        // Filter: only rows holding the text stay; the count says how many.
        await table.Locator("input.table-filter").FillAsync("10.0.0.1");
        int matching = office.SourceIps.Entries.Count(e => e.Address.Contains("10.0.0.1", StringComparison.Ordinal));
        Assert.True(matching is > 1 and < 40, $"fixture gives {matching} matches");
        Assert.Equal(matching, await visible.CountAsync());
        Assert.Equal($"{matching} of {total} rows match", (await table.Locator(".match-count").TextContentAsync())?.Trim());
        await table.Locator("input.table-filter").FillAsync("");
        Assert.Equal(total, await visible.CountAsync());

        // Sort: a number column sorts largest first, then smallest first; a text column alphabetically.
        var packetsHeader = table.Locator("thead th", new() { HasText = "Packets" }).Locator("button");
        await packetsHeader.ClickAsync();
        await packetsHeader.ClickAsync();
        string firstAscending = (await table.Locator("tbody tr").First.Locator("td").Nth(1).TextContentAsync())!.Trim();
        var fewest = office.SourceIps.Entries.OrderBy(e => e.Packets).First();
        Assert.Equal(fewest.Address, firstAscending);
        Assert.Equal("ascending", await table.Locator("thead th", new() { HasText = "Packets" }).GetAttributeAsync("aria-sort"));
        var addressHeader = table.Locator("thead th", new() { HasText = "Address" }).Locator("button");
        await addressHeader.ClickAsync();
        string[] addresses = await page.EvaluateAsync<string[]>("() => Array.from(document.querySelectorAll('#table-source-ips tbody tr td:nth-child(2)')).map(td => td.textContent)");
        Assert.Equal(office.SourceIps.Entries.Select(e => e.Address).Order(StringComparer.Ordinal).ToArray(), addresses);

        // Pivot: the top address links to the run's page of addresses, which lists the captures it was seen in.
        var both = office.SourceIps.Entries.First(e => run.Captures[1].SourceIps.Entries.Any(o => o.Address == e.Address));
        await table.Locator($"tbody a[href$='pivot.html#ip-{both.Address.Replace(':', '_')}']").ClickAsync();
        await page.WaitForURLAsync("**/pivot.html#ip-*");
        var row = page.Locator("tr:target");
        Assert.Equal(both.Address, (await row.Locator("td").First.TextContentAsync())?.Trim());
        Assert.Contains("2 captures", await row.TextContentAsync() ?? "", StringComparison.Ordinal);
        Assert.Equal(2, await row.Locator("a").CountAsync());
        await row.Locator("a", new() { HasText = run.Captures[1].Input.Path }).ClickAsync();
        await page.WaitForURLAsync("**/captures/branch-02/report.html");

        // Previous / next between capture pages.
        await page.Locator("nav.pager a[rel=prev]").ClickAsync();
        await page.WaitForURLAsync("**/captures/office-01/report.html");
        Assert.Equal(0, await page.Locator("nav.pager a[rel=prev]").CountAsync());
        session.AssertClean();
    }

    [Fact]
    public async Task IndexCaptureTable_ListsEveryRow_AndPartialCapturesHaveTheirSection()
    {
        var many = Enumerable.Range(0, 60).Select(i => Fixtures.Normal($"cap-{i:D3}", $"site/cap-{i:D3}.pcap", sources: 3, names: 2, bins: 10)).ToList();
        var partial = Fixtures.StandardRun().Captures[1];
        Assert.Equal(CaptureStatus.Partial, partial.Status);
        many[7] = partial with { Id = "cap-007", Input = partial.Input with { Path = "site/cap-007.pcap" } };
        var run = Fixtures.Run([.. many]);
        var sink = Bundle.Write("browser-many", run, HtmlReportOptions.Default);
        await using var session = await BrowserSession.StartAsync();
        var index = await session.OpenAsync(Path.Combine(sink.Root, "index.html"));
        var rows = index.Locator("#table-captures tbody tr");
        Assert.Equal(60, await rows.CountAsync());
        // No scroll box hides rows: the last row is laid out below the others in the page itself.
        var wrap = index.Locator("#table-captures .table-wrap");
        Assert.Equal(await wrap.EvaluateAsync<int>("e => e.scrollHeight"), await wrap.EvaluateAsync<int>("e => e.clientHeight"));
        await rows.Last.ScrollIntoViewIfNeededAsync();
        Assert.True(await rows.Last.IsVisibleAsync());
        Assert.Contains("site/cap-007.pcap", await index.Locator("section#partial").TextContentAsync() ?? "", StringComparison.Ordinal);
        Assert.Contains("read only in part", await index.Locator("#highlights").TextContentAsync() ?? "", StringComparison.Ordinal);
        session.AssertClean();
    }

    [Fact]
    public async Task PhoneWidthAndDarkScheme_NothingWiderThanTheScreen()
    {
        var run = Fixtures.StandardRun();
        var sink = Bundle.Write("browser-phone", run, HtmlReportOptions.Default);
        await using var session = await BrowserSession.StartAsync(width: 400, height: 860, dark: true);
        foreach (string file in new[] { "index.html", Path.Combine("captures", "office-01", "report.html"), "pivot.html" })
        {
            var page = await session.OpenAsync(Path.Combine(sink.Root, file));
            if (file != "pivot.html") await ExpectChartsAsync(page, "chart-sources", "chart-dns", "chart-traffic");
            Assert.True(await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth") <= 400, $"{file} is wider than 400 px");
            string[] wide = await page.EvaluateAsync<string[]>(
                "() => Array.from(document.querySelectorAll('.table-wrap, figure.chart, section')).filter(e => e.getBoundingClientRect().right > 400.5).map(e => e.id || e.className)");
            Assert.Empty(wide);
            // Addresses are never broken inside: the text of each address cell lies on one line.
            bool oneLine = await page.EvaluateAsync<bool>(
                "() => Array.from(document.querySelectorAll('td.addr')).every(td => { const w = document.createTreeWalker(td, NodeFilter.SHOW_TEXT); const t = w.nextNode(); " +
                "if (!t) return true; const r = document.createRange(); r.selectNodeContents(t); return r.getClientRects().length === 1; })");
            Assert.True(oneLine, $"an address wraps on {file}");
            string background = await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");
            Assert.Equal("rgb(20, 24, 30)", background);
            await ScreenshotAsync(page, "phone-dark-" + Path.GetFileName(Path.GetDirectoryName(file) is { Length: > 0 } d ? d : "run") + "-" + Path.GetFileName(file) + ".png");
        }
        session.AssertClean();
    }

    private static async Task ExpectChartsAsync(IPage page, params string[] chartIds)
    {
        foreach (string id in chartIds)
        {
            var svg = page.Locator($"#{id} .main-svg");
            await svg.First.WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 15_000 });
            Assert.True(await svg.CountAsync() >= 1, $"chart {id} has no plotly SVG");
        }
        Assert.Equal(chartIds.Length, await page.Locator(".js-plotly-plot").CountAsync());
    }

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        string path = Path.Combine(ScreenshotDir, name);
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        TestContext.Current.TestOutputHelper?.WriteLine($"screenshot: {path}");
        Console.WriteLine($"screenshot: {path}");
    }

    /// <summary>One headless Chromium with network blocked; collects every problem the pages report.</summary>
    private sealed class BrowserSession : IAsyncDisposable
    {
        private readonly IPlaywright _playwright;
        private readonly IBrowser _browser;
        private readonly IBrowserContext _context;
        private readonly List<string> _problems = [];

        private BrowserSession(IPlaywright playwright, IBrowser browser, IBrowserContext context)
        {
            _playwright = playwright;
            _browser = browser;
            _context = context;
        }

        public static async Task<BrowserSession> StartAsync(int width = 1366, int height = 900, bool dark = false)
        {
            PcapViz.TestSupport.TestEnvironment.Require(File.Exists(ChromiumPath),
                $"{ChromiumPath} not found (Debian package 'chromium'; .ci/run installs it).");
            var playwright = await Playwright.CreateAsync();
            var browser = await playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
            });
            var context = await browser.NewContextAsync(new()
            {
                ViewportSize = new() { Width = width, Height = height },
                Locale = "en-US",
                ColorScheme = dark ? ColorScheme.Dark : ColorScheme.Light,
            });
            var session = new BrowserSession(playwright, browser, context);
            await context.RouteAsync("**/*", async route =>
            {
                string url = route.Request.Url;
                if (url.StartsWith("file://", StringComparison.Ordinal) || url.StartsWith("data:", StringComparison.Ordinal)) await route.ContinueAsync();
                else
                {
                    session.Problem($"network request: {url}");
                    await route.AbortAsync();
                }
            });
            return session;
        }

        public async Task<IPage> OpenAsync(string file)
        {
            var page = await _context.NewPageAsync();
            page.Console += (_, m) => { if (m.Type is "error" or "warning") Problem($"console {m.Type} on {Path.GetFileName(file)}: {m.Text}"); };
            page.PageError += (_, e) => Problem($"page error on {Path.GetFileName(file)}: {e}");
            page.Request += (_, r) =>
            {
                if (!r.Url.StartsWith("file://", StringComparison.Ordinal) && !r.Url.StartsWith("data:", StringComparison.Ordinal)) Problem($"network request: {r.Url}");
            };
            page.RequestFailed += (_, r) => Problem($"request failed: {r.Url} {r.Failure}");
            await page.GotoAsync(new Uri(file).AbsoluteUri, new() { WaitUntil = WaitUntilState.Load });
            return page;
        }

        public void Problem(string text)
        {
            lock (_problems) _problems.Add(text);
        }

        public void AssertClean()
        {
            lock (_problems) Assert.True(_problems.Count == 0, "Browser problems:\n" + string.Join("\n", _problems));
        }

        public async ValueTask DisposeAsync()
        {
            await _context.CloseAsync();
            await _browser.CloseAsync();
            _playwright.Dispose();
        }
    }
}
