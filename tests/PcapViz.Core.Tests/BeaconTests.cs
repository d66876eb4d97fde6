using PcapViz.Orchestration;

namespace PcapViz.Core.Tests;

/// <summary>Beacons (docs/analysis.md, "7. Beacons") on generated captures of eight hours.</summary>
public sealed class BeaconTests
{
    private static ConversationResult Analyse(BeaconPattern pattern, ulong seed = 7, AnalysisOptions? options = null)
    {
        using var temp = new TempDirectory("pcapviz-beacon-");
        string path = Path.Combine(temp.Path, pattern + ".pcap");
        BeaconTraffic.WriteFile(path, pattern, hours: 8, intervalSeconds: 60, seed: seed);
        var result = CaptureAnalyzer.Analyze(path, "b.pcap", "b", options ?? new AnalysisOptions(), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(CaptureStatus.Ok, result.Status);
        return result.Conversations;
    }

    private static BeaconEntry Pattern(ConversationResult r) =>
        Assert.Single(r.Beacons, b => b.Client == "10.9.0.10" && b.Server == "203.0.113.80" && b.Port == 443 && b.Protocol == 6);

    [Fact]
    public void Regular_EverySixtySecondsPlusMinusTwo_ScoresAtLeast08AndTopsTheList()
    {
        var r = Analyse(BeaconPattern.Regular);
        var beacon = Pattern(r);
        Assert.True(beacon.Score >= 0.8, $"score {beacon.Score}");
        Assert.True(beacon.Flagged);
        Assert.Same(beacon, r.Beacons[0]);
        // Eight hours at a minute: about 480 connections, a median interval of 60 s within the ±2 s jitter.
        Assert.InRange(beacon.Connections, 470, 490);
        Assert.InRange(beacon.MedianIntervalNanos, 58_000_000_000L, 62_000_000_000L);
        Assert.Equal(10, beacon.IntervalHistogram.Count);
        Assert.Equal(beacon.Connections - 1, beacon.IntervalHistogram.Sum());
        // Nothing of the random background is flagged.
        Assert.Single(r.Beacons, b => b.Flagged);
    }

    [Fact]
    public void PairsWhoseHashesAllCollide_SameBeaconsAndSamples()
    {
        // Nothing ignored, so NTP and DNS are pairs beside the beacon: several pairs whose hashes collide.
        var options = new AnalysisOptions { BeaconIgnore = BeaconIgnoreList.Of(false, []) };
        var plain = Analyse(BeaconPattern.Regular, options: options);
        ConversationResult collided;
        BeaconTable.HashBitsLeftOutForTests = ulong.MaxValue; // every pair's hash is 0: pairs told apart by key only
        try
        {
            collided = Analyse(BeaconPattern.Regular, options: options);
        }
        finally
        {
            BeaconTable.HashBitsLeftOutForTests = 0;
        }
        Assert.True(plain.Beacons.Count >= 2 && plain.BeaconSamples.Pairs.Count >= 2,
            $"{plain.Beacons.Count} beacons, {plain.BeaconSamples.Pairs.Count} pairs: too few to tell apart");
        Assert.Equal(plain.Beacons, collided.Beacons);
        Assert.Equal(plain.BeaconSamples.Pairs.Count, collided.BeaconSamples.Pairs.Count);
        Assert.Equal(plain.BeaconSamples.Pairs, collided.BeaconSamples.Pairs);
    }

    [Fact]
    public void Poisson_RandomIntervals_ScoreBelowHalf()
    {
        var beacon = Pattern(Analyse(BeaconPattern.Poisson));
        Assert.True(beacon.Score < 0.5, $"score {beacon.Score}");
        Assert.False(beacon.Flagged);
    }

    [Fact]
    public void Jittered_PlusMinusThirtyPercent_ScoresBetweenRandomAndRegular()
    {
        double regular = Pattern(Analyse(BeaconPattern.Regular)).Score;
        double random = Pattern(Analyse(BeaconPattern.Poisson)).Score;
        double jittered = Pattern(Analyse(BeaconPattern.Jittered)).Score;
        Assert.True(random < jittered && jittered < regular, $"random {random}, jittered {jittered}, regular {regular}");
    }

    [Fact]
    public void NtpAndDnsToTheLocalResolver_AreNotScoredByDefault()
    {
        var r = Analyse(BeaconPattern.Regular);
        Assert.DoesNotContain(r.Beacons, b => b.Port is 123 or 53);
        // They are there as flows: NTP every 64 s and DNS every 30 s for eight hours.
        Assert.Contains(r.Services, s => s.Protocol == 17 && s.Port == 123 && s.Name == "ntp");
        Assert.Contains(r.Services, s => s.Protocol == 17 && s.Port == 53 && s.Name == "domain" && s.Flows > 900);
    }

    [Fact]
    public void DnsToAPublicResolver_IsScored() =>
        Assert.False(BeaconIgnoreList.IgnoredByDefault(17, 53, "public"));

    [Fact]
    public void Services_NameTheServerPortAndCountClientsAndServers()
    {
        var r = Analyse(BeaconPattern.Regular);
        var https = Assert.Single(r.Services, s => s.Protocol == 6 && s.Port == 443);
        Assert.Equal("https", https.Name);
        // Ten browsing hosts and the beaconing one; the beacon's server and the random web servers.
        Assert.Equal(11, https.Clients);
        Assert.True(https.Servers > 100, $"{https.Servers} servers");
        // No service on a client port: every connection opened with a SYN names its server.
        Assert.DoesNotContain(r.Services, s => s.Protocol == 6 && s.Port >= 40000);
    }

    [Fact]
    public void Score_ComponentsFollowTheirDefinitions()
    {
        // Ten starts exactly 60 s apart, the same size: every component 1, over exactly the span they cover.
        long[] starts = [.. Enumerable.Range(0, 10).Select(i => i * 60_000_000_000L)];
        long[] bytes = [.. Enumerable.Repeat(300L, 10)];
        var perfect = BeaconScorer.Score(starts, bytes, 10 * 60_000_000_000L);
        Assert.Equal(new BeaconScore(1, 1, 1, 1, 1), perfect);
        // Observed for twice as long: coverage 0.5, so the score drops by 0.2 × 0.5.
        var half = BeaconScorer.Score(starts, bytes, 20 * 60_000_000_000L);
        Assert.Equal(0.5, half.Coverage);
        Assert.Equal(0.9, half.Score);
        // Intervals 10, 10, 10, 10, 10, 10, 40 (s): median 10, MAD 0 → regularity 1; quartiles 10, 10, 10 → symmetry 1.
        long[] skewed = [0, 10, 20, 30, 40, 50, 60, 100];
        var s = BeaconScorer.Score([.. skewed.Select(x => x * 1_000_000_000L)], [.. Enumerable.Repeat(1L, 8)], 80_000_000_000L);
        Assert.Equal(1, s.IntervalRegularity);
        Assert.Equal(1, s.IntervalSymmetry);
        Assert.Equal(1, s.Coverage); // 8 × 10 s over 80 s
    }

    [Fact]
    public void Score_NeedsEightConnections() =>
        Assert.Throws<ArgumentException>(() => BeaconScorer.Score([1, 2, 3, 4, 5, 6, 7], [1, 1, 1, 1, 1, 1, 1], 10));

    private static (ConversationResult Whole, ConversationResult First, ConversationResult Second) AnalyseSplit(
        double hours, double splitAtHours, AnalysisOptions? options = null)
    {
        using var temp = new TempDirectory("pcapviz-beacon-");
        string whole = Path.Combine(temp.Path, "whole.pcap"), first = Path.Combine(temp.Path, "a.pcap"), second = Path.Combine(temp.Path, "b.pcap");
        BeaconTraffic.WriteFile(whole, BeaconPattern.Regular, hours, intervalSeconds: 60, seed: 11);
        BeaconTraffic.WriteSplit(first, second, splitAtHours, BeaconPattern.Regular, hours, intervalSeconds: 60, seed: 11);
        ConversationResult Read(string path) =>
            CaptureAnalyzer.Analyze(path, Path.GetFileName(path), Path.GetFileName(path), options ?? new AnalysisOptions(),
                cancellationToken: TestContext.Current.CancellationToken).Conversations;
        return (Read(whole), Read(first), Read(second));
    }

    private static RunBeaconEntry RunPattern(RunBeacons beacons) =>
        Assert.Single(beacons.Pairs, b => b.Beacon.Client == "10.9.0.10" && b.Beacon.Server == "203.0.113.80" && b.Beacon.Port == 443);

    [Fact]
    public void RunBeacons_OfACaptureSplitInTwo_ScoreAsTheOneCaptureDoes()
    {
        // Eight hours cut after 4 h 10 min: both halves hold about 250 and 230 connections of the pattern.
        var (whole, first, second) = AnalyseSplit(hours: 8, splitAtHours: 4 + 1.0 / 6);
        var one = Pattern(whole);
        Assert.InRange(Pattern(first).Connections, 230, 260);
        Assert.InRange(Pattern(second).Connections, 215, 245);
        Assert.Equal(one.Connections, Pattern(first).Connections + Pattern(second).Connections);

        var run = RunBeaconTable.Of([first.BeaconSamples, second.BeaconSamples]);
        var merged = RunPattern(run);
        // Same starts, same bytes, same observed time (the span of the flows of both files): the same entry, field by field.
        Assert.Equal(one, merged.Beacon);
        Assert.Equal(2, merged.Captures);
        Assert.True(merged.Beacon.Flagged);
        Assert.Equal(whole.Entries.Min(e => e.FirstPacketEpochNanos), run.ObservedFromEpochNanos);
        Assert.Equal(whole.Entries.Max(e => e.LastPacketEpochNanos), run.ObservedToEpochNanos);
    }

    [Fact]
    public void RunBeacons_OfTwoHalvesTooShortToScore_FlagThePairAtRunLevel()
    {
        // Twelve minutes at a minute: 12 or 13 connections, cut after six minutes into two halves of 6 or 7 (fewer than 8).
        var (whole, first, second) = AnalyseSplit(hours: 0.2, splitAtHours: 0.1);
        Assert.DoesNotContain(first.Beacons, b => b.Server == "203.0.113.80");
        Assert.DoesNotContain(second.Beacons, b => b.Server == "203.0.113.80");
        var firstHalf = Assert.Single(first.BeaconSamples.Pairs, p => p.Server == "203.0.113.80" && p.Port == 443);
        var secondHalf = Assert.Single(second.BeaconSamples.Pairs, p => p.Server == "203.0.113.80" && p.Port == 443);
        Assert.InRange(firstHalf.Starts.Count, 6, 7);
        Assert.InRange(secondHalf.Starts.Count, 5, 7);
        // The client sends SYN, ACK, the 320-byte request, FIN and ACK, each with 40 bytes of IPv4 and TCP headers: 520 IP bytes.
        Assert.All(firstHalf.BytesSent, b => Assert.Equal(520L, b));

        var merged = RunPattern(RunBeaconTable.Of([first.BeaconSamples, second.BeaconSamples]));
        Assert.Equal(firstHalf.Starts.Count + secondHalf.Starts.Count, merged.Beacon.Connections);
        Assert.InRange(merged.Beacon.Connections, 12, 13);
        Assert.True(merged.Beacon.Flagged, $"score {merged.Beacon.Score}");
        Assert.Equal(Pattern(whole), merged.Beacon);
    }

    [Fact]
    public void RunBeacons_SurviveTheSpillCodec()
    {
        var (_, first, _) = AnalyseSplit(hours: 0.2, splitAtHours: 0.1);
        var details = CaptureDetails.Empty with { Conversations = first };
        using var stream = new MemoryStream();
        CaptureDetailsCodec.Write(stream, details);
        stream.Position = 0;
        var read = CaptureDetailsCodec.Read(stream).Conversations.BeaconSamples;
        Assert.Equal(first.BeaconSamples.FirstEpochNanos, read.FirstEpochNanos);
        Assert.Equal(first.BeaconSamples.LastEpochNanos, read.LastEpochNanos);
        Assert.Equal(first.BeaconSamples.Pairs.Count, read.Pairs.Count);
        Assert.NotEmpty(read.Pairs);
        for (int i = 0; i < read.Pairs.Count; i++) Assert.Equal(first.BeaconSamples.Pairs[i], read.Pairs[i]);
    }

    [Fact]
    public void BeaconSamples_KeepPairsOfTwoConnectionsOrMore_MostFirst_AndNotTheIgnoredOnes()
    {
        var r = Analyse(BeaconPattern.Regular);
        Assert.All(r.BeaconSamples.Pairs, p => Assert.True(p.Starts.Count >= 2 && p.Starts.Count == p.BytesSent.Count));
        Assert.Equal(r.BeaconSamples.Pairs.Select(p => p.Starts.Count).OrderDescending(), r.BeaconSamples.Pairs.Select(p => p.Starts.Count));
        Assert.All(r.BeaconSamples.Pairs, p => Assert.Equal(p.Starts.Order(), p.Starts));
        // The pattern has the most connections; NTP and DNS to the local servers are ignored, so not kept either.
        Assert.Equal("203.0.113.80", r.BeaconSamples.Pairs[0].Server);
        Assert.DoesNotContain(r.BeaconSamples.Pairs, p => p.Port is 123 or 53);
        Assert.True(r.BeaconSamples.Pairs.Count <= BeaconSamples.MaxPairs);
    }
}
