using System.Buffers.Binary;
using System.Net;
using PcapViz.Context;
using PcapViz.Pseudonymisation;

namespace PcapViz.Tests;

/// <summary>Crypto-PAn against its published vectors, and the class-preserving address map as properties over random addresses.</summary>
public sealed class PseudonymAddressTests : IDisposable
{
    private readonly PseudonymKey _sampleKey = PseudonymKey.FromBytes(PseudonymTestKeys.Sample);
    private readonly CryptoPan _cryptoPan;
    private readonly AddressMapper _mapper;

    public PseudonymAddressTests()
    {
        _cryptoPan = new CryptoPan(_sampleKey);
        _mapper = new AddressMapper(_cryptoPan);
    }

    public void Dispose() => _cryptoPan.Dispose();

    /// <summary>
    /// Original → anonymised addresses of the sample trace shipped with the Crypto-PAn source distribution
    /// (sample_trace_raw.dat / sample_trace_sanitized.dat, under <see cref="PseudonymTestKeys.Sample"/>), as every
    /// Crypto-PAn implementation tests them.
    /// </summary>
    public static TheoryData<string, string> Ipv4Vectors() => new()
    {
        { "128.11.68.132", "135.242.180.132" }, { "129.118.74.4", "134.136.186.123" },
        { "130.132.252.244", "133.68.164.234" }, { "141.223.7.43", "141.167.8.160" },
        { "141.233.145.108", "141.129.237.235" }, { "152.163.225.39", "151.140.114.167" },
        { "156.29.3.236", "147.225.12.42" }, { "165.247.96.84", "162.9.99.234" },
        { "166.107.77.190", "160.132.178.185" }, { "192.102.249.13", "252.138.62.131" },
        { "192.215.32.125", "252.43.47.189" }, { "192.233.80.103", "252.25.108.8" },
        { "192.41.57.43", "252.222.221.184" }, { "193.150.244.223", "253.169.52.216" },
        { "195.205.63.100", "255.186.223.5" }, { "198.200.171.101", "249.199.68.213" },
        { "198.26.132.101", "249.36.123.202" }, { "198.36.213.5", "249.7.21.132" },
        { "198.51.77.238", "249.18.186.254" }, { "199.217.79.101", "248.38.184.213" },
        { "202.49.198.20", "245.206.7.234" }, { "203.12.160.252", "244.248.163.4" },
        { "204.184.162.189", "243.192.77.90" }, { "204.202.136.230", "243.178.4.198" },
        { "204.29.20.4", "243.33.20.123" }, { "205.178.38.67", "242.108.198.51" },
        { "205.188.147.153", "242.96.16.101" }, { "205.188.248.25", "242.96.88.27" },
        { "205.245.121.43", "242.21.121.163" }, { "207.105.49.5", "241.118.205.138" },
        { "207.135.65.238", "241.202.129.222" }, { "207.155.9.214", "241.220.250.22" },
        { "207.188.7.45", "241.255.249.220" }, { "207.25.71.27", "241.33.119.156" },
        { "207.33.151.131", "241.1.233.131" }, { "208.147.89.59", "227.237.98.191" },
        { "208.234.120.210", "227.154.67.17" }, { "208.28.185.184", "227.39.94.90" },
        { "208.52.56.122", "227.8.63.165" }, { "209.12.231.7", "226.243.167.8" },
        { "209.238.72.3", "226.6.119.243" }, { "209.246.74.109", "226.22.124.76" },
        { "209.68.60.238", "226.184.220.233" }, { "209.85.249.6", "226.170.70.6" },
        { "212.120.124.31", "228.135.163.231" }, { "212.146.8.236", "228.19.4.234" },
        { "212.186.227.154", "228.59.98.98" }, { "212.204.172.118", "228.71.195.169" },
        { "212.206.130.201", "228.69.242.193" }, { "216.148.237.145", "235.84.194.111" },
        { "216.157.30.252", "235.89.31.26" }, { "216.184.159.48", "235.96.225.78" },
        { "216.227.10.221", "235.28.253.36" }, { "216.254.18.172", "235.7.16.162" },
        { "216.32.132.250", "235.192.139.38" }, { "216.35.217.178", "235.195.157.81" },
        { "24.0.250.221", "100.15.198.226" }, { "24.13.62.231", "100.2.192.247" },
        { "24.14.213.138", "100.1.42.141" }, { "24.5.0.80", "100.9.15.210" },
        { "24.7.198.88", "100.10.6.25" }, { "24.94.26.44", "100.88.228.35" },
        { "38.15.67.68", "64.3.66.187" }, { "4.3.88.225", "124.60.155.63" },
        { "63.14.55.111", "95.9.215.7" }, { "63.195.241.44", "95.179.238.44" },
        { "63.97.7.140", "95.97.9.123" }, { "64.14.118.196", "0.255.183.58" },
        { "64.34.154.117", "0.221.154.117" }, { "64.39.15.238", "0.219.7.41" },
        { "10.185.25.118", "117.161.29.118" },
    };

    [Theory]
    [MemberData(nameof(Ipv4Vectors))]
    public void CryptoPan_PublishedIpv4Vectors_Match(string original, string expected)
    {
        Assert.Equal(V4(expected), _cryptoPan.Anonymize(V4(original)));
    }

    /// <summary>
    /// IPv6 has no published Crypto-PAn vectors; these are those of the Go implementation (Yawning/cryptopan), which
    /// extends the construction to 128 bits as this one does: agreement with an independent implementation.
    /// </summary>
    [Theory]
    [InlineData("::1", "78ff:f001:9fc0:20df:8380:b1f1:704:ed")]
    [InlineData("::2", "78ff:f001:9fc0:20df:8380:b1f1:704:ef")]
    [InlineData("::ffff", "78ff:f001:9fc0:20df:8380:b1f1:704:f838")]
    [InlineData("2001:db8::1", "4401:2bc:603f:d91d:27f:ff8e:e6f1:dc1e")]
    [InlineData("2001:db8::2", "4401:2bc:603f:d91d:27f:ff8e:e6f1:dc1c")]
    public void CryptoPan_Ipv6_MatchesIndependentImplementation(string original, string expected)
    {
        Assert.Equal(V6(expected), _cryptoPan.Anonymize(V6(original)));
    }

    [Fact]
    public void Map_PublishedVectorInPrivateBlock_KeepsTenSlashEightAndCryptoPanHostBits()
    {
        // Crypto-PAn alone maps 10.185.25.118 to 117.161.29.118; the wrap keeps 10/8 and takes the other 24 bits.
        Assert.Equal("10.161.29.118", MapText("10.185.25.118"));
    }

    [Theory]
    [InlineData("255.255.255.255")]
    [InlineData("0.0.0.0")]
    [InlineData("192.0.0.9")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("2001:1::2")]
    public void Map_BlockOfOneAddress_StaysItself(string address)
    {
        Assert.Equal(IPAddress.Parse(address), IPAddress.Parse(MapText(address)));
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("10.1.2.3")]
    [InlineData("192.0.2.77")]
    public void Map_Ipv4MappedAndNat64_EmbeddedAddressMappedAsIpv4(string v4)
    {
        using var p = new Pseudonymiser(_sampleKey);
        Assert.Equal("::ffff:" + p.Address(v4), p.Address("::ffff:" + v4));
        byte[] nat64 = IPAddress.Parse("64:ff9b::").GetAddressBytes();
        IPAddress.Parse(p.Address(v4)).GetAddressBytes().CopyTo(nat64, 12);
        Assert.Equal(new IPAddress(nat64), IPAddress.Parse(p.Address("64:ff9b::" + v4)));
    }

    /// <summary>Special-purpose blocks the properties sample inside, with the global space.</summary>
    private static readonly string[] Blocks =
    [
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
        "224.0.0.0/4", "240.0.0.0/4", "0.0.0.0/8", "192.0.0.0/24", "192.88.99.0/24", "198.18.0.0/15", "192.0.2.0/24",
        "fe80::/10", "fc00::/7", "ff00::/8", "2001:db8::/32", "2001::/23", "2001::/32", "2002::/16", "100::/64",
        "64:ff9b:1::/48", "3fff::/20", "::ffff:0:0/96", "64:ff9b::/96",
    ];

    [Fact]
    public void Map_RandomAddresses_OutputInTheSameBlockAndClass()
    {
        var random = new Random(20261207);
        int checkedCount = 0;
        foreach (string block in Blocks)
        {
            for (int i = 0; i < 300; i++)
            {
                byte[] address = RandomIn(block, random);
                AssertSameBlock(address);
                checkedCount++;
            }
        }
        for (int i = 0; i < 3000; i++)
        {
            var address = new byte[i % 2 == 0 ? 4 : 16];
            random.NextBytes(address);
            if (address.Length == 16 && i % 4 == 1) address[0] = (byte)(0x20 | (address[0] & 0x1F)); // 2000::/3, where global unicast lives
            AssertSameBlock(address);
            checkedCount++;
        }
        Assert.Equal(Blocks.Length * 300 + 3000, checkedCount);
    }

    [Fact]
    public void Map_RandomAddressesInEveryRegistryBlock_StayInTheirBlock()
    {
        var random = new Random(53);
        int blocks = 0;
        foreach (var (prefix, length, _) in AddressClasses.Blocks())
        {
            string cidr = new IPAddress(prefix) + "/" + length.ToString(System.Globalization.CultureInfo.InvariantCulture);
            for (int i = 0; i < 200; i++) AssertSameBlock(RandomIn(cidr, random));
            blocks++;
        }
        Assert.True(blocks > 50, $"only {blocks} blocks in the registry");
    }

    [Fact]
    public void Map_GlobalIpv6_StaysInGlobalUnicastSpaceOutsideEveryBlock()
    {
        var random = new Random(8);
        var address = new byte[16];
        var mapped = new byte[16];
        int global = 0;
        for (int i = 0; i < 5000; i++)
        {
            random.NextBytes(address);
            address[0] = (byte)(0x20 | (address[0] & 0x1F));
            if (AddressClasses.TryFindBlock(address, out _, out _)) continue;
            global++;
            _mapper.Map(address, mapped);
            Assert.Equal(0x20, mapped[0] & 0xE0);
            Assert.Equal(AddressClasses.Public, AddressClasses.Of(mapped));
        }
        Assert.True(global > 4500);
        // Outside 2000::/3 (unassigned space) the pseudonym stays outside it too.
        byte[] unassigned = IPAddress.Parse("4401:2bc::1").GetAddressBytes();
        _mapper.Map(unassigned, mapped);
        Assert.NotEqual(0x20, mapped[0] & 0xE0);
        Assert.Equal(AddressClasses.Public, AddressClasses.Of(mapped));
    }

    [Fact]
    public void Map_GlobalAddresses_NeverLandInASpecialPurposeBlock()
    {
        var random = new Random(7);
        int walked = 0, global = 0;
        var address = new byte[4];
        var mapped = new byte[4];
        for (int i = 0; i < 20_000; i++)
        {
            random.NextBytes(address);
            if (AddressClasses.TryFindBlock(address, out _, out _)) continue;
            global++;
            if (_mapper.MapCountingWalks(address, mapped) > 0) walked++;
            Assert.Equal(AddressClasses.Public, AddressClasses.Of(mapped));
        }
        // Roughly the share of the space the blocks cover (about 14 %): the walk is exercised, and not everywhere.
        Assert.InRange(walked, global / 20, global / 4);
    }

    [Fact]
    public void Map_PairsInTheSameBlock_CommonPrefixLengthPreserved()
    {
        var random = new Random(42);
        int asserted = 0;
        foreach (string block in Blocks.Append("0.0.0.0/0").Append("2000::/3"))
        {
            (byte[] prefix, int length) = Cidr(block);
            int bits = prefix.Length * 8;
            for (int i = 0; i < 400; i++)
            {
                byte[] x = RandomIn(block, random);
                int common = random.Next(length, bits);
                byte[] y = (byte[])x.Clone();
                FlipAndRandomiseAfter(y, common, random);
                if (!SameBlock(x, y)) continue; // y strayed into a nested block or out of the global space
                var mx = new byte[x.Length];
                var my = new byte[y.Length];
                int walksX = _mapper.MapCountingWalks(x, mx), walksY = _mapper.MapCountingWalks(y, my);
                if (walksX != 0 || walksY != 0) continue; // documented: a walked address keeps prefixes only with its own subtree
                Assert.Equal(common, CommonPrefixLength(mx, my));
                asserted++;
            }
        }
        Assert.True(asserted > 6000, $"only {asserted} pairs checked");
    }

    [Fact]
    public void Map_WholeBlockWithNestedBlocks_IsAPermutationKeepingEachClass()
    {
        // 192.0.0.0/24 holds a /29 and single-address blocks of other classes: every address keeps its own block,
        // and no two addresses get one pseudonym.
        var seen = new HashSet<uint>();
        var address = new byte[4];
        var mapped = new byte[4];
        for (int i = 0; i < 256; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(address, 0xC0000000u | (uint)i);
            _mapper.Map(address, mapped);
            AssertSameBlock(address);
            Assert.True(seen.Add(BinaryPrimitives.ReadUInt32BigEndian(mapped)));
            Assert.Equal(0xC00000u, BinaryPrimitives.ReadUInt32BigEndian(mapped) >> 8);
        }
    }

    [Fact]
    public void Map_DistinctGlobalAddresses_DistinctPseudonyms()
    {
        var random = new Random(99);
        var seen = new Dictionary<uint, uint>();
        var address = new byte[4];
        var mapped = new byte[4];
        for (int i = 0; i < 20_000; i++)
        {
            random.NextBytes(address);
            _mapper.Map(address, mapped);
            uint a = BinaryPrimitives.ReadUInt32BigEndian(address), m = BinaryPrimitives.ReadUInt32BigEndian(mapped);
            if (seen.TryGetValue(m, out uint other)) Assert.Equal(other, a);
            seen[m] = a;
        }
    }

    [Fact]
    public void Pseudonymiser_SameKeyTwoInstances_SameAddresses_OtherKeyDifferent()
    {
        using var a = new Pseudonymiser(PseudonymKey.FromBytes(PseudonymTestKeys.Random(5)));
        using var b = new Pseudonymiser(PseudonymKey.FromBytes(PseudonymTestKeys.Random(5)));
        using var c = new Pseudonymiser(PseudonymKey.FromBytes(PseudonymTestKeys.Random(6)));
        var random = new Random(3);
        int differ = 0;
        for (int i = 0; i < 500; i++)
        {
            var address = new byte[i % 2 == 0 ? 4 : 16];
            random.NextBytes(address);
            var ip = new IPAddress(address);
            Assert.Equal(a.Address(ip), b.Address(ip));
            Assert.Equal(a.Address(ip), a.Address(ip)); // second call from the cache
            if (!a.Address(ip).Equals(c.Address(ip))) differ++;
        }
        Assert.True(differ > 480, $"only {differ} of 500 differ between keys");
    }

    [Fact]
    public void Pseudonymiser_ManyThreads_SameAsOneThread()
    {
        using var shared = new Pseudonymiser(_sampleKey);
        using var reference = new Pseudonymiser(_sampleKey);
        var addresses = Enumerable.Range(0, 4000).Select(i =>
        {
            var bytes = new byte[i % 3 == 0 ? 16 : 4];
            new Random(i).NextBytes(bytes);
            return bytes;
        }).ToArray();
        var results = new byte[addresses.Length][];
        Parallel.For(0, addresses.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            results[i] = new byte[addresses[i].Length];
            shared.Address(addresses[i], results[i]);
        });
        for (int i = 0; i < addresses.Length; i++)
        {
            var expected = new byte[addresses[i].Length];
            reference.Address(addresses[i], expected);
            Assert.Equal(expected, results[i]);
        }
    }

    [Theory]
    [InlineData("2001:db8::1")]
    [InlineData("fe80::1")]
    [InlineData("192.168.1.20")]
    public void Address_Text_CanonicalTextOfTheSameMapping(string text)
    {
        using var p = new Pseudonymiser(_sampleKey);
        string mapped = p.Address(text);
        Assert.Equal(p.Address(IPAddress.Parse(text)), IPAddress.Parse(mapped));
        Assert.Equal(mapped.ToLowerInvariant(), mapped);
        Assert.Equal(AddressClasses.Of(text), AddressClasses.Of(mapped));
        Assert.Throws<ArgumentException>(() => p.Address("not.an.address"));
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private string MapText(string address)
    {
        byte[] bytes = IPAddress.Parse(address).GetAddressBytes();
        _mapper.Map(bytes, bytes);
        return new IPAddress(bytes).ToString();
    }

    private void AssertSameBlock(byte[] address)
    {
        var mapped = new byte[address.Length];
        _mapper.Map(address, mapped);
        bool inBlock = AddressClasses.TryFindBlock(address, out int length, out string cls);
        bool mappedInBlock = AddressClasses.TryFindBlock(mapped, out int mappedLength, out string mappedClass);
        string shown = new IPAddress(address) + " -> " + new IPAddress(mapped);
        Assert.True(inBlock == mappedInBlock, shown);
        Assert.True(length == mappedLength, shown);
        Assert.True(cls == mappedClass, shown);
        Assert.True(CommonPrefixLength(address, mapped) >= length, shown);
        // IPv6 global unicast (2000::/3) is a region kept like a block.
        bool inRegion = AddressMapper.TryFindRegion(address, out int regionLength);
        Assert.True(inRegion == AddressMapper.TryFindRegion(mapped, out int mappedRegionLength) && regionLength == mappedRegionLength, shown);
    }

    private static bool SameBlock(byte[] x, byte[] y)
    {
        // An embedded IPv4 address is mapped by the IPv4 map: it is the IPv4 block that must be shared.
        if (AddressMapper.EmbedsIpv4(x) && AddressMapper.EmbedsIpv4(y))
            return x.AsSpan(0, 12).SequenceEqual(y.AsSpan(0, 12)) && SameBlock(x[12..], y[12..]);
        bool bx = AddressMapper.TryFindRegion(x, out int lx), by = AddressMapper.TryFindRegion(y, out int ly);
        return bx == by && lx == ly && CommonPrefixLength(x, y) >= lx;
    }

    private static (byte[] Prefix, int Length) Cidr(string cidr)
    {
        string[] parts = cidr.Split('/');
        return (IPAddress.Parse(parts[0]).GetAddressBytes(), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static byte[] RandomIn(string cidr, Random random)
    {
        (byte[] prefix, int length) = Cidr(cidr);
        var address = new byte[prefix.Length];
        random.NextBytes(address);
        for (int bit = 0; bit < length; bit++) SetBit(address, bit, GetBit(prefix, bit));
        return address;
    }

    private static void FlipAndRandomiseAfter(byte[] address, int bit, Random random)
    {
        SetBit(address, bit, !GetBit(address, bit));
        for (int b = bit + 1; b < address.Length * 8; b++) SetBit(address, b, random.Next(2) == 1);
    }

    private static bool GetBit(byte[] a, int bit) => (a[bit >> 3] & (0x80 >> (bit & 7))) != 0;

    private static void SetBit(byte[] a, int bit, bool value)
    {
        if (value) a[bit >> 3] |= (byte)(0x80 >> (bit & 7));
        else a[bit >> 3] &= (byte)~(0x80 >> (bit & 7));
    }

    private static int CommonPrefixLength(byte[] a, byte[] b)
    {
        for (int bit = 0; bit < a.Length * 8; bit++)
            if (GetBit(a, bit) != GetBit(b, bit)) return bit;
        return a.Length * 8;
    }

    private static uint V4(string text) => BinaryPrimitives.ReadUInt32BigEndian(IPAddress.Parse(text).GetAddressBytes());

    private static UInt128 V6(string text) => BinaryPrimitives.ReadUInt128BigEndian(IPAddress.Parse(text).GetAddressBytes());
}
