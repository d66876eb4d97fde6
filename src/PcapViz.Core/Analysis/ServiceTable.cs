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
        public int Clients, Servers;
    }

    /// <summary>One side of a flow under its service, for counting each service's distinct clients and servers by sorting.</summary>
    private readonly record struct Endpoint(uint Service, ulong High, ulong Low) : IComparable<Endpoint>
    {
        public int CompareTo(Endpoint other)
        {
            int c = Service.CompareTo(other.Service);
            if (c == 0) c = High.CompareTo(other.High);
            return c != 0 ? c : Low.CompareTo(other.Low);
        }
    }

    /// <summary>
    /// The services of <paramref name="flows"/>, each flow's server side given by <paramref name="serverSides"/>
    /// (<see cref="ServerIsA"/>). Distinct clients and servers are counted by sorting one array of endpoints, not in a
    /// set per service: a resolver's 200,000 clients cost 24 bytes each (issue 22, the peak of finishing a capture).
    /// </summary>
    public static IReadOnlyList<ServiceEntry> Of(ReadOnlySpan<FlowEntry> flows, ReadOnlySpan<bool> serverSides)
    {
        var tallies = new Dictionary<uint, Tally>();
        int withPorts = 0;
        for (int i = 0; i < flows.Length; i++)
        {
            ref readonly var k = ref flows[i].Key;
            if (!HasPorts(k.Protocol)) continue;
            withPorts++;
            ref readonly var s = ref flows[i].State;
            bool serverIsA = serverSides[i];
            uint service = ServiceOf(k, serverIsA);
            if (!tallies.TryGetValue(service, out var tally)) tallies[service] = tally = new Tally();
            tally.Flows++;
            tally.Packets += s.Packets;
            tally.ToServer += serverIsA ? s.IpBytesBToA : s.IpBytesAToB;
            tally.FromServer += serverIsA ? s.IpBytesAToB : s.IpBytesBToA;
        }
        var endpoints = new Endpoint[withPorts];
        CountDistinct(flows, serverSides, endpoints, tallies, servers: true);
        CountDistinct(flows, serverSides, endpoints, tallies, servers: false);
        var services = tallies.Select(t => new ServiceEntry((byte)(t.Key >> 16), (ushort)t.Key, ServiceNames.Of((byte)(t.Key >> 16), (ushort)t.Key),
                t.Value.Flows, t.Value.Clients, t.Value.Servers, t.Value.Packets, t.Value.ToServer, t.Value.FromServer))
            .ToList();
        services.Sort(static (x, y) => x.IpBytes != y.IpBytes ? y.IpBytes.CompareTo(x.IpBytes)
            : x.Protocol != y.Protocol ? x.Protocol.CompareTo(y.Protocol) : x.Port.CompareTo(y.Port));
        return services;
    }

    private static uint ServiceOf(in FlowKey k, bool serverIsA) => (uint)k.Protocol << 16 | (serverIsA ? k.PortA : k.PortB);

    /// <summary>Each service's distinct servers (or clients), from <paramref name="endpoints"/> filled and sorted here.</summary>
    private static void CountDistinct(ReadOnlySpan<FlowEntry> flows, ReadOnlySpan<bool> serverSides, Endpoint[] endpoints,
        Dictionary<uint, Tally> tallies, bool servers)
    {
        int n = 0;
        for (int i = 0; i < flows.Length; i++)
        {
            ref readonly var k = ref flows[i].Key;
            if (!HasPorts(k.Protocol)) continue;
            // Addresses of both versions share the array: the version keeps 0.0.0.1 and ::1 apart.
            bool sideA = serverSides[i] == servers;
            ulong high = (sideA ? k.AHigh : k.BHigh) ^ ((ulong)k.Version << 56);
            endpoints[n++] = new Endpoint(ServiceOf(k, serverSides[i]), high, sideA ? k.ALow : k.BLow);
        }
        Array.Sort(endpoints, 0, n);
        for (int i = 0; i < n; i++)
        {
            if (i > 0 && endpoints[i] == endpoints[i - 1]) continue;
            var tally = tallies[endpoints[i].Service];
            if (servers) tally.Servers++;
            else tally.Clients++;
        }
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
