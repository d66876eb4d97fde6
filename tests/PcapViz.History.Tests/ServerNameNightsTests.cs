using System.Globalization;
using System.Text.Json;

namespace PcapViz.History.Tests;

/// <summary>
/// Two nights of `pcapviz report --history --watchlist` over corpus-l7 captures (../shared/corpus-l7): the server names
/// and JA3s expected are the reference's (../shared/corpus-l7-expected, tshark), so what is new on night 2, what the
/// watchlist hits, the MISP attribute of a JA3 hit, the slice of a server-name hit and the exit code of --fail-on
/// watchlist are checked against values worked out outside PcapViz.
/// </summary>
public sealed class ServerNameNightsTests
{
    private const string QuicGoogle = "zeek-quic-quic_win11_firefox_google.pcap", HttpGet = "zeek-http-get.pcap";
    private const string QuicSnap = "zeek-quic-quic-39264-rand.pcap", HttpBro = "zeek-http-bro.org.pcap";

    private static JsonElement Expected(string dir, string file) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, file + ".l7.json"))).RootElement;

    private static JsonElement Json(string path) => JsonDocument.Parse(File.ReadAllBytes(path)).RootElement;

    [Fact]
    public void TwoNights_CorpusL7_NewServerNamesAndJa4_WatchlistHitsExportedSlicedAndFailing()
    {
        string? corpus = TestEnvironment.SharedDirectory("corpus-l7");
        string? expectedDir = TestEnvironment.SharedDirectory("corpus-l7-expected");
        TestEnvironment.Require(corpus is not null && expectedDir is not null, "../shared/corpus-l7 or corpus-l7-expected is missing.");
        // What the reference says each capture holds.
        string googleSni = Expected(expectedDir!, QuicGoogle).GetProperty("client_hellos")[0].GetProperty("sni").GetString()!;
        var snap = Expected(expectedDir!, QuicSnap).GetProperty("client_hellos")[0];
        string snapSni = snap.GetProperty("sni").GetString()!, snapJa3 = snap.GetProperty("ja3").GetString()!;
        var getHosts = Expected(expectedDir!, HttpGet).GetProperty("http_requests").EnumerateArray().Select(r => r.GetProperty("host").GetString()!).ToHashSet();
        var broRequests = Expected(expectedDir!, HttpBro).GetProperty("http_requests").EnumerateArray().Select(r => r.GetProperty("host").GetString()!).ToList();
        var broHosts = broRequests.ToHashSet();
        int wwwBroRequests = broRequests.Count(h => h == "www.bro.org");
        Assert.Equal(["www.google.com", "tr6.snapchat.com", "8a77a67b7efcd2e3a00787e1df1a5f05"], [googleSni, snapSni, snapJa3]);
        Assert.Equal(["bro.org"], getHosts);
        Assert.Equal(["bro.org", "www.bro.org"], broHosts.Order(StringComparer.Ordinal));

        using var t = new TempDirectory("pcapviz-sni-nights-");
        string n1 = t.Dir("night1"), n2 = t.Dir("night2");
        foreach (string f in new[] { QuicGoogle, HttpGet })
        {
            File.Copy(Path.Combine(corpus!, f), Path.Combine(n1, f));
            File.Copy(Path.Combine(corpus!, f), Path.Combine(n2, f));
        }
        foreach (string f in new[] { QuicSnap, HttpBro }) File.Copy(Path.Combine(corpus!, f), Path.Combine(n2, f));
        string db = t.File("history.db"), list = t.File("watch.txt");
        File.WriteAllText(list, $"bro.org project site\nja3:{snapJa3.ToUpperInvariant()} snap client\nja4:t13d1516h2_8daaf6152771_b186095e2\n");

        string out1 = t.File("out1"), out2 = t.File("out2");
        var r1 = Cli.RunAt(Model.Night1.ToString(CultureInfo.InvariantCulture), "report", n1, "-o", out1, "-q", "--history", db, "--format", "json,html");
        Assert.True(r1.ExitCode == 0, r1.ToString());
        var first = Json(Path.Combine(out1, "history.json")).GetProperty("new");
        Assert.Equal(["bro.org", googleSni], first.GetProperty("serverNames").EnumerateArray().Select(e => e.GetProperty("value").GetString()));
        Assert.Equal(1, first.GetProperty("ja4").GetArrayLength());

        var r2 = Cli.RunAt((Model.Night1 + 86_400).ToString(CultureInfo.InvariantCulture), "report", n2, "-o", out2, "-q", "--history", db,
            "--watchlist", list, "--format", "json,html,misp", "--slices", "--fail-on", "watchlist");
        // A hit, so exit 4; the bad ja4 line is a warning naming the file and line, and the run goes on.
        Assert.True(r2.ExitCode == 4, r2.ToString());
        var history = Json(Path.Combine(out2, "history.json"));
        var problem = Assert.Single(history.GetProperty("watchlistProblems").EnumerateArray());
        Assert.Equal((list, 3), (problem.GetProperty("list").GetString(), problem.GetProperty("line").GetInt32()));
        Assert.StartsWith("'ja4:t13d1516h2_8daaf6152771_b186095e2' is not a JA4 fingerprint", problem.GetProperty("message").GetString(), StringComparison.Ordinal);
        var news = history.GetProperty("new");
        // New tonight: the snapchat name and www.bro.org; bro.org and www.google.com were seen on night 1.
        Assert.Equal(["tr6.snapchat.com", "www.bro.org"], news.GetProperty("serverNames").EnumerateArray().Select(e => e.GetProperty("value").GetString()));
        var newJa4 = Assert.Single(news.GetProperty("ja4").EnumerateArray());
        Assert.StartsWith("q", newJa4.GetProperty("value").GetString(), StringComparison.Ordinal); // over QUIC
        Assert.Equal(1, newJa4.GetProperty("captures").GetArrayLength());

        var hits = history.GetProperty("watchlistHits").EnumerateArray()
            .Select(h => (h.GetProperty("kind").GetString(), h.GetProperty("value").GetString(), h.GetProperty("entry").GetString())).ToList();
        Assert.Contains(("server-name", "bro.org", "bro.org"), hits);
        Assert.Contains(("server-name", "www.bro.org", "bro.org"), hits);
        Assert.Contains(("ja3", snapJa3, "ja3:" + snapJa3), hits);
        Assert.DoesNotContain(hits, h => h.Item1 == "ja4");
        BundleSchemas.AssertValid(out2);

        // `pcapviz history`: the counts of the new kinds, and when a server name and a JA4 were first seen.
        var show = Cli.Run("history", "show", db);
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains("4 server names, 2 JA4 fingerprints", show.Stdout, StringComparison.Ordinal);
        var seen = Cli.Run("history", "first-seen", db, "WWW.Bro.Org.");
        Assert.True(seen.ExitCode == 0, seen.ToString());
        Assert.StartsWith("server-name www.bro.org\n  first seen: run of 2024-03-02T00:00:00Z, capture zeek-http-bro.org.pcap", seen.Stdout, StringComparison.Ordinal);
        Assert.Contains($"in 1 distinct capture, {wwwBroRequests} requests in all", seen.Stdout, StringComparison.Ordinal);
        string ja4Value = newJa4.GetProperty("value").GetString()!;
        Assert.StartsWith("ja4 " + ja4Value, Cli.Run("history", "first-seen", db, ja4Value).Stdout, StringComparison.Ordinal);

        // The index page lists the new kinds in their own groups.
        string index = File.ReadAllText(Path.Combine(out2, "index.html"));
        Assert.Contains("id=\"new-server-names\"", index, StringComparison.Ordinal);
        Assert.Contains("id=\"new-ja4\"", index, StringComparison.Ordinal);
        Assert.Contains(">server-name<", index, StringComparison.Ordinal);

        // MISP: the JA3 hit as its own attribute type, flagged for IDS.
        var attributes = Json(Path.Combine(out2, "indicators.misp.json")).GetProperty("Event").GetProperty("Attribute").EnumerateArray().ToList();
        var ja3 = Assert.Single(attributes, a => a.GetProperty("type").GetString() == "ja3-fingerprint-md5");
        Assert.Equal(snapJa3, ja3.GetProperty("value").GetString());
        Assert.True(ja3.GetProperty("to_ids").GetBoolean());
        Assert.Contains(attributes, a => a.GetProperty("type").GetString() == "hostname" && a.GetProperty("value").GetString() == "www.bro.org");

        // Slices: the server-name hits of the bro.org capture are cut (the flows carrying the name); a JA3 hit is not.
        var manifest = File.ReadAllText(Path.Combine(out2, "manifest.json"));
        string slices = Path.Combine(out2, "slices");
        var cut = Directory.Exists(slices) ? Directory.GetFiles(slices, "*.pcapng", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(out2, f).Replace('\\', '/')).ToList() : [];
        // The slice's own comment names its finding.
        Assert.Contains(cut, f => f.StartsWith("slices/zeek-http-bro-org-pcap-", StringComparison.Ordinal) &&
            System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(Path.Combine(out2, f))).Contains("server-name www.bro.org", StringComparison.Ordinal));
        Assert.DoesNotContain(cut, f => f.StartsWith("slices/zeek-quic-quic-39264-rand-pcap-", StringComparison.Ordinal));
        Assert.All(cut, f => Assert.Contains(f, manifest, StringComparison.Ordinal));
        Assert.All(cut, f => Assert.True(new FileInfo(Path.Combine(out2, f)).Length > 200, $"{f} holds packets"));
    }
}
