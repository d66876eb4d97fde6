using System.Text;
using PcapViz.Model;

namespace PcapViz.History.Tests;

public sealed class WatchlistTests
{
    private static Watchlist Parse(string text) => Watchlist.Parse(new MemoryStream(Encoding.UTF8.GetBytes(text)), "list.txt");

    private static Watchlist ParseBytes(byte[] bytes) => Watchlist.Parse(new MemoryStream(bytes), "list.txt");

    private static List<string> Names(Watchlist w, string name)
    {
        var m = new List<WatchlistEntry>();
        w.MatchName(name, m);
        return m.Select(e => e.Text).ToList();
    }

    private static List<string> Addresses(Watchlist w, string address)
    {
        var m = new List<WatchlistEntry>();
        w.MatchAddress(address, m);
        return m.Select(e => e.Text).Order(StringComparer.Ordinal).ToList();
    }

    [Fact]
    public void Parse_EntriesLabelsAndComments_KeepsEachEntryWithItsLineAndLabel()
    {
        var w = Parse("# a comment\n\nEvil.Example.COM.  C2 server # seen in case 12\n*.tracker.test\n192.0.2.7 scanner\n2001:DB8::1\n198.51.100.0/24\n2001:db8:abcd::/48 lab#1\n");
        Assert.Empty(w.Problems);
        Assert.Equal(6, w.Count);
        var m = new List<WatchlistEntry>();
        w.MatchName("a.evil.example.com", m);
        var entry = Assert.Single(m);
        Assert.Equal(("evil.example.com", "C2 server", 3), (entry.Text, entry.Label, entry.Line));
        m.Clear();
        w.MatchAddress("2001:db8:abcd:1::5", m);
        Assert.Equal(("2001:db8:abcd::/48", "lab#1", 8), (m[0].Text, m[0].Label, m[0].Line));
    }

    [Fact]
    public void MatchName_Subdomains_MatchOnLabelBoundariesOnly()
    {
        var w = Parse("example.com\n");
        Assert.Equal(["example.com"], Names(w, "example.com"));
        Assert.Equal(["example.com"], Names(w, "a.b.example.com"));
        Assert.Equal(["example.com"], Names(w, "www.example.com."));
        Assert.Empty(Names(w, "badexample.com"));
        Assert.Empty(Names(w, "example.com.evil.net"));
        Assert.Empty(Names(w, "com"));
    }

    [Fact]
    public void MatchAddress_AddressesAndNestedRanges_ReturnsEveryContainingEntry()
    {
        var w = Parse("10.0.0.0/8\n10.1.0.0/16\n10.1.2.3\n0.0.0.0/0 everything v4\n::/0\n2001:db8::/32\n");
        Assert.Equal(["0.0.0.0/0", "10.0.0.0/8", "10.1.0.0/16", "10.1.2.3"], Addresses(w, "10.1.2.3"));
        Assert.Equal(["0.0.0.0/0", "10.0.0.0/8"], Addresses(w, "10.2.0.1"));
        Assert.Equal(["0.0.0.0/0"], Addresses(w, "11.0.0.0"));
        Assert.Equal(["2001:db8::/32", "::/0"], Addresses(w, "2001:db8:ffff::1"));
        Assert.Equal(["::/0"], Addresses(w, "2001:db9::1"));
    }

    [Fact]
    public void Parse_RangeWithHostBits_IsNormalisedToItsNetwork()
    {
        var w = Parse("192.0.2.77/24\n");
        Assert.Equal(["192.0.2.0/24"], Addresses(w, "192.0.2.1"));
        Assert.Empty(Addresses(w, "192.0.3.1"));
    }

    [Theory]
    [InlineData("10.0.0.0/33", "prefix length")]
    [InlineData("10.0.0.0/-1", "prefix length")]
    [InlineData("10.0.0.0/", "prefix length")]
    [InlineData("10.0.0.0/8/8", "prefix length")]
    [InlineData("1.2.3/8", "not an IPv4 or IPv6 address")]
    [InlineData("abc/8", "not an IPv4 or IPv6 address")]
    [InlineData("2001:db8::/129", "prefix length")]
    [InlineData("999.1.1.1", "not a valid IPv4 or IPv6 address")]
    [InlineData("1.2.3", "not a valid IPv4 or IPv6 address")]
    [InlineData("fe80::1%eth0", "not a valid IPv4 or IPv6 address")]
    [InlineData("bad..domain", "not a domain")]
    [InlineData("exa mple", null)]
    [InlineData("<script>.com", "not a domain")]
    public void Parse_BadEntry_ReportsItsLineAndGoesOn(string bad, string? message)
    {
        var w = Parse($"good.test\n{bad}\n192.0.2.1\n");
        if (message is null)
        {
            // "exa mple": the entry is "exa" and "mple" its label: a valid (single-label) domain.
            Assert.Empty(w.Problems);
            return;
        }
        var p = Assert.Single(w.Problems);
        Assert.Equal(2, p.Line);
        Assert.Contains(message, p.Message, StringComparison.Ordinal);
        Assert.Equal(2, w.Count);
    }

    [Fact]
    public void Parse_HugeLine_IsReportedAndSkippedWithoutStoppingTheList()
    {
        var text = new StringBuilder("first.test\n");
        text.Append('a', 20_000_000).Append(".com label\n");
        text.Append("last.test\n");
        var w = Parse(text.ToString());
        var p = Assert.Single(w.Problems);
        Assert.Equal(2, p.Line);
        Assert.Contains("longer than 4096 bytes (byte offset 11)", p.Message, StringComparison.Ordinal);
        Assert.Equal(2, w.Count);
        Assert.NotEmpty(Names(w, "x.last.test"));
    }

    [Fact]
    public void Parse_InvalidUtf8AndControlCharacters_ReportedPerLine()
    {
        var bytes = new List<byte>();
        bytes.AddRange([0xEF, 0xBB, 0xBF]); // a byte-order mark on the first line is allowed
        bytes.AddRange("one.test\r\n"u8.ToArray());
        bytes.AddRange([(byte)'b', 0xC3, 0x28, (byte)'.', (byte)'t', (byte)'\n']); // invalid UTF-8
        bytes.AddRange("two\0.test\n"u8.ToArray());
        bytes.AddRange([0xFF, 0xFE, (byte)'\n']);
        bytes.AddRange("three.test label \u202Ereversed\n"u8.ToArray());
        bytes.AddRange("four.test"u8.ToArray()); // no final line end
        var w = ParseBytes(bytes.ToArray());
        Assert.Equal([(2, "not valid UTF-8"), (3, "control character"), (4, "not valid UTF-8")],
            w.Problems.Select(p => (p.Line, p.Message.Contains("UTF-8", StringComparison.Ordinal) ? "not valid UTF-8" : "control character")));
        Assert.Equal(3, w.Count);
        Assert.NotEmpty(Names(w, "one.test"));
        Assert.NotEmpty(Names(w, "four.test"));
    }

    [Fact]
    public void Parse_ManyBadLines_KeepsTheFirstHundredAndCountsTheRest()
    {
        var text = string.Concat(Enumerable.Range(0, 250).Select(i => $"bad..{i}\n"));
        var w = Parse(text);
        Assert.Equal(101, w.Problems.Count);
        Assert.Equal("150 more bad lines not listed", w.Problems[^1].Message);
    }

    [Fact]
    public void Match_Run_ReportsHitsPerIndicatorWithCapturesAndCounts()
    {
        var w = Parse("evil.test bad\n192.0.2.0/24 doc range\n");
        var a = Model.Capture("a.pcap", ["192.0.2.5", "10.0.0.1"], ["x.evil.test", "fine.test"]);
        var b = Model.Capture("b.pcap", ["192.0.2.5"], ["x.evil.test"]);
        var hits = WatchlistMatcher.Match(w, Model.Run(Model.Night1, a, b));
        Assert.Equal(2, hits.Count);
        var address = hits[0];
        Assert.Equal((IndicatorKind.Address, "192.0.2.5", "192.0.2.0/24", "doc range", 2), (address.Kind, address.Value, address.Entry, address.Label, address.Line));
        Assert.Equal(10 + 10, address.Count); // 10 packets in each capture (first address of each)
        Assert.Equal([a.Id, b.Id], address.Captures.Select(c => c.CaptureId));
        Assert.Equal((IndicatorKind.Name, "x.evil.test", 1L + 1L), (hits[1].Kind, hits[1].Value, hits[1].Count));
    }
}
