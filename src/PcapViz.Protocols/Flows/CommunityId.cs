using System.Buffers.Binary;

namespace PcapViz.Protocols.Flows;

/// <summary>
/// Community ID v1 (corelight/community-id-spec): a flow hash that Zeek, Suricata and Arkime compute the same way,
/// "1:" followed by the base64 of SHA-1 over seed, ordered addresses, protocol, a zero byte and ordered ports.
/// </summary>
public static class CommunityId
{
    /// <summary>The seed every tool uses unless configured otherwise.</summary>
    public const ushort DefaultSeed = 0;

    /// <summary>Length of a v1 Community ID in base64 form: "1:" and 28 characters.</summary>
    public const int Length = 30;

    /// <summary>IP protocol numbers whose flows carry ports (or, for the ICMPs, type and code) in the hash.</summary>
    public const byte Icmp = 1, Tcp = 6, Udp = 17, IcmpV6 = 58, Sctp = 132;

    /// <summary>Length of the SHA-1 hash a Community ID v1 carries.</summary>
    public const int HashLength = 20;

    // Hash input: seed (2) + two addresses (2 x 4 or 2 x 16) + protocol (1) + padding (1) + two ports (2 x 2).
    internal const int MaxInput = 2 + 16 + 16 + 1 + 1 + 2 + 2;

    /// <summary>
    /// The Community ID of one packet's flow, or null when the addresses are not both 4 or both 16 bytes.
    /// For TCP, UDP and SCTP the ports are the transport ports; for ICMP and ICMPv6 pass the message type as
    /// <paramref name="sourcePort"/> and the code as <paramref name="destinationPort"/>: request and reply types are
    /// paired into one flow as the specification does. Other protocols ignore the ports.
    /// </summary>
    public static string? Compute(byte protocol, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination,
        ushort sourcePort, ushort destinationPort, ushort seed = DefaultSeed)
    {
        Span<char> text = stackalloc char[Length];
        return TryFormat(protocol, source, destination, sourcePort, destinationPort, text, out int written, seed)
            ? new string(text[..written])
            : null;
    }

    /// <summary>
    /// As <see cref="Compute"/>, written into <paramref name="destination"/> (at least <see cref="Length"/> chars)
    /// without allocating. False when the addresses are invalid or the buffer too small.
    /// </summary>
    public static bool TryFormat(byte protocol, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destinationAddress,
        ushort sourcePort, ushort destinationPort, Span<char> destination, out int charsWritten, ushort seed = DefaultSeed)
    {
        charsWritten = 0;
        if (source.Length != destinationAddress.Length || (source.Length != 4 && source.Length != 16)) return false;
        if (destination.Length < Length) return false;

        Span<byte> hash = stackalloc byte[HashLength];
        CommunityIdHasher.TryHash(protocol, source, destinationAddress, sourcePort, destinationPort, hash, seed);
        destination[0] = '1';
        destination[1] = ':';
        if (!Convert.TryToBase64Chars(hash, destination[2..], out int b64)) return false;
        charsWritten = 2 + b64;
        return true;
    }

    /// <summary>
    /// Writes the bytes the specification hashes (seed, ordered addresses, protocol, a zero byte, ordered ports) into
    /// <paramref name="input"/> (at least <see cref="MaxInput"/> bytes); returns how many. The addresses must be both
    /// 4 or both 16 bytes.
    /// </summary>
    internal static int WriteInput(byte protocol, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destinationAddress,
        ushort sourcePort, ushort destinationPort, ushort seed, Span<byte> input)
    {
        bool hasPorts = protocol is Tcp or Udp or Sctp or Icmp or IcmpV6;
        ushort port1 = sourcePort, port2 = destinationPort;
        bool oneWay = false;
        if (protocol is Icmp or IcmpV6)
        {
            // The type stands for the source port; the counterpart type (or, when there is none, the code) for the
            // destination port. Flows without a counterpart are one-way and never reordered.
            int counterpart = protocol == Icmp ? IcmpCounterpart(sourcePort) : IcmpV6Counterpart(sourcePort);
            if (counterpart >= 0) port2 = (ushort)counterpart;
            else oneWay = true;
        }

        bool keep = oneWay || IsLess(source, destinationAddress, port1, port2);
        ReadOnlySpan<byte> a1 = keep ? source : destinationAddress;
        ReadOnlySpan<byte> a2 = keep ? destinationAddress : source;
        ushort p1 = keep ? port1 : port2;
        ushort p2 = keep ? port2 : port1;

        int n = 0;
        BinaryPrimitives.WriteUInt16BigEndian(input, seed); n += 2;
        a1.CopyTo(input[n..]); n += a1.Length;
        a2.CopyTo(input[n..]); n += a2.Length;
        input[n++] = protocol;
        input[n++] = 0;
        if (hasPorts)
        {
            BinaryPrimitives.WriteUInt16BigEndian(input[n..], p1); n += 2;
            BinaryPrimitives.WriteUInt16BigEndian(input[n..], p2); n += 2;
        }
        return n;
    }

    /// <summary>
    /// For ICMP (<see cref="Icmp"/>) and ICMPv6 (<see cref="IcmpV6"/>): the message type that pairs with
    /// <paramref name="type"/> into one flow (echo request and reply, ...), or -1 when the type has none (a one-way
    /// flow, keyed by type and code and never reordered); -1 for every other protocol.
    /// </summary>
    public static int IcmpCounterpartType(byte protocol, ushort type) =>
        protocol == Icmp ? IcmpCounterpart(type) : protocol == IcmpV6 ? IcmpV6Counterpart(type) : -1;

    private static bool IsLess(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ushort portA, ushort portB)
    {
        int c = a.SequenceCompareTo(b);
        return c < 0 || (c == 0 && portA < portB);
    }

    // ICMPv4 pairs (Zeek's ICMP4_counterpart): echo, timestamp, information, router solicitation, address mask.
    // Router advertisement (9) has no entry, as in the specification's reference implementation.
    private static int IcmpCounterpart(ushort type) => type switch
    {
        8 => 0, 0 => 8,
        13 => 14, 14 => 13,
        15 => 16, 16 => 15,
        10 => 9,
        17 => 18, 18 => 17,
        _ => -1,
    };

    // ICMPv6 pairs: echo, router and neighbor discovery, MLD query/report, who-are-you, home agent discovery.
    private static int IcmpV6Counterpart(ushort type) => type switch
    {
        128 => 129, 129 => 128,
        133 => 134, 134 => 133,
        135 => 136, 136 => 135,
        130 => 131, 131 => 130,
        139 => 140, 140 => 139,
        144 => 145, 145 => 144,
        _ => -1,
    };
}
