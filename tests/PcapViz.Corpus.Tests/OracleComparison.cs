using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using PcapViz.Analysis;
using PcapViz.Model;
using PcapViz.Orchestration;

namespace PcapViz.Tests;

/// <summary>The fields of an oracle's JSON (../shared/corpus-expected/&lt;file&gt;.scapy.json / .tshark.json) that are compared.</summary>
public static class Fields
{
    public const string Packets = "packets";
    public const string Ipv4Src = "ipv4_src";
    public const string Ipv6Src = "ipv6_src";
    public const string Dns = "dns";
    public const string Bytes = "bytes";

    public static readonly string[] All = [Packets, Ipv4Src, Ipv6Src, Dns, Bytes];
}

/// <summary>One oracle's expected results, with DNS names already in the presentation form of docs/analysis.md (2. DNS lookups).</summary>
public sealed record OracleResult(
    long Packets,
    IReadOnlyDictionary<string, long> Ipv4Sources,
    IReadOnlyDictionary<string, long> Ipv6Sources,
    IReadOnlyDictionary<string, long> DnsQueries,
    IReadOnlyDictionary<long, long> BytesPerBin,
    bool CountsLlmnr)
{
    public const string Scapy = "scapy";
    public const string Tshark = "tshark";

    public static OracleResult Load(string fileName, string oracle)
    {
        string path = Path.Combine(Corpus.ExpectedDirectory!, $"{fileName}.{oracle}.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        var dns = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var q in root.GetProperty("dns_queries").EnumerateObject())
        {
            string name = NormaliseName(q.Name);
            dns[name] = dns.GetValueOrDefault(name) + q.Value.GetInt64();
        }
        var bins = new Dictionary<long, long>();
        foreach (string series in new[] { "bytes_2s", "ipv6_bytes_2s" })
            foreach (var bin in root.GetProperty(series).EnumerateArray())
            {
                long start = (long)bin[0].GetDecimal();
                bins[start] = bins.GetValueOrDefault(start) + bin[1].GetInt64();
            }
        foreach (long key in bins.Where(kv => kv.Value == 0).Select(kv => kv.Key).ToArray()) bins.Remove(key);
        return new OracleResult(root.GetProperty("packets").GetInt64(), Counts(root.GetProperty("ipv4_src")),
            Counts(root.GetProperty("ipv6_src")), dns, bins, CountsLlmnr: oracle == Tshark);
    }

    private static Dictionary<string, long> Counts(JsonElement obj) =>
        obj.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64(), StringComparer.Ordinal);

    /// <summary>
    /// scapy's spelling ("Example.com.", UTF-8 text) to the presentation form of docs/analysis.md: no trailing dot (the root
    /// stays "."), every byte outside 0x21–0x7E and '\' as \DDD, A–Z lower-cased.
    /// </summary>
    public static string NormaliseName(string name)
    {
        if (name != "." && name.EndsWith('.')) name = name[..^1];
        var sb = new StringBuilder(name.Length);
        foreach (byte b in Encoding.UTF8.GetBytes(name))
        {
            if (b is < 0x21 or > 0x7E || b == (byte)'\\') sb.Append('\\').Append(b.ToString("D3", CultureInfo.InvariantCulture));
            else sb.Append(b is >= (byte)'A' and <= (byte)'Z' ? (char)(b + 32) : (char)b);
        }
        return sb.ToString();
    }

    /// <summary>Compares one field of PcapViz's result with this oracle: null when equal, else what differs.</summary>
    public string? Mismatch(CaptureResult ours, string field) => field switch
    {
        Fields.Packets => ours.Summary.Packets == Packets ? null : $"packets: expected {Packets}, PcapViz {ours.Summary.Packets}",
        Fields.Ipv4Src => DiffCounts("ipv4_src", Ipv4Sources, Sources(ours, 4)),
        Fields.Ipv6Src => DiffCounts("ipv6_src", Ipv6Sources, Sources(ours, 6)),
        Fields.Dns => DiffCounts("dns", DnsQueries, Dns(ours, CountsLlmnr)),
        Fields.Bytes => DiffBytes(ours),
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, "unknown field"),
    };

    private static Dictionary<string, long> Sources(CaptureResult ours, int version) =>
        ours.SourceIps.Entries.Where(e => e.Version == version).ToDictionary(e => e.Address, e => e.Packets, StringComparer.Ordinal);

    /// <summary>scapy does not count LLMNR (tshark does): dns and mdns (and llmnr) entries, summed per name. Names seen
    /// only in responses (listed with 0 queries, for their response codes) are not queries.</summary>
    private static Dictionary<string, long> Dns(CaptureResult ours, bool withLlmnr) =>
        ours.DnsQueries.Entries.Where(e => e.Queries > 0)
            .Where(e => e.Protocol is DnsProtocol.Dns or DnsProtocol.Mdns || (withLlmnr && e.Protocol == DnsProtocol.Llmnr))
            .GroupBy(e => e.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(e => e.Queries), StringComparer.Ordinal);

    private static string? DiffCounts(string what, IReadOnlyDictionary<string, long> expected, Dictionary<string, long> actual)
    {
        var lines = new List<string>();
        foreach (var (key, count) in expected.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            long got = actual.GetValueOrDefault(key);
            if (got != count) lines.Add($"{key}: expected {count}, PcapViz {got}");
        }
        foreach (var (key, count) in actual.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            if (!expected.ContainsKey(key)) lines.Add($"{key}: expected 0, PcapViz {count}");
        return lines.Count == 0 ? null : $"{what}: {lines.Count} differences: {string.Join("; ", lines.Take(8))}{(lines.Count > 8 ? "; …" : "")}";
    }

    /// <summary>
    /// Every packet is on the timeline (segments and gaps, docs/analysis.md): the oracle's non-empty 2-s bins must equal
    /// PcapViz's non-empty bins exactly, whatever the timestamps (1970, 2106, out of order).
    /// </summary>
    private string? DiffBytes(CaptureResult ours)
    {
        var traffic = ours.Traffic;
        if (traffic.BinSeconds != 2) return $"bytes: PcapViz used {traffic.BinSeconds}-second bins, not 2";
        var actual = traffic.Bins.Where(b => b.IpBytes != 0).ToDictionary(b => b.StartEpochSeconds.ToString(CultureInfo.InvariantCulture), b => b.IpBytes);
        var expected = BytesPerBin.Where(kv => kv.Value != 0).ToDictionary(kv => kv.Key.ToString(CultureInfo.InvariantCulture), kv => kv.Value);
        return DiffCounts("bytes per 2-s bin", expected, actual);
    }
}

/// <summary>PcapViz's result for each corpus file, computed once per test run.</summary>
public static class CorpusResults
{
    private static readonly ConcurrentDictionary<string, Lazy<CaptureResult>> Cache = new(StringComparer.Ordinal);

    public static CaptureResult Get(string fileName) => Cache.GetOrAdd(fileName, f => new Lazy<CaptureResult>(() =>
        CaptureAnalyzer.Analyze(Path.Combine(Corpus.RequireDirectory(), f), f, f, new AnalysisOptions(BinSeconds: 2)))).Value;
}
