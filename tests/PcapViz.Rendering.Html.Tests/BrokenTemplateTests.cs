using PcapViz.Model;

namespace PcapViz.Rendering.Html.Tests;

/// <summary>A user's template (--templates) that is broken or hostile fails fast with a clear, typed error.</summary>
public sealed class BrokenTemplateTests
{
    private static string TemplateDir(string name, string captureTemplate)
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "artifacts", "broken-" + name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "capture.html"), captureTemplate);
        return dir;
    }

    private static TemplateRenderException RenderFails(string dir, TimeSpan? timeLimit = null)
    {
        var options = new HtmlReportOptions(TemplateDirectory: dir) { RenderTimeLimit = timeLimit ?? HtmlReportOptions.DefaultRenderTimeLimit };
        var run = Fixtures.StandardRun();
        var exporter = new HtmlReportExporter(options);
        var task = Task.Run(() => exporter.RenderCapture(run.Captures[0], run), TestContext.Current.CancellationToken);
        // Generous bound: only a renderer that never stops exceeds it (this is not a speed test).
        Assert.True(Task.WhenAny(task).Wait(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken), "the template renderer did not stop");
        var ex = Assert.Throws<AggregateException>(() => task.Result).InnerException;
        var error = Assert.IsType<TemplateRenderException>(ex);
        Assert.Equal("capture.html", error.TemplateName);
        Assert.Contains("Template 'capture.html'", error.Message, StringComparison.Ordinal);
        Assert.Contains(dir, error.Message, StringComparison.Ordinal);
        return error;
    }

    [Fact]
    public void SyntaxError_TypedErrorNamingTemplateAndLine()
    {
        var error = RenderFails(TemplateDir("syntax", "<p>\n{{ for x in }}{{ end }}</p>"));
        Assert.Contains("does not parse", error.Message, StringComparison.Ordinal);
        Assert.Contains("capture.html(2,", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EndlessLoop_StoppedByLoopLimitSizedToTheData()
    {
        var error = RenderFails(TemplateDir("endless", "{{ while true }}x{{ end }}"));
        Assert.Contains("iteration limit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoopOverTheData_WithinTheLimit()
    {
        // The limit grows with the data: iterating every issue of a capture several times over is fine. (Table rows
        // reach templates already rendered, as rows_raw, so the issues are the list a page template loops over.)
        string dir = TemplateDir("data-loops", "{{ for i in 1..8 }}{{ for s in page.issues }}.{{ end }}{{ end }}");
        var normal = Fixtures.Normal();
        var issues = Enumerable.Range(0, 3000).Select(i => new CaptureIssue(IssueSeverity.Warning, "many", "issue", i, null)).ToArray();
        var run = Fixtures.Run(normal with { Issues = issues });
        string html = new HtmlReportExporter(new HtmlReportOptions(TemplateDirectory: dir)).RenderCapture(run.Captures[0], run);
        Assert.Contains(new string('.', 8 * 3000), html, StringComparison.Ordinal);
    }

    [Fact]
    public void HugeOutput_StoppedByOutputLimit()
    {
        var error = RenderFails(TemplateDir("huge", "{{ for i in 1..5000 }}{{ \"x\" | string.pad_left 100000 }}{{ end }}"));
        Assert.Contains("OutputLimit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HugeString_StoppedByStringLimit()
    {
        var error = RenderFails(TemplateDir("huge-string", "{{ \"x\" * 2000000000 }}"));
        Assert.Contains("LimitToString", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SlowTemplate_StoppedAtTheRenderTimeLimit()
    {
        // Within every count limit, but slow: 10,000 iterations each building a million-character string.
        var error = RenderFails(TemplateDir("slow", "{{ for i in 1..10000 }}{{ x = \"y\" | string.pad_left 1000000 }}{{ end }}"), TimeSpan.FromMilliseconds(200));
        Assert.Contains("did not finish within 0.2 s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SlowTemplate_CancelledPromptly()
    {
        string dir = TemplateDir("cancel", "{{ for i in 1..10000 }}{{ x = \"y\" | string.pad_left 1000000 }}{{ end }}");
        var run = Fixtures.StandardRun();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var exporter = new HtmlReportExporter(new HtmlReportOptions(TemplateDirectory: dir));
        string output = Path.Combine(AppContext.BaseDirectory, "artifacts", "broken-cancel-out");
        Assert.ThrowsAny<OperationCanceledException>(() => exporter.ExportCapture(run.Captures[0], run, new DirectorySink(output), cancel.Token));
    }

    [Theory]
    [InlineData("report\u202Efdp.pcap", "report\\u202efdp.pcap")]
    [InlineData("a\u2066b\u2069", "a\\u2066b\\u2069")]
    [InlineData("zero\u200Bwidth\uFEFF", "zero\\u200bwidth\\ufeff")]
    [InlineData("tab\there\u0007", "tab\\u0009here\\u0007")]
    [InlineData("plain-ÄÖ-名前-😀.pcap", "plain-ÄÖ-名前-😀.pcap")]
    public void Visible_InvisibleCharactersShownAsEscapes(string name, string shown) => Assert.Equal(shown, HtmlSafety.Visible(name));

    [Fact]
    public void Visible_LoneSurrogateShownAsEscape() => Assert.Equal("lone\\ud800surrogate", HtmlSafety.Visible("lone\uD800surrogate"));

    [Fact]
    public void Pages_BidiControlsInFileNamesAreMadeVisible()
    {
        var capture = Fixtures.Normal(path: "site-a/invoice\u202Egpj.pcap");
        var run = Fixtures.Run(capture) with { Skipped = [new SkippedInput("notes\u2067.txt", "a text file, not a capture")] };
        var exporter = new HtmlReportExporter(HtmlReportOptions.Default);
        foreach (string html in new[] { exporter.RenderCapture(run.Captures[0], run), exporter.RenderIndex(run) })
        {
            Assert.DoesNotContain('\u202E', html);
            Assert.DoesNotContain('\u2067', html);
            Assert.Contains("invoice\\u202egpj.pcap", html, StringComparison.Ordinal);
        }
        Assert.Contains("notes\\u2067.txt", exporter.RenderIndex(run), StringComparison.Ordinal);
    }
}
