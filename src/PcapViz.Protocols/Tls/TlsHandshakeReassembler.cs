namespace PcapViz.Protocols.Tls;

/// <summary>Where a <see cref="TlsHandshakeReassembler"/> stands.</summary>
public enum TlsStreamState
{
    /// <summary>Reading records; handshake messages are still in the clear.</summary>
    Handshake,
    /// <summary>Application data was seen: what follows is encrypted and is not read. (After ChangeCipherSpec
    /// only a record that starts a whole ClientHello is still read.)</summary>
    Encrypted,
    /// <summary>The bytes do not frame as TLS records (unknown content type, unknown major version, or a record
    /// longer than TLS allows). Nothing more is read.</summary>
    NotTls,
    /// <summary>An SSL 2.0 CLIENT-HELLO (a two-byte record header with the high bit set) was read whole; it is in
    /// <see cref="TlsHandshakeReassembler.SslV2ClientHello"/> and nothing more is read.</summary>
    SslV2,
}

/// <summary>
/// Accepts the TCP payload of one direction in stream order, in pieces of any size, and yields complete handshake
/// messages from the TLS record layer (content type 22) — a ClientHello spread over many segments or records comes
/// out whole. Every length is checked: a record may not exceed 2^14 + 2048 bytes (RFC 5246 §6.2.3), and a message
/// body is kept only up to its cap (<see cref="TlsReassemblyLimits"/>); the rest is skipped, never buffered.
/// Memory per stream is the kept bodies plus a few counters.
/// </summary>
public sealed class TlsHandshakeReassembler
{
    private const int RecordHeaderLength = 5;
    private const int MaxRecordLength = (1 << 14) + 2048;
    private const int ProbeLength = 6; // handshake header and legacy_version of a ClientHello
    private const byte ContentChangeCipherSpec = 20, ContentHandshake = 22, ContentApplicationData = 23, ContentHeartbeat = 24;

    private readonly HandshakeMessageAssembler _messages;
    private readonly byte[] _header = new byte[RecordHeaderLength];
    private int _headerFilled;
    private int _recordRemaining;
    private byte _recordType;
    private byte[]? _sslV2;
    private bool _changeCipherSpecSeen, _skipRecord, _checkRecordStart;
    private readonly byte[] _probe = new byte[ProbeLength];
    private int _probeFilled;
    private int _sslV2Filled;
    private int _sslV2Length; // the length its header declared; _sslV2 grows with the bytes that arrive

    /// <summary>A reassembler with the given caps (default: <see cref="TlsReassemblyLimits.Default"/>).</summary>
    public TlsHandshakeReassembler(TlsReassemblyLimits? limits = null)
    {
        _messages = new HandshakeMessageAssembler(limits ?? TlsReassemblyLimits.Default);
    }

    /// <summary>Where the stream stands; once not <see cref="TlsStreamState.Handshake"/>, appended bytes are ignored.</summary>
    public TlsStreamState State { get; private set; }

    /// <summary>The record-layer version of the first record (0 until one was read).</summary>
    public ushort RecordVersion { get; private set; }

    /// <summary>Bytes accepted by <see cref="Append"/> while reading (ignored bytes are not counted).</summary>
    public long BytesRead { get; private set; }

    /// <summary>Complete messages not queued because the queue was full.</summary>
    public long MessagesDropped => _messages.MessagesDropped;

    /// <summary>Feeds the next bytes of the stream.</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty && State == TlsStreamState.Handshake)
        {
            if (_sslV2 is not null) { AppendSslV2(ref data); continue; }
            if (_headerFilled < RecordHeaderLength)
            {
                // A first byte with the high bit set can only be an SSL 2.0 record header (two bytes).
                bool sslV2 = BytesRead < 2 && ((_headerFilled > 0 ? _header[0] : data[0]) & 0x80) != 0;
                int want = sslV2 ? 2 : RecordHeaderLength;
                int take = Math.Min(want - _headerFilled, data.Length);
                data[..take].CopyTo(_header.AsSpan(_headerFilled));
                _headerFilled += take;
                BytesRead += take;
                data = data[take..];
                if (_headerFilled < want) return;
                if (sslV2)
                {
                    if (!StartSslV2()) State = TlsStreamState.NotTls;
                    continue;
                }
                if (!StartRecord()) return;
                continue;
            }

            if (_checkRecordStart)
            {
                // The first bytes of the record decide (they may come in several pieces): a ClientHello header with
                // a length up to 64 KiB and a legacy_version of 3.x is read, anything else is skipped as encrypted.
                int take = Math.Min(Math.Min(ProbeLength - _probeFilled, _recordRemaining), data.Length);
                data[..take].CopyTo(_probe.AsSpan(_probeFilled));
                _probeFilled += take;
                _recordRemaining -= take;
                BytesRead += take;
                data = data[take..];
                if (_probeFilled < ProbeLength && _recordRemaining > 0) return;
                _checkRecordStart = false;
                int declared = (_probe[1] << 16) | (_probe[2] << 8) | _probe[3];
                _skipRecord = !(_probeFilled == ProbeLength && _probe[0] == TlsHandshakeType.ClientHello
                                && declared <= 1 << 16 && _probe[4] == 3 && _probe[5] <= 4);
                if (!_skipRecord) _messages.Append(_probe);
                _probeFilled = 0;
                if (_recordRemaining == 0) EndRecord();
                continue;
            }

            int chunk = Math.Min(_recordRemaining, data.Length);
            if (_recordType == ContentHandshake && !_skipRecord) _messages.Append(data[..chunk]);
            _recordRemaining -= chunk;
            BytesRead += chunk;
            data = data[chunk..];
            if (_recordRemaining == 0) EndRecord();
        }
    }

    /// <summary>Takes the next complete handshake message, if any.</summary>
    public bool TryDequeue(out TlsHandshakeMessage message) => _messages.TryDequeue(out message);

    private bool StartRecord()
    {
        _recordType = _header[0];
        ushort version = (ushort)((_header[1] << 8) | _header[2]);
        int length = (_header[3] << 8) | _header[4];
        bool knownType = _recordType is >= ContentChangeCipherSpec and <= ContentHeartbeat;
        if (!knownType || _header[1] != 3 || length > MaxRecordLength)
        {
            State = TlsStreamState.NotTls;
            return false;
        }
        if (RecordVersion == 0) RecordVersion = version;
        if (_recordType == ContentApplicationData)
        {
            State = TlsStreamState.Encrypted;
            return false;
        }
        if (_recordType == ContentChangeCipherSpec) _changeCipherSpecSeen = true;
        _recordRemaining = length;
        // After ChangeCipherSpec, TLS 1.2 handshake records are encrypted (Finished); TLS 1.3 middlebox-compatible
        // clients send ChangeCipherSpec before a second, clear ClientHello (after a HelloRetryRequest). So a
        // handshake record is read after ChangeCipherSpec only when it starts what looks like a ClientHello (type 1,
        // length up to 64 KiB, legacy_version 3.x), or continues one (a message in progress was accepted).
        _skipRecord = false;
        _checkRecordStart = _recordType == ContentHandshake && _changeCipherSpecSeen && _messages.AtMessageBoundary;
        if (length == 0) EndRecord();
        return true;
    }

    // Alerts and heartbeats are skipped like any record that is not a handshake record.
    private void EndRecord()
    {
        _headerFilled = 0;
        _checkRecordStart = false;
        _probeFilled = 0;
    }

    // SSL 2.0 record: 2-byte header with the high bit set and a 15-bit length, then message type 1 (CLIENT-HELLO).
    private bool StartSslV2()
    {
        int length = ((_header[0] & 0x7f) << 8) | _header[1];
        if (length < 9) return false;
        _sslV2 = [];
        _sslV2Length = length;
        _sslV2Filled = 0;
        return true;
    }

    private void AppendSslV2(ref ReadOnlySpan<byte> data)
    {
        int take = Math.Min(_sslV2Length - _sslV2Filled, data.Length);
        if (_sslV2!.Length < _sslV2Filled + take)
            Array.Resize(ref _sslV2, Math.Min(_sslV2Length, Math.Max(_sslV2Filled + take, Math.Max(256, 2 * _sslV2.Length))));
        data[..take].CopyTo(_sslV2.AsSpan(_sslV2Filled));
        _sslV2Filled += take;
        BytesRead += take;
        data = data[take..];
        if (_sslV2Filled < _sslV2Length) return;
        if (_sslV2[0] != TlsHandshakeType.ClientHello) { State = TlsStreamState.NotTls; return; }
        var message = new TlsHandshakeMessage(TlsHandshakeType.ClientHello, _sslV2Length - 1, _sslV2.AsMemory(1, _sslV2Length - 1), 2);
        _sslV2Message = message;
        State = TlsStreamState.SslV2;
    }

    private TlsHandshakeMessage? _sslV2Message;

    /// <summary>The body of an SSL 2.0 CLIENT-HELLO (after its type byte) when <see cref="State"/> is
    /// <see cref="TlsStreamState.SslV2"/>: version, cipher-spec, session-id and challenge lengths, then the data.</summary>
    public TlsHandshakeMessage? SslV2ClientHello => _sslV2Message;
}
