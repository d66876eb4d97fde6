using System.Buffers.Binary;
using System.Globalization;

namespace PcapViz.Analysis;

/// <summary>Canonical text for addresses: IPv4 dotted quad, IPv6 per RFC 5952 (lower case, longest zero run compressed).</summary>
public static class IpAddressFormat
{
    /// <summary><paramref name="address"/> (most significant octet first, as read big-endian from the header) as a dotted quad: "192.0.2.1".</summary>
    public static string Ipv4(uint address)
    {
        int length = 3 + Digits(address >> 24) + Digits((address >> 16) & 0xFF) + Digits((address >> 8) & 0xFF) + Digits(address & 0xFF);
        return string.Create(length, address, static (text, a) =>
        {
            int at = 0;
            for (int shift = 24; shift >= 0; shift -= 8)
            {
                uint octet = (a >> shift) & 0xFF;
                if (octet >= 100) text[at++] = (char)('0' + octet / 100);
                if (octet >= 10) text[at++] = (char)('0' + octet / 10 % 10);
                text[at++] = (char)('0' + octet % 10);
                if (shift > 0) text[at++] = '.';
            }
        });
    }

    private static int Digits(uint octet) => octet >= 100 ? 3 : octet >= 10 ? 2 : 1;

    /// <summary><paramref name="address"/> (the 16 header bytes read big-endian) as RFC 5952 text: "2001:db8::1", "::ffff:192.0.2.1".</summary>
    public static string Ipv6(UInt128 address)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, address);
        return Ipv6(bytes);
    }

    internal static string Ipv6(ReadOnlySpan<byte> bytes)
    {
        Span<ushort> groups = stackalloc ushort[8];
        for (int i = 0; i < 8; i++) groups[i] = BinaryPrimitives.ReadUInt16BigEndian(bytes[(i * 2)..]);

        // RFC 5952 section 5: IPv4-mapped addresses keep the dotted quad.
        if (groups[..5].IndexOfAnyExcept((ushort)0) < 0 && groups[5] == 0xFFFF)
            return "::ffff:" + Ipv4(BinaryPrimitives.ReadUInt32BigEndian(bytes[12..]));

        int bestStart = -1, bestLength = 0;
        for (int i = 0; i < 8;)
        {
            if (groups[i] != 0) { i++; continue; }
            int start = i;
            while (i < 8 && groups[i] == 0) i++;
            if (i - start > bestLength) { bestStart = start; bestLength = i - start; }
        }
        if (bestLength < 2) bestStart = -1; // a single zero group is not compressed (RFC 5952 4.2.2)

        var sb = new System.Text.StringBuilder(39);
        for (int i = 0; i < 8; i++)
        {
            if (i == bestStart)
            {
                sb.Append("::");
                i += bestLength - 1;
                continue;
            }
            if (sb.Length > 0 && sb[^1] != ':') sb.Append(':');
            sb.Append(groups[i].ToString("x", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}
