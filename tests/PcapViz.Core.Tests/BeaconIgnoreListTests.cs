using System.Net;
using PcapViz.Orchestration;

namespace PcapViz.Core.Tests;

/// <summary>The --beacon-ignore file and --beacon-ignore-defaults (docs/analysis.md, "7. Beacons"): its syntax, its errors
/// and what it leaves out of a capture's beacons and of what the run's beacons are scored from.</summary>
public sealed class BeaconIgnoreListTests
{
    [Fact]
    public void Parse_TheThreeFormsCommentsAndBlankLines()
    {
        var rules = BeaconIgnoreList.Parse("""
            # regular traffic of this site
            udp/123

            tcp/443@10.0.0.0/8   # the proxy's network
            SCTP/2905@2001:db8::/32
            203.0.113.80
            2001:db8::1
            """, "ignore.txt");
        Assert.Equal(5, rules.Count);
        Assert.Equal(new BeaconIgnoreRule(17, 123, null, "udp/123"), rules[0]);
        Assert.Equal((6, 443, "10.0.0.0/8", "tcp/443@10.0.0.0/8"), (rules[1].Protocol!.Value, rules[1].Port!.Value, rules[1].Network.ToString(), rules[1].Text));
        Assert.Equal((132, 2905, "2001:db8::/32"), (rules[2].Protocol!.Value, rules[2].Port!.Value, rules[2].Network.ToString()));
        Assert.Equal((null, null, "203.0.113.80/32"), (rules[3].Protocol, rules[3].Port, rules[3].Network.ToString()));
        Assert.Equal("2001:db8::1/128", rules[4].Network.ToString());
    }

    [Theory]
    [InlineData("tcp/443\nudp/70000", 2)]
    [InlineData("icmp/8", 1)]
    [InlineData("# fine\ntcp/443@", 2)]
    [InlineData("\n\n10.0.0.1/8", 3)]          // host bits set under the prefix
    [InlineData("tcp/", 1)]
    [InlineData("tcp/-1", 1)]
    [InlineData("10", 1)]                       // an old inet_aton form, not an address written in full
    [InlineData("udp/53@010.0.0.1", 1)]
    [InlineData("10/8", 1)]
    [InlineData("udp/53@resolver.example", 1)]
    [InlineData("203.0.113.80@10.0.0.0/8", 1)]
    public void Parse_ABadLine_IsNamedWithTheFileAndLineNumber(string text, int line)
    {
        var ex = Assert.Throws<BeaconIgnoreException>(() => BeaconIgnoreList.Parse(text, "site.ignore"));
        Assert.StartsWith($"site.ignore, line {line}: '", ex.Message, StringComparison.Ordinal);
        Assert.Contains("is not a rule", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ControlCharactersInABadLine_AreNotWrittenToTheTerminal()
    {
        using var temp = new TempDirectory("pcapviz-ignore-");
        string file = temp.File("evil.ignore");
        File.WriteAllText(file, "udp/123\n\u001b[2Jtcp/evil\u0007\n");
        var ex = Assert.Throws<BeaconIgnoreException>(() => BeaconIgnoreList.Load(file, defaults: true));
        Assert.Contains(", line 2: ", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', ex.Message);
        Assert.DoesNotContain('\u0007', ex.Message);
    }

    [Fact]
    public void Load_TooLargeOrNotUtf8_IsRefusedNamingTheFile()
    {
        using var temp = new TempDirectory("pcapviz-ignore-");
        string big = temp.File("big.ignore");
        File.WriteAllText(big, new string('#', (int)BeaconIgnoreList.MaxFileBytes + 1));
        Assert.Contains("big.ignore' is larger than 1048576 bytes", Assert.Throws<BeaconIgnoreException>(() => BeaconIgnoreList.Load(big, true)).Message,
            StringComparison.Ordinal);
        string binary = temp.File("binary.ignore");
        File.WriteAllBytes(binary, [0x75, 0x64, 0x70, 0xff, 0xfe]);
        Assert.Contains("binary.ignore' is not UTF-8 text", Assert.Throws<BeaconIgnoreException>(() => BeaconIgnoreList.Load(binary, true)).Message,
            StringComparison.Ordinal);
        Assert.Contains("cannot be read", Assert.Throws<BeaconIgnoreException>(() => BeaconIgnoreList.Load(temp.File("missing"), true)).Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Ignores_MatchesTransportPortAndServerNetwork()
    {
        var list = BeaconIgnoreList.Of(defaults: false, BeaconIgnoreList.Parse("tcp/443@10.0.0.0/8\n198.51.100.7\nudp/4500", "x"));
        Assert.True(list.Ignores(6, 443, "10.20.30.40", "private"));
        Assert.False(list.Ignores(6, 443, "11.0.0.1", "public"));   // outside the network
        Assert.False(list.Ignores(17, 443, "10.20.30.40", "private")); // another transport
        Assert.True(list.Ignores(6, 8080, "198.51.100.7", "public"));  // the server alone: any port
        Assert.True(list.Ignores(17, 4500, "203.0.113.1", "public"));
        // Defaults off: NTP is scored.
        Assert.False(list.Ignores(17, 123, "10.9.0.1", "private"));
        Assert.True(BeaconIgnoreList.Default.Ignores(17, 123, "10.9.0.1", "private"));
        Assert.True(BeaconIgnoreList.Of(true, list.Rules).Ignores(17, 123, "10.9.0.1", "private"));
        // The key changes with the rules and the defaults (a cached capture is analysed again).
        Assert.Equal("defaults=on", BeaconIgnoreList.Default.Key);
        Assert.Equal("defaults=off", BeaconIgnoreList.Of(false, []).Key);
        Assert.StartsWith("defaults=off;rules=3;sha256=", list.Key, StringComparison.Ordinal);
        Assert.NotEqual(list.Key, BeaconIgnoreList.Of(false, BeaconIgnoreList.Parse("tcp/443@10.0.0.0/8", "x")).Key);
    }

    private static ConversationResult Analyse(BeaconIgnoreList ignore)
    {
        using var temp = new TempDirectory("pcapviz-ignore-");
        string path = Path.Combine(temp.Path, "b.pcap");
        BeaconTraffic.WriteFile(path, BeaconPattern.Regular, hours: 2, intervalSeconds: 60, seed: 9);
        return CaptureAnalyzer.Analyze(path, "b.pcap", "b", new AnalysisOptions { BeaconIgnore = ignore },
            cancellationToken: TestContext.Current.CancellationToken).Conversations;
    }

    [Fact]
    public void Effect_ARuleTakesThePairOutOfTheBeaconsAndTheRunsSamples_DefaultsOffScoresTheLocalResolver()
    {
        bool IsPattern(string server, int port) => server == BeaconTraffic.Server.ToString() && port == 443;
        bool IsResolver(string server, int port) => server == BeaconTraffic.Resolver.ToString() && port == 53;

        var plain = Analyse(BeaconIgnoreList.Default);
        Assert.Contains(plain.Beacons, b => IsPattern(b.Server, b.Port) && b.Flagged);
        Assert.DoesNotContain(plain.Beacons, b => IsResolver(b.Server, b.Port));

        var ruled = Analyse(BeaconIgnoreList.Of(true, BeaconIgnoreList.Parse("tcp/443@203.0.113.0/24", "x")));
        Assert.DoesNotContain(ruled.Beacons, b => IsPattern(b.Server, b.Port));
        Assert.DoesNotContain(ruled.BeaconSamples.Pairs, p => IsPattern(p.Server, p.Port));
        // Everything else is as without the rule.
        Assert.Equal(plain.Beacons.Where(b => !IsPattern(b.Server, b.Port)), ruled.Beacons);

        // Defaults off: DNS to the local resolver every 30 s (a fresh client port each time, so one flow each) is scored.
        var off = Analyse(BeaconIgnoreList.Of(false, []));
        var dns = Assert.Single(off.Beacons, b => IsResolver(b.Server, b.Port));
        Assert.Equal(BeaconTraffic.Beaconing.ToString(), dns.Client);
        Assert.Equal(17, dns.Protocol);
        Assert.InRange(dns.MedianIntervalNanos, 29_900_000_000L, 30_100_000_000L);
        Assert.Contains(off.BeaconSamples.Pairs, p => IsResolver(p.Server, p.Port));
        Assert.True(IPAddress.Parse(dns.Server).Equals(BeaconTraffic.Resolver));
    }
}
