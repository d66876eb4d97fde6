using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using PcapViz.Analysis;
using PcapViz.Context;

namespace PcapViz.Pseudonymisation;

/// <summary>
/// Names, free text and HTTP targets under the key (docs/pseudonymisation.md). A DNS name in presentation form
/// keeps its public suffix and has every label below it replaced by a keyed token, so equal labels stay equal and
/// <c>www.example.co.uk</c> and <c>mail.example.co.uk</c> still share their registered domain. Reverse-lookup
/// names carry their address through the address map. Thread-safe (the only shared state is a bounded, concurrent label cache).
/// </summary>
internal sealed class NamePseudonymiser
{
    /// <summary>Special-use TLDs of RFC 6761, RFC 9476 and RFC 7686 that the list does not hold; kept like a suffix.</summary>
    private static readonly HashSet<string> SpecialUseTlds = new(StringComparer.Ordinal) { "test", "invalid", "example", "localhost", "alt", "onion" };

    /// <summary>Bound of the label cache (about 150 bytes each).</summary>
    internal const int MaxCachedLabels = 1 << 16;

    private readonly ConcurrentDictionary<string, string> _labelTokens = new(StringComparer.Ordinal);
    private int _cachedLabels;
    private readonly byte[] _labelKey;
    private readonly byte[] _textKey;
    private readonly PublicSuffixList _suffixes;
    private readonly AddressMapper _addresses;

    public NamePseudonymiser(PseudonymKey key, PublicSuffixList suffixes, AddressMapper addresses)
    {
        _labelKey = key.Derive("label");
        _textKey = key.Derive("text");
        _suffixes = suffixes;
        _addresses = addresses;
    }

    /// <summary>
    /// The pseudonym of a DNS name in presentation form (as the analyses print it; upper case is folded, a trailing
    /// dot kept). The root <c>.</c> and a name that is only a public suffix stay as they are; a single label or an
    /// unknown TLD is replaced whole (the list's default rule is not a suffix anyone registered).
    /// </summary>
    public string Name(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || name == ".") return name;
        string lower = name.ToLowerInvariant();
        bool rooted = lower.EndsWith('.') && !EndsEscaped(lower);
        if (rooted) lower = lower[..^1];
        List<string> labels = SplitLabels(lower);

        string result = ReverseName(labels) ?? Labels(labels, KeptLabels(lower, labels));
        return rooted ? result + "." : result;
    }

    /// <summary>Free text (a user agent, a certificate subject): one keyed token; the empty text stays empty.</summary>
    public string Text(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Length == 0 ? value : Tokens.Of(_textKey, value, Tokens.TextLength);
    }

    /// <summary>
    /// An HTTP request target: a path (<c>/a/b?q=1</c> → <c>/</c> and a token; <c>/</c> and <c>*</c> stay), or an
    /// absolute URL (scheme and port kept, the host through <see cref="Name"/> or the address map, user info dropped,
    /// the path as a path). Anything else is free text.
    /// </summary>
    public string UrlOrPath(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0 || value is "/" or "*") return value;
        if (value[0] == '/') return "/" + Tokens.Of(_textKey, value, Tokens.TextLength);

        int schemeEnd = value.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0 || value.AsSpan(0, schemeEnd).ContainsAnyExcept(SchemeChars)) return Text(value);
        string scheme = value[..schemeEnd].ToLowerInvariant();
        int authorityStart = schemeEnd + 3;
        int pathStart = value.AsSpan(authorityStart).IndexOfAny("/?#");
        pathStart = pathStart < 0 ? value.Length : authorityStart + pathStart;
        string? pseudoAuthority = Authority(value[authorityStart..pathStart]);
        if (pseudoAuthority is null) return Text(value);
        string rest = value[pathStart..];
        // An empty path before ?query or #fragment is "/" (RFC 3986 6.2.3): tokenised as such.
        string pseudoRest = rest.Length == 0 ? "" : UrlOrPath(rest[0] == '/' ? rest : "/" + rest);
        return scheme + "://" + pseudoAuthority + pseudoRest;
    }

    /// <summary>
    /// An HTTP Host header or URL authority, <c>host[:port]</c>: the host through <see cref="Name"/> or, for an
    /// address literal (<c>192.0.2.1</c>, <c>[2001:db8::1]</c>), the address map; the port kept; user info
    /// (<c>user:pw@</c>) dropped. Anything malformed is free text.
    /// </summary>
    public string Host(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Authority(value) ?? Text(value);
    }

    private string? Authority(string authority)
    {
        int at = authority.LastIndexOf('@');
        if (at >= 0) authority = authority[(at + 1)..]; // user info is never kept
        string host = authority, port = "";
        if (authority.StartsWith('['))
        {
            int close = authority.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) return null;
            (host, port) = (authority[..(close + 1)], authority[(close + 1)..]);
        }
        else
        {
            int colon = authority.LastIndexOf(':');
            if (colon >= 0) (host, port) = (authority[..colon], authority[colon..]);
        }
        if (port.Length > 0 && (port[0] != ':' || port.AsSpan(1).ContainsAnyExcept(Digits))) return null;
        string? pseudoHost = HostOnly(host);
        return pseudoHost is null ? null : pseudoHost + port;
    }

    private static readonly SearchValues<char> SchemeChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
    private static readonly SearchValues<char> Digits = SearchValues.Create("0123456789");
    private static readonly SearchValues<char> DigitsAndDots = SearchValues.Create("0123456789.");

    /// <summary>A host without port: an address literal through the address map, else a name; null for a bad literal.</summary>
    private string? HostOnly(string host)
    {
        if (host.StartsWith('['))
        {
            if (!host.EndsWith(']') || !IPAddress.TryParse(host[1..^1], out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6) return null;
            return "[" + MapText(v6) + "]";
        }
        // Only a dotted quad is an IPv4 literal: IPAddress also parses "1.2.3" and "127.1", which are names here.
        if (host.Count(c => c == '.') == 3 && !host.AsSpan().ContainsAnyExcept(DigitsAndDots) && IPAddress.TryParse(host, out var v4)) return MapText(v4);
        return host.Length == 0 ? host : Name(host);
    }

    private string MapText(IPAddress address)
    {
        byte[] bytes = address.GetAddressBytes();
        _addresses.Map(bytes, bytes);
        return bytes.Length == 4 ? IpAddressFormat.Ipv4(BinaryPrimitives.ReadUInt32BigEndian(bytes)) : IpAddressFormat.Ipv6(bytes);
    }

    /// <summary>A label's token; labels repeat (a registered domain under every name), so up to <see cref="MaxCachedLabels"/> are cached.</summary>
    private string LabelToken(string label)
    {
        if (_labelTokens.TryGetValue(label, out string? token)) return token;
        token = Tokens.Of(_labelKey, label, Tokens.LabelLength);
        if (Volatile.Read(ref _cachedLabels) < MaxCachedLabels && Interlocked.Increment(ref _cachedLabels) <= MaxCachedLabels)
            _labelTokens.TryAdd(label, token);
        return token;
    }

    /// <summary>How many trailing labels are a public suffix to keep: a rule of the list (less a wildcard's label), or a local-scope or special-use TLD.</summary>
    private int KeptLabels(string name, List<string> labels)
    {
        string? listed = _suffixes.ListedSuffix(name);
        if (listed is not null)
        {
            // The label a wildcard rule matched is anyone's name (stmarys in stmarys.sch.uk): tokenised like the
            // labels below it; the grouping stays, since a token stands wherever the label stood.
            if (_suffixes.IsWildcardSuffix(listed)) listed = listed[(listed.IndexOf('.', StringComparison.Ordinal) + 1)..];
            int count = listed.Count(c => c == '.') + 1;
            // Escaped dots (\.) would make the list's plain split differ from ours: then keep nothing rather than guess.
            if (count > labels.Count || string.Join('.', labels.GetRange(labels.Count - count, count)) != listed) return 0;
            // An exception rule (!www.ck) names its label in the list itself: kept, or the pseudonym would fall under
            // the wildcard the exception lifts and group differently.
            if (count < labels.Count && _suffixes.IsException(string.Join('.', labels.GetRange(labels.Count - count - 1, count + 1)))) count++;
            return count;
        }
        string tld = labels[^1];
        return RegisteredDomains.IsLocalScopeTld(tld) || SpecialUseTlds.Contains(tld) ? 1 : 0;
    }

    private string Labels(List<string> labels, int kept)
    {
        var sb = new StringBuilder(labels.Count * (Tokens.LabelLength + 1));
        for (int i = 0; i < labels.Count; i++)
        {
            if (i > 0) sb.Append('.');
            string label = labels[i];
            // An empty label (a..b) says nothing; a kept suffix label is public.
            sb.Append(i >= labels.Count - kept || label.Length == 0 ? label : LabelToken(label));
        }
        return sb.ToString();
    }

    /// <summary>
    /// <c>d.c.b.a.in-addr.arpa</c> (1 to 4 decimal octets) and <c>…ip6.arpa</c> (1 to 32 hex nibbles): the address,
    /// with zeros after a partial one, through the address map, written back with as many labels as it had. Null
    /// when the name is not such a name (it is then pseudonymised label by label, keeping the arpa suffix).
    /// </summary>
    private string? ReverseName(List<string> labels)
    {
        if (labels.Count < 3 || labels[^1] != "arpa") return null;
        int count = labels.Count - 2;
        if (labels[^2] == "in-addr" && count <= 4)
        {
            Span<byte> address = stackalloc byte[4];
            address.Clear();
            for (int i = 0; i < count; i++)
            {
                string label = labels[count - 1 - i];
                if (label.Length is 0 or > 3 || (label.Length > 1 && label[0] == '0') || label.AsSpan().ContainsAnyExcept(Digits)) return null;
                int octet = int.Parse(label, NumberStyles.None, CultureInfo.InvariantCulture);
                if (octet > 255) return null;
                address[i] = (byte)octet;
            }
            _addresses.Map(address, address);
            var sb = new StringBuilder();
            for (int i = count - 1; i >= 0; i--) sb.Append(address[i].ToString(CultureInfo.InvariantCulture)).Append('.');
            return sb.Append("in-addr.arpa").ToString();
        }
        if (labels[^2] == "ip6" && count <= 32)
        {
            Span<byte> address = stackalloc byte[16];
            address.Clear();
            for (int i = 0; i < count; i++)
            {
                string label = labels[count - 1 - i];
                if (label.Length != 1 || !char.IsAsciiHexDigit(label[0])) return null;
                int nibble = Convert.ToInt32(label, 16);
                address[i >> 1] |= (byte)((i & 1) == 0 ? nibble << 4 : nibble);
            }
            _addresses.Map(address, address);
            var sb = new StringBuilder();
            for (int i = count - 1; i >= 0; i--)
            {
                int nibble = (i & 1) == 0 ? address[i >> 1] >> 4 : address[i >> 1] & 0xF;
                sb.Append("0123456789abcdef"[nibble]).Append('.');
            }
            return sb.Append("ip6.arpa").ToString();
        }
        return null;
    }

    /// <summary>Labels split at dots that are not escaped (<c>\.</c>; <c>\DDD</c> holds no dot).</summary>
    private static List<string> SplitLabels(string name)
    {
        var labels = new List<string>();
        int start = 0;
        for (int i = 0; i < name.Length; i++)
        {
            if (name[i] == '\\') { i++; continue; }
            if (name[i] != '.') continue;
            labels.Add(name[start..i]);
            start = i + 1;
        }
        labels.Add(name[start..]);
        return labels;
    }

    /// <summary>True when the final character is escaped by an odd run of backslashes before it.</summary>
    private static bool EndsEscaped(string name)
    {
        int backslashes = 0;
        for (int i = name.Length - 2; i >= 0 && name[i] == '\\'; i--) backslashes++;
        return (backslashes & 1) == 1;
    }
}
