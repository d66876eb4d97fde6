using PcapViz.Model;

namespace PcapViz.Analysis;

/// <summary>
/// The run's beacons (docs/analysis.md, "7. Beacons"): each client → server pair scored over the connections every
/// capture kept for it (<see cref="BeaconSamples"/>), over the time the run's flows span, with the scorer of a capture's
/// beacons, so connections split across the files of one night count together. Captures are added in the run's order
/// (sorted by path), one at a time: a spilled capture is read back once and let go.
/// </summary>
internal sealed class RunBeaconTable
{
    /// <summary>Connections kept per pair over the run at most (the first captures' first).</summary>
    public const int MaxConnectionsPerPair = 16_384;

    /// <summary>Pairs kept over the run at most (pairs first seen once this many are kept are not scored).</summary>
    public const int MaxPairs = 65_536;

    private sealed class Pair(int protocol, string client, string server, int port)
    {
        public int Protocol { get; } = protocol;
        public string Client { get; } = client;
        public string Server { get; } = server;
        public int Port { get; } = port;
        public List<long> Starts { get; } = [];
        public List<long> Sent { get; } = [];
        public int Captures { get; set; }
    }

    private readonly Dictionary<(int, string, string, int), Pair> _pairs = [];
    private long _first = long.MaxValue, _last = long.MinValue;

    public void Add(BeaconSamples samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.FirstEpochNanos is long first) _first = Math.Min(_first, first);
        if (samples.LastEpochNanos is long last) _last = Math.Max(_last, last);
        foreach (var c in samples.Pairs)
        {
            var key = (c.Protocol, c.Client, c.Server, c.Port);
            if (!_pairs.TryGetValue(key, out var pair))
            {
                if (_pairs.Count == MaxPairs) continue;
                _pairs.Add(key, pair = new Pair(c.Protocol, c.Client, c.Server, c.Port));
            }
            pair.Captures++;
            int room = Math.Min(c.Starts.Count, MaxConnectionsPerPair - pair.Starts.Count);
            for (int i = 0; i < room; i++)
            {
                pair.Starts.Add(c.Starts[i]);
                pair.Sent.Add(c.BytesSent[i]);
            }
        }
    }

    /// <summary>The pairs with at least <see cref="BeaconScorer.MinConnections"/> connections, scored and ranked as a
    /// capture's are (<see cref="BeaconTable.Rank"/>).</summary>
    public RunBeacons ToResult()
    {
        bool flows = _last >= _first;
        long observed = flows ? _last - _first : 0;
        var beacons = new List<BeaconEntry>();
        var captures = new Dictionary<BeaconEntry, int>(ReferenceEqualityComparer.Instance);
        foreach (var p in _pairs.Values)
        {
            if (p.Starts.Count < BeaconScorer.MinConnections) continue;
            var entry = BeaconTable.Score(p.Protocol, p.Client, p.Server, p.Port, [.. p.Starts], [.. p.Sent], observed);
            beacons.Add(entry);
            captures.Add(entry, p.Captures);
        }
        BeaconTable.Rank(beacons);
        return new RunBeacons(flows ? _first : null, flows ? _last : null, beacons.Select(b => new RunBeaconEntry(b, captures[b])).ToList());
    }

    /// <summary>The run's beacons of <paramref name="samples"/>, in the run's order.</summary>
    public static RunBeacons Of(IEnumerable<BeaconSamples> samples)
    {
        var table = new RunBeaconTable();
        foreach (var s in samples) table.Add(s);
        return table.ToResult();
    }
}
