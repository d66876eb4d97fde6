using System.Globalization;
using PcapViz.Decoding;
using PcapViz.Model;
using PcapViz.Protocols.Flows;
using PcapViz.Protocols.Http;
using PcapViz.Protocols.Quic;
using PcapViz.Protocols.Tls;

namespace PcapViz.Analysis.Application;

/// <summary>What the first payload bytes of a connection looked like.</summary>
internal enum ConnectionKind { None, Tls, Http, Upgrade, Quic }

/// <summary>
/// The state of one connection that the application analysis reads, both directions. Bounded per connection
/// (docs/analysis.md): TLS bytes read per direction <see cref="MaxTlsBytesPerDirection"/> (a ClientHello is kept up
/// to 64 KiB, a Certificate message up to 64 KiB, and at most <see cref="MaxCertificatesPerMessage"/> certificates of
/// it are read); HTTP heads up to <see cref="MaxHeadBytes"/>; clear text before STARTTLS or a CONNECT answer up to
/// <see cref="MaxUpgradeBytes"/> per direction; segments ahead of a hole <see cref="MaxAheadBytes"/> per direction
/// (past it the hole is a gap and the direction is read no further); <see cref="MaxPendingRequests"/> requests
/// waiting for their response; QUIC Initial datagrams <see cref="MaxQuicDatagrams"/> with 64 KiB of CRYPTO data per
/// direction. Text taken from the wire (names, headers, certificate fields) is kept up to <see cref="MaxTextLength"/> characters.
/// </summary>
internal sealed class ApplicationConnection : IDisposable
{
    public const int MaxTlsBytesPerDirection = 256 * 1024;
    public const int MaxCertificatesPerMessage = 16;
    public const int MaxHeadBytes = HttpHeadParser.DefaultMaxHeadBytes;
    public const int MaxUpgradeBytes = 8 * 1024;
    public const int MaxAheadBytes = 64 * 1024;
    public const int MaxPendingRequests = 32;
    public const int MaxQuicDatagrams = 64;
    public const int MaxTextLength = 1024;

    private static readonly TlsReassemblyLimits TlsLimits = new() { MaxHelloBytes = 64 * 1024, MaxCertificateBytes = 64 * 1024, MaxQueuedMessages = 8 };

    private sealed class Direction
    {
        public uint Next;
        public bool HasNext, Done, SkipUntilHead;
        public long Skip;
        public int BytesRead;
        public List<(uint Sequence, byte[] Data)>? Ahead;
        public int AheadBytes;
        public TlsHandshakeReassembler? Tls;
        public byte[]? Buffer;
        public int Length;
    }

    private readonly AddressKey _client, _server;
    private readonly ushort _clientPort;
    private readonly Direction[] _dirs = [new(), new()];
    private readonly Queue<(string Host, string Method, string Path, string UserAgent)> _pending = new();
    private ConnectionKind _kind;
    private string? _clientText, _serverText, _sni;
    private QuicInitialSession? _quic;
    private int _datagrams;
    private bool _sslV2Read;

    public ApplicationConnection(ref PacketView view, ConnectionKind kind, bool fromServer, long order)
    {
        Order = order;
        AddressKey.TryFrom(view.FlowSource, out var source);
        AddressKey.TryFrom(view.FlowDestination, out var destination);
        (_client, _server) = fromServer ? (destination, source) : (source, destination);
        _clientPort = fromServer ? view.DestinationPort : view.SourcePort;
        _kind = kind;
        if (kind == ConnectionKind.Quic) _quic = new QuicInitialSession(new QuicLimits { MaxConnectionIds = 4 });
        if (kind == ConnectionKind.Tls) StartTls();
    }

    public long LastNanos { get; set; }
    /// <summary>The connection's number in the capture (connections still open at the end are finished in this order).</summary>
    public long Order { get; }
    public bool Finished { get; private set; }
    public long CutAtLimit { get; private set; }
    public long Gaps { get; private set; }

    private string ClientText => _clientText ??= _client.ToString();
    private string ServerText => _serverText ??= _server.ToString();

    /// <summary>What the first payload bytes (of either side) say; <paramref name="fromServer"/> when they are the server's.</summary>
    public static ConnectionKind Classify(ReadOnlySpan<byte> p, ushort sourcePort, ushort destinationPort, out bool fromServer)
    {
        fromServer = false;
        if (p.Length >= 6 && p[0] == 0x16 && p[1] == 3 && p[2] <= 4)
        {
            fromServer = p[5] == TlsHandshakeType.ServerHello;
            return p[5] is TlsHandshakeType.ClientHello or TlsHandshakeType.ServerHello ? ConnectionKind.Tls : ConnectionKind.None;
        }
        if (p.Length >= 5 && (p[0] & 0x80) != 0 && p[2] == TlsHandshakeType.ClientHello && p[3] is 0 or 3) return ConnectionKind.Tls; // SSL 2.0 CLIENT-HELLO
        if (ApplicationAnalysis.IsStartTlsPort(destinationPort) || ApplicationAnalysis.IsStartTlsPort(sourcePort))
        {
            fromServer = ApplicationAnalysis.IsStartTlsPort(sourcePort) && !ApplicationAnalysis.IsStartTlsPort(destinationPort);
            return ConnectionKind.Upgrade;
        }
        if (p.StartsWith("CONNECT "u8)) return ConnectionKind.Upgrade;
        if (p.StartsWith("HTTP/1."u8))
        {
            fromServer = true;
            return ConnectionKind.Http;
        }
        return LooksLikeRequest(p) ? ConnectionKind.Http : ConnectionKind.None;
    }

    /// <summary>An upper-case token of 1 to 20 characters, then a space and a printable ASCII character (the request target), or the end of the line.</summary>
    private static bool LooksLikeRequest(ReadOnlySpan<byte> p)
    {
        int i = 0;
        while (i < p.Length && i <= 20 && (p[i] is (>= (byte)'A' and <= (byte)'Z') or (byte)'_' or (byte)'-')) i++;
        if (i >= 3 && i < p.Length && p[i] is (byte)'\r' or (byte)'\n') return true; // a method alone on its line ("OPTIONS")
        return i > 0 && i + 1 < p.Length && p[i] == ' ' && p[i + 1] is >= 0x20 and < 0x7f;
    }

    private bool FromClient(ref PacketView view) =>
        view.SourcePort == _clientPort && AddressKey.TryFrom(view.FlowSource, out var s) && s == _client
        && (view.DestinationPort != _clientPort || !AddressKey.TryFrom(view.FlowDestination, out var d) || d != _client || s != _server);

    private void StartTls()
    {
        _kind = ConnectionKind.Tls;
        _dirs[0].Tls = new TlsHandshakeReassembler(TlsLimits);
        _dirs[1].Tls = new TlsHandshakeReassembler(TlsLimits);
    }

    // ---- TCP: bytes in order per direction -------------------------------------------------------------------

    public void OnTcpSegment(ref PacketView view, long nanos, ApplicationTables t)
    {
        int d = FromClient(ref view) ? 0 : 1;
        var dir = _dirs[d];
        if (dir.Done) return;
        var payload = view.Payload;
        uint seq = view.TcpSequence + ((view.TcpFlags & TransportFields.TcpSyn) != 0 ? 1u : 0u);
        if (!dir.HasNext) { dir.Next = seq; dir.HasNext = true; }
        int ahead = unchecked((int)(seq - dir.Next));
        if (ahead > 0)
        {
            if (dir.AheadBytes + payload.Length > MaxAheadBytes)
            {
                Gaps++;
                dir.Done = true; // the hole never filled within the cap: what follows cannot be read in order
                dir.Ahead = null;
                CheckFinished();
                return;
            }
            (dir.Ahead ??= []).Add((seq, payload.ToArray()));
            dir.AheadBytes += payload.Length;
            return;
        }
        if (-ahead < payload.Length) Accept(d, payload[(-ahead)..], nanos, t);
        while (dir.Ahead is { Count: > 0 } list && !dir.Done)
        {
            int i = list.FindIndex(a => unchecked((int)(a.Sequence - dir.Next)) <= 0);
            if (i < 0) break;
            var (s, data) = list[i];
            list.RemoveAt(i);
            dir.AheadBytes -= data.Length;
            int skip = unchecked((int)(dir.Next - s));
            if (skip < data.Length) Accept(d, data.AsSpan(skip), nanos, t);
        }
        CheckFinished();
    }

    private void Accept(int d, ReadOnlySpan<byte> data, long nanos, ApplicationTables t)
    {
        var dir = _dirs[d];
        dir.Next = unchecked(dir.Next + (uint)data.Length);
        switch (_kind)
        {
            case ConnectionKind.Tls: FeedTls(d, data, nanos, t); break;
            case ConnectionKind.Http: FeedHttp(d, data, t); break;
            case ConnectionKind.Upgrade: FeedUpgrade(d, data, nanos, t); break;
        }
    }

    public void OnClose(ref PacketView view)
    {
        _dirs[FromClient(ref view) ? 0 : 1].Done = true;
        CheckFinished();
    }

    private void CheckFinished()
    {
        if (_dirs[0].Done && _dirs[1].Done) Finished = true;
    }

    /// <summary>The connection ends (closed, dropped, end of capture): requests never answered are counted without a status.</summary>
    public void Finish(ApplicationTables t)
    {
        // A request head cut by the end of the data (capture end, close, a lost segment) is counted with what it holds.
        var client = _dirs[0];
        if (_kind == ConnectionKind.Http && client.Length > 0 && !client.SkipUntilHead
            && HttpHeadParser.ParseRequest(client.Buffer.AsSpan(0, client.Length), out var head, MaxHeadBytes, endOfData: true) == HttpParseStatus.Partial)
            Enqueue(t, Request(head!));
        while (_pending.Count > 0) RecordRequest(t, _pending.Dequeue(), null);
    }

    public void Dispose()
    {
        _quic?.Dispose();
        _quic = null;
    }

    // ---- TLS -------------------------------------------------------------------------------------------------

    private void FeedTls(int d, ReadOnlySpan<byte> data, long nanos, ApplicationTables t)
    {
        var dir = _dirs[d];
        var tls = dir.Tls!;
        int allowed = MaxTlsBytesPerDirection - dir.BytesRead;
        bool cut = data.Length > allowed;
        if (cut) data = data[..Math.Max(0, allowed)];
        dir.BytesRead += data.Length;
        tls.Append(data);
        while (tls.TryDequeue(out var message)) OnHandshake(d, message, nanos, t);
        if (tls.State == TlsStreamState.SslV2 && !_sslV2Read && d == 0 && tls.SslV2ClientHello is { } v2)
        {
            _sslV2Read = true;
            if (TlsClientHello.ParseSslV2(v2.Body.Span) is { } hello) RecordClientHello(hello, Ja4Transport.Tcp, t);
        }
        if (cut) CutAtLimit++;
        if (cut || tls.State != TlsStreamState.Handshake) dir.Done = true;
    }

    private void OnHandshake(int d, TlsHandshakeMessage m, long nanos, ApplicationTables t)
    {
        if (d == 0 && m.Type == TlsHandshakeType.ClientHello && TlsClientHello.Parse(m.Body.Span) is { } hello)
            RecordClientHello(hello, Ja4Transport.Tcp, t);
        else if (d == 1 && m.Type == TlsHandshakeType.ServerHello && TlsServerHello.Parse(m.Body.Span) is { } server)
            RecordServerHello(server, t);
        else if (d == 1 && m.Type == TlsHandshakeType.Certificate)
            RecordCertificates(m.Body, nanos, t);
    }

    private void RecordClientHello(TlsClientHello hello, Ja4Transport transport, ApplicationTables t)
    {
        string source = transport == Ja4Transport.Quic ? NameSources.Quic : NameSources.Tls;
        string? sni = string.IsNullOrEmpty(hello.ServerName) ? null : Cap(hello.ServerName);
        _sni ??= sni;
        if (sni is not null) RecordName(t, sni, source);
        var versions = hello.SupportedVersions.Where(v => !IsGrease(v)).ToList();
        if (versions.Count == 0) versions.Add(hello.IsSslV2 ? (ushort)0x0002 : hello.LegacyVersion);
        t.TlsClients.Update((TlsFingerprint.Ja3(hello), TlsFingerprint.Ja4(hello, transport)), (this, hello, sni, versions), static (s, a) =>
        {
            s.Count++;
            s.Clients.Add(a.Item1.ClientText);
            if (a.sni is not null) s.Names.Add(a.sni);
            foreach (string alpn in a.hello.Alpn.Take(ApplicationResult.MaxListed)) s.Alpn.Add(Cap(alpn));
            foreach (ushort v in a.versions) s.Versions.Add(ApplicationTables.VersionName(v));
        });
    }

    private void RecordServerHello(TlsServerHello hello, ApplicationTables t) =>
        t.TlsServers.Update((TlsFingerprint.Ja3S(hello), ApplicationTables.VersionName(hello.ChosenVersion), ApplicationTables.CipherName(hello.CipherSuite)),
            this, static (s, c) =>
            {
                s.Count++;
                s.Servers.Add(c.ServerText);
                if (c._sni is not null) s.Names.Add(c._sni);
            });

    private void RecordCertificates(ReadOnlyMemory<byte> body, long nanos, ApplicationTables t)
    {
        var time = DateTime.UnixEpoch.AddTicks(nanos / 100);
        var chain = TlsCertificateMessage.ReadCertificates(body, out _);
        for (int i = 0; i < chain.Count && i < MaxCertificatesPerMessage; i++)
        {
            var info = TlsCertificateInfo.Read(chain[i].Span);
            int signals = 0;
            if (info.Parsed)
            {
                if (time > info.NotAfterUtc) signals |= ApplicationTables.SignalBit(CertificateSignals.Expired);
                if (time < info.NotBeforeUtc) signals |= ApplicationTables.SignalBit(CertificateSignals.NotYetValid);
                if (info.IsSelfSigned) signals |= ApplicationTables.SignalBit(CertificateSignals.SelfSigned);
                if (i == 0 && _sni is not null && !info.Covers(_sni)) signals |= ApplicationTables.SignalBit(CertificateSignals.NameMismatch);
            }
            bool leaf = i == 0;
            t.Certificates.Update(info.Sha256, (this, info, signals, leaf), static (s, a) =>
            {
                s.First ??= Entry(a.info);
                s.Seen++;
                s.Signals |= a.signals;
                if (!a.leaf) return;
                s.Servers.Add(a.Item1.ServerText);
                if (a.Item1._sni is not null) s.Names.Add(a.Item1._sni);
            });
        }
    }

    private static CertificateEntry Entry(TlsCertificateInfo info) => new(info.Sha256, info.Parsed, Cap(info.Subject), Cap(info.Issuer),
        new ValueList<string>(info.DnsNames.Concat(info.IpAddresses).Take(ApplicationResult.MaxListed).Select(Cap)),
        info.Parsed ? TimeFormat.IsoUtcSeconds(ToEpochSeconds(info.NotBeforeUtc)) : "",
        info.Parsed ? TimeFormat.IsoUtcSeconds(ToEpochSeconds(info.NotAfterUtc)) : "", 0, ValueList<string>.Empty);

    private static long ToEpochSeconds(DateTime utc) => (long)Math.Floor((utc - DateTime.UnixEpoch).TotalSeconds);

    // ---- STARTTLS and CONNECT -----------------------------------------------------------------------------------

    private void FeedUpgrade(int d, ReadOnlySpan<byte> data, long nanos, ApplicationTables t)
    {
        var dir = _dirs[d];
        dir.Buffer ??= new byte[MaxUpgradeBytes];
        int take = Math.Min(data.Length, MaxUpgradeBytes - dir.Length);
        data[..take].CopyTo(dir.Buffer.AsSpan(dir.Length));
        dir.Length += take;
        var client = _dirs[0].Buffer.AsSpan(0, _dirs[0].Length);
        var server = _dirs[1].Buffer.AsSpan(0, _dirs[1].Length);
        var result = StartTlsDetector.Detect(client, server);
        if (result.Protocol == StartTlsProtocol.HttpConnect && result.Status is StartTlsStatus.Upgraded or StartTlsStatus.Refused)
            RecordConnect(client, server, t);
        if (result.Status == StartTlsStatus.Upgraded)
        {
            byte[] clientRest = client[Math.Min(result.ClientTlsOffset, client.Length)..].ToArray();
            byte[] serverRest = server[Math.Min(result.ServerTlsOffset, server.Length)..].ToArray();
            _dirs[0].Buffer = _dirs[1].Buffer = null;
            _dirs[0].Length = _dirs[1].Length = 0;
            StartTls();
            if (clientRest.Length > 0) FeedTls(0, clientRest, nanos, t);
            if (serverRest.Length > 0) FeedTls(1, serverRest, nanos, t);
            return;
        }
        if (result.Status == StartTlsStatus.Refused || dir.Length >= MaxUpgradeBytes)
        {
            if (result.Status != StartTlsStatus.Refused) CutAtLimit++;
            _dirs[0].Done = _dirs[1].Done = true;
            _dirs[0].Buffer = _dirs[1].Buffer = null;
        }
    }

    private void RecordConnect(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server, ApplicationTables t)
    {
        if (HttpHeadParser.ParseRequest(client, out var request, MaxHeadBytes, endOfData: true) is not (HttpParseStatus.Complete or HttpParseStatus.Partial) || request is null) return;
        int? status = HttpHeadParser.ParseResponse(server, out var response, MaxHeadBytes) == HttpParseStatus.Complete ? response!.StatusCode : null;
        RecordRequest(t, Request(request), status);
    }

    // ---- HTTP/1.x -------------------------------------------------------------------------------------------

    private void FeedHttp(int d, ReadOnlySpan<byte> data, ApplicationTables t)
    {
        var dir = _dirs[d];
        if (dir.Skip > 0)
        {
            int skipped = (int)Math.Min(dir.Skip, data.Length);
            dir.Skip -= skipped;
            data = data[skipped..];
        }
        if (data.IsEmpty) return;
        if (dir.SkipUntilHead)
        {
            // A body whose end the heads do not give (chunked, or read to the close): the next head starts a segment.
            bool head = d == 0 ? LooksLikeRequest(data) : data.StartsWith("HTTP/1."u8);
            if (!head) return;
            dir.SkipUntilHead = false;
            dir.Length = 0;
        }
        dir.Buffer ??= new byte[MaxHeadBytes];
        int take = Math.Min(data.Length, MaxHeadBytes - dir.Length);
        data[..take].CopyTo(dir.Buffer.AsSpan(dir.Length));
        dir.Length += take;
        int rest = data.Length - take; // bytes past a full buffer: a head longer than the cap is not read further
        while (dir.Length > 0 && !dir.Done && !dir.SkipUntilHead)
        {
            int used = d == 0 ? ReadRequest(dir, t) : ReadResponse(dir, t);
            if (used == 0) break;
            long skip = Math.Max(0, used - (long)dir.Length);
            used = Math.Min(used, dir.Length);
            dir.Buffer.AsSpan(used, dir.Length - used).CopyTo(dir.Buffer);
            dir.Length -= used;
            if (skip > 0) dir.Skip += skip;
        }
        // Bytes that did not fit in a full buffer belong to a body being skipped once the head is read: fed again.
        if (rest > 0 && dir.Skip > 0 && dir.Length == 0) FeedHttp(d, data[take..], t);
        if (dir.Length == MaxHeadBytes && !dir.Done)
        {
            CutAtLimit++;
            dir.SkipUntilHead = true;
        }
    }

    // Returns the bytes of the request (head and body, from the buffer start), 0 when more are needed.
    private int ReadRequest(Direction dir, ApplicationTables t)
    {
        var status = HttpHeadParser.ParseRequest(dir.Buffer.AsSpan(0, dir.Length), out var head, MaxHeadBytes);
        switch (status)
        {
            case HttpParseStatus.Complete:
                Enqueue(t, Request(head!));
                if (head!.Chunked) { dir.SkipUntilHead = true; return head.HeadLength; }
                return (int)Math.Min(int.MaxValue, head.HeadLength + Math.Max(0, head.ContentLength ?? 0));
            case HttpParseStatus.TooLarge:
                Enqueue(t, Request(head!));
                dir.SkipUntilHead = true;
                return 0;
            case HttpParseStatus.NotHttp:
                dir.SkipUntilHead = true;
                return 0;
            default:
                return 0;
        }
    }

    private int ReadResponse(Direction dir, ApplicationTables t)
    {
        var status = HttpHeadParser.ParseResponse(dir.Buffer.AsSpan(0, dir.Length), out var head, MaxHeadBytes);
        if (status == HttpParseStatus.NeedMoreData) return 0;
        if (status != HttpParseStatus.Complete || head is null)
        {
            dir.SkipUntilHead = true;
            return 0;
        }
        int code = head.StatusCode;
        bool interim = code is >= 100 and < 200 && code != 101;
        var request = interim || _pending.Count == 0 ? default : _pending.Dequeue();
        if (!interim && request.Method is not null) RecordRequest(t, request, code);
        if (code == 101 || (request.Method == "CONNECT" && code is >= 200 and < 300))
        {
            _dirs[0].Done = _dirs[1].Done = true; // another protocol follows
            return 0;
        }
        bool noBody = interim || code is 204 or 304 || request.Method == "HEAD";
        if (noBody) return head.HeadLength;
        if (head.ContentLength is long length) return (int)Math.Min(int.MaxValue, head.HeadLength + length);
        dir.SkipUntilHead = true;
        return head.HeadLength;
    }

    private static (string Host, string Method, string Path, string UserAgent) Request(HttpRequestHead head) =>
        (Cap(head.Method == "CONNECT" && head.Host is null ? head.Target : head.Host ?? ""), Cap(head.Method), Cap(head.Target), Cap(head.UserAgent ?? ""));

    private void Enqueue(ApplicationTables t, (string Host, string Method, string Path, string UserAgent) request)
    {
        if (_pending.Count >= MaxPendingRequests) RecordRequest(t, _pending.Dequeue(), null);
        _pending.Enqueue(request);
    }

    private void RecordRequest(ApplicationTables t, (string Host, string Method, string Path, string UserAgent) request, int? status)
    {
        t.HttpRequests.Update(request, (this, status), static (s, a) =>
        {
            s.Count++;
            s.Clients.Add(a.Item1.ClientText);
            if (a.status is int code) s.AddStatus(code.ToString(CultureInfo.InvariantCulture), 1);
        });
        string name = HostName(request.Host);
        if (name.Length > 0) RecordName(t, name, NameSources.Http);
    }

    /// <summary>The host of a Host header without its port; empty for an IP literal (it names nothing).</summary>
    internal static string HostName(string host)
    {
        if (host.StartsWith('[')) return "";
        int colon = host.LastIndexOf(':');
        if (colon >= 0 && host.IndexOf(':') == colon) host = host[..colon];
        return host.Length == 0 || System.Net.IPAddress.TryParse(host, out _) ? "" : host;
    }

    private void RecordName(ApplicationTables t, string name, string source)
    {
        t.ServerNames.Update((name, source), this, static (s, c) =>
        {
            s.Count++;
            s.Clients.Add(c.ClientText);
            s.Servers.Add(c.ServerText);
        });
        t.AddressNames.Update((ServerText, _server.Version, name, source), 1L, static (s, n) => s.Count += n);
    }

    // ---- QUIC -----------------------------------------------------------------------------------------------

    public void OnQuicDatagram(ref PacketView view, ApplicationTables t)
    {
        if (_quic is null) return;
        bool hadClient = _quic.ClientHello is not null, hadServer = _quic.ServerHello is not null;
        _quic.ProcessDatagram(view.Payload, FromClient(ref view));
        if (!hadClient && _quic.ClientHello is { } hello) RecordClientHello(hello, Ja4Transport.Quic, t);
        if (!hadServer && _quic.ServerHello is { } server) RecordServerHello(server, t);
        if (++_datagrams >= MaxQuicDatagrams || (_quic.ClientHello is not null && _quic.ServerHello is not null)) Finished = true;
    }

    // GREASE values (RFC 8701): 0x0a0a, 0x1a1a, ... 0xfafa.
    private static bool IsGrease(ushort v) => (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);

    private static string Cap(string s) => s.Length > MaxTextLength ? s[..MaxTextLength] : s;
}
