using PcapViz.Protocols.Tls;
using Xunit;

namespace PcapViz.Protocols.Tests;

/// <summary>JA4 against the example of FoxIO's JA4 technical details; JA3/JA3S strings by their definition.</summary>
public sealed class TlsFingerprintTests
{
    [Fact]
    public void Ja4_SpecificationExample_MatchesPublishedFingerprint()
    {
        var hello = TlsClientHello.Parse(TlsBuilder.Ja4ExampleBody())!;
        Assert.Equal("t13d1516h2_8daaf6152771_e5627efa2ab1", TlsFingerprint.Ja4(hello, Ja4Transport.Tcp));
    }

    [Fact]
    public void Ja4Raw_SpecificationExample_MatchesPublishedRawFingerprint()
    {
        var hello = TlsClientHello.Parse(TlsBuilder.Ja4ExampleBody())!;
        Assert.Equal(
            "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601",
            TlsFingerprint.Ja4Raw(hello, Ja4Transport.Tcp));
    }

    [Fact]
    public void Ja4_NoSignatureAlgorithms_HashesExtensionsWithoutUnderscore()
    {
        // The specification: "0005,000a,...,4469,ff01 = 6d807ffa2a79" when the hello lists no signature algorithms.
        var hello = TlsClientHello.Parse(TlsBuilder.Ja4ExampleBody(withSignatureAlgorithms: false))!;
        Assert.Equal("t13d1516h2_8daaf6152771_6d807ffa2a79", TlsFingerprint.Ja4(hello, Ja4Transport.Tcp));
    }

    [Fact]
    public void Ja4_Quic_StartsWithQ()
    {
        var hello = TlsClientHello.Parse(TlsBuilder.Ja4ExampleBody())!;
        Assert.StartsWith("q13d1516h2_", TlsFingerprint.Ja4(hello, Ja4Transport.Quic), StringComparison.Ordinal);
    }

    [Fact]
    public void Ja4_NoCiphersNoExtensionsNoSni_UsesZeroHashes()
    {
        var hello = TlsClientHello.Parse(TlsBuilder.ClientHelloBody([], [], version: 0x0301))!;
        Assert.Equal("t10i000000_000000000000_000000000000", TlsFingerprint.Ja4(hello, Ja4Transport.Tcp));
    }

    [Theory]
    [InlineData("h2", "h2")]
    [InlineData("http/1.1", "h1")]
    [InlineData("h", "hh")]
    [InlineData("", "00")]
    [InlineData("\u00ab", "ab")]
    [InlineData("\u00ab\u00cd", "ad")]
    [InlineData("0\u00ab", "3b")]
    [InlineData("01\u00ab\u00cd", "3d")]
    [InlineData("0\u00ab\u00cd1", "01")]
    public void Ja4Alpn_SpecificationExamples_FirstAndLastCharacters(string alpn, string expected)
    {
        Assert.Equal(expected, TlsFingerprint.Ja4Alpn(alpn));
    }

    [Fact]
    public void Ja3String_GreaseEverywhere_IsLeftOut()
    {
        var hello = TlsClientHello.Parse(TlsBuilder.Ja4ExampleBody())!;
        Assert.Equal(
            "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53," +
            "27-0-51-16-17513-23-45-13-5-35-18-43-65281-11-10-21,29-23-24,0",
            TlsFingerprint.Ja3String(hello));
        Assert.Equal(32, TlsFingerprint.Ja3(hello).Length);
    }

    [Fact]
    public void Ja3_KnownString_IsItsMd5()
    {
        // md5("769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0") computed independently (Python hashlib).
        var hello = TlsClientHello.Parse(TlsBuilder.ClientHelloBody(
            [47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4],
            [TlsBuilder.Sni("a.example"), TlsBuilder.Groups(23, 24, 25), TlsBuilder.PointFormats(0)], version: 769))!;
        Assert.Equal("769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0", TlsFingerprint.Ja3String(hello));
        Assert.Equal(Md5("769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0"), TlsFingerprint.Ja3(hello));
    }

    [Fact]
    public void Ja3S_ServerHello_VersionCipherExtensions()
    {
        byte[] body = [.. TlsBuilder.U16(0x0303), .. new byte[32], 0, .. TlsBuilder.U16(0xc02f), 0,
            .. TlsBuilder.Vector16([.. TlsBuilder.Empty(0xff01), .. TlsBuilder.Empty(0x000b), .. TlsBuilder.Empty(0x0023)])];
        var hello = TlsServerHello.Parse(body)!;
        Assert.Equal("771,49199,65281-11-35", TlsFingerprint.Ja3SString(hello));
        Assert.Equal(Md5("771,49199,65281-11-35"), TlsFingerprint.Ja3S(hello));
    }

    [Fact]
    public void Fingerprints_OtherCulture_SameText()
    {
        var hello = TlsClientHello.Parse(TlsBuilder.Ja4ExampleBody())!;
        string ja3 = TlsFingerprint.Ja3String(hello), ja4 = TlsFingerprint.Ja4(hello, Ja4Transport.Tcp);
        var saved = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            foreach (string name in new[] { "ar-SA", "tr-TR", "fa-IR", "de-DE" })
            {
                System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo(name);
                Assert.Equal(ja3, TlsFingerprint.Ja3String(hello));
                Assert.Equal(ja4, TlsFingerprint.Ja4(hello, Ja4Transport.Tcp));
                Assert.Equal("1:wCb3OG7yAFWelaUydu0D+125CLM=", PcapViz.Protocols.Flows.CommunityId.Compute(6, [1, 2, 3, 4], [5, 6, 7, 8], 1122, 3344));
            }
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = saved;
        }
    }

#pragma warning disable CA5351 // the test recomputes the MD5 that JA3 defines
    private static string Md5(string s) => Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.ASCII.GetBytes(s)));
#pragma warning restore CA5351
}
