using System.Text.Json;
using PcapViz.Analysis;
using PcapViz.Model;
using PcapViz.Orchestration;
using Xunit;

namespace PcapViz.Protocols.Tests;

/// <summary>
/// The whole application analysis (CaptureAnalyzer, as `report` runs it) against tshark on every capture of
/// ../shared/corpus-l7: server names, ALPN, JA3 and JA3S of TLS and QUIC hellos, and HTTP method, host, path and
/// User-Agent, per capture. The reference (oracle_tshark_l7.py) loses the fields of a frame after one with several
/// values (see <see cref="CorpusL7DifferentialTests"/>): a hello whose JA3 it lost is compared on its server name
/// and first ALPN name only, and JA3S must all be found by ours.
/// </summary>
public sealed class ApplicationAnalysisDifferentialTests
{
    public static TheoryData<string> Files() => CorpusL7.Files();

    [Theory]
    [MemberData(nameof(Files))]
    public void Analysis_CorpusL7File_MatchesTshark(string fileName)
    {
        var (capture, expectedPath) = CorpusL7.Require(fileName);
        using var json = JsonDocument.Parse(File.ReadAllText(expectedPath));
        var expected = json.RootElement;
        var result = CaptureAnalyzer.Analyze(capture, fileName, "c", new AnalysisOptions(), cancellationToken: TestContext.Current.CancellationToken);
        var app = result.Application;
        var output = TestContext.Current.TestOutputHelper;
        var failures = new List<string>();

        void Compare(string field, IEnumerable<string> theirs, IEnumerable<string> mine, bool subset = false)
        {
            var t = theirs.Order(StringComparer.Ordinal).ToList();
            var m = mine.Order(StringComparer.Ordinal).ToList();
            var missing = Except(t, m);
            var extra = Except(m, t);
            bool ok = missing.Count == 0 && (subset || extra.Count == 0);
            output?.WriteLine($"{field}: tshark {t.Count}, ours {m.Count}, {(missing.Count + extra.Count == 0 ? "equal" : ok ? $"reference contained in ours ({extra.Count} more)" : "DIFFERENT")}");
            foreach (string s in missing) output?.WriteLine($"  only tshark: {s}");
            foreach (string s in extra.Take(20)) output?.WriteLine($"  only ours:   {s}");
            if (!ok) failures.Add(field);
        }

        var hellos = expected.GetProperty("client_hellos").EnumerateArray().Select(h => (
            Transport: h.GetProperty("transport").GetString()!, Sni: h.GetProperty("sni").GetString()!,
            Alpn: h.GetProperty("alpn").EnumerateArray().Select(a => a.GetString()!).ToList(), Ja3: h.GetProperty("ja3").GetString()!)).ToList();
        bool split = hellos.Any(h => h.Ja3.Length == 0 && !fileName.Contains("ssl-v2", StringComparison.Ordinal));

        // Server names: one per ClientHello that carries one, by transport.
        Compare("server names", hellos.Where(h => h.Sni.Length > 0).Select(h => $"{(h.Transport == "quic" ? "quic" : "tls")} {h.Sni}"),
            app.ServerNames.Where(e => e.Source != NameSources.Http).SelectMany(e => Enumerable.Repeat($"{e.Source} {e.ServerName}", (int)e.Count)));
        // Hellos: as many as tshark's; JA3 of every hello whose JA3 the reference kept.
        Compare("client hellos", [$"{hellos.Count}"], [$"{app.TlsClients.Sum(c => c.Hellos)}"]);
        Compare("ja3", hellos.Where(h => h.Ja3.Length > 0).Select(h => h.Ja3),
            app.TlsClients.Where(c => c.Ja3.Length > 0).SelectMany(c => Enumerable.Repeat(c.Ja3, (int)c.Hellos)), subset: split);
        Compare("alpn", hellos.SelectMany(h => h.Alpn).Distinct(), app.TlsClients.SelectMany(c => c.Alpn.Items).Distinct(), subset: split);
        Compare("ja3s", expected.GetProperty("server_hellos").EnumerateArray().Select(h => h.GetProperty("ja3s").GetString()!),
            app.TlsServers.SelectMany(s => Enumerable.Repeat(s.Ja3S, (int)s.Hellos)), subset: true);
        Compare("http requests", expected.GetProperty("http_requests").EnumerateArray().Select(h =>
                $"{h.GetProperty("method").GetString()} {h.GetProperty("host").GetString()} {h.GetProperty("uri").GetString()} ua={h.GetProperty("user_agent").GetString()}"),
            app.HttpRequests.SelectMany(r => Enumerable.Repeat($"{r.Method} {r.Host} {r.Path} ua={r.UserAgent}", (int)r.Requests)));
        Compare("certificate dns names", expected.GetProperty("cert_dns_names").EnumerateArray().Select(e => e.GetString()!),
            app.Certificates.SelectMany(c => c.SubjectAltNames).Distinct(), subset: true);
        foreach (var c in app.TlsClients) output?.WriteLine($"JA4 {c.Ja4} JA3 {c.Ja3} hellos {c.Hellos} names {string.Join(',', c.ServerNames.Items)}");
        output?.WriteLine($"counters: {app.Counters}");

        Assert.True(failures.Count == 0, $"{fileName}: differs from tshark in {string.Join(", ", failures)} (see the test output).");
        Assert.DoesNotContain(result.Issues, i => i.Severity == IssueSeverity.Error);
    }

    private static List<string> Except(List<string> a, List<string> b)
    {
        var counts = b.GroupBy(x => x, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var rest = new List<string>();
        foreach (string x in a)
        {
            if (counts.TryGetValue(x, out int n) && n > 0) counts[x] = n - 1;
            else rest.Add(x);
        }
        return rest;
    }
}
