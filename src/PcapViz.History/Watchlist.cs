using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using PcapViz.Analysis;
using PcapViz.Model;

namespace PcapViz.History;

/// <summary>One usable watchlist line.</summary>
/// <param name="Kind">Domain (matches the domain and every name under it: query names, registered domains, server names),
/// address or CIDR range (both match addresses), or a JA3 or JA4 client fingerprint.</param>
/// <param name="Text">The entry normalised: lower-case domain without a trailing dot, canonical address, network/prefix,
/// <c>ja3:</c> and 32 lower-case hex digits, <c>ja4:</c> and the fingerprint (lower case but for its two ALPN characters).</param>
internal sealed record WatchlistEntry(WatchlistEntryKind Kind, string Text, string Label, string List, int Line);

internal enum WatchlistEntryKind { Domain, Address, Range, Ja3, Ja4 }

/// <summary>
/// Watchlists: files of domains (matching their subdomains), addresses, CIDR ranges and client fingerprints
/// (<c>ja3:</c><i>md5</i>, <c>ja4:</c><i>fingerprint</i>), one per line, with an optional label and <c>#</c> comments.
/// Parsing never stops at a bad line: each is reported with its line number and left out.
/// Matching is by hash lookups only: a name is looked up once per label suffix (at most 127), an address once per
/// prefix length present in the lists (at most 33 or 129), a fingerprint once, however many entries the lists hold.
/// </summary>
public sealed class Watchlist
{
    /// <summary>Longest line read (bytes, line end excluded); longer lines are reported and skipped unread.</summary>
    public const int MaxLineBytes = 4096;

    /// <summary>Problems kept per file; past it one line says how many more there were.</summary>
    public const int MaxProblemsPerFile = 100;

    private readonly Dictionary<string, List<WatchlistEntry>> _domains = new(StringComparer.Ordinal);
    /// <summary>Fingerprint entries by their normalised text (<c>ja3:…</c>, <c>ja4:…</c>).</summary>
    private readonly Dictionary<string, List<WatchlistEntry>> _fingerprints = new(StringComparer.Ordinal);
    private readonly Dictionary<(int Prefix, UInt128 Network), List<WatchlistEntry>> _v4 = [];
    private readonly Dictionary<(int Prefix, UInt128 Network), List<WatchlistEntry>> _v6 = [];
    private int[] _v4Prefixes = [];
    private int[] _v6Prefixes = [];
    private readonly List<WatchlistProblem> _problems = [];

    internal static Watchlist Empty { get; } = new();

    internal int Count { get; private set; }

    internal IReadOnlyList<WatchlistProblem> Problems => _problems;

    /// <summary>Reads every file; a file that cannot be opened throws <see cref="IOException"/> (a usage error, reported up front).</summary>
    public static Watchlist Load(IEnumerable<string> files)
    {
        var list = new Watchlist();
        foreach (string file in files)
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            list.Add(stream, file);
        }
        list.Seal();
        return list;
    }

    /// <summary>Parses one list from a stream (tests, and <see cref="Load"/>).</summary>
    public static Watchlist Parse(Stream stream, string name)
    {
        var list = new Watchlist();
        list.Add(stream, name);
        list.Seal();
        return list;
    }

    private void Add(Stream stream, string name)
    {
        var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
        var buffer = new byte[MaxLineBytes];
        int problemsBefore = _problems.Count, dropped = 0;
        void Problem(int line, string message)
        {
            if (_problems.Count - problemsBefore < MaxProblemsPerFile) _problems.Add(new WatchlistProblem(name, line, message));
            else dropped++;
        }

        int lineNumber = 0, length = 0;
        bool tooLong = false;
        long offset = 0, lineOffset = 0;
        void FinishLine()
        {
            lineNumber++;
            if (tooLong)
            {
                Problem(lineNumber, $"the line is longer than {MaxLineBytes} bytes (byte offset {lineOffset}); skipped");
                return;
            }
            int start = lineNumber == 1 && length >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF ? 3 : 0;
            int len = length - start;
            if (len > 0 && buffer[start + len - 1] == '\r') len--;
            string text;
            try
            {
                text = strict.GetString(buffer, start, len);
            }
            catch (DecoderFallbackException)
            {
                Problem(lineNumber, $"the line is not valid UTF-8 (byte offset {lineOffset}); skipped");
                return;
            }
            if (ParseLine(text, name, lineNumber, out string? error) is { } entry) AddEntry(entry);
            else if (error is not null) Problem(lineNumber, error);
        }

        var chunk = new byte[1 << 16];
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            for (int i = 0; i < read; i++)
            {
                byte b = chunk[i];
                if (b != '\n')
                {
                    if (length < MaxLineBytes) buffer[length++] = b;
                    else tooLong = true;
                    continue;
                }
                FinishLine();
                length = 0;
                tooLong = false;
                lineOffset = offset + i + 1;
            }
            offset += read;
        }
        if (length > 0 || tooLong) FinishLine();
        if (dropped > 0) _problems.Add(new WatchlistProblem(name, lineNumber, $"{dropped} more bad lines not listed"));
    }

    /// <summary>One line: null with no error for blanks and comments, null with an error for a bad line.</summary>
    internal static WatchlistEntry? ParseLine(string line, string list, int lineNumber, out string? error)
    {
        error = null;
        foreach (char c in line)
        {
            if (char.IsControl(c) && c != '\t')
            {
                error = "the line holds a control character; skipped";
                return null;
            }
        }
        string text = line.Trim();
        if (text.Length == 0 || text[0] == '#') return null;
        // A '#' after white space starts a comment; a '#' inside a word is part of it.
        for (int i = 1; i < text.Length; i++)
        {
            if (text[i] == '#' && char.IsWhiteSpace(text[i - 1]))
            {
                text = text[..i].TrimEnd();
                break;
            }
        }
        int space = text.IndexOfAny([' ', '\t']);
        string token = space < 0 ? text : text[..space];
        string label = space < 0 ? "" : text[(space + 1)..].Trim();

        if (FingerprintPrefix(token) is { } prefix)
        {
            if (TryParseFingerprint(token, prefix, out var kind, out string? fingerprint, out error))
                return new WatchlistEntry(kind, fingerprint!, label, list, lineNumber);
            return null;
        }
        if (token.Contains('/'))
        {
            if (TryParseRange(token, out string? normal, out error)) return new WatchlistEntry(WatchlistEntryKind.Range, normal!, label, list, lineNumber);
            return null;
        }
        if (TryParseAddress(token, out var address)) return new WatchlistEntry(WatchlistEntryKind.Address, Canonical(address!), label, list, lineNumber);
        if (token.Contains(':') || LooksNumeric(token))
        {
            error = $"'{Excerpt(token)}' is not a valid IPv4 or IPv6 address";
            return null;
        }
        if (TryParseDomain(token, out string? domain, out error)) return new WatchlistEntry(WatchlistEntryKind.Domain, domain!, label, list, lineNumber);
        return null;
    }

    private const string Ja3Prefix = "ja3:", Ja4Prefix = "ja4:";

    /// <summary><c>ja3:</c> or <c>ja4:</c> when the token starts with one (any case), else null.</summary>
    private static string? FingerprintPrefix(string token) =>
        token.StartsWith(Ja3Prefix, StringComparison.OrdinalIgnoreCase) ? Ja3Prefix
        : token.StartsWith(Ja4Prefix, StringComparison.OrdinalIgnoreCase) ? Ja4Prefix : null;

    /// <summary>
    /// <c>ja3:</c> and an MD5 (32 hex digits), or <c>ja4:</c> and a JA4 as FoxIO's JA4 technical details define it:
    /// <c>a_b_c</c>, a being transport (<c>t</c>, <c>q</c>, <c>d</c>), version (2 letters or digits), <c>d</c>/<c>i</c>,
    /// two 2-digit counts and the 2 ALPN characters (letters or digits), b and c 12 hex digits each. Normalised to lower
    /// case, but for the ALPN characters, which JA4 keeps as the client sent them.
    /// </summary>
    private static bool TryParseFingerprint(string token, string prefix, out WatchlistEntryKind kind, out string? normal, out string? error)
    {
        normal = null;
        error = null;
        string value = token[prefix.Length..];
        if (prefix == Ja3Prefix)
        {
            kind = WatchlistEntryKind.Ja3;
            if (value.Length != 32 || !value.All(char.IsAsciiHexDigit))
            {
                error = $"'{Excerpt(token)}' is not a JA3 fingerprint: after 'ja3:' come the 32 hex digits of its MD5";
                return false;
            }
            normal = Ja3Prefix + value.ToLowerInvariant();
            return true;
        }
        kind = WatchlistEntryKind.Ja4;
        string[] parts = value.Split('_');
        bool ok = parts.Length == 3 && parts[0].Length == 10 && parts[1].Length == 12 && parts[2].Length == 12 &&
            parts[0][0] is 't' or 'q' or 'd' or 'T' or 'Q' or 'D' &&
            char.IsAsciiLetterOrDigit(parts[0][1]) && char.IsAsciiLetterOrDigit(parts[0][2]) &&
            parts[0][3] is 'd' or 'i' or 'D' or 'I' &&
            parts[0][4..8].All(char.IsAsciiDigit) &&
            char.IsAsciiLetterOrDigit(parts[0][8]) && char.IsAsciiLetterOrDigit(parts[0][9]) &&
            parts[1].All(char.IsAsciiHexDigit) && parts[2].All(char.IsAsciiHexDigit);
        if (!ok)
        {
            error = $"'{Excerpt(token)}' is not a JA4 fingerprint: after 'ja4:' comes a_b_c, a being 10 characters such as t13d1516h2 " +
                "(transport t, q or d; version; d or i; cipher and extension counts; ALPN), b and c 12 hex digits each";
            return false;
        }
        normal = Ja4Prefix + parts[0][..8].ToLowerInvariant() + parts[0][8..] + "_" + parts[1].ToLowerInvariant() + "_" + parts[2].ToLowerInvariant();
        return true;
    }

    private static bool LooksNumeric(string token) => token.Length > 0 && token.All(c => char.IsAsciiDigit(c) || c == '.');

    private static string Excerpt(string text) => text.Length <= 60 ? text : text[..60] + "…";

    /// <summary>Only the usual forms: four decimal parts for IPv4 (not "1" or "0x7f.1"), and IPv6 without a zone.</summary>
    internal static bool TryParseAddress(string text, out IPAddress? address)
    {
        address = null;
        if (text.Length == 0 || text.Contains('%')) return false;
        if (text.Contains(':'))
            return IPAddress.TryParse(text, out address) && address.AddressFamily == AddressFamily.InterNetworkV6;
        string[] parts = text.Split('.');
        if (parts.Length != 4) return false;
        foreach (string p in parts)
            if (p.Length is 0 or > 3 || !p.All(char.IsAsciiDigit) || int.Parse(p, CultureInfo.InvariantCulture) > 255) return false;
        return IPAddress.TryParse(text, out address) && address.AddressFamily == AddressFamily.InterNetwork;
    }

    private static bool TryParseRange(string token, out string? normal, out string? error)
    {
        normal = null;
        error = null;
        int slash = token.IndexOf('/');
        string addressText = token[..slash], prefixText = token[(slash + 1)..];
        if (!TryParseAddress(addressText, out var address))
        {
            error = $"'{Excerpt(token)}' is not a valid CIDR range: '{Excerpt(addressText)}' is not an IPv4 or IPv6 address";
            return false;
        }
        int max = address!.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (prefixText.Length is 0 or > 3 || !prefixText.All(char.IsAsciiDigit) ||
            int.Parse(prefixText, CultureInfo.InvariantCulture) is var prefix && prefix > max)
        {
            error = $"'{Excerpt(token)}' is not a valid CIDR range: the prefix length must be a number from 0 to {max}";
            return false;
        }
        var network = Mask(ToNumber(address), prefix, max);
        normal = FormatNumber(network, max) + "/" + prefix.ToString(CultureInfo.InvariantCulture);
        return true;
    }

    private static bool TryParseDomain(string token, out string? domain, out string? error)
    {
        domain = null;
        error = null;
        string d = token.ToLowerInvariant();
        if (d.StartsWith("*.", StringComparison.Ordinal)) d = d[2..];
        else if (d.StartsWith('.')) d = d[1..];
        if (d.EndsWith('.')) d = d[..^1];
        if (d.Length is 0 or > 253)
        {
            error = $"'{Excerpt(token)}' is not a domain (empty or longer than 253 characters)";
            return false;
        }
        foreach (string label in d.Split('.'))
        {
            if (label.Length is 0 or > 63 || !label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                error = $"'{Excerpt(token)}' is not a domain, address or CIDR range (a domain is labels of 1 to 63 letters, digits, '-' or '_', joined by dots)";
                return false;
            }
        }
        domain = d;
        return true;
    }

    private void AddEntry(WatchlistEntry entry)
    {
        Count++;
        switch (entry.Kind)
        {
            case WatchlistEntryKind.Domain:
                AddTo(_domains, entry.Text, entry);
                break;
            case WatchlistEntryKind.Ja3 or WatchlistEntryKind.Ja4:
                AddTo(_fingerprints, entry.Text, entry);
                break;
            default:
            {
                string text = entry.Kind == WatchlistEntryKind.Address ? entry.Text : entry.Text[..entry.Text.IndexOf('/')];
                var address = IPAddress.Parse(text);
                bool v4 = address.AddressFamily == AddressFamily.InterNetwork;
                int max = v4 ? 32 : 128;
                int prefix = entry.Kind == WatchlistEntryKind.Address ? max : int.Parse(entry.Text[(entry.Text.IndexOf('/') + 1)..], CultureInfo.InvariantCulture);
                AddTo(v4 ? _v4 : _v6, (prefix, Mask(ToNumber(address), prefix, max)), entry);
                break;
            }
        }
    }

    private static void AddTo<TKey>(Dictionary<TKey, List<WatchlistEntry>> map, TKey key, WatchlistEntry entry) where TKey : notnull
    {
        if (!map.TryGetValue(key, out var list)) map[key] = list = [];
        list.Add(entry);
    }

    private void Seal()
    {
        _v4Prefixes = _v4.Keys.Select(k => k.Prefix).Distinct().Order().ToArray();
        _v6Prefixes = _v6.Keys.Select(k => k.Prefix).Distinct().Order().ToArray();
    }

    /// <summary>Merges several lists (each already parsed) into one.</summary>
    public static Watchlist Combine(IEnumerable<Watchlist> lists)
    {
        var all = new Watchlist();
        foreach (var l in lists)
        {
            foreach (var kv in l._domains) foreach (var e in kv.Value) all.AddEntry(e);
            foreach (var kv in l._fingerprints) foreach (var e in kv.Value) all.AddEntry(e);
            foreach (var kv in l._v4) foreach (var e in kv.Value) all.AddEntry(e);
            foreach (var kv in l._v6) foreach (var e in kv.Value) all.AddEntry(e);
            all._problems.AddRange(l._problems);
        }
        all.Seal();
        return all;
    }

    /// <summary>Entries a query name or registered domain matches: the domain itself and every parent domain listed.</summary>
    internal void MatchName(string name, List<WatchlistEntry> matches)
    {
        if (_domains.Count == 0 || name.Length == 0) return;
        string n = name.EndsWith('.') ? name[..^1] : name;
        int start = 0;
        while (true)
        {
            var suffix = n.AsSpan(start);
            var lookup = _domains.GetAlternateLookup<ReadOnlySpan<char>>();
            if (lookup.TryGetValue(suffix, out var hits)) matches.AddRange(hits);
            int dot = n.IndexOf('.', start);
            if (dot < 0) return;
            start = dot + 1;
        }
    }

    /// <summary>Entries a client fingerprint matches: the <c>ja3:</c> or <c>ja4:</c> entry of the same text (compared as written,
    /// the analyses print JA3 and JA4 in their normal form).</summary>
    internal void MatchFingerprint(IndicatorKind kind, string fingerprint, List<WatchlistEntry> matches)
    {
        if (_fingerprints.Count == 0 || fingerprint.Length == 0) return;
        string? prefix = kind switch { IndicatorKind.Ja3 => Ja3Prefix, IndicatorKind.Ja4 => Ja4Prefix, _ => null };
        if (prefix is not null && _fingerprints.TryGetValue(prefix + fingerprint, out var hits)) matches.AddRange(hits);
    }

    /// <summary>Entries an address (canonical text, as the analyses print it) matches: equal addresses and containing ranges.</summary>
    internal void MatchAddress(string addressText, List<WatchlistEntry> matches)
    {
        if ((_v4.Count == 0 && _v6.Count == 0) || !IPAddress.TryParse(addressText, out var address)) return;
        bool v4 = address.AddressFamily == AddressFamily.InterNetwork;
        var map = v4 ? _v4 : _v6;
        if (map.Count == 0) return;
        int max = v4 ? 32 : 128;
        var number = ToNumber(address);
        foreach (int prefix in v4 ? _v4Prefixes : _v6Prefixes)
            if (map.TryGetValue((prefix, Mask(number, prefix, max)), out var hits)) matches.AddRange(hits);
    }

    private static UInt128 ToNumber(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int written);
        return written == 4 ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    private static UInt128 Mask(UInt128 value, int prefix, int max) =>
        prefix == 0 ? UInt128.Zero : value & (UInt128.MaxValue << (max - prefix)) & (max == 32 ? (UInt128)uint.MaxValue : UInt128.MaxValue);

    private static string FormatNumber(UInt128 value, int max) =>
        max == 32 ? IpAddressFormat.Ipv4((uint)value) : IpAddressFormat.Ipv6(value);

    internal static string Canonical(IPAddress address) =>
        FormatNumber(ToNumber(address), address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
}

/// <summary>Finds tonight's watchlist hits: every source address, query name, registered domain, server name (TLS, QUIC,
/// HTTP) and JA3/JA4 client fingerprint of every capture.</summary>
internal static class WatchlistMatcher
{
    public static IReadOnlyList<WatchlistHit> Match(Watchlist watchlist, RunResult run)
    {
        ArgumentNullException.ThrowIfNull(watchlist);
        ArgumentNullException.ThrowIfNull(run);
        var hits = new Dictionary<(IndicatorKind, string, WatchlistEntry), (long Count, List<IndicatorSighting> Captures)>();
        var matches = new List<WatchlistEntry>();
        if (watchlist.Count == 0) return [];
        foreach (var capture in run.Captures)
        {
            var sighting = new IndicatorSighting(capture.Id, capture.Summary.FirstPacketEpochNanos);
            void Add(IndicatorKind kind, string value, long count)
            {
                foreach (var entry in matches)
                {
                    var key = (kind, value, entry);
                    if (!hits.TryGetValue(key, out var hit)) hit = (0, []);
                    if (hit.Captures.Count == 0 || hit.Captures[^1].CaptureId != capture.Id) hit.Captures.Add(sighting);
                    hits[key] = (hit.Count + count, hit.Captures);
                }
            }
            foreach (var (kind, value, count, _) in Indicators.Of(capture))
            {
                matches.Clear();
                if (kind == IndicatorKind.Address) watchlist.MatchAddress(value, matches);
                else if (kind == IndicatorKind.Ja4) watchlist.MatchFingerprint(kind, value, matches);
                else watchlist.MatchName(value, matches);
                Add(kind, value, count);
            }
            foreach (var (ja3, hellos) in Indicators.Ja3Of(capture))
            {
                matches.Clear();
                watchlist.MatchFingerprint(IndicatorKind.Ja3, ja3, matches);
                Add(IndicatorKind.Ja3, ja3, hellos);
            }
        }
        return hits
            .Select(h => new WatchlistHit(h.Key.Item1, h.Key.Item2, h.Key.Item3.Text, h.Key.Item3.Label, h.Key.Item3.List, h.Key.Item3.Line, h.Value.Count, h.Value.Captures))
            .OrderBy(h => h.Kind).ThenBy(h => h.Value, StringComparer.Ordinal).ThenBy(h => h.List, StringComparer.Ordinal).ThenBy(h => h.Line)
            .ToList();
    }
}
