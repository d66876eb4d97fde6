using System.Diagnostics;
using PcapViz.Analysis;
using PcapViz.Decoding;
using Xunit;

namespace PcapViz.Tests;

/// <summary>
/// For every DNS response of every corpus capture that both PcapViz and tshark read (one DNS message in the frame,
/// tshark without a malformed mark, PcapViz without a malformed count), both agree on the response code
/// (<c>dns.flags.rcode</c>) and on the set of address→name pairs of the answer section: each A/AAAA record's address
/// (<c>dns.a</c>, <c>dns.aaaa</c>) for its owner and for every name whose CNAME chain (<c>dns.cname</c>) leads there.
/// The chain is rebuilt here from tshark's records, independently of PcapViz's code. tshark runs on the corpus
/// files itself (the shared expected files do not hold these fields).
/// </summary>
public sealed class DnsResponseDifferentialTests
{
    /// <summary>Known, reasoned disagreements: (file, reason). A listed file must still disagree (else the entry is stale).</summary>
    private static readonly Dictionary<string, string> KnownDisagreements = new(StringComparer.Ordinal);

    public static TheoryData<string> Files() => Corpus.Files();

    private const char Unit = '\u001f';

    [Theory]
    [MemberData(nameof(Files))]
    public void Responses_CorpusFile_AgreeWithTshark(string fileName)
    {
        string path = Corpus.Require(fileName);
        string tshark = RequireTshark();
        var theirs = RunTshark(tshark, path);
        var read = ReaderDifferentialTests.ReadWithPcapViz(path);
        var decoder = new PacketDecoder();
        int compared = 0, pairs = 0, onlyOurs = 0, onlyTheirs = 0;
        var disagreements = new List<string>();
        for (int i = 0; i < read.Records.Count; i++)
        {
            var r = read.Records[i];
            var view = default(PacketView);
            decoder.Decode(r.LinkType, r.Data, r.OriginalLength, ref view);
            var analysis = new DnsQueryAnalysis();
            analysis.Observe(ref view);
            var (totals, answers, _) = analysis.Responses.ToResult();
            bool oursRead = totals.Responses == 1 && totals.Malformed == 0;
            theirs.TryGetValue(i + 1, out var message);
            bool theirsRead = message is { Messages: 1, Malformed: false };
            if (oursRead && !theirsRead) onlyOurs++;
            if (!oursRead && theirsRead) onlyTheirs++;
            if (!oursRead || !theirsRead) continue;
            compared++;
            var ourPairs = answers.Entries.Select(e => (e.Address, e.Name)).ToHashSet();
            var theirPairs = message!.Pairs();
            pairs += theirPairs.Count;
            int ourCode = totals.WithQuestion == 1 ? DnsCodes.ParseResponseCode(totals.ResponseCodes[0].Name) : message.ResponseCode;
            if (ourCode != message.ResponseCode || !ourPairs.SetEquals(theirPairs))
                disagreements.Add($"frame {i + 1}: tshark rcode {message.ResponseCode} pairs [{string.Join(' ', theirPairs.Order())}]; " +
                                  $"PcapViz rcode {ourCode} pairs [{string.Join(' ', ourPairs.Order())}]");
        }

        var output = TestContext.Current.TestOutputHelper;
        output?.WriteLine($"{read.Records.Count} frames; responses compared {compared} ({pairs} pairs); read only by PcapViz {onlyOurs}; only by tshark {onlyTheirs}; disagreements {disagreements.Count}");
        foreach (var d in disagreements.Take(20)) output?.WriteLine(d);
        if (KnownDisagreements.TryGetValue(fileName, out string? reason))
        {
            output?.WriteLine($"Known disagreement: {reason}");
            Assert.NotEmpty(disagreements);
            return;
        }
        Assert.Empty(disagreements);
    }

    /// <summary>The answer-section records of one tshark response, in order: (owner, type, value).</summary>
    private sealed record TsharkResponse(int Messages, bool Malformed, int ResponseCode, List<(string Owner, int Type, string Value)> Answers)
    {
        public HashSet<(string Address, string Name)> Pairs()
        {
            var result = new HashSet<(string, string)>();
            foreach (var (owner, type, value) in Answers)
            {
                if (type is not (1 or 28)) continue;
                string address = System.Net.IPAddress.Parse(value).ToString();
                var names = new List<string> { owner };
                var seen = new HashSet<string>(StringComparer.Ordinal) { owner };
                for (int k = 0; k < names.Count; k++)
                    foreach (var (o, t, v) in Answers)
                        if (t == 5 && v == names[k] && seen.Add(o)) names.Add(o);
                foreach (string n in names) result.Add((address, n));
            }
            return result;
        }
    }

    private static Dictionary<int, TsharkResponse> RunTshark(string tshark, string path)
    {
        var psi = new ProcessStartInfo(tshark)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[]
                 {
                     "-r", path, "-n", "-Y", "dns.flags.response == 1", "-T", "fields",
                     "-e", "frame.number", "-e", "dns.id", "-e", "_ws.malformed", "-e", "dns.flags.rcode", "-e", "dns.count.answers",
                     "-e", "dns.resp.name", "-e", "dns.resp.type", "-e", "dns.a", "-e", "dns.aaaa", "-e", "dns.cname",
                     "-E", "separator=/t", "-E", $"aggregator={Unit}", "-E", "occurrence=a",
                 })
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var result = new Dictionary<int, TsharkResponse>();
        while (process.StandardOutput.ReadLine() is { } line)
        {
            var f = line.Split('\t');
            string[] Values(int column) => f[column].Length == 0 ? [] : f[column].Split(Unit);
            int frame = int.Parse(f[0], System.Globalization.CultureInfo.InvariantCulture);
            int messages = Values(1).Length;
            bool malformed = f[2].Length > 0;
            if (messages != 1 || malformed)
            {
                result[frame] = new TsharkResponse(messages, malformed, -1, []);
                continue;
            }
            int rcode = int.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture);
            int answerCount = int.Parse(f[4], System.Globalization.CultureInfo.InvariantCulture);
            var names = Values(5);
            var types = Values(6);
            var a = new Queue<string>(Values(7));
            var aaaa = new Queue<string>(Values(8));
            var cname = new Queue<string>(Values(9));
            var answers = new List<(string, int, string)>();
            for (int k = 0; k < types.Length && k < names.Length; k++)
            {
                int type = int.Parse(types[k], System.Globalization.CultureInfo.InvariantCulture);
                // Values are listed over all sections in record order: consume them in step.
                string value = type switch
                {
                    1 => a.TryDequeue(out var v) ? v : "",
                    28 => aaaa.TryDequeue(out var v) ? v : "",
                    5 => cname.TryDequeue(out var v) ? Name(v) : "",
                    _ => "",
                };
                if (k < answerCount) answers.Add((Name(names[k]), type, value));
            }
            result[frame] = new TsharkResponse(1, false, rcode, answers);
        }
        process.WaitForExit();
        // A damaged file makes tshark stop (exit code 2) after the frames it could read: those are compared.
        if (process.ExitCode != 0)
            TestContext.Current.TestOutputHelper?.WriteLine($"tshark exit code {process.ExitCode}: {stderr.Result.Trim()}");
        return result;
    }

    /// <summary>tshark prints names as sent (case kept) and the root as &lt;Root&gt;; PcapViz lower-cases.</summary>
    private static string Name(string tsharkName) => tsharkName == "<Root>" ? "." : tsharkName.ToLowerInvariant();

    private static string RequireTshark()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            string candidate = Path.Combine(dir, "tshark");
            if (File.Exists(candidate)) return candidate;
        }
        const string message = "tshark not found (Debian package tshark): DNS response differential test skipped";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            Assert.Fail(message + " — but CI=true, where .ci/run installs it.");
        Assert.Skip(message);
        return null!;
    }
}
