using System.Security.Cryptography;
using System.Text;
using PcapViz.Model;

namespace PcapViz.Rendering.Html;

/// <summary>
/// What pages need to know about the run as a whole, built once per run and shared by every page: where each capture
/// stands (previous/next links) and in which captures each address, query name, server name (TLS, QUIC, HTTP) and
/// client fingerprint appears (the pivot page, "seen in N captures"). Pivots exist only when the run has more than one
/// readable capture.
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
        // Only what the run's totals list can be on the pivot page: the totals are capped (--max-distinct), so this
        // bounds the memory taken whatever the number of captures; each entity keeps its top captures only.
        var sources = run.SourceIps.Entries.ToDictionary(e => e.Address, e => new Entity(e.Address), StringComparer.Ordinal);
        var names = new Dictionary<string, Entity>(StringComparer.Ordinal);
        foreach (var e in run.DnsQueries.Entries) names.TryAdd(e.Name, new Entity(e.Name));
        var serverNames = new Dictionary<string, Entity>(StringComparer.Ordinal);
        foreach (var e in run.Application.ServerNames) serverNames.TryAdd(e.ServerName, new Entity(e.ServerName));
        var fingerprints = new Dictionary<string, Entity>(StringComparer.Ordinal);
        foreach (var e in run.Application.TlsClients)
        {
            string key = FingerprintKey(e);
            fingerprints.TryAdd(key, new Entity(key));
            _clients[key] = e;
        }
        for (int i = 0; i < run.Captures.Count; i++)
        {
            var c = run.Captures[i];
            if (c.Status == CaptureStatus.Failed) continue;
            var details = c.Details;
            foreach (var e in details.SourceIps.Entries)
                if (sources.TryGetValue(e.Address, out var entity)) entity.Add(i, e.Packets, e.IpBytes);
            // A name asked over DNS and mDNS in one capture counts once per capture, with both queries added.
            foreach (var e in details.DnsQueries.Entries)
                if (names.TryGetValue(e.Name, out var entity)) entity.Add(i, e.Queries, 0);
            // A name asked for over TLS and named in HTTP in one capture counts once per capture, with both counts added.
            foreach (var e in details.Application.ServerNames)
                if (serverNames.TryGetValue(e.ServerName, out var entity)) entity.Add(i, e.Count, 0, e.Source);
            foreach (var e in details.Application.TlsClients)
                if (fingerprints.TryGetValue(FingerprintKey(e), out var entity)) entity.Add(i, e.Hellos, 0);
        }
        Sources = Rank(Seen(sources), maxRows);
        Names = Rank(Seen(names), maxRows);
        var seenServerNames = Seen(serverNames);
        var seenFingerprints = Seen(fingerprints);
        ServerNameCount = seenServerNames.Count;
        FingerprintCount = seenFingerprints.Count;
        ServerNames = Rank(seenServerNames, maxRows);
        Fingerprints = Rank(seenFingerprints, maxRows);

        static Dictionary<string, Entity> Seen(Dictionary<string, Entity> all)
        {
            foreach (var e in all.Values) e.Complete();
            return all.Where(p => p.Value.CaptureCount > 0).ToDictionary(StringComparer.Ordinal);
        }
    }

    private readonly Dictionary<string, TlsClientEntry> _clients = new(StringComparer.Ordinal);

    /// <summary>A client fingerprint's key: its JA4 and JA3 (neither holds a space), as the analysis pairs them.</summary>
    public static string FingerprintKey(TlsClientEntry e) => e.Ja4 + " " + e.Ja3;

    /// <summary>The run's own entry of a fingerprint on the pivot page (clients and server names over the whole run).</summary>
    public TlsClientEntry Client(string key) => _clients[key];

    /// <summary>Server names on the pivot page: most captures first, then most requests (ClientHellos and HTTP requests).</summary>
    public IReadOnlyDictionary<string, Entity> ServerNames { get; } = new Dictionary<string, Entity>();

    /// <summary>Client fingerprints (JA4 and JA3) on the pivot page: most captures first, then most ClientHellos.</summary>
    public IReadOnlyDictionary<string, Entity> Fingerprints { get; } = new Dictionary<string, Entity>();

    /// <summary>Server names seen in the run's captures, before the table limit (the pivot page says how many it leaves out).</summary>
    public int ServerNameCount { get; }

    /// <summary>Client fingerprints seen in the run's captures, before the table limit.</summary>
    public int FingerprintCount { get; }

    /// <summary>Anchor of a server name on the pivot page (untrusted text: a hash stands for it).</summary>
    public static string ServerNameAnchor(string name) => "sni-" + Hash(name);

    /// <summary>Anchor of a client fingerprint on the pivot page.</summary>
    public static string FingerprintAnchor(string key) => "fp-" + Hash(key);

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 8));

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
    public static string NameAnchor(string name) => "name-" + Hash(name);

    private static Dictionary<string, Entity> Rank(Dictionary<string, Entity> all, int maxRows)
    {
        var ranked = all.Values
            .OrderByDescending(e => e.CaptureCount).ThenByDescending(e => e.Total).ThenBy(e => e.Key, StringComparer.Ordinal)
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

    /// <summary>One address or name, the number of captures it was seen in and the ones where it was seen most.</summary>
    internal sealed class Entity(string key)
    {
        private readonly List<(int Capture, long Count)> _top = [];
        private int _last = -1;
        private long _lastCount = -1;

        public string Key { get; } = key;

        /// <summary>The captures with the most of it (at most <see cref="MaxCapturesListed"/>): most first, then run order.</summary>
        public IReadOnlyList<(int Capture, long Count)> TopCaptures => _top;

        /// <summary>Captures it was seen in.</summary>
        public int CaptureCount { get; private set; }

        public long Total { get; private set; }

        public long Bytes { get; private set; }

        public int Rank { get; set; }

        private List<string>? _sources;

        /// <summary>Where it was seen (server names: tls, quic, http), in the order of <see cref="NameSources"/>; empty for the other entities.</summary>
        public IEnumerable<string> Sources => new[] { NameSources.Tls, NameSources.Quic, NameSources.Http }.Where(s => _sources?.Contains(s) == true);

        /// <summary>Adds a sighting; captures come in run order, and one capture may add several times.</summary>
        public void Add(int capture, long count, long bytes, string? source = null)
        {
            if (source is not null && !(_sources ??= []).Contains(source)) _sources.Add(source);
            if (capture != _last)
            {
                Complete();
                _last = capture;
                _lastCount = 0;
                CaptureCount++;
            }
            _lastCount += count;
            Total += count;
            Bytes += bytes;
        }

        /// <summary>Files the last capture's count among the top ones.</summary>
        public void Complete()
        {
            if (_last < 0 || _lastCount < 0) return;
            var entry = (_last, _lastCount);
            int at = _top.FindIndex(t => t.Count < entry._lastCount);
            if (at < 0) at = _top.Count;
            if (at < MaxCapturesListed) _top.Insert(at, entry);
            if (_top.Count > MaxCapturesListed) _top.RemoveAt(_top.Count - 1);
            _lastCount = -1;
        }
    }
}
