using System.Security.Cryptography;
using System.Text;
using PcapViz.Model;

namespace PcapViz.Rendering.Html;

/// <summary>
/// What pages need to know about the run as a whole, built once per run and shared by every page: where each capture
/// stands (previous/next links) and in which captures each address and name appears (the pivot page, "seen in N
/// captures"). Pivots exist only when the run has more than one readable capture.
/// </summary>
internal sealed class RunIndex
{
    /// <summary>Captures listed per address or name on the pivot page before the rest are counted.</summary>
    public const int MaxCapturesListed = 10;

    public const string PivotPage = "pivot.html";

    private readonly Dictionary<string, int> _position = new(StringComparer.Ordinal);

    public RunIndex(RunResult run, int maxRows)
    {
        for (int i = 0; i < run.Captures.Count; i++) _position[run.Captures[i].Id] = i;
        Pivots = run.Captures.Count(c => c.Status != CaptureStatus.Failed && c.Summary.Packets > 0) > 1;
        if (!Pivots) return;
        var sources = new Dictionary<string, Entity>(StringComparer.Ordinal);
        var names = new Dictionary<string, Entity>(StringComparer.Ordinal);
        for (int i = 0; i < run.Captures.Count; i++)
        {
            var c = run.Captures[i];
            foreach (var e in c.SourceIps.Entries)
            {
                if (!sources.TryGetValue(e.Address, out var entity)) sources[e.Address] = entity = new Entity(e.Address);
                entity.Add(i, e.Packets, e.IpBytes);
            }
            foreach (var e in c.DnsQueries.Entries)
            {
                if (!names.TryGetValue(e.Name, out var entity)) names[e.Name] = entity = new Entity(e.Name);
                // A name asked over DNS and mDNS in one capture counts once per capture, with both queries added.
                if (entity.Captures.Count > 0 && entity.Captures[^1].Capture == i) entity.AddToLast(e.Queries);
                else entity.Add(i, e.Queries, 0);
            }
        }
        Sources = Rank(sources, maxRows);
        Names = Rank(names, maxRows);
    }

    /// <summary>True when the run has a pivot page.</summary>
    public bool Pivots { get; }

    /// <summary>Addresses on the pivot page: most captures first, then most packets.</summary>
    public IReadOnlyDictionary<string, Entity> Sources { get; } = new Dictionary<string, Entity>();

    /// <summary>Names on the pivot page: most captures first, then most queries.</summary>
    public IReadOnlyDictionary<string, Entity> Names { get; } = new Dictionary<string, Entity>();

    public int Position(string captureId) => _position.TryGetValue(captureId, out int i) ? i : -1;

    /// <summary>Anchor of an address on the pivot page (addresses hold only hex digits, dots and colons; colons become '_').</summary>
    public static string SourceAnchor(string address) => "ip-" + address.Replace(':', '_');

    /// <summary>Anchor of a name on the pivot page: names are untrusted text, so a hash stands for them.</summary>
    public static string NameAnchor(string name) =>
        "name-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)).AsSpan(0, 8));

    private static Dictionary<string, Entity> Rank(Dictionary<string, Entity> all, int maxRows)
    {
        var ranked = all.Values
            .OrderByDescending(e => e.Captures.Count).ThenByDescending(e => e.Total).ThenBy(e => e.Key, StringComparer.Ordinal)
            .Take(maxRows);
        var result = new Dictionary<string, Entity>(StringComparer.Ordinal);
        int rank = 0;
        foreach (var e in ranked)
        {
            e.Rank = rank++;
            result[e.Key] = e;
        }
        return result;
    }

    /// <summary>One address or name and the captures it was seen in (in run order).</summary>
    internal sealed class Entity(string key)
    {
        public string Key { get; } = key;

        public List<(int Capture, long Count)> Captures { get; } = [];

        public long Total { get; private set; }

        public long Bytes { get; private set; }

        public int Rank { get; set; }

        public void Add(int capture, long count, long bytes)
        {
            Captures.Add((capture, count));
            Total += count;
            Bytes += bytes;
        }

        public void AddToLast(long count)
        {
            var last = Captures[^1];
            Captures[^1] = (last.Capture, last.Count + count);
            Total += count;
        }
    }
}
