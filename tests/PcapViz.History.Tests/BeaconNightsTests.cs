using System.Text.Json;
using PcapViz.Generator;
using PcapViz.Model;

namespace PcapViz.History.Tests;

/// <summary>
/// "Seen beaconing on N of the last M nights" (docs/history.md, "Beaconing night after night"): nights recorded through
/// the real history API into real SQLite files, each with the run-level beacons a test chose, so every N and M below is
/// counted by hand; then two real nights through the command line.
/// </summary>
public sealed class BeaconNightsTests
{
    private const long Day = 86_400;

    private static BeaconEntry Beacon(string client, string server, int port, double score) =>
        new(6, client, server, port, 20, 1, 2, 60_000_000_000, 520, score, 1, 1, 1, 1, new ValueList<int>(new int[10]), 1, 2);

    /// <summary>Night <paramref name="night"/> with one capture of its own and these run-level beacons.</summary>
    private static RunResult Night(int night, params BeaconEntry[] beacons) =>
        Model.Run(Model.Night1 + night * Day, Model.Capture($"n{night:D2}/c.pcap", ["10.0.0.1"], [])) with
        {
            Beacons = new RunBeacons(1, 2, beacons.Select(b => new RunBeaconEntry(b, 1)).ToList()),
        };

    private static RunHistory Recall(string db, RunResult run, int nights = BaselineSettings.DefaultBeaconNights, bool record = true)
    {
        using var h = HistoryDatabase.Open(db, TimeSpan.FromSeconds(1));
        using var tx = h.BeginRun();
        var memory = tx.Recall(run, "history.db", null, 30, new BaselineSettings { BeaconNights = nights });
        if (record) tx.Record(run);
        return memory;
    }

    private static BeaconNights NightsOf(RunHistory history, string server) => Assert.Single(history.Beacons, b => b.Server == server).Nights;

    [Fact]
    public void NightsOfAPair_CountTheLastSevenRunsTonightIncluded()
    {
        using var t = new TempDirectory("pcapviz-beacon-nights-");
        string db = t.File("history.db");
        // The pair to 203.0.113.80:443 is flagged on nights 1, 2, 4, 5, 6 and 8, scored below the threshold on 3 and 7.
        var flaggedOn = new HashSet<int> { 1, 2, 4, 5, 6, 8 };
        for (int night = 1; night <= 8; night++)
        {
            var p = Beacon("10.9.0.10", "203.0.113.80", 443, flaggedOn.Contains(night) ? 0.95 : 0.5);
            Recall(db, Night(night, p));
        }
        // Only the flagged nights are stored.
        Assert.Equal(["1", "2", "4", "5", "6", "8"], Sql.Rows(db, "SELECT run_id FROM run_beacon ORDER BY run_id"));
        Assert.Equal(["0.95"], Sql.Rows(db, "SELECT DISTINCT score FROM run_beacon"));

        // Night 9 flags it and a pair never seen before. The last seven nights are 3..9: flagged on 4, 5, 6, 8 and 9.
        var tonight = Night(9, Beacon("10.9.0.10", "203.0.113.80", 443, 0.9), Beacon("10.9.0.11", "198.51.100.9", 8443, 0.85),
            Beacon("10.9.0.12", "198.51.100.10", 80, 0.3));
        var memory = Recall(db, tonight, record: false);
        Assert.Equal(new BeaconNights(5, 7), NightsOf(memory, "203.0.113.80"));
        Assert.Equal(new BeaconNights(1, 7), NightsOf(memory, "198.51.100.9"));
        // Listed but not flagged, tonight or before: 0 of 7.
        Assert.Equal(new BeaconNights(0, 7), NightsOf(memory, "198.51.100.10"));

        // Over the last three (7, 8, 9): 8 and 9.
        Assert.Equal(new BeaconNights(2, 3), NightsOf(Recall(db, tonight, nights: 3, record: false), "203.0.113.80"));

        // Recorded, then run again (the same run key): night 9 does not count itself twice.
        Recall(db, tonight);
        Assert.Equal(new BeaconNights(5, 7), NightsOf(Recall(db, tonight, record: false), "203.0.113.80"));
        // The next night without the pair: nights 4..10, flagged on 4, 5, 6, 8, 9.
        var next = Recall(db, Night(10, Beacon("10.9.0.10", "203.0.113.80", 443, 0.6)), record: false);
        Assert.Equal(new BeaconNights(5, 7), NightsOf(next, "203.0.113.80"));
    }

    [Fact]
    public void FirstNight_IsOneOfOne_AndOnlyTheServerPortAndTransportOfThePairCount()
    {
        using var t = new TempDirectory("pcapviz-beacon-nights-");
        string db = t.File("history.db");
        Recall(db, Night(1, Beacon("10.9.0.10", "203.0.113.80", 443, 0.9)));
        // The same night again: a rerun, which does not count itself twice.
        var again = Recall(db, Night(1, Beacon("10.9.0.10", "203.0.113.80", 443, 0.9)), record: false);
        Assert.True(again.Rerun);
        Assert.Equal(new BeaconNights(1, 1), NightsOf(again, "203.0.113.80"));
        // Same client and server on another port: another pair.
        var other = Recall(db, Night(2, Beacon("10.9.0.10", "203.0.113.80", 8443, 0.9)), record: false);
        Assert.Equal(new BeaconNights(1, 2), NightsOf(other, "203.0.113.80"));
    }

    [Fact]
    public void TwoNightsOfABeacon_ThroughTheCommandLine_AreTwoOfTwo_InBeaconsJsonHistoryJsonAndTheIndex()
    {
        using var t = new TempDirectory("pcapviz-beacon-nights-");
        string db = t.File("history.db");
        string night1 = t.Dir("n1"), night2 = t.Dir("n2");
        // Two hours at a minute on each night (different seeds: different files, different run keys).
        BeaconTraffic.WriteFile(Path.Combine(night1, "a.pcap"), BeaconPattern.Regular, hours: 2, intervalSeconds: 60, seed: 3);
        BeaconTraffic.WriteFile(Path.Combine(night2, "a.pcap"), BeaconPattern.Regular, hours: 2, intervalSeconds: 60, seed: 4);
        var first = Cli.RunAt("1709251200", "report", night1, "-o", t.File("out1"), "--history", db, "--format", "json,html", "-q", "--fail-on", "never");
        Assert.True(first.ExitCode == 0, first.ToString());
        var second = Cli.RunAt("1709337600", "report", night2, "-o", t.File("out2"), "--history", db, "--format", "json,html", "-q", "--fail-on", "never");
        Assert.True(second.ExitCode == 0, second.ToString());
        BundleSchemas.AssertValid(t.File("out2"));

        using (var beacons = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(t.File("out2"), "beacons.json"))))
        {
            var pair = beacons.RootElement.GetProperty("beacons").EnumerateArray()
                .Single(b => b.GetProperty("server").GetString() == "203.0.113.80");
            Assert.True(pair.GetProperty("flagged").GetBoolean());
            Assert.Equal(2, pair.GetProperty("nights").GetProperty("seen").GetInt32());
            Assert.Equal(2, pair.GetProperty("nights").GetProperty("runs").GetInt32());
        }
        using (var history = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(t.File("out2"), "history.json"))))
        {
            var pair = history.RootElement.GetProperty("beacons").EnumerateArray().Single(b => b.GetProperty("server").GetString() == "203.0.113.80");
            Assert.Equal((2, 2), (pair.GetProperty("seen").GetInt32(), pair.GetProperty("runs").GetInt32()));
        }
        string index = File.ReadAllText(Path.Combine(t.File("out2"), "index.html"));
        Assert.Contains("Calls home in this run", index, StringComparison.Ordinal);
        Assert.Contains("2 of the last 2 nights", index, StringComparison.Ordinal);
        // The first night knew only itself.
        Assert.Contains("1 of the last 1 night", File.ReadAllText(Path.Combine(t.File("out1"), "index.html")), StringComparison.Ordinal);
    }
}
