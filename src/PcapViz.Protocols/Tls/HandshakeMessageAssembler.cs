namespace PcapViz.Protocols.Tls;

/// <summary>
/// Cuts a handshake byte stream (TLS record bodies of content type 22, or QUIC CRYPTO data, in order) into
/// messages: a 4-byte header (type, 24-bit length), then the body. Keeps at most the cap of each type and skips the
/// rest of a longer body without buffering it, so memory stays bounded whatever a length claims. The body buffer
/// grows with the bytes that arrive (doubling, up to the kept length): a header alone allocates nothing.
/// </summary>
internal sealed class HandshakeMessageAssembler
{
    private readonly TlsReassemblyLimits _limits;
    private readonly Queue<TlsHandshakeMessage> _queue = new();
    private readonly byte[] _header = new byte[4];
    private int _headerFilled;
    private byte _type;
    private int _declared;
    private int _remaining;      // body bytes still to come for the current message
    private byte[] _body = [];   // kept bytes of the current body (at most the cap), grown as they arrive
    private int _bodyFilled;
    private int _keep;           // body bytes to keep: min(declared, cap)
    private long _offset;        // stream offset of the next byte
    private long _messageOffset;

    public HandshakeMessageAssembler(TlsReassemblyLimits limits) => _limits = limits;

    public int Queued => _queue.Count;

    /// <summary>True between messages (no header or body byte of a message pending).</summary>
    public bool AtMessageBoundary => _headerFilled == 0;

    public long MessagesDropped { get; private set; }

    public long BytesSeen => _offset;

    public bool TryDequeue(out TlsHandshakeMessage message)
    {
        if (_queue.Count > 0) { message = _queue.Dequeue(); return true; }
        message = null!;
        return false;
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (_headerFilled < 4)
            {
                if (_headerFilled == 0) _messageOffset = _offset;
                int take = Math.Min(4 - _headerFilled, data.Length);
                data[..take].CopyTo(_header.AsSpan(_headerFilled));
                _headerFilled += take;
                _offset += take;
                data = data[take..];
                if (_headerFilled < 4) return;
                _type = _header[0];
                _declared = (_header[1] << 16) | (_header[2] << 8) | _header[3];
                _remaining = _declared;
                _keep = Math.Min(_declared, _limits.CapFor(_type));
                _body = [];
                _bodyFilled = 0;
                if (_remaining == 0) Complete();
                continue;
            }

            int chunk = Math.Min(_remaining, data.Length);
            int copy = Math.Min(_keep - _bodyFilled, chunk);
            if (copy > 0)
            {
                if (_body.Length < _bodyFilled + copy)
                    Array.Resize(ref _body, Math.Min(_keep, Math.Max(_bodyFilled + copy, Math.Max(256, 2 * _body.Length))));
                data[..copy].CopyTo(_body.AsSpan(_bodyFilled));
                _bodyFilled += copy;
            }
            _remaining -= chunk;
            _offset += chunk;
            data = data[chunk..];
            if (_remaining == 0) Complete();
        }
    }

    private void Complete()
    {
        var message = new TlsHandshakeMessage(_type, _declared, _body.AsMemory(0, _bodyFilled), _messageOffset);
        if (_queue.Count < Math.Max(1, _limits.MaxQueuedMessages)) _queue.Enqueue(message);
        else MessagesDropped++;
        _headerFilled = 0;
        _body = [];
        _bodyFilled = 0;
    }
}
