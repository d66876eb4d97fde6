using PcapViz.Context;
using PcapViz.Model;

namespace PcapViz.Analysis;

/// <summary>
/// Beacons and long connections from the listed flows of a capture (docs/analysis.md, "7. Beacons"): flows grouped
/// by client, server, server port and transport (the server side as for services), each group of at least
/// <see cref="BeaconScorer.MinConnections"/> flows scored from their starts and the bytes the client sent, over the
/// time the capture's flows span. Known regular traffic is not scored (<see cref="BeaconIgnoreList"/>). The pairs of at
/// least two connections are also kept, bounded, for the run's beacons (<see cref="BeaconSamples"/>, <see cref="RunBeaconTable"/>).
/// </summary>
internal static class BeaconTable
{
    private readonly record struct PairKey(byte Protocol, byte Version, ulong ClientHigh, ulong ClientLow, ulong ServerHigh, ulong ServerLow, ushort Port);

    /// <summary>A pair's connections: the first of its flows (for the addresses' texts) and its starts and client bytes.</summary>
    private readonly record struct Pair(PairKey Key, string Client, string Server, long[] Starts, long[] Sent);

    /// <summary>
    /// The beacons of <paramref name="flows"/> (<paramref name="entries"/> are the same flows as results, each flow's
    /// server side given by <paramref name="serverIsA"/>), and the connections the run's beacons need. Flows are grouped
    /// by sorting, not in a table: each flow's pair gets a 64-bit hash, sorting the hashes brings each group's flows
    /// together, and only the groups of two flows or more become lists. A capture of 200,000 one-flow pairs (a
    /// resolver's clients, a scan) then costs 12 bytes a flow instead of a hash table entry and a key (issue 22: the
    /// table was the largest allocation at the peak of such a capture).
    /// </summary>
    public static (IReadOnlyList<BeaconEntry> Beacons, BeaconSamples Samples) Of(
        ReadOnlySpan<FlowEntry> flows, IReadOnlyList<ConversationEntry> entries, ReadOnlySpan<bool> serverIsA, BeaconIgnoreList ignore)
    {
        ArgumentNullException.ThrowIfNull(ignore);
        const int Kept = 2; // connections a pair needs to be kept for the run
        long first = long.MaxValue, last = long.MinValue;
        var hashes = new ulong[flows.Length];
        var order = new int[flows.Length];
        int grouped = 0;
        for (int i = 0; i < flows.Length; i++)
        {
            first = Math.Min(first, flows[i].State.First);
            last = Math.Max(last, flows[i].State.Last);
            if (!ServiceTable.HasPorts(flows[i].Key.Protocol)) continue;
            hashes[grouped] = HashOf(PairOf(flows[i].Key, serverIsA[i])) & ~HashBitsLeftOutForTests;
            order[grouped++] = i;
        }
        Array.Sort(hashes, order, 0, grouped);

        var pairs = new List<Pair>();
        var members = new List<int>();
        for (int run = 0, end; run < grouped; run = end)
        {
            for (end = run + 1; end < grouped && hashes[end] == hashes[run]; end++) { }
            if (end - run < Kept) continue;
            var group = order.AsSpan(run, end - run);
            group.Sort(); // the flows of a pair in flow order
            // Flows of one hash are one pair unless two pairs' hashes collide: each pair is then taken apart, in flow order.
            for (int taken = 0; taken < group.Length;)
            {
                var key = PairOf(flows[group[taken]].Key, serverIsA[group[taken]]);
                members.Clear();
                for (int j = taken; j < group.Length; j++)
                {
                    if (group[j] < 0 || PairOf(flows[group[j]].Key, serverIsA[group[j]]) != key) continue;
                    members.Add(group[j]);
                    group[j] = -1;
                }
                while (taken < group.Length && group[taken] < 0) taken++;
                if (members.Count >= Kept && Collect(key, members, flows, entries, serverIsA, ignore) is { } pair) pairs.Add(pair);
            }
        }

        var beacons = new List<BeaconEntry>();
        foreach (var p in pairs)
            if (p.Starts.Length >= BeaconScorer.MinConnections)
                beacons.Add(Score(p.Key.Protocol, p.Client, p.Server, p.Key.Port, p.Starts, p.Sent, last - first));
        Rank(beacons);

        return (beacons, Samples(pairs, flows.Length == 0 ? null : first, flows.Length == 0 ? null : last));
    }

    /// <summary>
    /// Bits of every pair's hash left out on this thread: a test sets them all, so that all pairs' hashes collide and
    /// the pairs are told apart by their keys alone (the path a real collision takes). Zero otherwise.
    /// </summary>
    [ThreadStatic]
    internal static ulong HashBitsLeftOutForTests;

    /// <summary>A flow's pair: client, server, server port and transport.</summary>
    private static PairKey PairOf(in FlowKey k, bool serverIsA) => serverIsA
        ? new PairKey(k.Protocol, k.Version, k.BHigh, k.BLow, k.AHigh, k.ALow, k.PortA)
        : new PairKey(k.Protocol, k.Version, k.AHigh, k.ALow, k.BHigh, k.BLow, k.PortB);

    private static ulong HashOf(in PairKey key)
    {
        ulong h = key.ClientLow * 0x9E3779B97F4A7C15UL;
        h ^= key.ServerLow * 0xC2B2AE3D27D4EB4FUL;
        h = (h ^ (h >> 31)) * 0xBF58476D1CE4E5B9UL;
        h ^= key.ClientHigh * 0x165667B19E3779F9UL;
        h ^= (key.ServerHigh + ((ulong)key.Port << 16 | (ulong)key.Protocol << 8 | key.Version)) * 0xFF51AFD7ED558CCDUL;
        h = (h ^ (h >> 29)) * 0x94D049BB133111EBUL;
        return h ^ (h >> 32);
    }

    /// <summary>A pair's connections from its flows <paramref name="members"/> (in flow order), or null when the pair is ignored.</summary>
    private static Pair? Collect(PairKey key, List<int> members, ReadOnlySpan<FlowEntry> flows, IReadOnlyList<ConversationEntry> entries,
        ReadOnlySpan<bool> serverIsA, BeaconIgnoreList ignore)
    {
        var sample = entries[members[0]];
        bool sampleServerIsA = serverIsA[members[0]];
        string client = sampleServerIsA ? sample.AddressB : sample.AddressA, server = sampleServerIsA ? sample.AddressA : sample.AddressB;
        if (ignore.Ignores(key.Protocol, key.Port, server, AddressClasses.Of(server))) return null;
        var starts = new long[members.Count];
        var sent = new long[members.Count];
        for (int j = 0; j < members.Count; j++)
        {
            ref readonly var f = ref flows[members[j]];
            starts[j] = f.State.First;
            // The client's bytes: A→B when the client is A.
            sent[j] = serverIsA[members[j]] ? f.State.IpBytesBToA : f.State.IpBytesAToB;
        }
        return new Pair(key, client, server, starts, sent);
    }

    /// <summary>The pairs kept for the run: most connections first, each with its first connections (by start, then bytes).</summary>
    private static BeaconSamples Samples(List<Pair> pairs, long? first, long? last)
    {
        pairs.Sort(static (x, y) =>
        {
            int c = y.Starts.Length.CompareTo(x.Starts.Length);
            if (c == 0) c = x.Key.Protocol.CompareTo(y.Key.Protocol);
            if (c == 0) c = string.CompareOrdinal(x.Client, y.Client);
            if (c == 0) c = string.CompareOrdinal(x.Server, y.Server);
            if (c == 0) c = x.Key.Port.CompareTo(y.Key.Port);
            return c;
        });
        var kept = new BeaconConnections[Math.Min(pairs.Count, BeaconSamples.MaxPairs)];
        for (int i = 0; i < kept.Length; i++)
        {
            var p = pairs[i];
            var order = Enumerable.Range(0, p.Starts.Length)
                .OrderBy(j => p.Starts[j]).ThenBy(j => p.Sent[j])
                .Take(BeaconSamples.MaxConnectionsPerPair).ToArray();
            kept[i] = new BeaconConnections(p.Key.Protocol, p.Client, p.Server, p.Key.Port,
                new ValueList<long>(order.Select(j => p.Starts[j])), new ValueList<long>(order.Select(j => p.Sent[j])));
        }
        return new BeaconSamples(first, last, kept);
    }

    /// <summary>One pair's beacon entry from its connections' <paramref name="starts"/> and client bytes
    /// <paramref name="sent"/> (at least <see cref="BeaconScorer.MinConnections"/>) over <paramref name="observed"/>
    /// nanoseconds: the capture's or the run's.</summary>
    internal static BeaconEntry Score(int protocol, string client, string server, int port, long[] starts, long[] sent, long observed)
    {
        var score = BeaconScorer.Score(starts, sent, observed, out double medianInterval, out double medianSent);
        var sorted = (long[])starts.Clone();
        Array.Sort(sorted);
        var histogram = BeaconScorer.IntervalHistogram(sorted, 10, out long shortest, out long longest);
        return new BeaconEntry(protocol, client, server, port, sorted.Length, sorted[0], sorted[^1],
            (long)medianInterval, (long)medianSent,
            score.Score, score.IntervalRegularity, score.IntervalSymmetry, score.Coverage, score.SizeRegularity,
            new ValueList<int>(histogram), shortest, longest);
    }

    /// <summary>Highest score first (then most connections, transport, client, server, port); at most <see cref="BeaconEntry.MaxListed"/>.</summary>
    internal static void Rank(List<BeaconEntry> beacons)
    {
        beacons.Sort(static (x, y) =>
        {
            int c = y.Score.CompareTo(x.Score);
            if (c == 0) c = y.Connections.CompareTo(x.Connections);
            if (c == 0) c = x.Protocol.CompareTo(y.Protocol);
            if (c == 0) c = string.CompareOrdinal(x.Client, y.Client);
            if (c == 0) c = string.CompareOrdinal(x.Server, y.Server);
            if (c == 0) c = x.Port.CompareTo(y.Port);
            return c;
        });
        if (beacons.Count > BeaconEntry.MaxListed) beacons.RemoveRange(BeaconEntry.MaxListed, beacons.Count - BeaconEntry.MaxListed);
    }
}
