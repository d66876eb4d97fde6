using System.Buffers.Binary;
using System.Net;
using System.Text.RegularExpressions;
using PcapViz.Context;
using PcapViz.Pseudonymisation;

namespace PcapViz.Tests;

/// <summary>Names label by label keeping the public suffix, reverse-lookup names through the address map, text and HTTP targets as tokens.</summary>
public sealed partial class PseudonymNameTests : IDisposable
{
    private readonly Pseudonymiser _p = new(PseudonymKey.FromBytes(PseudonymTestKeys.Random(11)));

    public void Dispose() => _p.Dispose();

    [GeneratedRegex("^[a-z2-7]{12}$")]
    private static partial Regex LabelToken();

    [GeneratedRegex("^[a-z2-7]{16}$")]
    private static partial Regex TextToken();

    private static string[] Labels(string name) => name.Split('.');

    [Fact]
    public void Name_UnderPublicSuffix_SuffixKeptLabelsTokenised()
    {
        string[] www = Labels(_p.Name("www.example.co.uk"));
        string[] mail = Labels(_p.Name("mail.example.co.uk"));
        Assert.Equal(4, www.Length);
        Assert.Equal(["co", "uk"], www[2..]);
        Assert.Matches(LabelToken(), www[0]);
        Assert.Matches(LabelToken(), www[1]);
        Assert.Equal(www[1], mail[1]);    // the registered domain stays shared
        Assert.NotEqual(www[0], mail[0]);
        Assert.DoesNotContain("example", _p.Name("www.example.co.uk"), StringComparison.Ordinal);
        // The registered-domain grouping sees the same structure.
        Assert.Equal(www[1] + ".co.uk", RegisteredDomains.Of(_p.Name("www.example.co.uk"), PublicSuffixList.Embedded));
    }

    /// <summary>
    /// Pseudonyms must not change between versions (history and diff compare nights made by different builds):
    /// pinned under the Crypto-PAn sample key. A change here breaks every archived pseudonymised bundle.
    /// </summary>
    [Fact]
    public void Pseudonyms_SampleKey_PinnedAcrossVersions()
    {
        using var p = new Pseudonymiser(PseudonymKey.FromBytes(PseudonymTestKeys.Sample));
        Assert.Equal("0c5433a031eef49a", p.KeyId);
        Assert.Equal("6mbplwtmw4c6.qntkpi6syz6z.com", p.Name("www.example.com"));
        Assert.Equal("gcyl2bdrhnefk245", p.Text("curl/8.5.0"));
        Assert.Equal("/jeuodjogiu3gtm66", p.UrlOrPath("/index.html"));
        Assert.Equal("135.242.180.132", p.Address("128.11.68.132"));
        Assert.Equal("192.168.242.114", p.Address("192.168.1.1"));
        Assert.Equal("2001:db8:603f:d91d:27f:ff8e:e6f1:dc1e", p.Address("2001:db8::1"));
    }

    [Fact]
    public void Name_LabelToken_IsTheDocumentedHmacInBase32()
    {
        // docs/pseudonymisation.md: label key = HMAC-SHA256(key, "PcapViz pseudonym label v1"); token = the first
        // 60 bits of HMAC-SHA256(label key, label) in lower-case RFC 4648 base32.
        byte[] key = PseudonymTestKeys.Random(11);
        byte[] labelKey = System.Security.Cryptography.HMACSHA256.HashData(key, "PcapViz pseudonym label v1"u8);
        byte[] mac = System.Security.Cryptography.HMACSHA256.HashData(labelKey, "example"u8);
        ulong top = BinaryPrimitives.ReadUInt64BigEndian(mac);
        var expected = new string(Enumerable.Range(0, 12).Select(i => "abcdefghijklmnopqrstuvwxyz234567"[(int)(top >> (59 - 5 * i)) & 0x1F]).ToArray());
        Assert.Equal(expected + ".com", _p.Name("example.com"));
    }

    [Fact]
    public void Name_EqualLabelsAnywhere_EqualTokens()
    {
        string a = _p.Name("mail.example.com");
        string b = _p.Name("example.mail.org");
        Assert.Equal(Labels(a)[0], Labels(b)[1]);
        Assert.Equal(Labels(a)[1], Labels(b)[0]);
    }

    [Theory]
    [InlineData(".")]
    [InlineData("")]
    [InlineData("com")]
    [InlineData("co.uk")]
    [InlineData("in-addr.arpa")]
    [InlineData("ip6.arpa")]
    [InlineData("home.arpa")]
    [InlineData("local")]
    public void Name_RootOrOnlyASuffix_Unchanged(string name)
    {
        Assert.Equal(name, _p.Name(name));
    }

    [Theory]
    [InlineData("johns-laptop", 0)]        // a single label (LLMNR): not a suffix anyone registered
    [InlineData("host.mycompanyzz", 0)]     // unknown TLD: the default rule is not kept
    [InlineData("printer.local", 1)]       // mDNS
    [InlineData("_ipp._tcp.local", 1)]
    [InlineData("nas.office.lan", 1)]
    [InlineData("router.home.arpa", 2)]
    [InlineData("www.example.test", 1)]    // RFC 6761 special-use
    [InlineData("a.b.c.ck", 1)]            // wildcard rule *.ck: c.ck is the suffix, but "c" is anyone's label
    [InlineData("www.stmarys.sch.uk", 2)]  // *.sch.uk: the school's name is not kept
    [InlineData("a.www.ck", 2)]            // exception rule !www.ck: ck is the suffix, www is named by the list
    public void Name_KeptSuffix_OnlyListedOrSpecialUse(string name, int kept)
    {
        string[] original = Labels(name);
        string[] mapped = Labels(_p.Name(name));
        Assert.Equal(original.Length, mapped.Length);
        for (int i = 0; i < original.Length; i++)
        {
            if (i >= original.Length - kept) Assert.Equal(original[i], mapped[i]);
            else Assert.Matches(LabelToken(), mapped[i]);
        }
    }

    [Theory]
    [InlineData("www.stmarys.sch.uk")]
    [InlineData("a.b.c.ck")]
    [InlineData("x.y.nom.br")]
    [InlineData("mail.example.co.uk")]
    [InlineData("a.www.ck")]
    [InlineData("m.foo.city.kawasaki.jp")]
    [InlineData("_ipp._tcp.local")]
    [InlineData("host.mycompanyzz")]
    [InlineData("wpad")]
    [InlineData("4.4.8.8.in-addr.arpa")]
    [InlineData("router.home.arpa")]
    public void Name_RegisteredDomainGrouping_SameStructureAfter(string name)
    {
        // The pseudonym's registered domain is the pseudonym of the original's registered domain.
        var list = PublicSuffixList.Embedded;
        Assert.Equal(_p.Name(RegisteredDomains.Of(name, list)), RegisteredDomains.Of(_p.Name(name), list));
    }

    [Fact]
    public void Name_CaseAndTrailingDot_FoldedAndKept()
    {
        Assert.Equal(_p.Name("www.example.com"), _p.Name("WWW.Example.COM"));
        Assert.Equal(_p.Name("www.example.com") + ".", _p.Name("www.example.com."));
    }

    [Fact]
    public void Name_EscapedDotInsideALabel_OneLabel()
    {
        string mapped = _p.Name("a\\046b.example.com");
        Assert.Equal(3, Labels(mapped).Length);
        Assert.Equal(mapped, _p.Name("a\\046b.example.com"));
        Assert.NotEqual(_p.Name("a.b.example.com"), mapped);
        Assert.Equal(3, Labels(_p.Name("a\\.b.example.com")).Length);
    }

    [Theory]
    [InlineData("8.8.4.4")]
    [InlineData("192.168.1.20")]
    [InlineData("203.0.113.9")]
    public void Name_InAddrArpa_EmbeddedAddressThroughTheAddressMap(string address)
    {
        static string Reverse(string a) => string.Join('.', a.Split('.').Reverse()) + ".in-addr.arpa";
        Assert.Equal(Reverse(_p.Address(address)), _p.Name(Reverse(address)));
    }

    [Fact]
    public void Name_Ip6Arpa_EmbeddedAddressThroughTheAddressMap()
    {
        static string Reverse(string a) => string.Join('.',
            Convert.ToHexStringLower(IPAddress.Parse(a).GetAddressBytes()).Reverse()) + ".ip6.arpa";
        Assert.Equal(Reverse(_p.Address("2a00:1450:4001:80b::200e")), _p.Name(Reverse("2a00:1450:4001:80b::200e")));
        Assert.Equal(Reverse(_p.Address("fe80::1")), _p.Name(Reverse("fe80::1")));
    }

    [Fact]
    public void Name_PartialReverseZone_PrefixOfTheMappedAddress()
    {
        // A /24 zone: the first three octets of any unwalked address under it.
        string full = _p.Address("192.168.7.1");
        Assert.StartsWith("192.168.", full, StringComparison.Ordinal);
        Assert.Equal(full.Split('.')[2] + ".168.192.in-addr.arpa", _p.Name("7.168.192.in-addr.arpa"));
    }

    [Theory]
    [InlineData("x.1.2.3.in-addr.arpa")]
    [InlineData("01.2.3.4.in-addr.arpa")]
    [InlineData("256.2.3.4.in-addr.arpa")]
    [InlineData("1.2.3.4.5.in-addr.arpa")]
    public void Name_MalformedReverseName_LabelsTokenisedArpaKept(string name)
    {
        string[] mapped = Labels(_p.Name(name));
        Assert.Equal(["in-addr", "arpa"], mapped[^2..]);
        Assert.All(mapped[..^2], l => Assert.Matches(LabelToken(), l));
    }

    [Fact]
    public void Name_RandomLabels_NoOriginalLabelBelowTheSuffixInTheOutput()
    {
        var random = new Random(5);
        const string chars = "abcdefghijklmnopqrstuvwxyz0123456789-";
        string[] suffixes = ["com", "co.uk", "de", "local", "example"];
        for (int i = 0; i < 2000; i++)
        {
            var labels = Enumerable.Range(0, random.Next(1, 5)).Select(_ =>
                new string(Enumerable.Range(0, random.Next(5, 20)).Select(_ => chars[random.Next(chars.Length)]).ToArray())).ToArray();
            string name = string.Join('.', labels) + "." + suffixes[i % suffixes.Length];
            string mapped = _p.Name(name);
            Assert.EndsWith("." + suffixes[i % suffixes.Length], mapped, StringComparison.Ordinal);
            foreach (string label in labels) Assert.DoesNotContain(label, mapped, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Name_SameKeyTwoInstances_Same_OtherKeyDifferent()
    {
        using var same = new Pseudonymiser(PseudonymKey.FromBytes(PseudonymTestKeys.Random(11)));
        using var other = new Pseudonymiser(PseudonymKey.FromBytes(PseudonymTestKeys.Random(12)));
        Assert.Equal(_p.Name("www.example.com"), same.Name("www.example.com"));
        Assert.Equal(_p.Text("curl/8.5.0"), same.Text("curl/8.5.0"));
        Assert.NotEqual(_p.Name("www.example.com"), other.Name("www.example.com"));
        Assert.NotEqual(_p.Text("curl/8.5.0"), other.Text("curl/8.5.0"));
    }

    [Fact]
    public void Text_FreeText_KeyedTokenDistinctFromLabels()
    {
        string ua = _p.Text("Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0");
        Assert.Matches(TextToken(), ua);
        Assert.Equal(ua, _p.Text("Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"));
        Assert.NotEqual(ua, _p.Text("Mozilla/5.0 (X11; Linux x86_64) Firefox/129.0"));
        Assert.Equal("", _p.Text(""));
        // Labels and text are keyed apart: the same word is not linkable across the two.
        Assert.NotEqual(Labels(_p.Name("admin.example.com"))[0], _p.Text("admin")[..12]);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("*")]
    [InlineData("")]
    public void UrlOrPath_NothingToHide_Unchanged(string target)
    {
        Assert.Equal(target, _p.UrlOrPath(target));
    }

    [Fact]
    public void UrlOrPath_Path_SlashAndToken()
    {
        string mapped = _p.UrlOrPath("/login.php?user=alice&next=/secret");
        Assert.StartsWith("/", mapped, StringComparison.Ordinal);
        Assert.Matches(TextToken(), mapped[1..]);
        Assert.Equal(mapped, _p.UrlOrPath("/login.php?user=alice&next=/secret"));
    }

    [Fact]
    public void UrlOrPath_AbsoluteUrl_SchemePortKeptHostAsNameUserInfoDropped()
    {
        string mapped = _p.UrlOrPath("HTTP://alice:pw@www.example.com:8080/a/b?c");
        Assert.Equal("http://" + _p.Name("www.example.com") + ":8080" + _p.UrlOrPath("/a/b?c"), mapped);
        Assert.DoesNotContain("alice", mapped, StringComparison.Ordinal);
        Assert.Equal("http://" + _p.Address("10.1.2.3") + "/", _p.UrlOrPath("http://10.1.2.3/"));
        Assert.Equal("http://[" + _p.Address("2001:db8::1") + "]:80", _p.UrlOrPath("http://[2001:db8::1]:80"));
        Assert.Equal("https://" + _p.Name("example.org") + "/" + _p.UrlOrPath("/?q")[1..], _p.UrlOrPath("https://example.org?q"));
    }

    [Theory]
    [InlineData("www.example.com", "www.example.com", "")]
    [InlineData("www.example.com:8080", "www.example.com", ":8080")]
    [InlineData("user:pw@www.example.com", "www.example.com", "")]
    public void Host_NameWithOrWithoutPort_NameMappedPortKept(string host, string name, string port)
    {
        Assert.Equal(_p.Name(name) + port, _p.Host(host));
    }

    [Fact]
    public void Host_AddressLiterals_ThroughTheAddressMap()
    {
        Assert.Equal(_p.Address("10.0.0.1") + ":80", _p.Host("10.0.0.1:80"));
        Assert.Equal("[" + _p.Address("2001:db8::1") + "]:443", _p.Host("[2001:db8::1]:443"));
        Assert.Equal("[" + _p.Address("2001:db8::1") + "]", _p.Host("[2001:db8::1]"));
        // Not a dotted quad: a name (IPAddress would read "127.1" as 127.0.0.1).
        Assert.Equal(_p.Name("127.1"), _p.Host("127.1"));
    }

    [Theory]
    [InlineData("[2001:db8::1")]
    [InlineData("[not-v6]:80")]
    [InlineData("example.com:http")]
    public void Host_Malformed_FreeText(string host)
    {
        Assert.Equal(_p.Text(host), _p.Host(host));
    }

    [Fact]
    public void UrlOrPath_NeitherPathNorUrl_FreeText()
    {
        Assert.Equal(_p.Text("example.com:443"), _p.UrlOrPath("example.com:443"));
    }
}
