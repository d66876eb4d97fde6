using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace PcapViz.Tests;

/// <summary>
/// docs/report-view.md: every figure a reader sees is computed once. On every capture of both shared corpora, the top
/// talker's share, the NXDOMAIN share, the busiest interval and the packet count read from the capture's CSV, its
/// HTML page (tags removed) and its PDF (pdftotext) are the ones this test works out from analysis.json's counts; so is
/// the run's top talker on the index page and in the run PDF.
/// </summary>
public sealed partial class FiguresAgreeTests : IDisposable
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private readonly TempDir _t = new();

    public void Dispose() => _t.Dispose();

    [Fact]
    public void BothCorpora_TopTalkerNxdomainBusiestAndCounts_AgreeAcrossJsonCsvHtmlAndPdf()
    {
        string? corpus = TestEnvironment.SharedDirectory("corpus"), l7 = TestEnvironment.SharedDirectory("corpus-l7");
        TestEnvironment.Require(corpus is not null && l7 is not null, "../shared/corpus and ../shared/corpus-l7 are absent.");
        string bundle = _t["out"];
        var run = Cli.Run("report", corpus, l7, "-o", bundle, "--format", "all", "--timezone", "UTC", "-q", "--fail-on", "never");
        Assert.True(run.ExitCode == 0, run.ToString());

        int captures = 0, withTalker = 0, withNxdomain = 0, withBusiest = 0;
        var disagreements = new List<string>();
        // The run's sources: every capture's, summed by address (no capture reaches the distinct limit here).
        var runSources = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (string dir in Directory.EnumerateDirectories(Path.Combine(bundle, "captures")).Order(StringComparer.Ordinal))
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "analysis.json")));
            var root = json.RootElement;
            if (root.GetProperty("status").GetString() == "failed") continue;
            long packets = root.GetProperty("summary").GetProperty("packets").GetInt64();
            if (packets == 0) continue;
            captures++;
            string html = HtmlText(File.ReadAllText(Path.Combine(dir, "report.html")));
            string pdf = PdfText(Path.Combine(dir, "report.pdf"));
            string name = Path.GetFileName(dir);
            void Expect(bool ok, string what)
            {
                if (!ok) disagreements.Add($"{name}: {what}");
            }

            // Counts: the packets of the capture, in the opening sentence of the page and of the PDF.
            string count = $"{packets.ToString("#,0", Inv)} {(packets == 1 ? "packet" : "packets")} over ";
            Expect(html.Contains(count, StringComparison.Ordinal), $"HTML lacks \"{count}\"");
            Expect(pdf.Contains(count, StringComparison.Ordinal), $"PDF lacks \"{count}\"");

            // The top talker's share: its packets of every source's packets (listed and "other").
            var sources = root.GetProperty("sourceIps");
            Assert.Equal(0, root.GetProperty("limits").GetProperty("sourceIps").GetProperty("otherCount").GetInt64());
            foreach (var e in sources.EnumerateArray())
                runSources[e.GetProperty("address").GetString()!] = runSources.GetValueOrDefault(e.GetProperty("address").GetString()!) + e.GetProperty("packets").GetInt64();
            if (sources.GetArrayLength() > 0)
            {
                withTalker++;
                var top = sources[0];
                string address = top.GetProperty("address").GetString()!;
                long part = top.GetProperty("packets").GetInt64();
                long whole = sources.EnumerateArray().Sum(e => e.GetProperty("packets").GetInt64())
                             + root.GetProperty("limits").GetProperty("sourceIps").GetProperty("otherCount").GetInt64();
                string percent = Percent(part, whole);
                string sentence = $"Top talker: {address}";
                Expect(html.Contains(sentence, StringComparison.Ordinal) && html.Contains($"({percent} of IP packets", StringComparison.Ordinal),
                    $"HTML top talker is not {address} at {percent}");
                Expect(pdf.Contains(sentence, StringComparison.Ordinal) && pdf.Contains($"({percent} of IP packets", StringComparison.Ordinal),
                    $"PDF top talker is not {address} at {percent}");
                string[] row = File.ReadLines(Path.Combine(dir, "source_ips.csv")).Skip(1).First().Split(',');
                string fraction = (part / (double)whole).ToString("0.######", Inv);
                Expect(row[0] == address && row[3] == fraction, $"source_ips.csv's first row is {row[0]} {row[3]}, not {address} {fraction}");
            }

            // The NXDOMAIN share: NXDOMAIN responses of the responses that carry a question.
            var responses = root.GetProperty("dnsResponses");
            long withQuestion = responses.GetProperty("withQuestion").GetInt64();
            if (withQuestion > 0)
            {
                withNxdomain++;
                long nx = responses.GetProperty("responseCodes").TryGetProperty("NXDOMAIN", out var n) ? n.GetInt64() : 0;
                Expect(Math.Abs(responses.GetProperty("nxdomainShare").GetDouble() - nx / (double)withQuestion) < 5e-7, "analysis.json's nxdomainShare");
                string text = $"NXDOMAIN share {Percent(nx, withQuestion)}";
                Expect(html.Contains(text, StringComparison.Ordinal), $"HTML lacks \"{text}\"");
                Expect(pdf.Contains(text, StringComparison.Ordinal), $"PDF lacks \"{text}\"");
            }

            // The busiest interval: the bin with the most IP bytes, the earliest of equal ones.
            var bins = root.GetProperty("traffic").GetProperty("bins").EnumerateArray()
                .Select(b => (Start: b.GetProperty("startEpochSeconds").GetInt64(), Packets: b.GetProperty("packets").GetInt64(), Bytes: b.GetProperty("ipBytes").GetInt64()))
                .ToList();
            var peak = bins.OrderByDescending(b => b.Bytes).ThenBy(b => b.Start).FirstOrDefault();
            if (peak.Bytes > 0)
            {
                withBusiest++;
                string start = DateTimeOffset.FromUnixTimeSeconds(peak.Start).ToString("yyyy-MM-dd HH:mm:ss", Inv) + " +00:00";
                string inPackets = $"{peak.Packets.ToString("#,0", Inv)} {(peak.Packets == 1 ? "packet" : "packets")}";
                Expect(Regex.IsMatch(html, $"Busiest interval: the [^,]+ from {Regex.Escape(start)}, [^,]+ of IP in {Regex.Escape(inPackets)} "),
                    $"HTML busiest interval is not {start} with {inPackets}");
                Expect(Regex.IsMatch(pdf, $"Busiest interval: the [^,]+ from {Regex.Escape(start)}, [^,]+ of IP in {Regex.Escape(inPackets)} "),
                    $"PDF busiest interval is not {start} with {inPackets}");
                Expect(pdf.Contains($"Peak bin {start}: ", StringComparison.Ordinal) && pdf.Contains($", {peak.Packets.ToString("#,0", Inv)} packets, ", StringComparison.Ordinal),
                    $"PDF peak bin is not {start}");
                var csvPeak = File.ReadLines(Path.Combine(dir, "traffic.csv")).Skip(1).Select(l => l.Split(','))
                    .Select(c => (Start: long.Parse(c[1], Inv), Bytes: long.Parse(c[4], Inv))).OrderByDescending(b => b.Bytes).ThenBy(b => b.Start).First();
                Expect(csvPeak.Start == peak.Start && csvPeak.Bytes == peak.Bytes, "traffic.csv's busiest bin");
            }
        }
        // The run's top talker, on the index page and in the run PDF.
        long runWhole = runSources.Values.Sum();
        var runTop = runSources.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).First();
        string runPercent = $"({Percent(runTop.Value, runWhole)} of IP packets";
        string index = HtmlText(File.ReadAllText(Path.Combine(bundle, "index.html")));
        string runPdf = PdfText(Path.Combine(bundle, "report.pdf"));
        Assert.Contains($"Top talker: {runTop.Key}", index, StringComparison.Ordinal);
        Assert.Contains(runPercent, index, StringComparison.Ordinal);
        Assert.Contains($"Top talker: {runTop.Key}", runPdf, StringComparison.Ordinal);
        Assert.Contains(runPercent, runPdf, StringComparison.Ordinal);

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{captures} captures with packets: top talker compared in {withTalker}, NXDOMAIN share in {withNxdomain}, busiest interval in {withBusiest}.");
        Assert.True(captures > 80 && withTalker > 80 && withNxdomain >= 15 && withBusiest > 80,
            $"too few figures compared: {captures} captures, {withTalker} talkers, {withNxdomain} NXDOMAIN shares, {withBusiest} busiest intervals");
        Assert.True(disagreements.Count == 0, string.Join('\n', disagreements.Take(40)));
    }

    /// <summary>"12.34 %", "100 %" for the whole: worked out here, not by the tool's formatter.</summary>
    private static string Percent(long part, long whole) =>
        part == whole ? "100 %" : Math.Round(100m * part / whole, 2, MidpointRounding.AwayFromZero).ToString("0.00", Inv) + " %";

    private static string HtmlText(string html)
    {
        string body = ScriptOrStyle().Replace(html, " ");
        return Collapse(WebUtility.HtmlDecode(Tag().Replace(body, " ")));
    }

    private static string PdfText(string pdf)
    {
        var psi = new ProcessStartInfo("pdftotext", ["-enc", "UTF-8", pdf, "-"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, StandardOutputEncoding = System.Text.Encoding.UTF8,
        };
        Process p;
        try
        {
            p = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            TestEnvironment.Require(false, "pdftotext (Debian package poppler-utils; .ci/run installs it) is not installed.");
            throw;
        }
        using (p)
        {
            var stderr = p.StandardError.ReadToEndAsync();
            string text = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"pdftotext {pdf}: exit {p.ExitCode}, {stderr.Result}");
            return Collapse(text);
        }
    }

    private static string Collapse(string text) => Whitespace().Replace(text, " ");

    [GeneratedRegex(@"<(script|style)\b.*?</\1>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex ScriptOrStyle();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tag();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
