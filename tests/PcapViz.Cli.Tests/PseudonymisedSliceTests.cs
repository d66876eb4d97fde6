using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace PcapViz.Tests;

/// <summary>
/// `pcapviz slice --pseudonymise KEYFILE` (docs/output.md, "Slices of a pseudonymised bundle"): the indicators are the
/// bundle's pseudonyms and select the packets the same flows hold; every packet is written with the bundle's pseudonyms
/// in place of its addresses (the ones the bundle shows for the flow), checksums kept right (as tshark verifies them),
/// no original global address or label below the public suffix left in the slice; the key checked against the
/// manifest. Part of <see cref="PseudonymisationTests"/> for its no-leak helpers.
/// </summary>
public sealed partial class PseudonymisationTests
{
    private static List<string> Tshark(params string[] args) => SliceCommandTests.RunTool(SliceCommandTests.Tool("tshark"), args);

    /// <summary>The Scenario capture of <see cref="SliceCommandTests"/> (its flows are known) and a tiny second one, with a pseudonymised bundle of them.</summary>
    private (string Input, string Bundle, string Key) PseudonymisedScenario()
    {
        string input = _t.Dir("in");
        SliceCommandTests.Scenario(Path.Combine(input, "a.pcap"));
        Captures.Tiny(Path.Combine(input, "b.pcap"), seed: 2, packets: 50);
        string bundle = _t["pbundle"], key = Key();
        var r = Cli.Run("report", input, "-o", bundle, "--format", "json", "--pseudonymise", key, "-q");
        Assert.True(r.ExitCode is 0 or 2, r.ToString());
        return (input, bundle, key);
    }

    private static JsonElement Analysis(string bundle, string capturePrefix)
    {
        string dir = Assert.Single(Directory.GetDirectories(Path.Combine(bundle, "captures"), capturePrefix + "*"));
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "analysis.json")));
        return doc.RootElement.Clone();
    }

    /// <summary>Each packet of a slice: its comment and its IP source and destination as tshark reads them.</summary>
    private static List<(string Comment, string Source, string Destination)> Packets(string slice) =>
        [.. Tshark("-r", slice, "-T", "fields", "-E", "separator=/t", "-e", "frame.comment", "-e", "ip.src", "-e", "ip.dst")
            .Select(l => l.Split('\t')).Select(f => (f[0], f[1], f[2]))];

    [Fact]
    public void Slice_PseudonymisedBundle_IndicatorsAreItsPseudonyms_PacketsCarryThePseudonymsItShows()
    {
        var (_, bundle, key) = PseudonymisedScenario();
        var a = Analysis(bundle, "a-pcap");
        // The HTTP flow 10.0.0.1:40000 <-> 203.0.113.7:80 (packets 3-5) as the bundle shows it.
        var http = a.GetProperty("conversations").EnumerateArray().Single(c => c.GetProperty("protocolNumber").GetInt32() == 6 &&
            new[] { c.GetProperty("portA").GetInt32(), c.GetProperty("portB").GetInt32() }.Order().SequenceEqual([80, 40000]));
        string[] shown = [http.GetProperty("addressA").GetString()!, http.GetProperty("addressB").GetString()!];
        Assert.DoesNotContain("10.0.0.1", shown);
        string server = shown.Single(s => s.StartsWith("203.0.113.", StringComparison.Ordinal)); // TEST-NET-3 keeps its block
        Assert.NotEqual("203.0.113.7", server);
        string client = shown.Single(s => s != server);
        string registered = a.GetProperty("dnsQueries").EnumerateArray().Single(q => q.GetProperty("name").GetString()!.Split('.').Length == 3)
            .GetProperty("registeredDomain").GetString()!;
        Assert.EndsWith(".example", registered, StringComparison.Ordinal);
        Assert.NotEqual("evil.example", registered);

        var cases = new (string Indicator, int[] Packets)[]
        {
            (http.GetProperty("communityId").GetString()!, [3, 4, 5]), // the Community ID of the pseudonymised flow
            (a.GetProperty("conversations").EnumerateArray().Single(c => c.GetProperty("protocolNumber").GetInt32() == 1)
                .GetProperty("communityId").GetString()!, [7, 8]), // ... and of the ICMP echo, request and reply paired
            (server, [3, 4, 5]),
            ("203.0.113.0/24", [3, 4, 5, 9]),
            (registered, [1, 2, 3, 4, 5]), // DNS query and answer, and the HTTP flow by its Host header, all by name pseudonym
        };
        foreach (var (indicator, expected, n) in cases.Select((c, n) => (c.Indicator, c.Packets, n)))
        {
            string slice = _t[$"s{n}.pcapng"];
            var r = Cli.Run("slice", bundle, "--pseudonymise", key, "-i", indicator, "-o", slice);
            Assert.True(r.ExitCode == 0, indicator + ": " + r);
            var packets = Packets(slice);
            Assert.Equal([.. expected.Select(n => $"a.pcap packet {n}")], packets.Select(p => p.Comment));
            foreach (var p in packets.Where(p => p.Comment is "a.pcap packet 3" or "a.pcap packet 4" or "a.pcap packet 5"))
                Assert.Equal(new[] { client, server }, new[] { p.Source, p.Destination }.OrderBy(x => x == server).ToArray());
            SliceCommandTests.AssertTcpdumpReads(slice, expected.Length);
            string comment = SliceCommandTests.SectionComment(slice);
            Assert.Contains("pseudonymised: every IPv4/IPv6 address rewritten", comment, StringComparison.Ordinal);
            foreach (string original in new[] { "10.0.0.1", "203.0.113.7", "evil", "10.0.0.53" })
                Assert.DoesNotContain(original, comment, StringComparison.Ordinal);
            // The HTTP request's Host header and the DNS names are past the transport header: removed.
            Assert.DoesNotContain("evil", Encoding.Latin1.GetString(File.ReadAllBytes(slice)), StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void Slice_PseudonymisedBundle_WithoutTheKey_WithAnotherKey_OrAKeyForAPlainBundle_IsRefused()
    {
        var (input, bundle, _) = PseudonymisedScenario();
        string slice = _t["refused.pcapng"];
        var without = Cli.Run("slice", bundle, "-i", "203.0.113.0/24", "-o", slice);
        Assert.Equal(1, without.ExitCode);
        Assert.Contains("describes a pseudonymised bundle", without.Stderr, StringComparison.Ordinal);
        Assert.Contains("Give --pseudonymise KEYFILE with the key it was made with", without.Stderr, StringComparison.Ordinal);

        var other = Cli.Run("slice", bundle, "--pseudonymise", Key("other", seed: 2), "-i", "203.0.113.0/24", "-o", slice);
        Assert.Equal(1, other.ExitCode);
        Assert.Contains("--pseudonymise: the key file is not the key", other.Stderr, StringComparison.Ordinal);

        string plain = _t["plain"];
        Assert.Equal(0, Cli.Run("report", input, "-o", plain, "--format", "json", "-q").ExitCode);
        var keyForPlain = Cli.Run("slice", plain, "--pseudonymise", Key(), "-i", "203.0.113.0/24", "-o", slice);
        Assert.Equal(1, keyForPlain.ExitCode);
        Assert.Contains("describes a bundle that is not pseudonymised", keyForPlain.Stderr, StringComparison.Ordinal);

        var keepAlone = Cli.Run("slice", plain, "--keep-payload", "-i", "203.0.113.0/24", "-o", slice);
        Assert.Equal(1, keepAlone.ExitCode);
        Assert.Contains("--keep-payload needs --pseudonymise", keepAlone.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(slice));
    }

    /// <summary>
    /// Both corpora, every packet of every flow (0.0.0.0/0 and ::/0): the pseudonymised slice holds the packets of the
    /// plain one, and no original global address (in any address field tshark decodes: outer, tunnelled and quoted IP
    /// headers, ARP, DNS answers; and as raw bytes for IPv6) and no original label below the public suffix (in the names
    /// tshark decodes, and as raw bytes for labels of 6 characters or more) is in it. With --keep-payload, tshark
    /// verifies every checksum of every packet as it does in the plain slice: good where it was good, bad where it was bad.
    /// </summary>
    [Fact]
    public void Slice_PseudonymisedCorpora_NoOriginalAddressOrLabel_ChecksumsVerifyAsInThePlainSlice()
    {
        string corpus = Shared("corpus"), l7 = Shared("corpus-l7");
        string plain = _t["plain"], bundle = _t["shared"], key = Key();
        Assert.Equal(0, Cli.Run("report", corpus, l7, "-o", plain, "--format", "json", "-q", "--fail-on", "never").ExitCode);
        Assert.Equal(0, Cli.Run("report", corpus, l7, "-o", bundle, "--format", "json", "-q", "--fail-on", "never", "--pseudonymise", key).ExitCode);
        var (addresses, names) = Originals(plain);
        var captureWords = new HashSet<string>(StringComparer.Ordinal);
        foreach (string file in Directory.EnumerateFiles(corpus, "*", SearchOption.AllDirectories).Concat(Directory.EnumerateFiles(l7, "*", SearchOption.AllDirectories)))
            captureWords.UnionWith(Words(file));
        var (labels, _) = LabelsBelowSuffix(names, captureWords, ToolWords());

        string plainSlice = _t["plain.pcapng"], slice = _t["p.pcapng"], kept = _t["kept.pcapng"];
        string[] all = ["-i", "0.0.0.0/0", "-i", "::/0"];
        // Exit 4: two captures of the corpus end early (that is what they test).
        Assert.Equal(4, Cli.Run(["slice", plain, .. all, "-o", plainSlice, "-q"]).ExitCode);
        Assert.Equal(4, Cli.Run(["slice", bundle, .. all, "-o", slice, "-q", "--pseudonymise", key]).ExitCode);
        Assert.Equal(4, Cli.Run(["slice", bundle, .. all, "-o", kept, "-q", "--pseudonymise", key, "--keep-payload"]).ExitCode);

        var comments = Tshark("-r", plainSlice, "-T", "fields", "-e", "frame.comment");
        Assert.True(comments.Count > 100_000, $"{comments.Count} packets");
        Assert.Equal(comments, Tshark("-r", slice, "-T", "fields", "-e", "frame.comment"));

        // Checksums: each packet's statuses (IP, TCP, UDP, ICMP, ICMPv6: good, bad, unverified) as in the plain slice.
        string[] check = ["-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-T", "fields",
            "-e", "ip.checksum.status", "-e", "tcp.checksum.status", "-e", "udp.checksum.status", "-e", "icmp.checksum.status", "-e", "icmpv6.checksum.status"];
        var plainStatus = Tshark(["-r", plainSlice, .. check]);
        Assert.Equal(plainStatus, Tshark(["-r", kept, .. check]));
        int good = plainStatus.Sum(l => l.Split('\t').Count(f => f.Split(',').Contains("1")));
        Assert.True(good > 100_000, $"{good} checksums verified good");

        // No original: in the address and name fields tshark decodes, and in the raw bytes.
        string[] fields = ["-T", "fields", "-E", "separator=/t", "-E", "aggregator=/s", "-e", "ip.addr", "-e", "ipv6.addr", "-e", "arp.src.proto_ipv4",
            "-e", "dns.a", "-e", "dns.aaaa", "-e", "dns.qry.name", "-e", "dns.resp.name", "-e", "http.host", "-e", "tls.handshake.extensions_server_name"];
        string Decoded(string file) => string.Join('\n', Tshark(["-r", file, .. fields])).ToLowerInvariant();
        string plainText = Decoded(plainSlice), text = Decoded(slice);
        byte[] plainBytes = File.ReadAllBytes(plainSlice), bytes = File.ReadAllBytes(slice);
        string plainRaw = Encoding.Latin1.GetString(plainBytes).ToLowerInvariant(), raw = Encoding.Latin1.GetString(bytes).ToLowerInvariant();

        var addressPatterns = addresses.Select(x => (Value: x, Pattern: new Regex(@"(?<![0-9a-f.:])" + Regex.Escape(x.ToLowerInvariant()) + @"(?![0-9a-f:]|\.[0-9])", RegexOptions.CultureInvariant))).ToList();
        var labelPatterns = labels.Select(l => (Value: l, Pattern: new Regex(@"(?<![0-9a-z_-])" + Regex.Escape(l) + @"(?![0-9a-z_-])", RegexOptions.CultureInvariant))).ToList();
        var v6 = addresses.Select(IPAddress.Parse).Where(x => x.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6).Select(x => x.GetAddressBytes()).ToList();
        var longLabels = labelPatterns.Where(l => l.Value.Length >= 6).ToList();

        // The search finds what it looks for: in the plain slice.
        int addressesFound = addressPatterns.Count(p => p.Pattern.IsMatch(plainText));
        int labelsFound = labelPatterns.Count(p => p.Pattern.IsMatch(plainText) || p.Pattern.IsMatch(plainRaw));
        Assert.True(addressesFound > 100 && addressesFound * 10 >= addressPatterns.Count * 9, $"{addressesFound} of {addressPatterns.Count} addresses in the plain slice");
        Assert.True(labelsFound > 50, $"{labelsFound} of {labelPatterns.Count} labels in the plain slice");
        Assert.Contains(v6, x => plainBytes.AsSpan().IndexOf(x) >= 0);

        var leaks = addressPatterns.Where(p => p.Pattern.IsMatch(text)).Select(p => $"address {p.Value}")
            .Concat(labelPatterns.Where(p => p.Pattern.IsMatch(text)).Select(p => $"label {p.Value} (decoded)"))
            .Concat(longLabels.Where(p => p.Pattern.IsMatch(raw)).Select(p => $"label {p.Value} (bytes)"))
            .Concat(v6.Where(x => bytes.AsSpan().IndexOf(x) >= 0).Select(x => $"address {new IPAddress(x)} (bytes)"))
            .ToList();
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"slice no-leak: {comments.Count} packets, {bytes.Length:N0} bytes ({plainBytes.Length:N0} plain); {addressPatterns.Count} addresses ({addressesFound} in the plain slice, {v6.Count} IPv6 also as bytes), {labelPatterns.Count} labels ({labelsFound} in the plain slice, {longLabels.Count} also as bytes); {good} checksums good as in the plain slice"));
        Assert.True(leaks.Count == 0, string.Join('\n', leaks.Take(50)));

        // No original MAC address either, but broadcast and all zeros (kept on purpose).
        HashSet<string> Macs(string file) => [.. Tshark("-r", file, "-T", "fields", "-E", "aggregator=,", "-e", "eth.addr").SelectMany(l => l.Split(','))
            .Where(m => m.Length > 0 && m is not ("ff:ff:ff:ff:ff:ff" or "00:00:00:00:00:00"))];
        var plainMacs = Macs(plainSlice);
        Assert.True(plainMacs.Count > 20, $"{plainMacs.Count} MAC addresses in the plain slice");
        Assert.Empty(plainMacs.Intersect(Macs(slice)));
    }
}
