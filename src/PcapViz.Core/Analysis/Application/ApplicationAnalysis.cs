using System.Buffers.Binary;
using PcapViz.Decoding;
using PcapViz.Model;
using PcapViz.Protocols.Quic;

namespace PcapViz.Analysis.Application;

/// <summary>
/// The application layer of the single pass (docs/analysis.md, "Server names, fingerprints, certificates, HTTP"):
/// TLS hellos and certificates over TCP (also after STARTTLS and inside HTTP CONNECT tunnels), QUIC v1/v2 Initial
/// ClientHellos, HTTP/1.x request heads and response status. A connection is read only when its first payload bytes
/// look like one of those (or a STARTTLS port is one of its ports); every other packet costs a port and first-byte
/// check and, while connections are open, one lookup in their table, and allocates nothing. State is bounded
/// (<see cref="ApplicationConnection"/> for the caps per connection, <see cref="MaxConnections"/> connections).
/// </summary>
internal sealed class ApplicationAnalysis(int maxDistinct)
{
    /// <summary>Connections read at once; a candidate beyond it waits for idle ones to be dropped, else is not read.</summary>
    public const int MaxConnections = 4096;

    /// <summary>A connection with no packet for this long (capture time) may be dropped to make room.</summary>
    public const long IdleNanos = 120L * 1_000_000_000;

    private readonly Dictionary<ConnectionKey, ApplicationConnection> _connections = [];
    private long _connectionsSeen, _notTracked, _lastSweep = long.MinValue;

    public ApplicationTables Tables { get; } = new(maxDistinct);

    /// <summary>The ports a clear-text protocol that may switch to TLS listens on (SMTP, submission, IMAP, POP3, XMPP).</summary>
    internal static bool IsStartTlsPort(ushort port) => port is 25 or 587 or 143 or 110 or 5222;

    /// <summary>A packet a worker of a parallel pass must keep for the in-order replay: it may belong to a connection read here.</summary>
    public static bool MayMatter(ref PacketView view) =>
        (view.Transport == TransportProtocol.Tcp && !view.Payload.IsEmpty)
        || (view.Transport == TransportProtocol.Udp && view.Payload.Length > 6 && (view.Payload[0] & 0x80) != 0);

    public void Observe(ref PacketView view, long nanos)
    {
        if (view.Transport == TransportProtocol.Tcp) ObserveTcp(ref view, nanos);
        else if (view.Transport == TransportProtocol.Udp) ObserveUdp(ref view, nanos);
    }

    private void ObserveTcp(ref PacketView view, long nanos)
    {
        var payload = view.Payload;
        bool closing = (view.TcpFlags & (TransportFields.TcpFin | TransportFields.TcpRst)) != 0;
        if (payload.IsEmpty && !closing) return;
        ApplicationConnection? connection = null;
        var key = default(ConnectionKey);
        if (_connections.Count > 0 && ConnectionKey.TryFrom(ref view, out key)) _connections.TryGetValue(key, out connection);
        if (connection is null)
        {
            if (payload.IsEmpty) return;
            var kind = ApplicationConnection.Classify(payload, view.SourcePort, view.DestinationPort, out bool fromServer);
            if (kind == ConnectionKind.None || !ConnectionKey.TryFrom(ref view, out key)) return;
            connection = Open(key, ref view, kind, nanos, fromServer);
            if (connection is null) return;
        }
        connection.LastNanos = nanos;
        if (!payload.IsEmpty) connection.OnTcpSegment(ref view, nanos, Tables);
        if (closing) connection.OnClose(ref view);
        if (connection.Finished) Close(key, connection);
    }

    private void ObserveUdp(ref PacketView view, long nanos)
    {
        var payload = view.Payload;
        // A long header (first bit set) with a version: short-header packets and other UDP never go further.
        if (payload.Length < 7 || (payload[0] & 0x80) == 0) return;
        ApplicationConnection? connection = null;
        var key = default(ConnectionKey);
        if (_connections.Count > 0 && ConnectionKey.TryFrom(ref view, out key)) _connections.TryGetValue(key, out connection);
        if (connection is null)
        {
            uint version = BinaryPrimitives.ReadUInt32BigEndian(payload[1..]);
            if ((payload[0] & 0x40) == 0 || !QuicVersion.IsSupported(version) || ((payload[0] >> 4) & 3) != (version == QuicVersion.V2 ? 1 : 0)) return;
            if (payload.Length < 1200 || !ConnectionKey.TryFrom(ref view, out key)) return; // a client's Initial is padded to 1200 bytes (RFC 9000 §14.1)
            connection = Open(key, ref view, ConnectionKind.Quic, nanos, fromServer: false);
            if (connection is null) return;
        }
        connection.LastNanos = nanos;
        connection.OnQuicDatagram(ref view, Tables);
        if (connection.Finished) Close(key, connection);
    }

    private ApplicationConnection? Open(ConnectionKey key, ref PacketView view, ConnectionKind kind, long nanos, bool fromServer)
    {
        if (_connections.Count >= MaxConnections) SweepIdle(nanos);
        if (_connections.Count >= MaxConnections)
        {
            _notTracked++;
            return null;
        }
        var connection = new ApplicationConnection(ref view, kind, fromServer, _connectionsSeen);
        _connections.Add(key, connection);
        _connectionsSeen++;
        return connection;
    }

    private void SweepIdle(long nanos)
    {
        // At most one sweep per second of capture time, so a flood of new connections does not scan the table each time.
        if (nanos - _lastSweep < 1_000_000_000) return;
        _lastSweep = nanos;
        foreach (var (key, c) in _connections.Where(p => nanos - p.Value.LastNanos > IdleNanos).ToList()) Close(key, c);
    }

    private void Close(ConnectionKey key, ApplicationConnection connection)
    {
        connection.Finish(Tables);
        connection.Dispose();
        _connections.Remove(key);
        Tables.Counters = Tables.Counters.Add(new ApplicationCounters(0, 0, connection.CutAtLimit, connection.Gaps));
    }

    /// <summary>End of the capture: what open connections hold (requests never answered) is counted. Idempotent.</summary>
    public void Complete()
    {
        foreach (var (key, c) in _connections.OrderBy(p => p.Value.Order).ToList()) Close(key, c);
        Tables.Counters = Tables.Counters.Add(new ApplicationCounters(_connectionsSeen, _notTracked, 0, 0));
        _connectionsSeen = _notTracked = 0;
    }

    public void Merge(ApplicationAnalysis other) => Tables.Merge(other.Tables);
}

/// <summary>The transport 5-tuple of a connection, the same for both directions (the lower endpoint first).</summary>
internal readonly record struct ConnectionKey(AddressKey Low, AddressKey High, ushort LowPort, ushort HighPort, byte Protocol)
{
    public static bool TryFrom(ref PacketView view, out ConnectionKey key)
    {
        key = default;
        if (!AddressKey.TryFrom(view.FlowSource, out var s) || !AddressKey.TryFrom(view.FlowDestination, out var d)) return false;
        int c = s.CompareTo(d);
        key = c < 0 || (c == 0 && view.SourcePort <= view.DestinationPort)
            ? new ConnectionKey(s, d, view.SourcePort, view.DestinationPort, (byte)view.Transport)
            : new ConnectionKey(d, s, view.DestinationPort, view.SourcePort, (byte)view.Transport);
        return true;
    }
}
