using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace PcapViz.Slicing;

/// <summary>What a slice indicator is: the value decides (docs/output.md, "Packet slices").</summary>
public enum SliceIndicatorKind
{
    /// <summary>An IPv4 or IPv6 address: flows with it as an endpoint.</summary>
    Address,
    /// <summary>A CIDR range: flows with an endpoint inside it.</summary>
    Network,
    /// <summary>A Community ID v1 (seed 0): the one flow it names.</summary>
    CommunityId,
    /// <summary>A DNS name: flows whose DNS messages, TLS/QUIC server name or HTTP Host carry it or a subdomain of it.</summary>
    Name,
}

/// <summary>
/// One <c>--indicator</c> value. A value is a Community ID when it is "1:" and the base64 of 20 bytes, a CIDR range
/// when it holds a '/', an address when it parses as a dotted-quad IPv4 or an IPv6 address; anything else is a name,
/// compared case-insensitively without its trailing dot.
/// </summary>
public sealed record SliceIndicator
{
    private const int MaxNameLength = 253;

    private SliceIndicator(SliceIndicatorKind kind, string text, byte[] address, int prefixBits)
    {
        Kind = kind;
        Text = text;
        Address = address;
        PrefixBits = prefixBits;
    }

    /// <summary>What the indicator is: an address, a range, a Community ID or a name.</summary>
    public SliceIndicatorKind Kind { get; }

    /// <summary>The canonical form: the address as .NET formats it, the range's network, the Community ID, the lower-case name.</summary>
    public string Text { get; }

    /// <summary>4 or 16 bytes for an address or range; empty otherwise.</summary>
    internal byte[] Address { get; }

    /// <summary>Prefix length of a range (the full length for an address).</summary>
    internal int PrefixBits { get; }

    /// <summary>Parses one value; null with <paramref name="error"/> (naming the value) when it is none of the four.</summary>
    public static SliceIndicator? TryParse(string value, out string? error)
    {
        ArgumentNullException.ThrowIfNull(value);
        error = null;
        string v = value.Trim();
        if (v.StartsWith("1:", StringComparison.Ordinal))
        {
            Span<byte> hash = stackalloc byte[32];
            if (v.Length == 30 && Convert.TryFromBase64String(v[2..], hash, out int n) && n == 20)
                return new SliceIndicator(SliceIndicatorKind.CommunityId, v, [], 0);
            error = $"'{value}' starts like a Community ID (\"1:\") but is not \"1:\" and the base64 of 20 bytes.";
            return null;
        }
        int slash = v.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            if (TryParseAddress(v[..slash], out var network) &&
                int.TryParse(v[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int bits) &&
                bits <= network.GetAddressBytes().Length * 8)
            {
                byte[] bytes = network.GetAddressBytes();
                Mask(bytes, bits);
                return new SliceIndicator(SliceIndicatorKind.Network, $"{new IPAddress(bytes)}/{bits.ToString(CultureInfo.InvariantCulture)}", bytes, bits);
            }
            error = $"'{value}' is not a CIDR range (an IPv4 or IPv6 address, '/', a prefix length within the address).";
            return null;
        }
        if (TryParseAddress(v, out var address))
        {
            byte[] bytes = address.GetAddressBytes();
            return new SliceIndicator(SliceIndicatorKind.Address, address.ToString(), bytes, bytes.Length * 8);
        }
        string name = v.EndsWith('.') ? v[..^1] : v;
        if (name.Length == 0 || name.Length > MaxNameLength || name.Contains(':', StringComparison.Ordinal) ||
            name.All(c => c is '.' or (>= '0' and <= '9')) || // "10", "10.1": an address cut short, not a name
            name.Split('.').Any(label => label.Length is 0 or > 63 || label.Any(c => c <= ' ' || c > '~' || c == '\\')))
        {
            error = $"'{value}' is not an address, a CIDR range, a Community ID (\"1:\" and base64) or a DNS name.";
            return null;
        }
        return new SliceIndicator(SliceIndicatorKind.Name, name.ToLowerInvariant(), [], 0);
    }

    /// <summary>A dotted quad (never the shorthands "10" or "10.1" that <see cref="IPAddress.TryParse(string, out IPAddress)"/> also takes) or IPv6.</summary>
    private static bool TryParseAddress(string text, out IPAddress address)
    {
        address = IPAddress.None;
        if (!IPAddress.TryParse(text, out var parsed)) return false;
        if (parsed.AddressFamily == AddressFamily.InterNetwork && text.Count(c => c == '.') != 3) return false;
        if (parsed.AddressFamily == AddressFamily.InterNetworkV6 && (parsed.ScopeId != 0 || !text.Contains(':', StringComparison.Ordinal))) return false;
        address = parsed;
        return true;
    }

    private static void Mask(Span<byte> bytes, int bits)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            int keep = Math.Clamp(bits - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
    }

    /// <summary>True when <paramref name="address"/> (4 or 16 bytes) is this address or lies in this range.</summary>
    internal bool Contains(ReadOnlySpan<byte> address)
    {
        if (address.Length != Address.Length) return false;
        int whole = PrefixBits / 8;
        if (!address[..whole].SequenceEqual(Address.AsSpan(0, whole))) return false;
        int rest = PrefixBits % 8;
        return rest == 0 || (address[whole] & (byte)(0xFF << (8 - rest))) == Address[whole];
    }

    /// <summary>
    /// True when <paramref name="candidate"/> (a DNS presentation name, server name or host, any case, with or
    /// without a trailing dot) is this name or one of its subdomains.
    /// </summary>
    internal bool MatchesName(ReadOnlySpan<char> candidate)
    {
        if (candidate.EndsWith(".")) candidate = candidate[..^1];
        if (candidate.Length == Text.Length) return candidate.Equals(Text, StringComparison.OrdinalIgnoreCase);
        return candidate.Length > Text.Length && candidate[^(Text.Length + 1)] == '.' &&
               candidate[^Text.Length..].Equals(Text, StringComparison.OrdinalIgnoreCase);
    }
}
