using System.Globalization;
using System.Runtime.InteropServices;
using PcapViz.Model;
using PcapViz.Protocols.Tls;

namespace PcapViz.Analysis.Application;

/// <summary>The smallest <see cref="ApplicationResult.MaxListed"/> strings (ordinal) of a set, and whether there were more.</summary>
internal sealed class MinSet
{
    private SortedSet<string>? _items;
    private bool _capped;

    public void Add(string item)
    {
        _items ??= new SortedSet<string>(StringComparer.Ordinal);
        if (!_items.Add(item) || _items.Count <= ApplicationResult.MaxListed) return;
        _items.Remove(_items.Max!);
        _capped = true;
    }

    public void Add(MinSet other)
    {
        foreach (string s in other._items ?? []) Add(s);
        _capped |= other._capped;
    }

    public void Add(BoundedSet other)
    {
        foreach (string s in other.Items) Add(s);
        _capped |= !other.Complete;
    }

    public BoundedSet ToResult() => _items is null && !_capped ? BoundedSet.Empty : new BoundedSet(new ValueList<string>(_items ?? []), !_capped);
}

/// <summary>The counts of one key of a bounded table: mergeable, with a weight that decides what is folded.</summary>
internal interface ITableStats<in TSelf>
{
    long Weight { get; }
    void Add(TSelf other);
}

/// <summary>
/// A table exact up to --max-distinct keys; a new key past the limit folds the lighter half into "other"
/// (<see cref="DistinctFold"/>), as every bounded analysis does. Keys are compared by <paramref name="order"/> for ties.
/// </summary>
internal sealed class BoundedTable<TKey, TStats>(int maxDistinct, Comparison<TKey> order)
    where TKey : notnull where TStats : class, ITableStats<TStats>, new()
{
    private readonly Dictionary<TKey, TStats> _items = [];
    private long _other, _undercount;
    private bool _exceeded;

    public int MaxDistinct { get; } = Math.Max(2, maxDistinct);

    /// <summary>Updates the key's stats (created when new), then folds when the key was new and the table is full.</summary>
    public void Update<TArg>(TKey key, TArg arg, Action<TStats, TArg> update)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_items, key, out bool exists);
        slot ??= new TStats();
        update(slot, arg);
        if (!exists && _items.Count > MaxDistinct) Fold();
    }

    public void Add(TKey key, TStats stats) => Update(key, stats, static (s, o) => s.Add(o));

    public void Merge(BoundedTable<TKey, TStats> other)
    {
        foreach (var (key, stats) in other._items) Add(key, stats);
        MergeLimit(other.Limit());
    }

    public void MergeLimit(DistinctLimit limit)
    {
        _other += limit.OtherPackets;
        _undercount += limit.MaxUndercount;
        _exceeded |= limit.Exceeded;
    }

    public DistinctLimit Limit() => new(MaxDistinct, _exceeded, _other, 0, _undercount);

    public List<(TKey Key, TStats Stats)> Sorted()
    {
        var all = _items.Select(p => (p.Key, p.Value)).ToList();
        all.Sort((a, b) => b.Value.Weight != a.Value.Weight ? b.Value.Weight.CompareTo(a.Value.Weight) : order(a.Key, b.Key));
        return all;
    }

    private void Fold()
    {
        _exceeded = true;
        _undercount += DistinctFold.FoldLighterHalf(Sorted(), MaxDistinct, static e => e.Stats.Weight, e =>
        {
            _other += e.Stats.Weight;
            _items.Remove(e.Key);
        });
    }
}

internal sealed class CountStats : ITableStats<CountStats>
{
    public long Count;
    public MinSet Clients { get; } = new();
    public MinSet Servers { get; } = new();
    public MinSet Names { get; } = new();
    public MinSet Alpn { get; } = new();
    public MinSet Versions { get; } = new();
    public Dictionary<string, long>? Statuses;
    public long Weight => Count;

    public void Add(CountStats other)
    {
        Count += other.Count;
        Clients.Add(other.Clients);
        Servers.Add(other.Servers);
        Names.Add(other.Names);
        Alpn.Add(other.Alpn);
        Versions.Add(other.Versions);
        foreach (var (status, n) in other.Statuses ?? []) AddStatus(status, n);
    }

    public void AddStatus(string status, long n)
    {
        Statuses ??= new Dictionary<string, long>(StringComparer.Ordinal);
        ref long slot = ref CollectionsMarshal.GetValueRefOrAddDefault(Statuses, status, out _);
        slot += n;
    }

    public ValueList<NamedCount> StatusList() => Statuses is null ? ValueList<NamedCount>.Empty
        : new ValueList<NamedCount>(Statuses.Select(p => new NamedCount(p.Key, p.Value))
            .OrderByDescending(c => c.Count).ThenBy(c => c.Name, StringComparer.Ordinal));
}

internal sealed class CertificateStats : ITableStats<CertificateStats>
{
    public CertificateEntry? First; // the certificate's fields (the same for every sighting: they are its DER)
    public long Seen;
    public int Signals; // bit i: CertificateSignals.All[i]
    public MinSet Names { get; } = new();
    public MinSet Servers { get; } = new();
    public long Weight => Seen;

    public void Add(CertificateStats other)
    {
        First ??= other.First;
        Seen += other.Seen;
        Signals |= other.Signals;
        Names.Add(other.Names);
        Servers.Add(other.Servers);
    }
}

/// <summary>
/// The mergeable tables of the application analysis (one capture, or a run's totals): server names, TLS client and
/// server fingerprints, certificates, HTTP requests, and names for server addresses. Merging in any grouping gives
/// the same tables up to the folds past --max-distinct, as for the other analyses.
/// </summary>
internal sealed class ApplicationTables(int maxDistinct)
{
    public BoundedTable<(string Name, string Source), CountStats> ServerNames { get; } = new(maxDistinct, (a, b) => Cmp(a.Name, b.Name, a.Source, b.Source));
    public BoundedTable<(string Ja3, string Ja4), CountStats> TlsClients { get; } = new(maxDistinct, (a, b) => Cmp(a.Ja4, b.Ja4, a.Ja3, b.Ja3));
    public BoundedTable<(string Ja3S, string Version, string Cipher), CountStats> TlsServers { get; } = new(maxDistinct, (a, b) => Cmp(a.Ja3S, b.Ja3S, a.Version + " " + a.Cipher, b.Version + " " + b.Cipher));
    public BoundedTable<string, CertificateStats> Certificates { get; } = new(maxDistinct, string.CompareOrdinal);
    public BoundedTable<(string Host, string Method, string Path, string UserAgent), CountStats> HttpRequests { get; } =
        new(maxDistinct, (a, b) => Cmp(a.Host, b.Host, a.Method + " " + a.Path + " " + a.UserAgent, b.Method + " " + b.Path + " " + b.UserAgent));
    public BoundedTable<(string Address, int Version, string Name, string Source), CountStats> AddressNames { get; } =
        new(maxDistinct, (a, b) => Cmp(a.Address, b.Address, a.Name + " " + a.Source, b.Name + " " + b.Source));
    public ApplicationCounters Counters { get; set; } = ApplicationCounters.None;

    private static int Cmp(string a1, string b1, string a2, string b2) =>
        string.CompareOrdinal(a1, b1) is var c && c != 0 ? c : string.CompareOrdinal(a2, b2);

    public void Merge(ApplicationTables other)
    {
        ServerNames.Merge(other.ServerNames);
        TlsClients.Merge(other.TlsClients);
        TlsServers.Merge(other.TlsServers);
        Certificates.Merge(other.Certificates);
        HttpRequests.Merge(other.HttpRequests);
        AddressNames.Merge(other.AddressNames);
        Counters = Counters.Add(other.Counters);
    }

    /// <summary>Adds a finished result (run totals over captures, some reused from a cache or read from a bundle).</summary>
    public void Merge(ApplicationResult r)
    {
        foreach (var e in r.ServerNames)
            ServerNames.Update((e.ServerName, e.Source), e, static (s, e) => { s.Count += e.Count; s.Clients.Add(e.Clients); s.Servers.Add(e.Servers); });
        ServerNames.MergeLimit(r.ServerNamesLimit);
        foreach (var e in r.TlsClients)
            TlsClients.Update((e.Ja3, e.Ja4), e, static (s, e) =>
            {
                s.Count += e.Hellos; s.Clients.Add(e.Clients); s.Names.Add(e.ServerNames); s.Alpn.Add(e.Alpn); s.Versions.Add(e.Versions);
            });
        TlsClients.MergeLimit(r.TlsClientsLimit);
        foreach (var e in r.TlsServers)
            TlsServers.Update((e.Ja3S, e.Version, e.Cipher), e, static (s, e) => { s.Count += e.Hellos; s.Servers.Add(e.Servers); s.Names.Add(e.ServerNames); });
        TlsServers.MergeLimit(r.TlsServersLimit);
        foreach (var e in r.Certificates)
            Certificates.Update(e.Sha256, e, static (s, e) =>
            {
                s.First ??= e with { Seen = 0, Signals = ValueList<string>.Empty, ServerNames = BoundedSet.Empty, Servers = BoundedSet.Empty };
                s.Seen += e.Seen;
                foreach (string signal in e.Signals) s.Signals |= SignalBit(signal);
                s.Names.Add(e.ServerNames);
                s.Servers.Add(e.Servers);
            });
        Certificates.MergeLimit(r.CertificatesLimit);
        foreach (var e in r.HttpRequests)
            HttpRequests.Update((e.Host, e.Method, e.Path, e.UserAgent), e, static (s, e) =>
            {
                s.Count += e.Requests; s.Clients.Add(e.Clients);
                foreach (var c in e.Statuses) s.AddStatus(c.Name, c.Count);
            });
        HttpRequests.MergeLimit(r.HttpRequestsLimit);
        foreach (var e in r.AddressNames)
            AddressNames.Update((e.Address, e.Version, e.Name, e.Source), e.Count, static (s, n) => s.Count += n);
        AddressNames.MergeLimit(r.AddressNamesLimit);
        Counters = Counters.Add(r.Counters);
    }

    internal static int SignalBit(string signal)
    {
        for (int i = 0; i < CertificateSignals.All.Count; i++)
            if (CertificateSignals.All[i] == signal) return 1 << i;
        return 0;
    }

    private static ValueList<string> SignalNames(int bits) =>
        new(CertificateSignals.All.Where((_, i) => (bits & (1 << i)) != 0));

    public ApplicationResult ToResult() => new(
        ServerNames.Sorted().Select(e => new ServerNameEntry(e.Key.Name, e.Key.Source, e.Stats.Count, e.Stats.Clients.ToResult(), e.Stats.Servers.ToResult())).ToArray(),
        ServerNames.Limit(),
        TlsClients.Sorted().Select(e => new TlsClientEntry(e.Key.Ja3, e.Key.Ja4, e.Stats.Count, e.Stats.Clients.ToResult())
        {
            ServerNames = e.Stats.Names.ToResult(), Alpn = e.Stats.Alpn.ToResult(), Versions = e.Stats.Versions.ToResult(),
        }).ToArray(),
        TlsClients.Limit(),
        TlsServers.Sorted().Select(e => new TlsServerEntry(e.Key.Ja3S, e.Key.Version, e.Key.Cipher, e.Stats.Count, e.Stats.Servers.ToResult())
        {
            ServerNames = e.Stats.Names.ToResult(),
        }).ToArray(),
        TlsServers.Limit(),
        Certificates.Sorted().Select(e => e.Stats.First! with
        {
            Seen = e.Stats.Seen, Signals = SignalNames(e.Stats.Signals), ServerNames = e.Stats.Names.ToResult(), Servers = e.Stats.Servers.ToResult(),
        }).ToArray(),
        Certificates.Limit(),
        HttpRequests.Sorted().Select(e => new HttpRequestEntry(e.Key.Host, e.Key.Method, e.Key.Path, e.Key.UserAgent, e.Stats.Count, e.Stats.Clients.ToResult())
        {
            Statuses = e.Stats.StatusList(),
        }).ToArray(),
        HttpRequests.Limit(),
        AddressNames.Sorted().Select(e => new ServerAddressName(e.Key.Address, e.Key.Version, e.Key.Name, e.Key.Source, e.Stats.Count)).ToArray(),
        AddressNames.Limit())
    {
        Counters = Counters,
    };

    internal static string VersionName(ushort version) => version switch
    {
        TlsVersion.Tls13 => "TLS 1.3",
        TlsVersion.Tls12 => "TLS 1.2",
        TlsVersion.Tls11 => "TLS 1.1",
        TlsVersion.Tls10 => "TLS 1.0",
        TlsVersion.Ssl30 => "SSL 3.0",
        TlsVersion.Ssl20 or 0x0200 => "SSL 2.0",
        _ => "0x" + version.ToString("x4", CultureInfo.InvariantCulture),
    };

    internal static string CipherName(ushort cipher) => "0x" + cipher.ToString("x4", CultureInfo.InvariantCulture);
}
