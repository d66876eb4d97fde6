using System.Buffers.Binary;
using PcapViz.Analysis;
using PcapViz.Decoding;
using PcapViz.Decoding.Reassembly;
using PcapViz.Model;
using PcapViz.Protocols.Http;
using PcapViz.Protocols.Quic;
using PcapViz.Protocols.Tls;
using PcapViz.Pseudonymisation;

namespace PcapViz.Slicing;

/// <summary>
/// The first pass of a slice by name: finds the flows whose DNS messages (question or answer names, CNAME
/// targets; over UDP, and over TCP through <see cref="TcpDnsReassembler"/>), TLS ClientHello server name (the TCP
/// stream put in order, read by <see cref="TlsHandshakeReassembler"/>), QUIC Initial server name
/// (<see cref="QuicInitialSession"/>) or HTTP/1.x request Host (<see cref="HttpHeadParser"/>, a request head at the
/// start of a TCP segment) carry one of the names. Bounded: at most <see cref="MaxFollowedFlows"/> TCP/QUIC flows are
/// followed per capture, each for at most <see cref="MaxStreamBytes"/> per direction; flows beyond are counted in
/// <see cref="FlowsNotFollowed"/>.
/// </summary>
internal sealed class FlowNameFinder : IDnsMessageSink
{
    public const int MaxFollowedFlows = 65536;
    public const int MaxStreamBytes = 64 * 1024;
    private const int MaxQuicDatagrams = 32;
    private const int MaxDnsAnswers = DnsResponseParser.MaxAnswers;

    private readonly IReadOnlyList<SliceIndicator> _names;
    private readonly HashSet<string> _matched;
    private readonly Dictionary<string, FlowState> _flows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FlowState>.AlternateLookup<ReadOnlySpan<char>> _flowsBySpan;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _matchedBySpan;
    private readonly TcpDnsReassembler _tcpDns = new();
    private readonly char[] _name = new char[DnsNameWalker.MaxPresentationLength];
    private bool _dnsHit;

    private readonly Pseudonymiser? _pseudonymiser;

    /// <param name="names">The names to find.</param>
    /// <param name="matched">Where the flows that carry one go.</param>
    /// <param name="pseudonymiser">For a pseudonymised bundle: the names are pseudonyms, compared with each name's pseudonym.</param>
    public FlowNameFinder(IReadOnlyList<SliceIndicator> names, HashSet<string> matched, Pseudonymiser? pseudonymiser = null)
    {
        _names = names;
        _pseudonymiser = pseudonymiser;
        _matched = matched;
        _flowsBySpan = _flows.GetAlternateLookup<ReadOnlySpan<char>>();
        _matchedBySpan = matched.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>TCP or QUIC flows not followed because <see cref="MaxFollowedFlows"/> were followed already.</summary>
    public long FlowsNotFollowed { get; private set; }

    private sealed class FlowState : IDisposable
    {
        public byte[] FirstSource = [];
        public ushort FirstPort;
        public TcpDirection? Forward, Backward;
        public QuicInitialSession? Quic;
        public bool QuicClientIsFirst;
        public int QuicDatagrams;
        public bool Done;

        public void Dispose()
        {
            Quic?.Dispose();
            Quic = null;
            Forward = Backward = null;
            Done = true;
        }
    }

    /// <summary>Looks at one packet of flow <paramref name="flow"/>; adds the flow to the matched set when it carries a name.</summary>
    public void Observe(ref PacketView view, ReadOnlySpan<char> flow, long packetIndex)
    {
        if (_matchedBySpan.Contains(flow)) return;
        if (Carries(ref view, flow, packetIndex)) _matched.Add(flow.ToString());
    }

    /// <summary>End of a capture: forgets the streams (flows do not continue into the next capture).</summary>
    public void Finish()
    {
        foreach (var state in _flows.Values) state.Dispose();
        _flows.Clear();
        _tcpDns.Finish(0);
    }

    private bool Carries(ref PacketView view, ReadOnlySpan<char> flow, long packetIndex)
    {
        if (view.Transport == TransportProtocol.None) return false;
        if (DnsQueryAnalysis.Classify(view.Transport, view.SourcePort, view.DestinationPort) is DnsProtocol dns)
        {
            if (view.Transport == TransportProtocol.Udp) return DnsCarries(view.Payload);
            _dnsHit = false;
            _tcpDns.Add(ref view, dns, packetIndex, this);
            return _dnsHit;
        }
        if (view.Transport == TransportProtocol.Tcp)
        {
            if (!view.Payload.IsEmpty && HttpHeadParser.ParseRequest(view.Payload, out var head, endOfData: true) is HttpParseStatus.Complete or HttpParseStatus.Partial or HttpParseStatus.TooLarge &&
                head?.Host is { } host && HostCarries(host)) return true;
            return TlsCarries(ref view, flow);
        }
        return QuicCarries(ref view, flow);
    }

    void IDnsMessageSink.OnDnsMessage(ReadOnlySpan<byte> message, DnsProtocol protocol) => _dnsHit |= DnsCarries(message);

    private bool AnyName(ReadOnlySpan<char> candidate)
    {
        // A pseudonym keeps the public suffix and replaces each label on its own, so a subdomain's pseudonym is a
        // subdomain of the pseudonym: the match is the one the bundle's names show.
        if (_pseudonymiser is not null) candidate = _pseudonymiser.Name(candidate.ToString());
        foreach (var name in _names)
            if (name.MatchesName(candidate)) return true;
        return false;
    }

    /// <summary>An HTTP Host: the name without its port (and an IPv6 literal never matches a name).</summary>
    private bool HostCarries(string host)
    {
        var h = host.AsSpan().Trim();
        if (h.StartsWith("[")) return false;
        int colon = h.IndexOf(':');
        return AnyName(colon >= 0 ? h[..colon] : h);
    }

    private bool DnsCarries(ReadOnlySpan<byte> message)
    {
        if (message.Length < DnsMessageParser.HeaderLength) return false;
        var name = _name.AsSpan();
        if (BinaryPrimitives.ReadUInt16BigEndian(message[4..]) > 0 &&
            DnsNameWalker.TryRead(message, DnsMessageParser.HeaderLength, name, out int n) && AnyName(name[..n])) return true;
        Span<DnsAnswerRecord> answers = stackalloc DnsAnswerRecord[MaxDnsAnswers];
        if (DnsResponseParser.Parse(message, answers, out var info) != DnsResponseStatus.Response) return false;
        foreach (var answer in answers[..info.AnswerCount])
        {
            if (DnsNameWalker.TryRead(message, answer.OwnerOffset, name, out n) && AnyName(name[..n])) return true;
            if (answer.Type == DnsCodes.TypeCname && DnsNameWalker.TryRead(message, answer.DataOffset, name, out n) && AnyName(name[..n])) return true;
        }
        return false;
    }

    private FlowState? State(ref PacketView view, ReadOnlySpan<char> flow)
    {
        if (_flowsBySpan.TryGetValue(flow, out var state)) return state.Done ? null : state;
        if (_flows.Count >= MaxFollowedFlows)
        {
            FlowsNotFollowed++;
            return null;
        }
        state = new FlowState { FirstSource = view.FlowSource.ToArray(), FirstPort = view.SourcePort };
        _flows.Add(flow.ToString(), state);
        return state;
    }

    private static bool IsFirstDirection(FlowState state, ref PacketView view) =>
        view.FlowSource.SequenceEqual(state.FirstSource) && view.SourcePort == state.FirstPort;

    private bool TlsCarries(ref PacketView view, ReadOnlySpan<char> flow)
    {
        bool syn = (view.TcpFlags & TransportFields.TcpSyn) != 0;
        if (view.Payload.IsEmpty && !syn) return false;
        if (State(ref view, flow) is not { } state) return false;
        bool forward = IsFirstDirection(state, ref view);
        var direction = forward ? state.Forward ??= new TcpDirection() : state.Backward ??= new TcpDirection();
        direction.Add(view.TcpSequence, syn, view.Payload);
        while (direction.Tls.TryDequeue(out var message))
        {
            if (message.Type != TlsHandshakeType.ClientHello) continue;
            var hello = TlsClientHello.Parse(message.Body.Span);
            if (hello?.ServerName is { } sni && AnyName(sni)) return true;
        }
        if (direction.Tls.SslV2ClientHello is { } v2 && TlsClientHello.ParseSslV2(v2.Body.Span)?.ServerName is { } v2Sni && AnyName(v2Sni)) return true;
        if ((state.Forward is null || state.Forward.Finished) && (state.Backward is null || state.Backward.Finished)) state.Dispose();
        return false;
    }

    private bool QuicCarries(ref PacketView view, ReadOnlySpan<char> flow)
    {
        var payload = view.Payload;
        if (view.Transport != TransportProtocol.Udp || payload.IsEmpty || (payload[0] & 0x80) == 0) return false;
        if (State(ref view, flow) is not { } state) return false;
        if (state.Quic is null)
        {
            if (!QuicLongHeader.TryParse(payload, out var header) || !header.IsInitial) return false;
            state.Quic = new QuicInitialSession();
            state.QuicClientIsFirst = IsFirstDirection(state, ref view);
        }
        bool fromClient = IsFirstDirection(state, ref view) == state.QuicClientIsFirst;
        state.Quic.ProcessDatagram(payload, fromClient);
        if (state.Quic.ClientHello?.ServerName is { } sni && AnyName(sni)) return true;
        if (state.Quic.ClientHello is not null || ++state.QuicDatagrams >= MaxQuicDatagrams) state.Dispose();
        return false;
    }

    /// <summary>
    /// One direction of a TCP connection put in order for the TLS reader: retransmitted bytes are taken once,
    /// segments after a hole wait (up to <see cref="MaxStreamBytes"/>) until it fills; the stream is read from its SYN
    /// or from the first segment seen, for at most <see cref="MaxStreamBytes"/>.
    /// </summary>
    private sealed class TcpDirection
    {
        private uint? _next;
        private SortedDictionary<uint, byte[]>? _ahead;
        private int _aheadBytes;
        private long _read;

        public TlsHandshakeReassembler Tls { get; } = new();

        public bool Finished => Tls.State != TlsStreamState.Handshake || _read >= MaxStreamBytes;

        public void Add(uint sequence, bool syn, ReadOnlySpan<byte> data)
        {
            if (syn)
            {
                _next ??= sequence + 1;
                sequence++;
            }
            if (data.IsEmpty || Finished) return;
            _next ??= sequence;
            int ahead = unchecked((int)(sequence - _next.Value));
            if (ahead > 0)
            {
                _ahead ??= [];
                if (_aheadBytes + data.Length > MaxStreamBytes || !_ahead.TryAdd(sequence, data.ToArray())) return;
                _aheadBytes += data.Length;
                return;
            }
            Deliver(sequence, data);
            while (_ahead is { Count: > 0 } && !Finished)
            {
                var (next, bytes) = _ahead.First();
                if (unchecked((int)(next - _next.Value)) > 0) break;
                _ahead.Remove(next);
                _aheadBytes -= bytes.Length;
                Deliver(next, bytes);
            }
        }

        private void Deliver(uint sequence, ReadOnlySpan<byte> data)
        {
            int behind = unchecked((int)(_next!.Value - sequence));
            if (behind >= data.Length) return; // seen already (a retransmission)
            data = data[behind..];
            Tls.Append(data);
            _read += data.Length;
            _next = unchecked(_next.Value + (uint)data.Length);
        }
    }
}
