using PcapViz.Context;

namespace PcapViz.Pseudonymisation;

/// <summary>
/// Crypto-PAn wrapped so that an address keeps its special-purpose block (the IANA registries as
/// <see cref="AddressClasses"/> reads them): 10/8 stays in 10/8, multicast in multicast, a block of one address
/// (255.255.255.255, ::1) stays itself, and a global unicast address stays outside every block.
/// </summary>
/// <remarks>
/// <para>An address inside a block of prefix length <c>L</c> keeps its first <c>L</c> bits; the other bits are the
/// same bits of Crypto-PAn over the whole address. All addresses of the block share those <c>L</c> bits, so this is
/// a permutation of the block, and two addresses of the block that share <c>n ≥ L</c> leading bits still map to two
/// that share exactly <c>n</c>.</para>
/// <para>Where the result would leave the input's class (a global address landing in a block, or an address of a
/// block landing in a smaller block nested inside it, such as 192.0.0.9/32 inside 192.0.0.0/24) the map is applied
/// again to its own result until it lands back in the class ("cycle walking"). Walking a permutation stays a
/// permutation of the class (no two addresses get one pseudonym) and is deterministic; prefixes are then preserved
/// among addresses that walked the same way (a whole subtree walks together), not between a walked and an unwalked
/// one. About 14 % of random global IPv4 addresses walk (the blocks cover that share of the space).</para>
/// <para>IPv6 addresses in the global unicast space 2000::/3 keep those 3 bits, as if it were a block (outside the
/// special-purpose blocks inside it); other IPv6 addresses in no block (unassigned space) walk until they land
/// outside every block and outside 2000::/3.</para>
/// <para>IPv4-mapped addresses (::ffff:0:0/96) and the NAT64 well-known prefix (64:ff9b::/96) keep their prefix and
/// map the embedded IPv4 address with the IPv4 map, so a host seen both ways gets one pseudonym.</para>
/// </remarks>
internal sealed class AddressMapper
{
    private readonly CryptoPan _cryptoPan;

    public AddressMapper(CryptoPan cryptoPan) => _cryptoPan = cryptoPan;

    /// <summary>The pseudonym of 4 or 16 address bytes, written to <paramref name="destination"/> (may be the same memory).</summary>
    public void Map(ReadOnlySpan<byte> address, Span<byte> destination) => MapCountingWalks(address, destination);

    /// <summary><see cref="Map"/>, returning how many times the map was re-applied to leave a wrong class (tests).</summary>
    internal int MapCountingWalks(ReadOnlySpan<byte> address, Span<byte> destination)
    {
        if (address.Length is not (4 or 16)) throw new ArgumentException("An address is 4 or 16 bytes.", nameof(address));
        if (destination.Length < address.Length) throw new ArgumentException("The destination is shorter than the address.", nameof(destination));

        if (address.Length == 16 && EmbedsIpv4(address))
        {
            Span<byte> v4 = stackalloc byte[4];
            int walks = MapCountingWalks(address[12..], v4);
            address[..12].CopyTo(destination);
            v4.CopyTo(destination[12..]);
            return walks;
        }

        bool inBlock = TryFindRegion(address, out int blockLength);
        if (inBlock && blockLength == address.Length * 8)
        {
            address.CopyTo(destination); // a block of one address: itself
            return 0;
        }

        Span<byte> original = stackalloc byte[16];
        original = original[..address.Length];
        address.CopyTo(original); // destination may alias address
        Span<byte> current = stackalloc byte[16];
        current = current[..address.Length];
        original.CopyTo(current);
        Span<byte> result = destination[..address.Length];
        for (int walks = 0; ; walks++)
        {
            _cryptoPan.Anonymize(current, result);
            if (inBlock) KeepPrefix(result, original, blockLength);
            bool landedInBlock = TryFindRegion(result, out int landedLength);
            // Same block: the result keeps the input's prefix of blockLength bits, so a block of that length holding
            // it is the input's block.
            if (landedInBlock == inBlock && (!inBlock || landedLength == blockLength)) return walks;
            result.CopyTo(current);
        }
    }

    /// <summary>
    /// The block an address must stay in: its most specific special-purpose block, or for an IPv6 address in no
    /// such block but inside 2000::/3, that prefix (the global unicast space of the IANA IPv6 Address Space
    /// registry), so that a global IPv6 address still looks like one (plain Crypto-PAn scatters it over all
    /// 128-bit space, into unassigned prefixes).
    /// </summary>
    internal static bool TryFindRegion(ReadOnlySpan<byte> address, out int prefixLength)
    {
        if (AddressClasses.TryFindBlock(address, out prefixLength, out _)) return true;
        if (address.Length == 16 && (address[0] & 0xE0) == 0x20)
        {
            prefixLength = GlobalUnicastV6Length;
            return true;
        }
        return false;
    }

    private const int GlobalUnicastV6Length = 3;

    /// <summary>::ffff:0:0/96 (IPv4-mapped) and 64:ff9b::/96 (NAT64 well-known prefix): the last 4 bytes are an IPv4 address.</summary>
    internal static bool EmbedsIpv4(ReadOnlySpan<byte> address)
    {
        ReadOnlySpan<byte> mapped = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF];
        ReadOnlySpan<byte> nat64 = [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0];
        return address.Length == 16 && (address[..12].SequenceEqual(mapped) || address[..12].SequenceEqual(nat64));
    }

    /// <summary>Copies the first <paramref name="bits"/> bits of <paramref name="from"/> into <paramref name="to"/>.</summary>
    private static void KeepPrefix(Span<byte> to, ReadOnlySpan<byte> from, int bits)
    {
        int whole = bits >> 3;
        from[..whole].CopyTo(to);
        int rest = bits & 7;
        if (rest == 0) return;
        int mask = 0xFF << (8 - rest) & 0xFF;
        to[whole] = (byte)((from[whole] & mask) | (to[whole] & ~mask));
    }
}
