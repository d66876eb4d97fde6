using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using PcapViz.Model;
using PcapViz.Protocols.Flows;

namespace PcapViz.Analysis;

/// <summary>
/// One line of a <c>--beacon-ignore</c> file: a transport and server port (any server, or the servers of
/// <see cref="Network"/>), or a server address or network alone (any transport and port).
/// </summary>
/// <param name="Protocol">IP protocol number (TCP, UDP or SCTP), or null for any.</param>
/// <param name="Port">Server port, or null for any (only with <see cref="Protocol"/> null).</param>
/// <param name="Network">The servers the line applies to, or null for any.</param>
/// <param name="Text">The line as written, without comment and surrounding blanks.</param>
public sealed record BeaconIgnoreRule(int? Protocol, int? Port, IPNetwork? Network, string Text)
{
    internal bool Matches(int protocol, int port, IPAddress? server) =>
        (Protocol is null || (Protocol == protocol && Port == port)) &&
        (Network is not { } network || (server is not null && network.Contains(server)));
}

/// <summary>A <c>--beacon-ignore</c> file that cannot be used: the message names the file and line.</summary>
public sealed class BeaconIgnoreException(string message) : Exception(message);

/// <summary>
/// The traffic never scored as a beacon (docs/analysis.md, "7. Beacons"): the default list of known regular traffic
/// (<see cref="IgnoredByDefault"/>, unless <c>--beacon-ignore-defaults off</c>) and the lines of a user's
/// <c>--beacon-ignore</c> file. Part of the analysis options: a change re-analyses a cached capture.
/// </summary>
public sealed class BeaconIgnoreList
{
    /// <summary>Lines a file may hold at most (each pair not yet ignored is checked against every line).</summary>
    public const int MaxRules = 1000;

    /// <summary>Bytes a file may hold at most.</summary>
    public const long MaxFileBytes = 1 << 20;

    private BeaconIgnoreList(bool defaults, IReadOnlyList<BeaconIgnoreRule> rules)
    {
        Defaults = defaults;
        Rules = rules;
        // The options key and the manifest's value: the defaults' state and a digest of the lines as parsed.
        string canonical = string.Join('\n', rules.Select(r => r.Text));
        Key = rules.Count == 0
            ? $"defaults={(defaults ? "on" : "off")}"
            : $"defaults={(defaults ? "on" : "off")};rules={rules.Count};sha256={Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
    }

    /// <summary>The default list alone (what a run without the options uses).</summary>
    public static BeaconIgnoreList Default { get; } = new(true, []);

    internal bool Defaults { get; }

    internal IReadOnlyList<BeaconIgnoreRule> Rules { get; }

    /// <summary>One line for the options key and the manifest; <c>defaults=on</c> for <see cref="Default"/>.</summary>
    public string Key { get; }

    /// <summary>True for the list a run uses without either option (the defaults, no file): the manifest then records no <c>beaconIgnore</c> option.</summary>
    public bool IsDefault => Defaults && Rules.Count == 0;

    /// <summary>The list with <paramref name="defaults"/> and the user's <paramref name="rules"/>.</summary>
    public static BeaconIgnoreList Of(bool defaults, IReadOnlyList<BeaconIgnoreRule> rules) =>
        defaults && rules.Count == 0 ? Default : new BeaconIgnoreList(defaults, [.. rules]);

    /// <summary>
    /// The default list of regular traffic never scored: NTP (udp 123), mDNS (udp 5353), SSDP (udp 1900), LLMNR (udp
    /// 5355), NetBIOS name and datagram (udp 137, 138), DHCP (udp 67, 68; udp 546, 547) and DNS (udp or tcp 53) to a
    /// server that is not a public address (the local resolver). DNS to a public address is scored: regular lookups
    /// straight to a resolver on the internet are worth a look.
    /// </summary>
    public static bool IgnoredByDefault(int protocol, int serverPort, string serverClass) =>
        (protocol == CommunityId.Udp && serverPort is 123 or 5353 or 1900 or 5355 or 137 or 138 or 67 or 68 or 546 or 547) ||
        (serverPort == 53 && protocol is CommunityId.Udp or CommunityId.Tcp && serverClass != "public");

    /// <summary>True when a pair to <paramref name="server"/> (canonical text) is not scored.</summary>
    public bool Ignores(int protocol, int serverPort, string server, string serverClass)
    {
        if (Defaults && IgnoredByDefault(protocol, serverPort, serverClass)) return true;
        if (Rules.Count == 0) return false;
        var address = IPAddress.TryParse(server, out var parsed) ? parsed : null;
        foreach (var rule in Rules)
            if (rule.Matches(protocol, serverPort, address)) return true;
        return false;
    }

    /// <summary>
    /// Reads a <c>--beacon-ignore</c> file: one rule a line, <c>#</c> starts a comment, blank lines are skipped. A rule is
    /// <c>transport/port</c> (tcp, udp or sctp; port 0..65535), <c>transport/port@server</c> or a server alone, where a
    /// server is an address or a network in CIDR form (<c>10.0.0.0/8</c>, <c>2001:db8::/32</c>). Throws
    /// <see cref="BeaconIgnoreException"/> naming the file and the first bad line.
    /// </summary>
    public static BeaconIgnoreList Load(string path, bool defaults)
    {
        string display = Terminal.Safe(path);
        string text;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            // Never trust the length the file system reports: read at most one byte past the limit.
            var buffer = new byte[MaxFileBytes + 1];
            int total = 0, read;
            while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0) total += read;
            if (total > MaxFileBytes) throw new BeaconIgnoreException($"'{display}' is larger than {MaxFileBytes.ToString(CultureInfo.InvariantCulture)} bytes.");
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer, 0, total);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BeaconIgnoreException($"'{display}' cannot be read: {Terminal.Safe(ex.Message)}");
        }
        catch (DecoderFallbackException)
        {
            throw new BeaconIgnoreException($"'{display}' is not UTF-8 text.");
        }
        return Of(defaults, Parse(text, display));
    }

    /// <summary>The rules of a file's <paramref name="text"/> (<see cref="Load"/>); <paramref name="name"/> names it in errors.</summary>
    public static IReadOnlyList<BeaconIgnoreRule> Parse(string text, string name)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rules = new List<BeaconIgnoreRule>();
        int number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            string line = raw;
            int hash = line.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0) line = line[..hash];
            line = line.Trim();
            if (line.Length == 0) continue;
            if (ParseRule(line) is not { } rule)
                throw new BeaconIgnoreException(
                    $"{name}, line {number.ToString(CultureInfo.InvariantCulture)}: '{Terminal.Safe(Shorten(line))}' is not a rule " +
                    "(transport/port, transport/port@address-or-network, or address-or-network; transport tcp, udp or sctp).");
            if (rules.Count == MaxRules)
                throw new BeaconIgnoreException($"{name}, line {number.ToString(CultureInfo.InvariantCulture)}: more than {MaxRules.ToString(CultureInfo.InvariantCulture)} rules.");
            rules.Add(rule);
        }
        return rules;
    }

    private static string Shorten(string line) => line.Length <= 80 ? line : line[..80] + "…";

    private static BeaconIgnoreRule? ParseRule(string line)
    {
        int at = line.IndexOf('@', StringComparison.Ordinal);
        string service = at >= 0 ? line[..at] : line, server = at >= 0 ? line[(at + 1)..] : "";
        int slash = service.IndexOf('/', StringComparison.Ordinal);
        int? protocol = slash < 0 ? null : service[..slash].ToLowerInvariant() switch
        {
            "tcp" => CommunityId.Tcp,
            "udp" => CommunityId.Udp,
            "sctp" => CommunityId.Sctp,
            _ => null,
        };
        if (protocol is null)
        {
            // No transport: the whole line is a server.
            return at < 0 && TryNetwork(line, out var alone) ? new BeaconIgnoreRule(null, null, alone, line) : null;
        }
        string portText = service[(slash + 1)..];
        if (portText.Length is 0 or > 5 || !portText.All(char.IsAsciiDigit)) return null;
        int port = int.Parse(portText, NumberStyles.None, CultureInfo.InvariantCulture);
        if (port > 65535) return null;
        if (at < 0) return new BeaconIgnoreRule(protocol, port, null, line);
        return TryNetwork(server, out var network) ? new BeaconIgnoreRule(protocol, port, network, line) : null;
    }

    private static bool TryNetwork(string text, out IPNetwork network)
    {
        network = default;
        if (text.Length == 0 || text.Any(char.IsWhiteSpace)) return false;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (!TryAddress(slash >= 0 ? text[..slash] : text, out var address)) return false;
        if (slash < 0)
        {
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }
        // A network is written with its base address: 10.0.0.1/8 (bits set under the prefix) is a mistake, not 10.0.0.0/8.
        return IPNetwork.TryParse(text, out network) && address.Equals(network.BaseAddress);
    }

    // IPAddress.TryParse also takes "10", "1.2" or "010.0.0.1" (old inet_aton forms): an IPv4 address in a rule is
    // written in full, as PcapViz prints it.
    private static bool TryAddress(string text, out IPAddress address) =>
        IPAddress.TryParse(text, out address!) &&
        (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || address.ToString() == text);
}
