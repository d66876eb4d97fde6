using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Numerics;
using System.Security.Cryptography;
using PcapViz.Analysis;
using PcapViz.Context;

namespace PcapViz.Pseudonymisation;

/// <summary>
/// Every pseudonym of a bundle under one key (docs/pseudonymisation.md): addresses by Crypto-PAn kept inside their
/// special-purpose block, names label by label keeping the public suffix, free text and HTTP targets as keyed
/// tokens. The same key gives the same pseudonyms in every run, so history and diff keep working.
/// </summary>
/// <remarks>
/// Thread-safe: one instance serves every capture of a run. Address pseudonyms are cached, at most
/// <see cref="MaxCachedAddresses"/> of them (then uncached values are computed each time).
/// </remarks>
public sealed class Pseudonymiser : IDisposable
{
    /// <summary>Bound of the address cache (about 100 bytes each).</summary>
    public const int MaxCachedAddresses = 1 << 16;

    /// <summary>The name and version of the pseudonyms, for the manifest (with <see cref="KeyId"/> and the three below).</summary>
    public const string Method = "pcapviz-pseudonyms-v1 (docs/pseudonymisation.md)";

    /// <summary>How addresses are replaced, in the manifest's words.</summary>
    public const string AddressMethod =
        "Crypto-PAn on AES-128 (IPv4, and the same construction over 128 bits for IPv6), prefix-preserving, " +
        "kept inside the address's IANA special-purpose block (global IPv6 inside 2000::/3)";

    /// <summary>How names (query names, registered domains, reverse-lookup names) are replaced.</summary>
    public const string NameMethod =
        "each label below the public suffix (ICANN section of the Public Suffix List, local-scope and special-use TLDs) " +
        "replaced by a 12-character HMAC-SHA256 token; reverse-lookup names through the address map";

    /// <summary>How free text (watchlist labels; user agents, certificate names) is replaced.</summary>
    public const string TextMethod = "one 16-character HMAC-SHA256 token per value";

    private readonly CryptoPan _cryptoPan;
    private readonly AddressMapper _addresses;
    private readonly NamePseudonymiser _names;
    private readonly byte[] _linkKey;
    private readonly ConcurrentDictionary<uint, uint> _v4 = new();
    private readonly ConcurrentDictionary<UInt128, UInt128> _v6 = new();
    private int _cached;

    /// <param name="key">The key (<see cref="PseudonymKey.Load"/>).</param>
    /// <param name="suffixes">The Public Suffix List whose suffixes are kept; the shipped one when null.</param>
    public Pseudonymiser(PseudonymKey key, PublicSuffixList? suffixes = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        _cryptoPan = new CryptoPan(key);
        _addresses = new AddressMapper(_cryptoPan);
        _names = new NamePseudonymiser(key, suffixes ?? PublicSuffixList.Embedded, _addresses);
        KeyId = key.KeyId;
        _linkKey = key.Derive("link address");
    }

    /// <summary>The key's one-way identifier (<see cref="PseudonymKey.KeyId"/>).</summary>
    public string KeyId { get; }

    /// <summary>The pseudonym of 4 (IPv4) or 16 (IPv6) address bytes into <paramref name="destination"/> (may be the same memory).</summary>
    public void Address(ReadOnlySpan<byte> address, Span<byte> destination)
    {
        if (address.Length == 4)
            BinaryPrimitives.WriteUInt32BigEndian(destination, Ipv4(BinaryPrimitives.ReadUInt32BigEndian(address)));
        else if (address.Length == 16)
            BinaryPrimitives.WriteUInt128BigEndian(destination, Ipv6(BinaryPrimitives.ReadUInt128BigEndian(address)));
        else
            throw new ArgumentException("An address is 4 or 16 bytes.", nameof(address));
    }

    /// <summary>The pseudonym of an IPv4 address (as a big-endian number, the way the analyses keep it).</summary>
    public uint Ipv4(uint address) => Cached(_v4, address);

    /// <summary>The pseudonym of an IPv6 address (as a big-endian number, the way the analyses keep it).</summary>
    public UInt128 Ipv6(UInt128 address) => Cached(_v6, address);

    /// <summary>An address's pseudonym from <paramref name="cache"/>, or mapped over its big-endian bytes and kept while the cache has room.</summary>
    private T Cached<T>(ConcurrentDictionary<T, T> cache, T address) where T : struct, IBinaryInteger<T>, IUnsignedNumber<T>
    {
        if (cache.TryGetValue(address, out T known)) return known;
        Span<byte> bytes = stackalloc byte[address.GetByteCount()];
        address.WriteBigEndian(bytes);
        _addresses.Map(bytes, bytes);
        T pseudonym = T.ReadBigEndian(bytes, isUnsigned: true);
        if (Reserve()) cache.TryAdd(address, pseudonym);
        return pseudonym;
    }

    /// <summary>The pseudonym of an address; a scope id is dropped.</summary>
    public IPAddress Address(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        byte[] bytes = address.GetAddressBytes();
        Address(bytes, bytes);
        return new IPAddress(bytes);
    }

    /// <summary>The pseudonym of an address in text, in canonical text (dotted quad; RFC 5952 as the analyses print).</summary>
    /// <exception cref="ArgumentException">The text is not an address.</exception>
    public string Address(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!IPAddress.TryParse(address, out var ip)) throw new ArgumentException("Not an IP address.", nameof(address));
        byte[] bytes = ip.GetAddressBytes();
        Address(bytes, bytes);
        return bytes.Length == 4 ? IpAddressFormat.Ipv4(BinaryPrimitives.ReadUInt32BigEndian(bytes)) : IpAddressFormat.Ipv6(bytes);
    }

    /// <summary>
    /// The pseudonym of a link-layer address (a MAC address in a packet slice of a pseudonymised bundle) into
    /// <paramref name="destination"/> (may be the same memory): the first bytes of HMAC-SHA256 under a key derived for
    /// link addresses; for a 6-byte address, locally administered (bit 1 of the first byte set) with the group bit of
    /// the original kept, so unicast stays unicast and multicast multicast. All zeros and all ones (broadcast) stay.
    /// </summary>
    public void LinkAddress(ReadOnlySpan<byte> address, Span<byte> destination)
    {
        if (address.Length > 32) throw new ArgumentException("A link-layer address is at most 32 bytes.", nameof(address));
        if (!address.ContainsAnyExcept((byte)0) || !address.ContainsAnyExcept((byte)0xFF))
        {
            address.CopyTo(destination);
            return;
        }
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_linkKey, address, mac);
        if (address.Length == 6) mac[0] = (byte)((mac[0] & 0xFC) | 0x02 | (address[0] & 0x01));
        mac[..address.Length].CopyTo(destination);
    }

    /// <summary>The pseudonym of a DNS name in presentation form (query names, server names, HTTP hosts, certificate DNS names).</summary>
    public string Name(string name) => _names.Name(name);

    /// <summary>An HTTP Host header or URL authority (<c>host[:port]</c>): the host as a name or address, the port kept.</summary>
    public string Host(string value) => _names.Host(value);

    /// <summary>A keyed token for free text (user agents, certificate subjects and issuers); empty stays empty.</summary>
    public string Text(string value) => _names.Text(value);

    /// <summary>An HTTP path (<c>/</c> and a token) or absolute URL (host as a name or address, path as a token).</summary>
    public string UrlOrPath(string value) => _names.UrlOrPath(value);

    private bool Reserve()
    {
        if (Volatile.Read(ref _cached) >= MaxCachedAddresses) return false;
        return Interlocked.Increment(ref _cached) <= MaxCachedAddresses;
    }

    /// <summary>Releases the Crypto-PAn cipher (its AES key).</summary>
    public void Dispose() => _cryptoPan.Dispose();
}
