using PcapViz.Context;

namespace PcapViz.Tests;

/// <summary>The shipped facts data: Public Suffix List, registered domains, IANA address classes.</summary>
public sealed class ContextDataTests
{
    private static readonly PublicSuffixList Psl = PublicSuffixList.Embedded;

    [Theory]
    [InlineData("www.example.com", "example.com")]
    [InlineData("a.b.example.co.uk", "example.co.uk")]
    [InlineData("example.com", "example.com")]
    [InlineData("foo.bar.blogspot.com", "blogspot.com")] // private section not used: grouped under the provider
    [InlineData("x.y.nom.br", "x.y.nom.br")]             // wildcard *.nom.br: y.nom.br is a public suffix
    [InlineData("a.b.c.ck", "b.c.ck")]                   // wildcard *.ck
    [InlineData("a.www.ck", "www.ck")]                   // exception !www.ck
    [InlineData("city.kawasaki.jp", "city.kawasaki.jp")] // exception !city.kawasaki.jp
    [InlineData("m.foo.kawasaki.jp", "m.foo.kawasaki.jp")]
    [InlineData("shop.xn--fiqs8s", "shop.xn--fiqs8s")]   // a Unicode rule (中国) matched in punycode
    [InlineData("a.shop.xn--fiqs8s", "shop.xn--fiqs8s")]
    [InlineData("host.unknowntld", "host.unknowntld")]   // default rule: the TLD is the public suffix
    public void RegisteredDomain_IcannRules(string name, string expected)
    {
        Assert.Equal(expected, RegisteredDomains.Of(name, Psl));
    }

    [Theory]
    [InlineData("com", "com")]                               // a public suffix asked for itself is its own group
    [InlineData("co.uk", "co.uk")]
    [InlineData("wpad", "wpad")]                             // single label
    [InlineData(".", ".")]
    [InlineData("printer-2f.local", "printer-2f.local")]
    [InlineData("_ipp._tcp.local", "_tcp.local")]
    [InlineData("nas.office.lan", "office.lan")]
    [InlineData("7.2.0.192.in-addr.arpa", "in-addr.arpa")]
    [InlineData("b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa", "ip6.arpa")]
    [InlineData("router.home.arpa", "home.arpa")]
    public void RegisteredDomain_NamesWithoutOne_ExplicitChoice(string name, string expected)
    {
        Assert.Equal(expected, RegisteredDomains.Of(name, Psl));
    }

    [Theory]
    [InlineData("wpad", true)]
    [InlineData("printer-2f.local", true)]
    [InlineData("office.lan", true)]
    [InlineData("home.arpa", true)]
    [InlineData("example.com", false)]
    [InlineData("in-addr.arpa", false)]
    public void IsLocalScope(string domain, bool expected)
    {
        Assert.Equal(expected, RegisteredDomains.IsLocalScope(domain));
    }

    [Fact]
    public void Embedded_VersionAndLicenceShipped()
    {
        Assert.Equal("2026-08-19 e8c9a2b", Psl.Version);
        Assert.True(Psl.RuleCount > 5000);
        using var stream = typeof(PublicSuffixList).Assembly.GetManifestResourceStream("PcapViz.Context.Data.public_suffix_list.dat")!;
        string head = new StreamReader(stream).ReadToEnd()[..1000];
        Assert.Contains("Mozilla Public", head);
        Assert.Contains("MPL/2.0", head);
    }

    [Fact]
    public void Load_UserFile_RulesAndVersionFromFile()
    {
        using var t = new TempDirectory();
        string path = t.File("psl.dat", System.Text.Encoding.UTF8.GetBytes(
            "// ===BEGIN ICANN DOMAINS===\ncorp.test\n*.wild.test\n!keep.wild.test\n// ===END ICANN DOMAINS===\n// ===BEGIN PRIVATE DOMAINS===\nprivate.test\n// ===END PRIVATE DOMAINS===\n"));
        var list = PublicSuffixList.Load(path);
        Assert.StartsWith("psl.dat sha256:", list.Version);
        Assert.Equal("a.corp.test", list.RegisteredDomain("x.a.corp.test"));
        Assert.Equal("b.x.wild.test", list.RegisteredDomain("a.b.x.wild.test"));
        Assert.Equal("keep.wild.test", list.RegisteredDomain("a.keep.wild.test"));
        Assert.Equal("private.test", list.RegisteredDomain("a.private.test"));
    }

    [Fact]
    public void Load_NotAList_ClearErrorNamingTheFile()
    {
        using var t = new TempDirectory();
        string path = t.File("notes.txt", System.Text.Encoding.UTF8.GetBytes("hello\n"));
        var ex = Assert.Throws<InvalidDataException>(() => PublicSuffixList.Load(path));
        Assert.Contains("notes.txt", ex.Message);
    }

    [Theory]
    [InlineData("10.1.2.3", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("172.32.0.1", "public")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("100.64.0.1", "cgnat")]
    [InlineData("100.128.0.1", "public")]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("169.254.10.10", "link-local")]
    [InlineData("224.0.0.251", "multicast")]
    [InlineData("239.255.255.250", "multicast")]
    [InlineData("192.0.2.7", "documentation")]
    [InlineData("198.51.100.1", "documentation")]
    [InlineData("203.0.113.200", "documentation")]
    [InlineData("198.19.0.1", "benchmarking")]
    [InlineData("240.0.0.1", "reserved")]
    [InlineData("255.255.255.255", "broadcast")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("0.1.2.3", "this-network")]
    [InlineData("192.0.0.9", "anycast")]
    [InlineData("192.0.0.100", "protocol-assignment")]
    [InlineData("192.88.99.1", "6to4-relay")]
    [InlineData("192.88.99.2", "anycast")] // 6a44 relay, more specific than the deprecated 6to4 relay block
    [InlineData("8.8.8.8", "public")]
    [InlineData("::1", "loopback")]
    [InlineData("::", "unspecified")]
    [InlineData("::ffff:10.0.0.1", "ipv4-mapped")]
    [InlineData("64:ff9b::192.0.2.1", "nat64")]
    [InlineData("100::1", "discard")]
    [InlineData("100:0:0:1::1", "protocol-assignment")] // dummy IPv6 prefix (RFC 9780)
    [InlineData("100:0:0:2::1", "public")]
    [InlineData("2001:0:4136:e378::1", "teredo")]
    [InlineData("2001:2::1", "benchmarking")]
    [InlineData("2001:db8::1", "documentation")]
    [InlineData("3fff:1::1", "documentation")]
    [InlineData("2002:c000:0204::1", "6to4")]
    [InlineData("fd12:3456::1", "ula")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("ff02::fb", "multicast")]
    [InlineData("2a00:1450:4001::200e", "public")]
    public void AddressClass_FromRegistries(string address, string expected)
    {
        Assert.Equal(expected, AddressClasses.Of(address));
    }

    [Fact]
    public void AddressRegistry_VersionAndClassesListed()
    {
        Assert.Equal("2025-10-09", AddressClasses.Version); // the registries' "Last Updated" date
        Assert.Equal("public", AddressClasses.All[0]);
        Assert.Contains("cgnat", AddressClasses.All);
        Assert.Contains("teredo", AddressClasses.All);
        Assert.Equal(AddressClasses.All.Count, AddressClasses.All.Distinct().Count());
    }
}
