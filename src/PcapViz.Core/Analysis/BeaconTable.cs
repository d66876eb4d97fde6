using System.Runtime.InteropServices;
using PcapViz.Context;
using PcapViz.Model;
using PcapViz.Protocols.Flows;

namespace PcapViz.Analysis;

/// <summary>
/// Beacons and long connections from the listed flows of a capture (docs/analysis.md, "7. Beacons"): flows grouped
/// by client, server, server port and transport (the server side as for services), each group of at least
/// <see cref="BeaconScorer.MinConnections"/> flows scored from their starts and the bytes the client sent, over the
/// time the capture's flows span. Known regular traffic is not scored (<see cref="Ignored"/>).
/// </summary>
internal static class BeaconTable
{
    /// <summary>
    /// The default list of regular traffic never scored: NTP (udp 123), mDNS (udp 5353), SSDP (udp 1900), LLMNR (udp
    /// 5355), NetBIOS name and datagram (udp 137, 138), DHCP (udp 67, 68; udp 546, 547) and DNS (udp or tcp 53) to a
    /// server that is not a public address (the local resolver). DNS to a public address is scored: regular lookups
    /// straight to a resolver on the internet are worth a look.
    /// </summary>
    public static bool Ignored(int protocol, int serverPort, string serverClass) =>
        (protocol == CommunityId.Udp && serverPort is 123 or 5353 or 1900 or 5355 or 137 or 138 or 67 or 68 or 546 or 547) ||
        (serverPort == 53 && protocol is CommunityId.Udp or CommunityId.Tcp && serverClass != "public");

    private readonly record struct PairKey(byte Protocol, byte Version, ulong ClientHigh, ulong ClientLow, ulong ServerHigh, ulong ServerLow, ushort Port);

    /// <summary>
    /// The beacons of <paramref name="flows"/> (<paramref name="entries"/> are the same flows as results, each flow's
    /// server side given by <paramref name="serverIsA"/>). Flows are grouped in two passes, a group number per flow
    /// and then the members of the groups large enough to score, so the many pairs of one or two flows of a scan or
    /// of a resolver's clients cost a counter each, not a list.
    /// </summary>
    public static IReadOnlyList<BeaconEntry> Of(
        ReadOnlySpan<FlowEntry> flows, IReadOnlyList<ConversationEntry> entries, ReadOnlySpan<bool> serverIsA)
    {
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

        // Members of each group that can score, in flow order: a start offset per group, then the flows scattered.
        var start = new int[keys.Count + 1];
        for (int g = 0; g < keys.Count; g++)
            start[g + 1] = start[g] + (sizes[g] >= BeaconScorer.MinConnections ? sizes[g] : 0);
        var members = new int[start[^1]];
        var filled = new int[keys.Count];
        for (int i = 0; i < flows.Length; i++)
        {
            int g = group[i];
            if (g >= 0 && sizes[g] >= BeaconScorer.MinConnections) members[start[g] + filled[g]++] = i;
        }

        var beacons = new List<BeaconEntry>();
        long observed = last - first;
        for (int g = 0; g < keys.Count; g++)
        {
            if (sizes[g] < BeaconScorer.MinConnections) continue;
            var key = keys[g];
            var pairFlows = members.AsSpan(start[g], sizes[g]);
            int sampleFlow = pairFlows[0];
            var sample = entries[sampleFlow];
            bool sampleServerIsA = serverIsA[sampleFlow];
            string client = sampleServerIsA ? sample.AddressB : sample.AddressA, server = sampleServerIsA ? sample.AddressA : sample.AddressB;
            if (Ignored(key.Protocol, key.Port, AddressClasses.Of(server))) continue;

            var starts = new long[pairFlows.Length];
            var sent = new long[pairFlows.Length];
            for (int j = 0; j < pairFlows.Length; j++)
            {
                ref readonly var f = ref flows[pairFlows[j]];
                starts[j] = f.State.First;
                // The client's bytes: A→B when the client is A.
                sent[j] = serverIsA[pairFlows[j]] ? f.State.IpBytesBToA : f.State.IpBytesAToB;
            }
            var score = BeaconScorer.Score(starts, sent, observed, out double medianInterval, out double medianSent);
            Array.Sort(starts);
            var histogram = BeaconScorer.IntervalHistogram(starts, 10, out long shortest, out long longest);
            beacons.Add(new BeaconEntry(key.Protocol, client, server, key.Port, pairFlows.Length, starts[0], starts[^1],
                (long)medianInterval, (long)medianSent,
                score.Score, score.IntervalRegularity, score.IntervalSymmetry, score.Coverage, score.SizeRegularity,
                new ValueList<int>(histogram), shortest, longest));
        }
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

        return beacons;
    }
}
