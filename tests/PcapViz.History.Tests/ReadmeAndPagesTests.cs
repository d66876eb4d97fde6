using System.Text.RegularExpressions;
using PcapViz.Generator;

namespace PcapViz.History.Tests;

/// <summary>The README's queries run on a real history; the pages and PDFs show the memory sections, escaped.</summary>
public sealed partial class ReadmeAndPagesTests
{
    [GeneratedRegex("```sql\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex SqlBlock();

    [Fact]
    public void Readme_ThreeQueries_RunOnAHistoryOfTwoNightsAndReturnRows()
    {
        string readme = File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, "README.md"));
        var queries = SqlBlock().Matches(readme).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(3, queries.Count);

        using var t = new TempDirectory("pcapviz-history-");
        string all = t.Dir("all");
        SampleCaptures.WriteAll(all);
        string first = t.Dir("first");
        // Night 1: one sample; night 2: every sample (the README's address 10.20.0.53 is in the branch-office one).
        string office = Directory.GetFiles(all).Single(f => f.EndsWith("office-lan.pcap", StringComparison.Ordinal));
        File.Copy(office, Path.Combine(first, Path.GetFileName(office)));
        string db = t.File("nightly.db");
        Assert.Equal(0, Cli.RunAt("1709251200", "report", first, "-o", t.File("out1"), "--history", db, "--format", "json", "-q").ExitCode);
        Assert.Equal(0, Cli.RunAt("1709337600", "report", all, "-o", t.File("out2"), "--history", db, "--format", "json", "-q").ExitCode);

        var newLastRun = Sql.Rows(db, queries[0]);
        Assert.Contains(newLastRun, r => r.StartsWith("address|10.20.0.53|", StringComparison.Ordinal));
        Assert.DoesNotContain(newLastRun, r => r.Contains("office", StringComparison.Ordinal));
        // Expected rows from the bundles' analysis.json files (the analysis, not the history code).
        var night1 = Captures(t.File("out1"));
        var night2 = Captures(t.File("out2"));
        var withAddress = night2.Where(c => c.Sources.ContainsKey("10.20.0.53")).OrderBy(c => c.Path, StringComparer.Ordinal)
            .Select(c => $"2024-03-02T00:00:00Z|{c.Path}|{c.Sources["10.20.0.53"].ToString(System.Globalization.CultureInfo.InvariantCulture)}").ToList();
        Assert.Contains(withAddress, r => r.StartsWith("2024-03-02T00:00:00Z|branch-office-qinq.pcap.gz|", StringComparison.Ordinal));
        Assert.Equal(withAddress, Sql.Rows(db, queries[1]));
        var nights = Sql.Rows(db, queries[2]);
        Assert.Equal(2, nights.Count);
        Assert.StartsWith(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"2024-03-02T00:00:00Z|{night2.Count}|0|{night2.Sum(c => c.Packets)}|"), nights[0], StringComparison.Ordinal);
        Assert.StartsWith(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"2024-03-01T00:00:00Z|1|0|{night1.Sum(c => c.Packets)}|"), nights[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Report_TwoNightsWithWatchlist_PagesShowRedHitsNewSectionTrendAndMarkers_Escaped()
    {
        using var t = new TempDirectory("pcapviz-history-");
        string all = t.Dir("all");
        SampleCaptures.WriteAll(all);
        string first = t.Dir("first");
        string office = Directory.GetFiles(all).Single(f => f.EndsWith("office-lan.pcap", StringComparison.Ordinal));
        File.Copy(office, Path.Combine(first, Path.GetFileName(office)));
        string list = t.File("list.txt");
        File.WriteAllText(list, "10.20.0.53 <script>alert(1)</script> & co\n");
        string db = t.File("nightly.db");
        Assert.Equal(0, Cli.RunAt("1709251200", "report", first, "-o", t.File("out1"), "--history", db, "--format", "html,pdf,json", "-q").ExitCode);
        var r = Cli.RunAt("1709337600", "report", all, "-o", t.File("out2"), "--history", db, "--watchlist", list, "--format", "html,pdf,json", "-q");
        Assert.True(r.ExitCode == 0, r.ToString());

        string index = File.ReadAllText(Path.Combine(t.File("out2"), "index.html"));
        int hits = index.IndexOf("class=\"watchlist-hits\"", StringComparison.Ordinal);
        int cards = index.IndexOf("class=\"cards\"", StringComparison.Ordinal);
        Assert.True(hits > 0 && hits < cards, "the watchlist section comes first, before the summary cards");
        Assert.Contains("1 watchlist hit", index, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co", index, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert(1)", index, StringComparison.Ordinal);
        Assert.Contains("id=\"new-since\"", index, StringComparison.Ordinal);
        Assert.Contains("New since the history began", index, StringComparison.Ordinal);
        Assert.Contains("never seen since the history began (2024-03-01, 1 earlier run)", index, StringComparison.Ordinal);
        Assert.Contains("id=\"chart-trend\"", index, StringComparison.Ordinal);
        Assert.Contains("Trend over the last 2 runs", index, StringComparison.Ordinal);
        // New registered domains are listed (the branch office asks names under domains the office never asked), and the
        // trend shows each night's NXDOMAIN share as history.json gives it.
        var history = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(t.File("out2"), "history.json"))).RootElement;
        var newDomains = history.GetProperty("new").GetProperty("domains").EnumerateArray().Select(d => d.GetProperty("value").GetString()!).ToList();
        Assert.NotEmpty(newDomains);
        Assert.Contains($"New registered domains <span class=\"count\">({newDomains.Count})</span>", index, StringComparison.Ordinal);
        Assert.All(newDomains, d => Assert.Contains("<span class=\"badge new\">new</span> " + System.Net.WebUtility.HtmlEncode(d) + "<", index, StringComparison.Ordinal));
        var shares = history.GetProperty("trend").EnumerateArray().Select(p => p.GetProperty("nxdomainShare").GetDouble()).ToList();
        Assert.Equal(2, shares.Count);
        Assert.All(shares, s => Assert.Contains(
            "<td class=\"num\">" + (100 * s).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " %</td></tr>", index, StringComparison.Ordinal));
        long before = Captures(t.File("out1")).Sum(c => c.Packets), tonight = Captures(t.File("out2")).Sum(c => c.Packets);
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"Packets: {tonight:N0} tonight, {(double)tonight / before:0.0#} times the median of the 1 earlier run shown ({before:N0})"), index, StringComparison.Ordinal);

        // The branch-office capture holds the hit and new addresses; the office capture (seen on night 1) has no marker.
        string captures = Path.Combine(t.File("out2"), "captures");
        string branch = File.ReadAllText(Directory.GetFiles(captures, "report.html", SearchOption.AllDirectories).Single(f => f.Contains("branch-office", StringComparison.Ordinal)));
        Assert.Contains("class=\"new-marker\"", branch, StringComparison.Ordinal);
        Assert.Contains("class=\"watchlist-hits\"", branch, StringComparison.Ordinal);
        string officePage = File.ReadAllText(Directory.GetFiles(captures, "report.html", SearchOption.AllDirectories).Single(f => f.Contains("office-lan", StringComparison.Ordinal)));
        Assert.DoesNotContain("class=\"new-marker\"", officePage, StringComparison.Ordinal);
        Assert.DoesNotContain("class=\"watchlist-hits\"", officePage, StringComparison.Ordinal);
        Assert.Contains("No watchlist hits", officePage, StringComparison.Ordinal);

        // The PDFs carry the sections as text.
        string runPdf = PdfText(Path.Combine(t.File("out2"), "report.pdf"));
        Assert.Contains("1 watchlist hit", runPdf, StringComparison.Ordinal);
        Assert.Contains("<script>", runPdf, StringComparison.Ordinal);
        Assert.Contains("New since the history began", runPdf, StringComparison.Ordinal);
        Assert.Contains("Trend over the last 2 runs", runPdf, StringComparison.Ordinal);
        Assert.All(newDomains, d => Assert.Contains(d, runPdf, StringComparison.Ordinal));
        string branchPdf = PdfText(Directory.GetFiles(captures, "report.pdf", SearchOption.AllDirectories).Single(f => f.Contains("branch-office", StringComparison.Ordinal)));
        Assert.Contains("1 watchlist hit", branchPdf, StringComparison.Ordinal);
        Assert.Contains("New since the history began", branchPdf, StringComparison.Ordinal);
        Assert.Equal(0, Cli.Run("verify", t.File("out2")).ExitCode);
    }

    [Fact]
    public void FailOnWatchlist_ExitCodeFour_DocumentedInHelpReadmeAndDocs()
    {
        Assert.Equal(4, PcapViz.Orchestration.ExitCodes.WatchlistHit);
        var help = Cli.Run("report", "--help");
        Assert.Contains("4    with --fail-on watchlist: the bundle was written and a watchlist entry was hit", help.Stdout, StringComparison.Ordinal);
        Assert.Contains("watchlist (a watchlist entry was hit: 4)", help.Stdout.ReplaceLineEndings(" "), StringComparison.Ordinal);
        string readme = File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, "README.md"));
        Assert.Contains("| 4 | with `--fail-on watchlist`", readme, StringComparison.Ordinal);
        string docs = File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, "docs", "history.md"));
        Assert.Contains("exit code **4** when any watchlist entry was hit", docs, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_WithoutMemory_PagesHaveNoMemoryStylesOrSections_WithMemory_TheyDo()
    {
        using var t = new TempDirectory("pcapviz-history-");
        string input = t.Dir("in");
        SampleCaptures.WriteAll(input);
        Assert.Equal(0, Cli.Run("report", input, "-o", t.File("plain"), "--format", "html", "-q").ExitCode);
        string list = t.File("list.txt");
        File.WriteAllText(list, "192.0.2.1\n");
        Assert.Equal(0, Cli.Run("report", input, "-o", t.File("memory"), "--format", "html", "-q", "--watchlist", list).ExitCode);
        foreach (string page in Directory.GetFiles(t.File("plain"), "*.html", SearchOption.AllDirectories))
        {
            string html = File.ReadAllText(page);
            Assert.DoesNotContain("watchlist", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("new-since", html, StringComparison.Ordinal);
            Assert.DoesNotContain("History and watchlists", html, StringComparison.Ordinal);
        }
        string index = File.ReadAllText(Path.Combine(t.File("memory"), "index.html"));
        Assert.Contains(".watchlist-hits { border: 2px solid var(--err)", index, StringComparison.Ordinal);
        Assert.Contains("No watchlist hits: 1 watchlist entry was checked", index, StringComparison.Ordinal);
    }

    /// <summary>Each capture of a bundle as its analysis.json states it: path, packets, packets per source address.</summary>
    private static List<(string Path, long Packets, Dictionary<string, long> Sources)> Captures(string bundle) =>
        Directory.EnumerateFiles(Path.Combine(bundle, "captures"), "analysis.json", SearchOption.AllDirectories).Select(f =>
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(f));
            var j = doc.RootElement;
            return (j.GetProperty("input").GetProperty("path").GetString()!, j.GetProperty("summary").GetProperty("packets").GetInt64(),
                j.GetProperty("sourceIps").EnumerateArray().ToDictionary(e => e.GetProperty("address").GetString()!, e => e.GetProperty("packets").GetInt64(), StringComparer.Ordinal));
        }).ToList();

    private static string PdfText(string path)
    {
        using var doc = UglyToad.PdfPig.PdfDocument.Open(path);
        return string.Join("\n", doc.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))));
    }
}
