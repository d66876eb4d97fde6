using System.Runtime.InteropServices;
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
    /// in two passes, a group number per flow and then the members of the groups of two flows or more, so the many
    /// pairs of one flow of a scan or of a resolver's clients cost a counter each, not a list.
    /// </summary>
    public static (IReadOnlyList<BeaconEntry> Beacons, BeaconSamples Samples) Of(
        ReadOnlySpan<FlowEntry> flows, IReadOnlyList<ConversationEntry> entries, ReadOnlySpan<bool> serverIsA, BeaconIgnoreList ignore)
    {
        ArgumentNullException.ThrowIfNull(ignore);
        const int Kept = 2; // connections a pair needs to be kept for the run
        long first = long.MaxValue, last = long.MinValue;
        var groupOf = new Dictionary<PairKey, int>(Math.Min(flows.Length, 1 << 16));
        var keys = new List<PairKey>();
        var sizes = new List<int>();
        var group = new int[flows.Length];
        for (int i = 0; i < flows.Length; i++)
        {
            ref readonly var k = ref flows[i].Key;
            ref readonly var s = ref flows[i].State;
            first = Math.Min(first, s.First);
            last = Math.Max(last, s.Last);
            group[i] = -1;
            if (!ServiceTable.HasPorts(k.Protocol)) continue;
            var key = serverIsA[i]
                ? new PairKey(k.Protocol, k.Version, k.BHigh, k.BLow, k.AHigh, k.ALow, k.PortA)
                : new PairKey(k.Protocol, k.Version, k.AHigh, k.ALow, k.BHigh, k.BLow, k.PortB);
            ref int number = ref CollectionsMarshal.GetValueRefOrAddDefault(groupOf, key, out bool exists);
            if (!exists)
            {
                number = keys.Count;
                keys.Add(key);
                sizes.Add(0);
            }
            group[i] = number;
            sizes[number]++;
        }

        // Members of each group kept, in flow order: a start offset per group, then the flows scattered.
        var start = new int[keys.Count + 1];
        for (int g = 0; g < keys.Count; g++)
            start[g + 1] = start[g] + (sizes[g] >= Kept ? sizes[g] : 0);
        var members = new int[start[^1]];
        var filled = new int[keys.Count];
        for (int i = 0; i < flows.Length; i++)
        {
            int g = group[i];
            if (g >= 0 && sizes[g] >= Kept) members[start[g] + filled[g]++] = i;
        }

        var pairs = new List<Pair>();
        for (int g = 0; g < keys.Count; g++)
        {
            if (sizes[g] < Kept) continue;
            var key = keys[g];
            var pairFlows = members.AsSpan(start[g], sizes[g]);
            int sampleFlow = pairFlows[0];
            var sample = entries[sampleFlow];
            bool sampleServerIsA = serverIsA[sampleFlow];
            string client = sampleServerIsA ? sample.AddressB : sample.AddressA, server = sampleServerIsA ? sample.AddressA : sample.AddressB;
            if (ignore.Ignores(key.Protocol, key.Port, server, AddressClasses.Of(server))) continue;

            var starts = new long[pairFlows.Length];
            var sent = new long[pairFlows.Length];
            for (int j = 0; j < pairFlows.Length; j++)
            {
                ref readonly var f = ref flows[pairFlows[j]];
                starts[j] = f.State.First;
                // The client's bytes: A→B when the client is A.
                sent[j] = serverIsA[pairFlows[j]] ? f.State.IpBytesBToA : f.State.IpBytesAToB;
            }
            pairs.Add(new Pair(key, client, server, starts, sent));
        }

        var beacons = new List<BeaconEntry>();
        foreach (var p in pairs)
            if (p.Starts.Length >= BeaconScorer.MinConnections)
                beacons.Add(Score(p.Key.Protocol, p.Client, p.Server, p.Key.Port, p.Starts, p.Sent, last - first));
        Rank(beacons);

        return (beacons, Samples(pairs, flows.Length == 0 ? null : first, flows.Length == 0 ? null : last));
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
