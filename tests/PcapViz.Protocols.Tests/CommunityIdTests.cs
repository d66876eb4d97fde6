using System.Net;
using System.Security.Cryptography;
using PcapViz.Protocols.Flows;
using Xunit;

namespace PcapViz.Protocols.Tests;

/// <summary>
/// The Community ID specification's vectors: corelight/community-id-spec baseline/baseline_deflt.json (seed 0) and
/// the seed-1 values of Zeek's community_id_v1 test (testing/btest/bifs/community_id), typed in here.
/// </summary>
public sealed class CommunityIdTests
{
    public static TheoryData<byte, string, string, ushort, ushort, ushort, string> Vectors() => new()
    {
        // Zeek's bif test / the specification's README examples.
        { 6, "1.2.3.4", "5.6.7.8", 1122, 3344, 0, "1:wCb3OG7yAFWelaUydu0D+125CLM=" },
        { 17, "1.2.3.4", "5.6.7.8", 1122, 3344, 0, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=" },
        { 1, "1.2.3.4", "5.6.7.8", 8, 0, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=" },
        { 1, "5.6.7.8", "1.2.3.4", 0, 0, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=" },
        { 58, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 128, 0, 0, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=" },
        { 6, "1.2.3.4", "5.6.7.8", 1122, 3344, 1, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=" },
        { 17, "1.2.3.4", "5.6.7.8", 1122, 3344, 1, "1:OShq+iKDAMVouh/4bMxB9Sz4amw=" },
        { 1, "1.2.3.4", "5.6.7.8", 8, 0, 1, "1:9pr4ZGTICiuZoIh90RRYE2RyXpU=" },
        { 58, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 128, 0, 1, "1:IO27GQzPuCtNnwFvjWALMHu5tJE=" },
        // baseline_deflt.json (ICMP rows give the type; the code of a paired type does not enter the hash).
        { 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 0, 0, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=" },
        { 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 0, 0, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=" },
        { 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 0, 0, "1:zavyT/cezQr1fmImYCwYnMXbgck=" },
        { 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 136, 0, 0, "1:zavyT/cezQr1fmImYCwYnMXbgck=" },
        { 58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0, 0, "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=" },
        { 58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4, 0, "1:hLZd0XGWojozrvxqE0dWB1iM6R0=" },
        { 58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 0, 0, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=" },
        { 58, "3ffe:501:0:1001::2", "3ffe:507:0:1:200:86ff:fe05:80da", 129, 0, 0, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=" },
        { 58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 0, 0, "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=" },
        { 58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 0, 0, "1:pkvHqCL88/tg1k4cPigmZXUtL00=" },
        { 1, "192.168.0.89", "192.168.0.1", 8, 0, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=" },
        { 1, "192.168.0.1", "192.168.0.89", 0, 0, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=" },
        { 1, "10.0.0.1", "10.0.0.2", 11, 0, 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM=" },
        { 6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, 0, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=" },
        { 6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943, 0, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=" },
        { 132, "192.168.170.8", "192.168.170.56", 7, 7, 0, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=" },
        { 132, "192.168.170.56", "192.168.170.8", 7, 7, 0, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=" },
        { 6, "128.232.110.120", "66.35.250.204", 34855, 80, 0, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=" },
        { 6, "66.35.250.204", "128.232.110.120", 80, 34855, 0, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=" },
        { 17, "192.168.1.52", "8.8.8.8", 54585, 53, 0, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=" },
        { 17, "8.8.8.8", "192.168.1.52", 53, 54585, 0, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=" },
        { 46, "10.1.12.1", "10.1.12.2", 0, 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=" },
        { 46, "10.1.12.2", "10.1.12.1", 0, 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=" },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Compute_SpecificationVector_MatchesBaseline(byte protocol, string source, string destination,
        ushort sourcePort, ushort destinationPort, ushort seed, string expected)
    {
        byte[] s = IPAddress.Parse(source).GetAddressBytes();
        byte[] d = IPAddress.Parse(destination).GetAddressBytes();
        Assert.Equal(expected, CommunityId.Compute(protocol, s, d, sourcePort, destinationPort, seed));
    }

    [Fact]
    public void Compute_MixedAddressFamilies_ReturnsNull()
    {
        Assert.Null(CommunityId.Compute(6, new byte[4], new byte[16], 1, 2));
        Assert.Null(CommunityId.Compute(6, new byte[5], new byte[5], 1, 2));
    }

    [Fact]
    public void TryFormat_ShortBuffer_ReturnsFalse()
    {
        Span<char> small = stackalloc char[10];
        Assert.False(CommunityId.TryFormat(6, new byte[4], new byte[4], 1, 2, small, out int written));
        Assert.Equal(0, written);
    }

    [Fact]
    public void Compute_RsvpIgnoresPorts_SameAsWithoutPorts()
    {
        byte[] a = [1, 2, 3, 4], b = [5, 6, 7, 8];
        Assert.Equal("1:ikv3kmf89luf73WPz1jOs49S768=", CommunityId.Compute(46, a, b, 0, 0));
        Assert.Equal(CommunityId.Compute(46, a, b, 0, 0), CommunityId.Compute(46, a, b, 99, 12));
    }

    [Fact]
    public void ManagedSha1_OfEveryMessageLengthOneBlockHolds_EqualsThePlatformSha1()
    {
        var random = new Random(20261207);
        for (int length = 0; length <= 55; length++)
        {
            for (int round = 0; round < 20; round++)
            {
                var message = new byte[length];
                random.NextBytes(message);
                var block = new byte[64];
                message.CopyTo(block, 0);
                var hash = new byte[20];
                CommunityIdHasher.Sha1OfShortMessage(block, length, hash);
#pragma warning disable CA5350 // the reference the managed SHA-1 is compared with
                Assert.Equal(Convert.ToHexString(SHA1.HashData(message)), Convert.ToHexString(hash));
#pragma warning restore CA5350
            }
        }
    }

    [Fact]
    public void ManagedSha1_KnownAnswer_Abc()
    {
        // FIPS 180-4 example "abc".
        var block = new byte[64];
        "abc"u8.CopyTo(block);
        var hash = new byte[20];
        CommunityIdHasher.Sha1OfShortMessage(block, 3, hash);
        Assert.Equal("A9993E364706816ABA3E25717850C26C9CD0D89D", Convert.ToHexString(hash));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Hasher_GivesTheVectorsHash(byte protocol, string source, string destination, ushort sourcePort, ushort destinationPort, ushort seed, string expected)
    {
        var hash = new byte[CommunityId.HashLength];
        Assert.True(CommunityIdHasher.TryHash(protocol, IPAddress.Parse(source).GetAddressBytes(),
            IPAddress.Parse(destination).GetAddressBytes(), sourcePort, destinationPort, hash, seed));
        Assert.Equal(expected, "1:" + Convert.ToBase64String(hash));
    }

    [Fact]
    public void Hasher_RefusesMixedAddressLengths() =>
        Assert.False(CommunityIdHasher.TryHash(6, new byte[4], new byte[16], 1, 2, new byte[20]));
}
