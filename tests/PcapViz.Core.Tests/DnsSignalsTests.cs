using PcapViz.Context;
using PcapViz.Orchestration;

namespace PcapViz.Tests;

/// <summary>
/// Each signal on hand-built traffic that must trigger it (and just under its threshold, where it must not), and on
/// the realistic sample captures, where none may fire except the tunnel capture's two planted domains.
/// </summary>
public sealed class DnsSignalsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static DnsQueryEntry Entry(string name, long queries, string type = "A", long nx = 0, long ok = 0)
    {
        var codes = new List<NamedCount>();
        if (nx > 0) codes.Add(new NamedCount("NXDOMAIN", nx));
        if (ok > 0) codes.Add(new NamedCount("NOERROR", ok));
        return new DnsQueryEntry(name, DnsProtocol.Dns, queries)
        {
            RegisteredDomain = RegisteredDomains.Of(name, PublicSuffixList.Embedded),
            QueryTypes = queries > 0 ? new([new NamedCount(type, queries)]) : ValueList<NamedCount>.Empty,
            ResponseCodes = new(codes),
        };
    }

    private static DnsDomainEntry Domain(IEnumerable<DnsQueryEntry> entries) => Assert.Single(DnsDomainSignals.Build([.. entries]));

    /// <summary>Base32-looking random text from a fixed seed.</summary>
    private static string Random32(Prng rng, int length) =>
        new([.. Enumerable.Range(0, length).Select(_ => "abcdefghijklmnopqrstuvwxyz234567"[rng.Next(32)])]);

    [Fact]
    public void ManyDistinctNames_HundredNamesOnceEach_Fires_NinetyNineDoNot()
    {
        var many = Domain(Enumerable.Range(0, 100).Select(i => Entry($"h{i}.many.example", 1)));
        Assert.Equal(["many-distinct-names"], many.Signals);
        Assert.Equal(100, many.DistinctNames);
        Assert.Empty(Domain(Enumerable.Range(0, 99).Select(i => Entry($"h{i}.many.example", 1))).Signals);
        // 100 names, but each asked 3 times: a busy service, not a name per query.
        Assert.Empty(Domain(Enumerable.Range(0, 100).Select(i => Entry($"h{i}.many.example", 3))).Signals);
    }

    [Fact]
    public void LongLabels_ThreeNamesWith40OctetLabels_Fire_TwoOr39OctetsDoNot()
    {
        string label40 = new('a', 40), label39 = new('a', 39);
        var d = Domain(Enumerable.Range(0, 3).Select(i => Entry($"{label40}.{i}.long.example", 1)));
        Assert.Equal(["long-labels"], d.Signals);
        Assert.Equal(40, d.MaxLabelLength);
        Assert.Empty(Domain(Enumerable.Range(0, 2).Select(i => Entry($"{label40}.{i}.long.example", 1))).Signals);
        Assert.Empty(Domain(Enumerable.Range(0, 3).Select(i => Entry($"{label39}.{i}.long.example", 1))).Signals);
        // An escaped octet (\DDD) is one octet: 36 letters + one \255 is 37 octets, not 40.
        Assert.Equal(37, DnsDomainSignals.LongestLabel(new string('b', 36) + "\\255.x"));
    }

    [Fact]
    public void HighEntropy_TenRandomSubdomains_Fire_WordsOrNineNamesDoNot()
    {
        var rng = new Prng(7);
        var random = Enumerable.Range(0, 10).Select(_ => Entry($"{Random32(rng, 32)}.rand.example", 1)).ToList();
        var d = Domain(random);
        Assert.Equal(["high-entropy"], d.Signals);
        Assert.InRange(d.MeanEntropy, 4.0, 5.0);
        Assert.Empty(Domain(random.Take(9)).Signals);
        // Long but ordinary words: low entropy per character.
        var words = Enumerable.Range(0, 10).Select(i => Entry($"eu-west-1.storage-gateway.prod{i}.rand.example", 1)).ToList();
        Assert.InRange(Domain(words).MeanEntropy, 3.0, 4.0); // measured (29 characters), but word-like
        Assert.Empty(Domain(words).Signals);
    }

    [Fact]
    public void Entropy_KnownValues()
    {
        Assert.Equal(0, DnsDomainSignals.Entropy("aaaa", out int length));
        Assert.Equal(4, length);
        Assert.Equal(2, DnsDomainSignals.Entropy("ab.cd", out length), 12); // dots left out: four symbols once each
        Assert.Equal(4, length);
        Assert.Equal(1, DnsDomainSignals.Entropy("abab", out _), 12);
    }

    [Fact]
    public void TxtHeavy_TenTxtOrNullQueries_Fire_NineOrMostlyADoNot()
    {
        Assert.Equal(["txt-heavy"], Domain([Entry("t.txt.example", 6, "TXT"), Entry("n.txt.example", 4, "NULL")]).Signals);
        Assert.Empty(Domain([Entry("t.txt.example", 9, "TXT")]).Signals);
        Assert.Empty(Domain([Entry("t.txt.example", 10, "TXT"), Entry("www.txt.example", 11, "A")]).Signals);
    }

    [Fact]
    public void NxDomainHeavy_TenResponsesHalfNx_Fire_NineOrMostlyFoundDoNot()
    {
        Assert.Equal(["nxdomain-heavy"], Domain([Entry("a.nx.example", 10, nx: 5, ok: 5)]).Signals);
        Assert.Empty(Domain([Entry("a.nx.example", 9, nx: 9)]).Signals);
        Assert.Empty(Domain([Entry("a.nx.example", 10, nx: 4, ok: 6)]).Signals);
    }

    [Fact]
    public void LocalScopeDomains_NoSignals()
    {
        var d = Domain(Enumerable.Range(0, 150).Select(i => Entry($"h{i}.office.lan", 1, "TXT", nx: 1)));
        Assert.Equal("office.lan", d.Domain);
        Assert.Empty(d.Signals);
    }

    [Fact]
    public void WithSignals_MostSignalsFirst()
    {
        var domains = DnsDomainSignals.Build(
        [
            Entry("a.nx.example", 10, nx: 10),
            .. Enumerable.Range(0, 120).Select(i => Entry($"{new string('q', 45)}{i}.t.tunnel.example", 1, "TXT")),
        ]);
        var ordered = DnsDomainSignals.WithSignals(domains);
        Assert.Equal(["tunnel.example", "nx.example"], ordered.Select(d => d.Domain));
        Assert.Equal(["many-distinct-names", "long-labels", "txt-heavy"], ordered[0].Signals);
    }

    private CaptureResult AnalyseSample(string fileName)
    {
        string path = _dir.File(fileName);
        using (var file = File.Create(path)) SampleCaptures.Write(fileName, file);
        return CaptureAnalyzer.Analyze(path, fileName, "s", new AnalysisOptions(), cancellationToken: TestContext.Current.CancellationToken);
    }

    public static TheoryData<string> RealisticSamples => [.. SampleCaptures.FileNames.Where(f => f != "dns-tunnel.pcap")];

    [Theory]
    [MemberData(nameof(RealisticSamples))]
    public void RealisticSample_NoSignal(string fileName)
    {
        var result = AnalyseSample(fileName);
        Assert.NotEmpty(result.Context.Domains);
        Assert.Empty(DnsDomainSignals.WithSignals(result.Context.Domains));
    }

    [Fact]
    public void TunnelSample_TunnelDomainFirstWithItsSignals_StaleSuffixNxDomainHeavy_NothingElse()
    {
        var result = AnalyseSample("dns-tunnel.pcap");
        var flagged = DnsDomainSignals.WithSignals(result.Context.Domains);
        Assert.Equal([SampleCaptures.TunnelDomain, "corp-directory.example"], flagged.Select(d => d.Domain));
        Assert.Equal(["many-distinct-names", "long-labels", "high-entropy", "txt-heavy"], flagged[0].Signals);
        Assert.Equal(320, flagged[0].DistinctNames);
        Assert.Equal(["nxdomain-heavy"], flagged[1].Signals);
        // The client that kept getting NXDOMAIN is named first.
        Assert.Equal("10.20.0.23", result.Context.Clients.Entries[0].Address);
        Assert.True(result.Context.Responses.NxDomainShare > 0.05);
    }
}
