using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using PcapViz.Generator;

namespace PcapViz.Tests;

/// <summary>
/// `pcapviz slice` (issue 26) over a hand-built capture whose flows are known: which packets each indicator selects
/// (worked out here from how the capture was built), the hash check before reading, a pseudonymised bundle, the time
/// window, the size bound, a truncated capture, and tshark and tcpdump reading every slice.
/// </summary>
public sealed class SliceCommandTests : IDisposable
{
    private const long T0 = 1_709_251_200_000_000_000; // 2024-03-01T00:00:00Z
    private const long Ms = 1_000_000;
    private readonly TempDir _t = new();

    public void Dispose() => _t.Dispose();

    /// <summary>
    /// a.pcap, packet by packet (1-based): 1 DNS query for www.evil.example (10.0.0.1:5000 → 10.0.0.53:53);
    /// 2 DNS response to it; 3-5 TCP 10.0.0.1:40000 ↔ 203.0.113.7:80, SYN, SYN-ACK, then a request with
    /// "Host: WWW.Evil.Example:8080"; 6 UDP 10.0.0.2 → 10.0.0.3; 7-8 ICMP echo request and reply
    /// 10.0.0.1 ↔ 198.51.100.1; 9 TCP 10.0.0.9:3000 → 203.0.113.8:443; 10 DNS query for notevil.example.
    /// Packet i is at T0 + i ms.
    /// </summary>
    internal static void Scenario(string path)
    {
        byte[] query = new DnsMessageBuilder { Id = 7 }.Question("www.evil.example").Build();
        byte[] answer = new DnsMessageBuilder { Id = 7, IsResponse = true }.Question("www.evil.example")
            .Answer("www.evil.example", System.Net.IPAddress.Parse("203.0.113.7")).Build();
        byte[] request = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: WWW.Evil.Example:8080\r\n\r\n");
        byte[][] frames =
        [
            new FrameBuilder().Ethernet().IPv4("10.0.0.1", "10.0.0.53").Udp(5000, 53).Payload(query).Build(),
            new FrameBuilder().Ethernet().IPv4("10.0.0.53", "10.0.0.1").Udp(53, 5000).Payload(answer).Build(),
            new FrameBuilder().Ethernet().IPv4("10.0.0.1", "203.0.113.7").Tcp(40000, 80, seq: 100, flags: TcpFlags.Syn).Build(),
            new FrameBuilder().Ethernet().IPv4("203.0.113.7", "10.0.0.1").Tcp(80, 40000, seq: 900, ack: 101, flags: TcpFlags.Syn | TcpFlags.Ack).Build(),
            new FrameBuilder().Ethernet().IPv4("10.0.0.1", "203.0.113.7").Tcp(40000, 80, seq: 101, ack: 901, flags: TcpFlags.Ack | TcpFlags.Psh).Payload(request).Build(),
            new FrameBuilder().Ethernet().IPv4("10.0.0.2", "10.0.0.3").Udp(1000, 2000).Payload(new byte[8]).Build(),
            new FrameBuilder().Ethernet().IPv4("10.0.0.1", "198.51.100.1").Icmp(type: 8, identifier: 1, sequence: 1).Build(),
            new FrameBuilder().Ethernet().IPv4("198.51.100.1", "10.0.0.1").Icmp(type: 0, identifier: 1, sequence: 1).Build(),
            new FrameBuilder().Ethernet().IPv4("10.0.0.9", "203.0.113.8").Tcp(3000, 443, seq: 5, flags: TcpFlags.Ack).Payload(new byte[20]).Build(),
            new FrameBuilder().Ethernet().IPv4("10.0.0.1", "10.0.0.53").Udp(5001, 53).Payload(new DnsMessageBuilder { Id = 8 }.Question("notevil.example").Build()).Build(),
        ];
        using var file = File.Create(path);
        using var w = new PcapWriter(file);
        for (int i = 0; i < frames.Length; i++) w.Write(T0 + (i + 1) * Ms, frames[i]);
    }

    private (string Input, string Bundle) Made(Action<string>? more = null)
    {
        string input = _t.Dir("in");
        Scenario(Path.Combine(input, "a.pcap"));
        Captures.Tiny(Path.Combine(input, "b.pcap"), seed: 2, packets: 50);
        more?.Invoke(input);
        string bundle = _t["bundle"];
        var r = Cli.Run("report", input, "-o", bundle, "--format", "json");
        Assert.True(r.ExitCode is 0 or 2, r.ToString());
        return (input, bundle);
    }

    /// <summary>The slice's packets as tshark reads them: (comment, epoch time, original length, captured length).</summary>
    private static List<(string Comment, string Time, int Length, int Captured)> Tshark(string slice)
    {
        string tshark = Tool("tshark");
        var lines = RunTool(tshark, ["-r", slice, "-T", "fields", "-E", "separator=/t", "-e", "frame.comment", "-e", "frame.time_epoch", "-e", "frame.len", "-e", "frame.cap_len"]);
        return [.. lines.Select(l => l.Split('\t')).Select(f => (f[0], f[1], int.Parse(f[2], CultureInfo.InvariantCulture), int.Parse(f[3], CultureInfo.InvariantCulture)))];
    }

    internal static string Tool(string name)
    {
        string? path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/sbin"]).Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
        TestEnvironment.Require(path is not null, $"{name} is not installed (Debian package {name}).");
        return path!;
    }

    internal static List<string> RunTool(string tool, string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var lines = new List<string>();
        while (p.StandardOutput.ReadLine() is { } line) lines.Add(line);
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{Path.GetFileName(tool)} {string.Join(' ', args)} exited {p.ExitCode}: {stderr.Result}");
        return lines;
    }

    /// <summary>tcpdump reads the slice and prints one line per packet.</summary>
    internal static void AssertTcpdumpReads(string slice, int packets) =>
        Assert.Equal(packets, RunTool(Tool("tcpdump"), ["-n", "-r", slice]).Count(l => l.Length > 0 && !char.IsWhiteSpace(l[0])));

    internal static string SectionComment(string slice)
    {
        var lines = RunTool(Tool("capinfos"), ["-k", slice]);
        return string.Join('\n', lines);
    }

    [Theory]
    [InlineData("evil.example", new[] { 1, 2, 3, 4, 5 })]          // DNS query and answer; the HTTP flow by its Host, SYN included
    [InlineData("EVIL.example.", new[] { 1, 2, 3, 4, 5 })]         // case and a trailing dot do not matter
    [InlineData("www.evil.example", new[] { 1, 2, 3, 4, 5 })]
    [InlineData("notevil.example", new[] { 10 })]                  // a suffix that is not at a label boundary does not match
    [InlineData("198.51.100.1", new[] { 7, 8 })]                   // the echo request and reply are one flow
    [InlineData("203.0.113.0/24", new[] { 3, 4, 5, 9 })]
    [InlineData("1:vMMK9foe/qqIkMOI4tg9zziaq/Y=", new[] { 7, 8 })] // Community ID of the ICMP echo flow (spec algorithm, computed by hand)
    [InlineData("1:sPZYFqnTRrRf2qI81jWUezMImSI=", new[] { 3, 4, 5 })] // ... and of the TCP flow
    public void Slice_Indicator_WritesEveryPacketOfItsFlowsAsCaptured(string indicator, int[] expected)
    {
        var (_, bundle) = Made();
        string slice = _t["s.pcapng"];
        var r = Cli.Run("slice", bundle, "--indicator", indicator, "-o", slice);
        Assert.True(r.ExitCode == 0, r.ToString());
        var packets = Tshark(slice);
        Assert.Equal([.. expected.Select(n => $"a.pcap packet {n}")], packets.Select(p => p.Comment));
        // Timestamps as written: packet n at T0 + n ms, microsecond pcap.
        Assert.Equal([.. expected.Select(n => string.Create(CultureInfo.InvariantCulture, $"1709251200.{n * 1_000_000:D9}"))], packets.Select(p => p.Time));
        Assert.All(packets, p => Assert.Equal(p.Length, p.Captured));
        string comment = SectionComment(slice);
        Assert.Contains("complete: every packet of every matching flow", comment, StringComparison.Ordinal);
        Assert.Contains("source: a.pcap SHA-256 " + Sha256(Path.Combine(_t.Root, "in", "a.pcap")), comment, StringComparison.Ordinal);
        Assert.Contains("source: b.pcap SHA-256 " + Sha256(Path.Combine(_t.Root, "in", "b.pcap")), comment, StringComparison.Ordinal);
        AssertTcpdumpReads(slice, expected.Length);
    }

    private static string Sha256(string path) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));

    [Fact]
    public void Slice_Window_KeepsOnlyPacketsInsideItInBothPasses()
    {
        var (_, bundle) = Made();
        string slice = _t["w.pcapng"];
        // Packets 3..6 lie in [T0+3ms, T0+7ms): the HTTP flow is found by its Host (packet 5) and written from packet 3.
        var r = Cli.Run("slice", bundle, "-i", "evil.example", "--from", "2024-03-01T00:00:00.003Z", "--to", "2024-03-01T01:00:00.007+01:00", "-o", slice);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(["a.pcap packet 3", "a.pcap packet 4", "a.pcap packet 5"], Tshark(slice).Select(p => p.Comment));
    }

    [Fact]
    public void Slice_SizeBound_StopsThereAndSaysSo()
    {
        var (_, bundle) = Made();
        string slice = _t["bound.pcapng"];
        // b.pcap: 50 frames of 46 bytes to 10.255.0.1. An enhanced packet block is 12 (type, two lengths) + 20 (fields) +
        // 48 (data padded) + 24 (comment "b.pcap packet N", 15 or 16 bytes, padded to 16, its 4-byte header and the
        // 4-byte end of options) = 104 bytes: 9 fit in 1024 (936), the tenth would make 1040.
        var r = Cli.Run("slice", bundle, "-i", "10.255.0.1", "--max-slice-bytes", "1024", "-o", slice);
        Assert.True(r.ExitCode == 4, r.ToString());
        Assert.Contains("--max-slice-bytes", r.Stderr, StringComparison.Ordinal);
        Assert.Equal([.. Enumerable.Range(1, 9).Select(n => $"b.pcap packet {n}")], Tshark(slice).Select(p => p.Comment));
        Assert.Contains("INCOMPLETE: the slice reached its size bound of 1024 bytes", SectionComment(slice), StringComparison.Ordinal);
        AssertTcpdumpReads(slice, 9);
    }

    [Fact]
    public void Slice_ChangedCapture_IsAnErrorNamingItAndWritesNothing()
    {
        var (input, bundle) = Made();
        File.AppendAllText(Path.Combine(input, "b.pcap"), "x");
        string slice = _t["changed.pcapng"];
        var r = Cli.Run("slice", bundle, "-i", "10.0.0.1", "-o", slice);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("capture 'b.pcap': SHA-256 is", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("a.pcap", r.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(slice));
        Assert.Empty(Directory.GetFiles(_t.Root, ".changed*"));
    }

    [Fact]
    public void Slice_MissingCapture_IsAnErrorNamingIt()
    {
        var (input, bundle) = Made();
        File.Delete(Path.Combine(input, "a.pcap"));
        var r = Cli.Run("slice", bundle, "-i", "10.0.0.1", "-o", _t["missing.pcapng"]);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("capture 'a.pcap': the capture is not found", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Slice_CapturesMoved_AreFoundUnderTheRootsGivenAfterTheBundle()
    {
        var (input, bundle) = Made();
        string moved = Path.Combine(_t.Root, "moved");
        Directory.Move(input, moved);
        string slice = _t["moved.pcapng"];
        var r = Cli.Run("slice", bundle, moved, "-i", "198.51.100.1", "-o", slice);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(["a.pcap packet 7", "a.pcap packet 8"], Tshark(slice).Select(p => p.Comment));
    }

    [Fact]
    public void Slice_PseudonymisedBundle_IsRefused()
    {
        var (_, bundle) = Made();
        string path = Path.Combine(bundle, "manifest.json");
        var manifest = JsonNode.Parse(File.ReadAllText(path))!;
        manifest["pseudonymisation"] = new JsonObject { ["addresses"] = "crypto-pan" };
        File.WriteAllText(path, manifest.ToJsonString());
        string slice = _t["p.pcapng"];
        var r = Cli.Run("slice", bundle, "-i", "10.0.0.1", "-o", slice);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("pseudonymised bundle", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("Give --pseudonymise KEYFILE", r.Stderr, StringComparison.Ordinal); // the message names the option
        Assert.False(File.Exists(slice));
    }

    [Fact]
    public void Slice_TruncatedCapture_SlicesWhatWasReadAndSaysSo()
    {
        var (_, bundle) = Made(input =>
        {
            // c.pcap: five records of 46 bytes (16-byte record headers); the file ends 10 bytes into the fifth's data.
            string c = Path.Combine(input, "c.pcap");
            Captures.Tiny(c, seed: 4, packets: 5);
            byte[] bytes = File.ReadAllBytes(c);
            File.WriteAllBytes(c, bytes[..(24 + 4 * 62 + 16 + 10)]);
        });
        string slice = _t["t.pcapng"];
        var r = Cli.Run("slice", bundle, "-i", "10.0.0.4", "-o", slice);
        Assert.True(r.ExitCode == 4, r.ToString());
        Assert.Contains("c.pcap: read up to packet 4", r.Stderr, StringComparison.Ordinal);
        Assert.Equal([.. Enumerable.Range(1, 4).Select(n => $"c.pcap packet {n}")], Tshark(slice).Select(p => p.Comment));
        Assert.Contains("INCOMPLETE: c.pcap: read up to packet 4", SectionComment(slice), StringComparison.Ordinal);
        AssertTcpdumpReads(slice, 4);
    }

    [Fact]
    public void Slice_NothingMatched_ExitsThreeAndWritesNoFile()
    {
        var (_, bundle) = Made();
        string slice = _t["none.pcapng"];
        var r = Cli.Run("slice", bundle, "-i", "192.0.2.99", "-o", slice);
        Assert.True(r.ExitCode == 3, r.ToString());
        Assert.Contains("no packet matched", r.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(slice));
    }

    [Theory]
    [InlineData("10.0.0.0/33", "not a CIDR range")]
    [InlineData("1:abc", "Community ID")]
    [InlineData("bad name", "not an address")]
    [InlineData("10", "not an address")]
    public void Slice_BadIndicator_IsAUsageError(string indicator, string expected)
    {
        var r = Cli.Run("slice", _t.Root, "-i", indicator, "-o", _t["x.pcapng"]);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains(expected, r.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2024-03-01T00:00:00")]     // no zone: would depend on the machine
    [InlineData("2024-03-01")]
    [InlineData("yesterday")]
    public void Slice_TimeWithoutZone_IsAUsageError(string time)
    {
        var r = Cli.Run("slice", _t.Root, "-i", "10.0.0.1", "--from", time, "-o", _t["x.pcapng"]);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("--from: '" + time + "' is not an ISO 8601 time", r.Stderr, StringComparison.Ordinal);
    }
}
