using PcapViz.Pseudonymisation;

namespace PcapViz.Tests;

/// <summary>
/// The result model under one key (docs/pseudonymisation.md, "Pseudonymised bundles"): expected addresses are the
/// published Crypto-PAn sample-trace pairs under its sample key (global addresses that land outside every block are
/// plain Crypto-PAn), so the wiring is checked against values worked out elsewhere.
/// </summary>
public sealed class ResultPseudonymiserTests : IDisposable
{
    private readonly Pseudonymiser _pseudonymiser = new(PseudonymKey.FromBytes(PseudonymTestKeys.Sample));
    private readonly ResultPseudonymiser _result;

    public ResultPseudonymiserTests() => _result = new ResultPseudonymiser(_pseudonymiser);

    public void Dispose() => _pseudonymiser.Dispose();

    private static SourceIpEntry Source(string address) => new(address, 4, 7, 700)
    {
        AddressClass = "public", Country = "DE", Asn = 64500, AsOrg = "Example Networks", Names = new ValueList<AddressName>([new AddressName("www.example.co.uk", NameSources.Dns)]),
    };

    [Fact]
    public void SourceIps_AddressesMapped_TiesSortedByThePseudonyms_AsnDropped_ClassAndCountryKept()
    {
        var sources = new SourceIpResult([Source("128.11.68.132"), Source("129.118.74.4"), Source("141.223.7.43")], DistinctLimit.NotExceeded(10));

        var mapped = _result.SourceIps(sources);

        // Sample trace: 128.11.68.132 → 135.242.180.132, 129.118.74.4 → 134.136.186.123, 141.223.7.43 → 141.167.8.160.
        // Equal packets: the order is the pseudonyms' (numeric), no longer the originals'.
        Assert.Equal(["134.136.186.123", "135.242.180.132", "141.167.8.160"], mapped.Entries.Select(e => e.Address));
        Assert.All(mapped.Entries, e =>
        {
            Assert.Equal(("public", "DE", (long?)null, (string?)null), (e.AddressClass, e.Country, e.Asn, e.AsOrg));
            Assert.Equal((7L, 700L), (e.Packets, e.IpBytes));
            string name = Assert.Single(e.Names).Name;
            Assert.Matches("^[a-z2-7]{12}\\.[a-z2-7]{12}\\.co\\.uk$", name);
        });
        Assert.Equal(sources.Limit, mapped.Limit);
    }

    [Fact]
    public void DnsQueries_NameAndRegisteredDomainShareTheirTokens_TiesSortedByPseudonym()
    {
        var dns = new DnsQueryResult(
        [
            new DnsQueryEntry("mail.example.com", DnsProtocol.Dns, 3) { RegisteredDomain = "example.com" },
            new DnsQueryEntry("www.example.com", DnsProtocol.Dns, 3) { RegisteredDomain = "example.com" },
        ], DistinctLimit.NotExceeded(10));

        var mapped = _result.DnsQueries(dns);

        var names = mapped.Entries.Select(e => e.Name).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.All(mapped.Entries, e =>
        {
            Assert.EndsWith("." + e.RegisteredDomain, e.Name, StringComparison.Ordinal);
            Assert.Matches("^[a-z2-7]{12}\\.com$", e.RegisteredDomain);
            Assert.DoesNotContain("example", e.Name, StringComparison.Ordinal);
        });
        Assert.Single(mapped.Entries.Select(e => e.RegisteredDomain).Distinct());
    }

    [Fact]
    public void WatchlistHits_ValueEntryAndLabelPseudonymised_RangeIsTheNetworksPseudonymCutToItsPrefix_ProblemsSayOnlyWhere()
    {
        var history = new RunHistory
        {
            WatchlistHits =
            [
                new WatchlistHit(IndicatorKind.Address, "128.11.68.132", "128.11.0.0/16", "campus", "watch.txt", 3, 5, []),
                new WatchlistHit(IndicatorKind.Domain, "example.com", "example.com", "", "watch.txt", 1, 2, []),
            ],
            WatchlistProblems = [new WatchlistProblem("watch.txt", 2, "'secret.example.org/99' is not a valid range")],
            NewAddresses = [new NewIndicator(IndicatorKind.Address, "already pseudonymised", 1, [])],
        };

        var mapped = _result.Watchlists(history);

        var range = mapped.WatchlistHits.Single(h => h.Kind == IndicatorKind.Address);
        Assert.Equal(("135.242.180.132", "135.242.0.0/16", "watch.txt", 3, 5L), (range.Value, range.Entry, range.List, range.Line, range.Count));
        Assert.Matches("^[a-z2-7]{16}$", range.Label);
        var domain = mapped.WatchlistHits.Single(h => h.Kind == IndicatorKind.Domain);
        Assert.Equal((domain.Value, ""), (domain.Entry, domain.Label));
        Assert.Matches("^[a-z2-7]{12}\\.com$", domain.Value);
        var problem = Assert.Single(mapped.WatchlistProblems);
        Assert.Equal(("watch.txt", 2), (problem.List, problem.Line));
        Assert.DoesNotContain("secret", problem.Message, StringComparison.Ordinal);
        // New indicators come from the history, which compared pseudonyms already: left as they are.
        Assert.Equal("already pseudonymised", Assert.Single(mapped.NewAddresses).Value);
    }

    [Fact]
    public void BeaconSamplesAndTheRunsBeacons_NamePseudonymisedClientsAndServers_KeepTheirNumbers()
    {
        var samples = new BeaconSamples(1, 9, [new BeaconConnections(6, "128.11.68.132", "129.118.74.4", 443, new ValueList<long>([1, 5]), new ValueList<long>([300, 310]))]);
        var conversations = _result.Conversations(new ConversationResult([], DistinctLimit.NotExceeded(10)) { BeaconSamples = samples });
        // Sample trace: 128.11.68.132 → 135.242.180.132, 129.118.74.4 → 134.136.186.123.
        var pair = Assert.Single(conversations.BeaconSamples.Pairs);
        Assert.Equal(samples.Pairs[0] with { Client = "135.242.180.132", Server = "134.136.186.123" }, pair);
        Assert.Equal((1L, 9L), (conversations.BeaconSamples.FirstEpochNanos!.Value, conversations.BeaconSamples.LastEpochNanos!.Value));

        var beacon = new BeaconEntry(6, "128.11.68.132", "129.118.74.4", 443, 8, 1, 2, 3, 4, 0.9, 1, 1, 1, 1, new ValueList<int>(new int[10]), 1, 2);
        var run = new RunResult(new RunInfo("t", DateTimeOffset.UnixEpoch, [], []), new AnalysisSettings(), [], CaptureSummary.Empty,
            new SourceIpResult([], DistinctLimit.NotExceeded(10)), new DnsQueryResult([], DistinctLimit.NotExceeded(10)), TrafficResult.Empty, [])
        {
            Beacons = new RunBeacons(1, 9, [new RunBeaconEntry(beacon, 2)]),
        };
        var mapped = Assert.Single(_result.Run(run, (c, _) => c, 1).Beacons.Pairs);
        Assert.Equal(new RunBeaconEntry(beacon with { Client = "135.242.180.132", Server = "134.136.186.123" }, 2), mapped);
    }
}
