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
        string readme = File.ReadAllText(Path.Combine(Corpus.RepositoryRoot(), "README.md"));
        var queries = SqlBlock().Matches(readme).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(3, queries.Count);

        using var t = new TempDir();
        string all = t.Dir("all");
        SampleCaptures.WriteAll(all);
        string first = t.Dir("first");
        // Night 1: one sample; night 2: every sample (the README's address 10.20.0.53 is in the branch-office one).
        string office = Directory.GetFiles(all).Single(f => f.EndsWith("office-lan.pcap", StringComparison.Ordinal));
        File.Copy(office, Path.Combine(first, Path.GetFileName(office)));
        string db = t["nightly.db"];
        Assert.Equal(0, Cli.RunAt("1709251200", "report", first, "-o", t["out1"], "--history", db, "--format", "json", "-q").ExitCode);
        Assert.Equal(0, Cli.RunAt("1709337600", "report", all, "-o", t["out2"], "--history", db, "--format", "json", "-q").ExitCode);

        var newLastRun = Sql.Rows(db, queries[0]);
        Assert.Contains(newLastRun, r => r.StartsWith("address|10.20.0.53|", StringComparison.Ordinal));
        Assert.DoesNotContain(newLastRun, r => r.Contains("office", StringComparison.Ordinal));
        Assert.Equal(["2024-03-02T00:00:00Z|branch-office-qinq.pcap.gz|114"], Sql.Rows(db, queries[1]));
        var nights = Sql.Rows(db, queries[2]);
        Assert.Equal(2, nights.Count);
        Assert.StartsWith("2024-03-02T00:00:00Z|4|0|2954|", nights[0], StringComparison.Ordinal);
        Assert.StartsWith("2024-03-01T00:00:00Z|1|0|1454|", nights[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Report_TwoNightsWithWatchlist_PagesShowRedHitsNewSectionTrendAndMarkers_Escaped()
    {
        using var t = new TempDir();
        string all = t.Dir("all");
        SampleCaptures.WriteAll(all);
        string first = t.Dir("first");
        string office = Directory.GetFiles(all).Single(f => f.EndsWith("office-lan.pcap", StringComparison.Ordinal));
        File.Copy(office, Path.Combine(first, Path.GetFileName(office)));
        string list = t["list.txt"];
        File.WriteAllText(list, "10.20.0.53 <script>alert(1)</script> & co\n");
        string db = t["nightly.db"];
        Assert.Equal(0, Cli.RunAt("1709251200", "report", first, "-o", t["out1"], "--history", db, "--format", "html,pdf", "-q").ExitCode);
        var r = Cli.RunAt("1709337600", "report", all, "-o", t["out2"], "--history", db, "--watchlist", list, "--format", "html,pdf,json", "-q");
        Assert.True(r.ExitCode == 0, r.ToString());

        string index = File.ReadAllText(Path.Combine(t["out2"], "index.html"));
        int hits = index.IndexOf("class=\"watchlist-hits\"", StringComparison.Ordinal);
        int cards = index.IndexOf("class=\"cards\"", StringComparison.Ordinal);
        Assert.True(hits > 0 && hits < cards, "the watchlist section comes first, before the summary cards");
        Assert.Contains("1 watchlist hit", index, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co", index, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert(1)", index, StringComparison.Ordinal);
        Assert.Contains("id=\"new-since\"", index, StringComparison.Ordinal);
        Assert.Contains("New since the history began", index, StringComparison.Ordinal);
        Assert.Contains("never seen since the history began (2024-03-01, 1 earlier runs)", index, StringComparison.Ordinal);
        Assert.Contains("id=\"chart-trend\"", index, StringComparison.Ordinal);
        Assert.Contains("Trend over the last 2 runs", index, StringComparison.Ordinal);
        Assert.Contains("Packets: 2,954 tonight, 2.03 times the median of the 1 earlier runs shown (1,454)", index, StringComparison.Ordinal);

        // The branch-office capture holds the hit and new addresses; the office capture (seen on night 1) has no marker.
        string captures = Path.Combine(t["out2"], "captures");
        string branch = File.ReadAllText(Directory.GetFiles(captures, "report.html", SearchOption.AllDirectories).Single(f => f.Contains("branch-office", StringComparison.Ordinal)));
        Assert.Contains("class=\"new-marker\"", branch, StringComparison.Ordinal);
        Assert.Contains("class=\"watchlist-hits\"", branch, StringComparison.Ordinal);
        string officePage = File.ReadAllText(Directory.GetFiles(captures, "report.html", SearchOption.AllDirectories).Single(f => f.Contains("office-lan", StringComparison.Ordinal)));
        Assert.DoesNotContain("class=\"new-marker\"", officePage, StringComparison.Ordinal);
        Assert.DoesNotContain("class=\"watchlist-hits\"", officePage, StringComparison.Ordinal);
        Assert.Contains("No watchlist hits", officePage, StringComparison.Ordinal);

        // The PDFs carry the sections as text.
        string runPdf = PdfText(Path.Combine(t["out2"], "report.pdf"));
        Assert.Contains("1 watchlist hit", runPdf, StringComparison.Ordinal);
        Assert.Contains("<script>", runPdf, StringComparison.Ordinal);
        Assert.Contains("New since the history began", runPdf, StringComparison.Ordinal);
        Assert.Contains("Trend over the last 2 runs", runPdf, StringComparison.Ordinal);
        string branchPdf = PdfText(Directory.GetFiles(captures, "report.pdf", SearchOption.AllDirectories).Single(f => f.Contains("branch-office", StringComparison.Ordinal)));
        Assert.Contains("1 watchlist hit", branchPdf, StringComparison.Ordinal);
        Assert.Contains("New since the history began", branchPdf, StringComparison.Ordinal);
        Assert.Equal(0, Cli.Run("verify", t["out2"]).ExitCode);
    }

    private static string PdfText(string path)
    {
        using var doc = UglyToad.PdfPig.PdfDocument.Open(path);
        return string.Join("\n", doc.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))));
    }
}
