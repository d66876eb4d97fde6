namespace PcapViz.Tests;

public sealed class DnsSharesTests
{
    [Fact]
    public void Nxdomain_ResponsesWithAQuestion_IsNxdomainOverThem()
    {
        Assert.Equal(0.75, DnsShares.Nxdomain(3, 4));
        Assert.Equal(0.0, DnsShares.Nxdomain(0, 7));
        Assert.Null(DnsShares.Nxdomain(0, 0));
    }

    [Fact]
    public void Percent_ShareOrNone_PrintsTwoDecimalsWholeHundredOrDash()
    {
        Assert.Equal("12.63 %", DnsShares.Percent(48, 380));
        Assert.Equal("0.00 %", DnsShares.Percent(0, 380));
        Assert.Equal("100 %", DnsShares.Percent(380, 380));
        Assert.Equal("–", DnsShares.Percent(0, 0));
    }

    [Fact]
    public void NxDomainShare_TotalsClientsAndDomains_AllUseTheOneDefinition()
    {
        // 400 responses read, 380 of them with a question, 48 NXDOMAIN: the 20 without a question are in neither count.
        var totals = new DnsResponseTotals(400, 380, 0, new ValueList<NamedCount>([new NamedCount("NOERROR", 332), new NamedCount("NXDOMAIN", 48)]));
        Assert.Equal(48 / 380.0, totals.NxDomainShare);
        Assert.Equal(0.25, new DnsClientEntry("10.0.0.1", 4, 8, 2).NxDomainShare);
        Assert.Null(new DnsDomainEntry("example.com", 5, 1, 0, 0, 0, 0, 0, 0, new ValueList<string>([])).NxDomainShare);
    }
}
