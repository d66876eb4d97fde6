using System.Buffers.Binary;
using PcapViz.Decoding;
using PcapViz.Decoding.Reassembly;
using PcapViz.Protocols.Flows;

namespace PcapViz.Slicing;

/// <summary>
/// The flow a packet belongs to, as its Community ID v1 (seed 0): bidirectional, by transport 5-tuple for TCP, UDP
/// and SCTP, by type and code paired as the Community ID specification pairs them for ICMP and ICMPv6, by address
/// pair and protocol for anything else. The addresses are those of the innermost IP header (the one carrying the
/// transport, inside a tunnel the tunnelled packet's); <see cref="TryOuterFlow"/> gives the carrier's flow, the one the
/// report lists, so a slice finds a tunnel by either. A later IP fragment has no ports: it joins the flow of the first
/// fragment of its datagram when that was seen (same addresses, protocol and identification), else the flow of its
/// addresses and protocol with ports 0.
/// </summary>
internal sealed class SliceFlows
{
    /// <summary>Datagrams whose first fragment's ports are remembered; past this the table starts again.</summary>
    public const int MaxFragmentedDatagrams = 65536;

    private readonly Dictionary<(UInt128 Source, UInt128 Destination, uint Id, byte Protocol), (ushort, ushort)> _fragments = [];

    /// <summary>
    /// Writes the packet's flow id into <paramref name="id"/> (at least <see cref="CommunityId.Length"/> chars); false
    /// when the frame carries no IP header with a payload (ARP, a header cut short, a frame that is not IP).
    /// <paramref name="ports"/> is the transport and the ports the id was made from, in the packet's direction.
    /// </summary>
    public bool TryFlow(ref PacketView view, Span<char> id, out int length, out FlowPorts ports)
    {
        length = 0;
        ports = default;
        if (view.FlowSource.IsEmpty || view.FlowSource.Length != view.FlowDestination.Length) return false;
        byte protocol;
        ushort a, b;
        if (view.IsFragment)
        {
            protocol = view.FragmentProtocol;
            var key = (FlowAddress.Read(view.FlowSource), FlowAddress.Read(view.FlowDestination), view.FragmentId, protocol);
            if (view.FragmentOffset == 0)
            {
                (a, b) = Ports(protocol, view.FragmentData);
                if (_fragments.Count >= MaxFragmentedDatagrams) _fragments.Clear();
                _fragments[key] = (a, b);
            }
            else (a, b) = _fragments.GetValueOrDefault(key);
        }
        else if (view.IpProtocol != 0 || !view.TransportHeader.IsEmpty)
        {
            protocol = view.IpProtocol;
            (a, b) = Ports(protocol, view.TransportHeader);
        }
        else return false;
        ports = new FlowPorts(protocol, a, b);
        return CommunityId.TryFormat(protocol, view.FlowSource, view.FlowDestination, a, b, id, out length);
    }

    /// <summary>
    /// The packet's flow by its outermost IP header, as the report's conversations count it (docs/analysis.md,
    /// "5. Conversations"): inside a tunnel the carrier's flow (GRE, VXLAN, 6in4 …), which the innermost header of
    /// <see cref="TryFlow"/> hides; the same flow as <see cref="TryFlow"/>'s for a packet that is not tunnelled. False
    /// when the outermost header's transport is unknown.
    /// </summary>
    public static bool TryOuterFlow(ref PacketView view, scoped Span<char> id, out int length, out FlowPorts ports)
    {
        length = 0;
        ports = default;
        if (!view.OuterProtocolKnown || view.SourceAddress.IsEmpty || view.SourceAddress.Length != view.DestinationAddress.Length) return false;
        ushort a = view.OuterPortsKnown ? view.OuterSourcePort : (ushort)0, b = view.OuterPortsKnown ? view.OuterDestinationPort : (ushort)0;
        ports = new FlowPorts(view.OuterProtocol, a, b);
        return CommunityId.TryFormat(view.OuterProtocol, view.SourceAddress, view.DestinationAddress, a, b, id, out length);
    }

    /// <summary>Ports for TCP, UDP and SCTP; type and code for the ICMPs; 0 for anything else or a header cut short.</summary>
    private static (ushort, ushort) Ports(byte protocol, ReadOnlySpan<byte> header) => protocol switch
    {
        CommunityId.Tcp or CommunityId.Udp or CommunityId.Sctp when header.Length >= 4 =>
            (BinaryPrimitives.ReadUInt16BigEndian(header), BinaryPrimitives.ReadUInt16BigEndian(header[2..])),
        CommunityId.Icmp or CommunityId.IcmpV6 when header.Length >= 2 => (header[0], header[1]),
        _ => (0, 0),
    };
}

/// <summary>A packet's transport and its ports in the packet's direction (type and code for the ICMPs, 0 for other transports).</summary>
internal readonly record struct FlowPorts(byte Protocol, ushort Source, ushort Destination);
