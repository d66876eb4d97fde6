using PcapViz.Context;
using PcapViz.Model;
using PcapViz.Protocols.Flows;

namespace PcapViz.Analysis;

/// <summary>
/// Services from flows (docs/analysis.md, "6. Services"): each TCP, UDP or SCTP flow counted under its server's
/// port and transport. The server side of a flow is, in this order: the side a TCP SYN without ACK was sent to (when
/// only one side sent one); the side whose port has a name in the shipped registry subset (when only one has); the
/// side with the lower port (B when both ports are equal).
/// </summary>
internal static class ServiceTable
{
    private sealed class Tally
    {
        public long Flows, Packets, ToServer, FromServer;
        public readonly HashSet<(ulong, ulong)> Clients = [];
        public readonly HashSet<(ulong, ulong)> Servers = [];
    }

    /// <summary>The services of <paramref name="flows"/>, each flow's server side given by <paramref name="serverSides"/> (<see cref="ServerIsA"/>).</summary>
    public static IReadOnlyList<ServiceEntry> Of(ReadOnlySpan<FlowEntry> flows, ReadOnlySpan<bool> serverSides)
    {
        var tallies = new Dictionary<(byte Protocol, ushort Port), Tally>();
        for (int i = 0; i < flows.Length; i++)
        {
            ref readonly var k = ref flows[i].Key;
            if (!HasPorts(k.Protocol)) continue;
            ref readonly var s = ref flows[i].State;
            bool serverIsA = serverSides[i];
            ushort port = serverIsA ? k.PortA : k.PortB;
            if (!tallies.TryGetValue((k.Protocol, port), out var tally)) tallies[(k.Protocol, port)] = tally = new Tally();
            tally.Flows++;
            tally.Packets += s.Packets;
            tally.ToServer += serverIsA ? s.IpBytesBToA : s.IpBytesAToB;
            tally.FromServer += serverIsA ? s.IpBytesAToB : s.IpBytesBToA;
            // Addresses of both versions share the set: the version keeps 0.0.0.1 and ::1 apart.
            var a = (k.AHigh ^ ((ulong)k.Version << 56), k.ALow);
            var b = (k.BHigh ^ ((ulong)k.Version << 56), k.BLow);
            tally.Servers.Add(serverIsA ? a : b);
            tally.Clients.Add(serverIsA ? b : a);
        }
        var services = tallies.Select(t => new ServiceEntry(t.Key.Protocol, t.Key.Port, ServiceNames.Of(t.Key.Protocol, t.Key.Port),
                t.Value.Flows, t.Value.Clients.Count, t.Value.Servers.Count, t.Value.Packets, t.Value.ToServer, t.Value.FromServer))
            .ToList();
        services.Sort(static (x, y) => x.IpBytes != y.IpBytes ? y.IpBytes.CompareTo(x.IpBytes)
            : x.Protocol != y.Protocol ? x.Protocol.CompareTo(y.Protocol) : x.Port.CompareTo(y.Port));
        return services;
    }

    /// <summary>TCP, UDP and SCTP: the transports whose flows have a server port.</summary>
    internal static bool HasPorts(byte protocol) => protocol is CommunityId.Tcp or CommunityId.Udp or CommunityId.Sctp;

    /// <summary>The rule of the class summary.</summary>
    internal static bool ServerIsA(in FlowKey k, in FlowState s)
    {
        if (s.Openers == 2) return true;  // B opened: A is the server
        if (s.Openers == 1) return false;
        bool namedA = ServiceNames.Of(k.Protocol, k.PortA) is not null, namedB = ServiceNames.Of(k.Protocol, k.PortB) is not null;
        if (namedA != namedB) return namedA;
        return k.PortA < k.PortB;
    }
}
