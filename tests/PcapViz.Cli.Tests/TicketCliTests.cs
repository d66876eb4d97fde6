using System.Diagnostics;
using System.Security.Cryptography;

namespace PcapViz.Tests;

/// <summary>
/// Issue 26, the one-page ticket summary, end to end: ticket.pdf whenever PDFs are written, per capture on request,
/// listed in the manifest, one page (read back by poppler), the same bytes on every run, and what it says about signing.
/// </summary>
public sealed class TicketCliTests : IDisposable
{
    private readonly TempDir _t = new();

    public void Dispose() => _t.Dispose();

    /// <summary>a.pcap: 3 packets from 10.0.0.1; b.pcap: 2 packets from 10.0.0.2.</summary>
    private string Inputs()
    {
        string input = _t.Dir("in");
        if (!File.Exists(Path.Combine(input, "a.pcap")))
        {
            Captures.Tiny(Path.Combine(input, "a.pcap"), seed: 1, packets: 3);
            Captures.Tiny(Path.Combine(input, "b.pcap"), seed: 2, packets: 2);
        }
        return input;
    }

    [Fact]
    public void Report_DefaultFormats_WritesAOnePageTicketTheManifestLists()
    {
        var r = Cli.Run("report", Inputs(), "-o", _t["out"], "-q");
        Assert.True(r.ExitCode == 0, r.ToString());

        string ticket = Path.Combine(_t["out"], "ticket.pdf");
        Assert.Equal(1, Pages(ticket));
        string text = Text(ticket);
        Assert.Contains("Run of 2 captures", text);
        Assert.Contains("10.0.0.1 3 60.00 %", text); // the top talker: 3 of the 5 packets
        Assert.Contains("not signed", text);
        var listed = Bundle.Manifest(_t["out"]).GetProperty("outputs").EnumerateArray().Single(o => o.GetProperty("path").GetString() == "ticket.pdf");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(ticket))), listed.GetProperty("sha256").GetString());
        Assert.Empty(Directory.GetFiles(Path.Combine(_t["out"], "captures"), "ticket.pdf", SearchOption.AllDirectories));
    }

    [Fact]
    public void Report_TwoRuns_ByteIdenticalTickets()
    {
        string input = Inputs();
        Assert.Equal(0, Cli.Run("report", input, "-o", _t["one"], "-q", "--ticket-per-capture").ExitCode);
        Assert.Equal(0, Cli.Run("report", input, "-o", _t["two"], "-q", "--ticket-per-capture", "--jobs", "1").ExitCode);
        var one = Bundle.Snapshot(_t["one"]);
        var two = Bundle.Snapshot(_t["two"]);
        var tickets = one.Keys.Where(k => k.EndsWith("ticket.pdf", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, tickets.Count);
        Bundle.AssertIdentical(one, two, k => k.EndsWith("ticket.pdf", StringComparison.Ordinal));
    }

    [Fact]
    public void Report_TicketPerCapture_OnePageBesideEachCapturesReportPdf()
    {
        var r = Cli.Run("report", Inputs(), "-o", _t["out"], "-q", "--ticket-per-capture");
        Assert.True(r.ExitCode == 0, r.ToString());

        var reports = Directory.GetFiles(Path.Combine(_t["out"], "captures"), "report.pdf", SearchOption.AllDirectories);
        Assert.Equal(2, reports.Length);
        foreach (string report in reports)
        {
            string ticket = Path.Combine(Path.GetDirectoryName(report)!, "ticket.pdf");
            Assert.Equal(1, Pages(ticket));
        }
        string a = Text(Path.Combine(Path.GetDirectoryName(reports.Single(p => p.Contains("/a-pcap", StringComparison.Ordinal)))!, "ticket.pdf"));
        Assert.Contains("Capture a.pcap", a);
        Assert.Contains("10.0.0.1 3 100 %", a);
        Assert.DoesNotContain("10.0.0.2", a);
        Assert.Equal("true", Bundle.Manifest(_t["out"]).GetProperty("options").GetProperty("ticketPerCapture").GetString());
    }

    [Fact]
    public void Report_SignedManifest_TicketSaysSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        File.WriteAllText(_t["key.pem"], key.ExportECPrivateKeyPem());
        var r = Cli.Run("report", Inputs(), "-o", _t["out"], "-q", "--sign-key", _t["key.pem"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("signed (manifest.json.sig, ECDSA P-256)", Text(Path.Combine(_t["out"], "ticket.pdf")));
    }

    [Fact]
    public void Report_IncrementalAfterASignedRun_UnsignedTicketsNotCarriedOver()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        File.WriteAllText(_t["key.pem"], key.ExportECPrivateKeyPem());
        string input = Inputs();
        var signed = Cli.Run("report", input, "-o", _t["out"], "-q", "--incremental", "--ticket-per-capture", "--sign-key", _t["key.pem"]);
        Assert.True(signed.ExitCode == 0, signed.ToString());
        var unsigned = Cli.Run("report", input, "-o", _t["out"], "-q", "--incremental", "--ticket-per-capture");
        Assert.True(unsigned.ExitCode == 0, unsigned.ToString());

        Assert.True(Bundle.ReusedByPath(_t["out"]).Values.All(reused => reused), "the captures' analyses are reused");
        var tickets = Directory.GetFiles(_t["out"], "ticket.pdf", SearchOption.AllDirectories);
        Assert.Equal(3, tickets.Length);
        Assert.All(tickets, t => Assert.Contains("Manifest not signed", Text(t)));
    }

    [Theory]
    [InlineData("json,csv")]
    [InlineData("stix")]
    public void Report_NoPdfFormat_NoTicket(string formats)
    {
        var r = Cli.Run("report", Inputs(), "-o", _t["out"], "-q", "--format", formats);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.False(File.Exists(Path.Combine(_t["out"], "ticket.pdf")));
    }

    [Fact]
    public void Report_TicketPerCaptureWithoutPdf_UsageError()
    {
        var r = Cli.Run("report", Inputs(), "-o", _t["out"], "--format", "json", "--ticket-per-capture");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--ticket-per-capture: the tickets are PDFs", r.Stderr, StringComparison.Ordinal);
    }

    private static int Pages(string pdf)
    {
        var match = System.Text.RegularExpressions.Regex.Match(Poppler("pdfinfo", pdf), @"(?m)^Pages:\s+(\d+)$");
        Assert.True(match.Success, "pdfinfo printed no page count");
        return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The page's text as poppler lays it out, runs of white space made one.</summary>
    private static string Text(string pdf) => string.Join(' ',
        Poppler("pdftotext", "-layout", "-enc", "UTF-8", pdf, "-").Split((char[])[' ', '\n', '\r', '\f'], StringSplitOptions.RemoveEmptyEntries));

    private static string Poppler(string tool, params string[] args)
    {
        string? exe = (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
        TestEnvironment.Require(exe is not null, $"{tool} (Debian package poppler-utils; .ci/run installs it) is not installed.");
        var psi = new ProcessStartInfo(exe, args) { RedirectStandardOutput = true, RedirectStandardError = true, StandardOutputEncoding = System.Text.Encoding.UTF8 };
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0 && stderr.Result.Length == 0, $"{tool} {string.Join(' ', args)}: exit {p.ExitCode}, {stderr.Result}");
        return stdout;
    }
}
