using System.Buffers.Binary;

namespace PcapViz.Model;

/// <summary>TCP flags seen in a flow, in either direction (docs/analysis.md, "5. Conversations").</summary>
[Flags]
public enum TcpFlagsSeen : byte
{
    /// <summary>No TCP flag of interest (or not TCP).</summary>
    None = 0,
    /// <summary>A SYN without ACK: a connection was opened.</summary>
    Syn = 1,
    /// <summary>A SYN with ACK: the other side accepted.</summary>
    SynAck = 2,
    /// <summary>A FIN: a side closed its direction.</summary>
    Fin = 4,
    /// <summary>A RST: the connection was reset.</summary>
    Rst = 8,
}

/// <summary>
/// One bidirectional flow: the transport 5-tuple of the outermost IP header, endpoints in Community ID order
/// (A is the smaller address, or the smaller port for equal addresses; for one-way ICMP types A is the sender).
/// For ICMP and ICMPv6 the ports are those of the Community ID: the message type and its counterpart type (or the
/// code, for types without one). Other protocols have ports 0.
/// </summary>
public sealed record ConversationEntry(
    int Protocol,
    int Version,
    string AddressA,
    int PortA,
    string AddressB,
    int PortB,
    long PacketsAToB,
    long IpBytesAToB,
    long PacketsBToA,
    long IpBytesBToA,
    long FirstPacketEpochNanos,
    long LastPacketEpochNanos,
    TcpFlagsSeen TcpFlags,
    // Community ID v1, seed 0 (written as "1:" and base64).
    CommunityIdHash CommunityId)
{
    /// <summary>Packets in both directions.</summary>
    public long Packets => PacketsAToB + PacketsBToA;

    /// <summary>IP bytes in both directions.</summary>
    public long IpBytes => IpBytesAToB + IpBytesBToA;

    /// <summary>Both a SYN and a SYN-ACK were seen.</summary>
    public bool HandshakeSeen => (TcpFlags & (TcpFlagsSeen.Syn | TcpFlagsSeen.SynAck)) == (TcpFlagsSeen.Syn | TcpFlagsSeen.SynAck);
}

/// <summary>
/// A Community ID v1 held as its 20-byte SHA-1 (24 bytes inline instead of an 88-byte string per flow); written as
/// the text every tool shows, "1:" and base64, by <see cref="ToString"/>.
/// </summary>
public readonly record struct CommunityIdHash(ulong First, ulong Second, uint Third)
{
    private const int HashLength = 20;

    /// <summary>Length of the text form: "1:" and 28 base64 characters.</summary>
    public const int TextLength = 30;

    /// <summary>"1:" and the base64 of the hash.</summary>
    public override string ToString()
    {
        Span<byte> utf8 = stackalloc byte[TextLength];
        WriteUtf8(utf8);
        return System.Text.Encoding.ASCII.GetString(utf8);
    }

    /// <summary>The text form as ASCII bytes into <paramref name="utf8"/> (at least <see cref="TextLength"/> bytes).</summary>
    public void WriteUtf8(Span<byte> utf8)
    {
        Span<byte> hash = stackalloc byte[HashLength];
        BinaryPrimitives.WriteUInt64BigEndian(hash, First);
        BinaryPrimitives.WriteUInt64BigEndian(hash[8..], Second);
        BinaryPrimitives.WriteUInt32BigEndian(hash[16..], Third);
        utf8[0] = (byte)'1';
        utf8[1] = (byte)':';
        System.Buffers.Text.Base64.EncodeToUtf8(hash, utf8[2..], out _, out _);
    }

    /// <summary>The hash from its 20 bytes (<paramref name="hash"/> holds at least that many).</summary>
    public static CommunityIdHash FromBytes(ReadOnlySpan<byte> hash) => new(BinaryPrimitives.ReadUInt64BigEndian(hash),
        BinaryPrimitives.ReadUInt64BigEndian(hash[8..]), BinaryPrimitives.ReadUInt32BigEndian(hash[16..]));

    /// <summary>Reads "1:" and base64 of 20 bytes; false for anything else.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out CommunityIdHash value)
    {
        value = default;
        Span<byte> hash = stackalloc byte[HashLength + 2];
        if (!text.StartsWith("1:", StringComparison.Ordinal) || !Convert.TryFromBase64Chars(text[2..], hash, out int written) || written != HashLength)
            return false;
        value = new CommunityIdHash(BinaryPrimitives.ReadUInt64BigEndian(hash), BinaryPrimitives.ReadUInt64BigEndian(hash[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(hash[16..]));
        return true;
    }

    internal static CommunityIdHash Parse(string? text) => TryParse(text, out var value) ? value
        : throw new InvalidDataException($"'{text}' is not a Community ID v1 (\"1:\" and the base64 of 20 bytes).");
}

/// <summary>Every flow of a capture (up to the distinct limit), most IP bytes first.</summary>
public sealed record ConversationResult(IReadOnlyList<ConversationEntry> Entries, DistinctLimit Limit)
{
    internal static ConversationResult Empty { get; } = new([], DistinctLimit.NotExceeded(AnalysisSettings.DefaultMaxDistinct));

    /// <summary>Packets of every flow: those listed plus those folded into "other".</summary>
    internal long TotalPackets => Entries.Sum(e => e.Packets) + Limit.OtherPackets;

    /// <summary>
    /// The listed flows by address pair (A and B in the flows' order), most IP bytes first (then A, B); at most
    /// <paramref name="count"/>. The one place pages and PDFs take "top address pairs" from.
    /// </summary>
    public IReadOnlyList<AddressPair> TopAddressPairs(int count)
    {
        // Counters in place (a record per flow made 184,000 objects for a scan's flows).
        var pairs = new Dictionary<(string, string), (long Flows, long Packets, long IpBytes)>(Entries.Count);
        foreach (var e in Entries)
        {
            ref var p = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(pairs, (e.AddressA, e.AddressB), out _);
            p = (p.Flows + 1, p.Packets + e.Packets, p.IpBytes + e.IpBytes);
        }
        return pairs
            .OrderByDescending(p => p.Value.IpBytes).ThenBy(p => p.Key.Item1, StringComparer.Ordinal).ThenBy(p => p.Key.Item2, StringComparer.Ordinal)
            .Take(count)
            .Select(p => new AddressPair(p.Key.Item1, p.Key.Item2, p.Value.Flows, p.Value.Packets, p.Value.IpBytes))
            .ToArray();
    }

    /// <summary>The listed TCP, UDP and SCTP flows by server port and transport, most IP bytes first.</summary>
    public IReadOnlyList<ServiceEntry> Services { get; init; } = [];

    /// <summary>Client → server pairs with enough connections to score, highest score first (docs/analysis.md, "7. Beacons").</summary>
    public IReadOnlyList<BeaconEntry> Beacons { get; init; } = [];

    /// <summary>What the run's beacons need of this capture (docs/analysis.md, "7. Beacons"): the starts and client bytes
    /// of the pairs with at least two connections, bounded (<see cref="BeaconSamples"/>).</summary>
    public BeaconSamples BeaconSamples { get; init; } = BeaconSamples.Empty;

    /// <summary>
    /// The listed flows that lasted at least <see cref="BeaconEntry.LongConnectionNanos"/>, longest first (then most IP
    /// bytes, then Community ID), at most <see cref="BeaconEntry.MaxLongConnections"/>: derived from the flows, never stored.
    /// </summary>
    public IReadOnlyList<ConversationEntry> LongConnections() => Entries
        .Where(e => e.LastPacketEpochNanos - e.FirstPacketEpochNanos >= BeaconEntry.LongConnectionNanos)
        .OrderByDescending(e => e.LastPacketEpochNanos - e.FirstPacketEpochNanos)
        .ThenByDescending(e => e.IpBytes)
        .ThenBy(e => e.CommunityId.ToString(), StringComparer.Ordinal)
        .Take(BeaconEntry.MaxLongConnections)
        .ToArray();
}

/// <summary>
/// One service: a server port and transport, over every flow of a capture whose server side used it
/// (docs/analysis.md, "6. Services"), with the registry's name of the port when the shipped subset has one.
/// </summary>
public sealed record ServiceEntry(
    int Protocol,
    int Port,
    // The IANA service name (PcapViz.Context.ServiceNames), or null for a port not listed.
    string? Name,
    long Flows,
    // Distinct client addresses.
    long Clients,
    // Distinct server addresses.
    long Servers,
    long Packets,
    long IpBytesToServer,
    long IpBytesFromServer)
{
    /// <summary>IP bytes in both directions.</summary>
    public long IpBytes => IpBytesToServer + IpBytesFromServer;
}

/// <summary>Two addresses and what their listed flows carried (<see cref="ConversationResult.TopAddressPairs"/>).</summary>
public sealed record AddressPair(string AddressA, string AddressB, long Flows, long Packets, long IpBytes);

/// <summary>
/// A client → server pair scored for beaconing (docs/analysis.md, "7. Beacons"): its connections (flows) are
/// <see cref="Connections"/>, their starts' intervals and the bytes the client sent give <see cref="Score"/> and its
/// four components, each in 0..1.
/// </summary>
public sealed record BeaconEntry(
    int Protocol,
    string Client,
    string Server,
    int Port,
    int Connections,
    long FirstEpochNanos,
    long LastEpochNanos,
    long MedianIntervalNanos,
    long MedianBytesSent,
    double Score,
    double IntervalRegularity,
    double IntervalSymmetry,
    double Coverage,
    double SizeRegularity,
    // The intervals between connection starts in 10 equal bins from the shortest to the longest.
    ValueList<int> IntervalHistogram,
    long ShortestIntervalNanos,
    long LongestIntervalNanos)
{
    /// <summary>A pair scoring at least this is reported as calling home (pages, PDFs, highlights, exit code 5).</summary>
    public const double Threshold = 0.8;

    /// <summary>Pairs listed per capture at most (highest scores).</summary>
    public const int MaxListed = 100;

    /// <summary>A flow lasting at least this long (one hour) is a long connection.</summary>
    public const long LongConnectionNanos = 3_600_000_000_000;

    /// <summary>Long connections listed per capture at most (longest).</summary>
    public const int MaxLongConnections = 100;

    /// <summary>True when the pair scores at least <see cref="Threshold"/>: reported as calling home.</summary>
    public bool Flagged => Score >= Threshold;
}

/// <summary>
/// The connections of one capture that the run's beacons are scored from (docs/analysis.md, "7. Beacons"): the time the
/// capture's flows span (null without flows) and, for the pairs not ignored with at least two connections, each connection's start and the
/// bytes the client sent. Bounded: at most <see cref="MaxPairs"/> pairs (most connections first, then transport, client,
/// server, port), each with its first <see cref="MaxConnectionsPerPair"/> connections.
/// </summary>
public sealed record BeaconSamples(long? FirstEpochNanos, long? LastEpochNanos, IReadOnlyList<BeaconConnections> Pairs)
{
    internal const int MaxPairs = 256;
    internal const int MaxConnectionsPerPair = 1024;

    internal static BeaconSamples Empty { get; } = new(null, null, []);

    /// <summary>What the samples weigh against the memory budget: a pair, and a connection per 8 (a connection is two
    /// numbers, a flow entry about fifteen).</summary>
    internal long Weight => Pairs.Count + Pairs.Sum(p => (long)p.Starts.Count) / 8;
}

/// <summary>One client → server pair's connections in one capture, in order of start (then bytes sent).</summary>
public sealed record BeaconConnections(int Protocol, string Client, string Server, int Port, ValueList<long> Starts, ValueList<long> BytesSent);

/// <summary>The run's beacons (<see cref="RunResult.Beacons"/>): the time the run's flows span (null without flows) and the
/// pairs scored over it, highest score first, at most <see cref="BeaconEntry.MaxListed"/>.</summary>
public sealed record RunBeacons(long? ObservedFromEpochNanos, long? ObservedToEpochNanos, IReadOnlyList<RunBeaconEntry> Pairs)
{
    internal static RunBeacons Empty { get; } = new(null, null, []);

    /// <summary>The pairs scoring at least <see cref="BeaconEntry.Threshold"/>, in order.</summary>
    public IEnumerable<RunBeaconEntry> Flagged => Pairs.Where(p => p.Beacon.Flagged);
}

/// <summary>A pair scored over every capture of the run (<see cref="RunResult.Beacons"/>): its score and the captures
/// its connections came from.</summary>
public sealed record RunBeaconEntry(BeaconEntry Beacon, int Captures)
{
    /// <summary>The last nights the history holds with this pair beaconing, tonight included (null without --history).</summary>
    public BeaconNights? Nights { get; init; }
}

/// <summary>"Seen beaconing on <see cref="Seen"/> of the last <see cref="Runs"/> nights": runs of the history (tonight
/// included) in which the pair scored at least <see cref="BeaconEntry.Threshold"/>.</summary>
public sealed record BeaconNights(int Seen, int Runs);
