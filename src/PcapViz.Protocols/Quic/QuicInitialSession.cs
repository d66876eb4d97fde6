using PcapViz.Protocols.Tls;

namespace PcapViz.Protocols.Quic;

/// <summary>Caps of a <see cref="QuicInitialSession"/>.</summary>
public sealed record QuicLimits
{
    /// <summary>CRYPTO bytes kept per direction from offset 0 (64 KiB, the ClientHello cap of TLS).</summary>
    public int MaxCryptoBytes { get; init; } = 64 * 1024;

    /// <summary>Key sets derived, one per version and Destination Connection ID: the first client Initial's DCID
    /// in its version and the other supported version (a server may answer in either), then later client DCIDs
    /// (after a Retry).</summary>
    public int MaxConnectionIds { get; init; } = 4;

    /// <summary>Defaults as documented on each property.</summary>
    public static QuicLimits Default { get; } = new();
}

/// <summary>
/// The Initial packets of one QUIC connection, both directions: decrypts them with the keys every observer can
/// derive from the client's Destination Connection ID (RFC 9001 §5.2; v1 and v2), reassembles the CRYPTO
/// frames of each direction across packets and datagrams, and reads the ClientHello and ServerHello from them.
/// Nothing but Initial packets is decrypted. Feed it the UDP payloads of the connection in capture order.
/// </summary>
public sealed class QuicInitialSession : IDisposable
{
    private readonly QuicLimits _limits;
    private readonly List<(uint Version, byte[] Dcid, QuicPacketProtection Client, QuicPacketProtection Server)> _keys = [];
    private readonly QuicCryptoStream _clientCrypto, _serverCrypto;
    private readonly HandshakeMessageAssembler _clientMessages, _serverMessages;
    private int _clientFed, _serverFed;
    private byte[] _scratch = new byte[2048];

    /// <summary>A session with the given caps (default: <see cref="QuicLimits.Default"/>).</summary>
    public QuicInitialSession(QuicLimits? limits = null)
    {
        _limits = limits ?? QuicLimits.Default;
        _clientCrypto = new QuicCryptoStream(_limits.MaxCryptoBytes);
        _serverCrypto = new QuicCryptoStream(_limits.MaxCryptoBytes);
        var tls = new TlsReassemblyLimits { MaxHelloBytes = _limits.MaxCryptoBytes, MaxQueuedMessages = 4 };
        _clientMessages = new HandshakeMessageAssembler(tls);
        _serverMessages = new HandshakeMessageAssembler(tls);
    }

    /// <summary>The version of the first client Initial packet (0 until one was seen).</summary>
    public uint Version { get; private set; }

    /// <summary>The Destination Connection ID of the first client Initial: the keys come from it.</summary>
    public ReadOnlyMemory<byte> OriginalDestinationConnectionId { get; private set; }

    /// <summary>Initial packets decrypted (both directions).</summary>
    public int InitialPacketsDecrypted { get; private set; }

    /// <summary>Initial packets that could not be decrypted (no keys yet, tag mismatch, too short).</summary>
    public int InitialPacketsUndecryptable { get; private set; }

    /// <summary>Packets of a walk that ended early: unknown frame type or a frame past the payload.</summary>
    public int FrameErrors { get; private set; }

    /// <summary>The client's ClientHello, once its CRYPTO data is whole (possibly partial: see
    /// <see cref="ClientHelloTruncated"/>).</summary>
    public TlsClientHello? ClientHello { get; private set; }

    /// <summary>True when the ClientHello was longer than the CRYPTO cap and was read from the bytes kept.</summary>
    public bool ClientHelloTruncated { get; private set; }

    /// <summary>The server's first ServerHello (or HelloRetryRequest).</summary>
    public TlsServerHello? ServerHello { get; private set; }

    /// <summary>True when CRYPTO data was dropped at a cap in either direction.</summary>
    public bool CryptoTruncated => _clientCrypto.Truncated || _serverCrypto.Truncated;

    /// <summary>
    /// Reads one UDP payload: every coalesced long-header packet in it, up to a short-header packet or anything
    /// unreadable. Returns how many Initial packets of it were decrypted. Never throws for malformed input.
    /// </summary>
    public int ProcessDatagram(ReadOnlySpan<byte> datagram, bool fromClient)
    {
        int decrypted = 0;
        while (!datagram.IsEmpty)
        {
            if (!QuicLongHeader.TryParse(datagram, out var header)) break;
            int length = header.PacketLength;
            if (length <= 0 || length > datagram.Length) break;
            if (header.IsInitial)
            {
                if (DecryptInitial(datagram[..length], header, fromClient)) decrypted++;
                else InitialPacketsUndecryptable++;
            }
            if (header.PacketNumberOffset == 0) break; // no Length field: the packet fills the datagram
            datagram = datagram[length..];
        }
        return decrypted;
    }

    private bool DecryptInitial(ReadOnlySpan<byte> packet, QuicLongHeader header, bool fromClient)
    {
        if (fromClient) AddKeys(header.Version, header.DestinationConnectionId);
        if (_scratch.Length < packet.Length) _scratch = new byte[Math.Max(packet.Length, _scratch.Length * 2)];
        foreach (var k in _keys)
        {
            if (k.Version != header.Version) continue;
            int n = (fromClient ? k.Client : k.Server).Decrypt(packet, header.PacketNumberOffset, _scratch, out _);
            if (n < 0) continue;
            InitialPacketsDecrypted++;
            var crypto = fromClient ? _clientCrypto : _serverCrypto;
            var result = QuicFrameWalker.Walk(_scratch.AsSpan(0, n), crypto.Add, out _);
            if (result is QuicFrameWalkResult.UnknownFrame or QuicFrameWalkResult.Malformed) FrameErrors++;
            ReadMessages(fromClient);
            return true;
        }
        return false;
    }

    private void AddKeys(uint version, ReadOnlySpan<byte> dcid)
    {
        foreach (var k in _keys) if (k.Version == version && dcid.SequenceEqual(k.Dcid)) return;
        if (_keys.Count >= Math.Max(1, _limits.MaxConnectionIds)) return;
        var client = QuicInitialKeys.Derive(version, dcid, server: false);
        var server = QuicInitialKeys.Derive(version, dcid, server: true);
        if (client is null || server is null) return;
        if (_keys.Count == 0)
        {
            Version = version;
            OriginalDestinationConnectionId = dcid.ToArray();
        }
        _keys.Add((version, dcid.ToArray(), new QuicPacketProtection(client), new QuicPacketProtection(server)));
        // A server may answer in another compatible version (RFC 9368): its keys come from the same DCID.
        uint other = version == QuicVersion.V1 ? QuicVersion.V2 : QuicVersion.V1;
        bool known = false;
        foreach (var k in _keys) known |= k.Version == other && dcid.SequenceEqual(k.Dcid);
        if (_keys.Count < Math.Max(1, _limits.MaxConnectionIds) && !known)
        {
            _keys.Add((other, dcid.ToArray(),
                new QuicPacketProtection(QuicInitialKeys.Derive(other, dcid, server: false)!),
                new QuicPacketProtection(QuicInitialKeys.Derive(other, dcid, server: true)!)));
        }
    }

    private void ReadMessages(bool fromClient)
    {
        var crypto = fromClient ? _clientCrypto : _serverCrypto;
        var messages = fromClient ? _clientMessages : _serverMessages;
        ref int fed = ref fromClient ? ref _clientFed : ref _serverFed;
        var available = crypto.Contiguous;
        if (available.Length > fed)
        {
            messages.Append(available[fed..]);
            fed = available.Length;
        }
        while (messages.TryDequeue(out var m))
        {
            if (fromClient && m.Type == TlsHandshakeType.ClientHello && ClientHello is null)
            {
                ClientHello = TlsClientHello.Parse(m.Body.Span);
                ClientHelloTruncated = m.Truncated;
            }
            else if (!fromClient && m.Type == TlsHandshakeType.ServerHello && ServerHello is null)
            {
                ServerHello = TlsServerHello.Parse(m.Body.Span);
            }
        }
        // A ClientHello cut by the cap never completes as a message: read what is kept once the cap is full.
        if (fromClient && ClientHello is null && _clientCrypto.Truncated && available.Length >= 4 && available[0] == TlsHandshakeType.ClientHello)
        {
            ClientHello = TlsClientHello.Parse(available[4..]);
            ClientHelloTruncated = true;
        }
    }

    /// <summary>Releases the AES objects of the derived keys.</summary>
    public void Dispose()
    {
        foreach (var k in _keys)
        {
            k.Client.Dispose();
            k.Server.Dispose();
        }
        _keys.Clear();
    }
}
