namespace PcapViz.Protocols.Flows;

/// <summary>The clear-text protocol that switched a TCP connection to TLS.</summary>
public enum StartTlsProtocol
{
    /// <summary>No upgrade command seen.</summary>
    None,
    /// <summary>SMTP STARTTLS (RFC 3207), answered 220.</summary>
    Smtp,
    /// <summary>IMAP STARTTLS (RFC 9051), answered with a tagged OK.</summary>
    Imap,
    /// <summary>POP3 STLS (RFC 2595), answered +OK.</summary>
    Pop3,
    /// <summary>XMPP &lt;starttls/&gt; (RFC 6120), answered &lt;proceed/&gt;.</summary>
    Xmpp,
    /// <summary>An HTTP CONNECT tunnel through a proxy, answered 2xx.</summary>
    HttpConnect,
}

/// <summary>Whether and where TLS starts.</summary>
public enum StartTlsStatus
{
    /// <summary>No upgrade command in the client's bytes.</summary>
    NotDetected,
    /// <summary>The command was sent; the server's answer is not (yet) in the bytes given.</summary>
    NeedMoreData,
    /// <summary>The server agreed: TLS starts at the offsets given.</summary>
    Upgraded,
    /// <summary>The server refused the upgrade.</summary>
    Refused,
}

/// <summary>
/// The result of <see cref="StartTlsDetector.Detect"/>: the protocol, the status, and when upgraded the byte
/// offsets in each direction where TLS records begin (both -1 otherwise).
/// </summary>
/// <param name="Protocol">The clear-text protocol.</param>
/// <param name="Status">Whether TLS starts.</param>
/// <param name="ClientTlsOffset">Offset in the client's bytes of its first TLS byte, or -1.</param>
/// <param name="ServerTlsOffset">Offset in the server's bytes of its first TLS byte, or -1.</param>
/// <param name="ConnectTarget">The authority of an HTTP CONNECT ("host:port"), as sent (Latin-1).</param>
public readonly record struct StartTlsResult(StartTlsProtocol Protocol, StartTlsStatus Status, int ClientTlsOffset,
    int ServerTlsOffset, string? ConnectTarget = null)
{
    internal static StartTlsResult None => new(StartTlsProtocol.None, StartTlsStatus.NotDetected, -1, -1);
}

/// <summary>
/// Finds where TLS begins inside a TCP connection that starts in clear text: SMTP/IMAP/POP3/XMPP STARTTLS and HTTP
/// CONNECT through an explicit proxy. Given the first bytes of each direction (the caller decides how many, a few
/// KiB is plenty), it matches the upgrade command to the server's answer by counting commands and replies, as the
/// protocols are request/response. Bounded by the spans given; never throws.
/// </summary>
public static class StartTlsDetector
{
    private const int MaxLines = 256;

    /// <summary>Looks for an upgrade in the first bytes of the client→server and server→client directions.</summary>
    public static StartTlsResult Detect(ReadOnlySpan<byte> clientToServer, ReadOnlySpan<byte> serverToClient)
    {
        if (StartsWithIgnoreCase(clientToServer, "CONNECT "u8)) return DetectConnect(clientToServer, serverToClient);
        int xmpp = IndexOfIgnoreCase(clientToServer, "<starttls"u8);
        if (xmpp >= 0) return DetectXmpp(clientToServer, serverToClient, xmpp);

        // Line protocols: find the upgrade command and count the commands before it.
        var lines = new LineCursor(clientToServer);
        for (int index = 0; index < MaxLines && lines.Next(out var line, out int end); index++)
        {
            var trimmed = line.TrimEnd(" \t"u8);
            if (EqualsIgnoreCase(trimmed, "STARTTLS"u8)) return DetectSmtp(serverToClient, index, end);
            if (EqualsIgnoreCase(trimmed, "STLS"u8)) return DetectPop3(clientToServer, serverToClient, index, end);
            int sp = trimmed.IndexOf((byte)' ');
            if (sp > 0 && EqualsIgnoreCase(trimmed[(sp + 1)..], "STARTTLS"u8)) return DetectImap(serverToClient, trimmed[..sp], end);
        }
        return StartTlsResult.None;
    }

    // SMTP: the greeting is reply 0, command i is answered by reply i + 1; multi-line replies use "ddd-".
    private static StartTlsResult DetectSmtp(ReadOnlySpan<byte> server, int commandIndex, int clientOffset)
    {
        var lines = new LineCursor(server);
        int reply = 0;
        for (int n = 0; n < MaxLines && lines.Next(out var line, out int end); n++)
        {
            if (line.Length >= 4 && line[3] == '-') continue; // continuation of a multi-line reply
            if (reply == commandIndex + 1)
            {
                bool ok = line.StartsWith("220"u8);
                return new(StartTlsProtocol.Smtp, ok ? StartTlsStatus.Upgraded : StartTlsStatus.Refused, ok ? clientOffset : -1, ok ? end : -1);
            }
            reply++;
        }
        return new(StartTlsProtocol.Smtp, StartTlsStatus.NeedMoreData, -1, -1);
    }

    // IMAP: the answer is the line tagged like the command; untagged lines ("* ...") are other data.
    private static StartTlsResult DetectImap(ReadOnlySpan<byte> server, ReadOnlySpan<byte> tag, int clientOffset)
    {
        var lines = new LineCursor(server);
        for (int n = 0; n < MaxLines && lines.Next(out var line, out int end); n++)
        {
            if (line.Length <= tag.Length || !line.StartsWith(tag) || line[tag.Length] != ' ') continue;
            bool ok = StartsWithIgnoreCase(line[(tag.Length + 1)..], "OK"u8);
            return new(StartTlsProtocol.Imap, ok ? StartTlsStatus.Upgraded : StartTlsStatus.Refused, ok ? clientOffset : -1, ok ? end : -1);
        }
        return new(StartTlsProtocol.Imap, StartTlsStatus.NeedMoreData, -1, -1);
    }

    // POP3: greeting, then one response per command; an +OK to CAPA, LIST, UIDL (without argument), RETR or TOP
    // is multi-line and ends with a line holding a single ".".
    private static StartTlsResult DetectPop3(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server, int commandIndex, int clientOffset)
    {
        Span<bool> multiLine = stackalloc bool[Math.Min(commandIndex + 1, MaxLines)];
        var commands = new LineCursor(client);
        for (int i = 0; i < commandIndex && commands.Next(out var c, out _); i++)
        {
            var cmd = c.TrimEnd(" \t"u8);
            multiLine[i] = EqualsIgnoreCase(cmd, "CAPA"u8) || EqualsIgnoreCase(cmd, "LIST"u8) || EqualsIgnoreCase(cmd, "UIDL"u8)
                           || StartsWithIgnoreCase(cmd, "RETR "u8) || StartsWithIgnoreCase(cmd, "TOP "u8);
        }
        var lines = new LineCursor(server);
        int response = 0;
        bool inBody = false;
        for (int n = 0; n < 4 * MaxLines && lines.Next(out var line, out int end); n++)
        {
            if (inBody)
            {
                if (line.Length == 1 && line[0] == '.') { inBody = false; response++; }
                continue;
            }
            bool ok = line.StartsWith("+OK"u8);
            if (response == commandIndex + 1)
                return new(StartTlsProtocol.Pop3, ok ? StartTlsStatus.Upgraded : StartTlsStatus.Refused, ok ? clientOffset : -1, ok ? end : -1);
            if (ok && response >= 1 && multiLine[response - 1]) inBody = true;
            else response++;
        }
        return new(StartTlsProtocol.Pop3, StartTlsStatus.NeedMoreData, -1, -1);
    }

    // XMPP: <starttls .../> (or <starttls ...></starttls>) from the client, <proceed .../> or <failure .../> back.
    private static StartTlsResult DetectXmpp(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server, int start)
    {
        int clientEnd = ElementEnd(client, start, "</starttls>"u8);
        int proceed = IndexOfIgnoreCase(server, "<proceed"u8);
        int failure = IndexOfIgnoreCase(server, "<failure"u8);
        if (failure >= 0 && (proceed < 0 || failure < proceed)) return new(StartTlsProtocol.Xmpp, StartTlsStatus.Refused, -1, -1);
        int serverEnd = proceed < 0 ? -1 : ElementEnd(server, proceed, "</proceed>"u8);
        if (clientEnd < 0 || serverEnd < 0) return new(StartTlsProtocol.Xmpp, StartTlsStatus.NeedMoreData, -1, -1);
        return new(StartTlsProtocol.Xmpp, StartTlsStatus.Upgraded, clientEnd, serverEnd);
    }

    // HTTP CONNECT: request i is answered by response i; a refused attempt (407 with a body) may be retried.
    private static StartTlsResult DetectConnect(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server)
    {
        int c = 0, s = 0;
        string? target = null;
        for (int attempt = 0; attempt < 8; attempt++)
        {
            var requestStatus = Http.HttpHeadParser.ParseRequest(client[c..], out var request);
            if (requestStatus != Http.HttpParseStatus.Complete || request is null)
                return new(StartTlsProtocol.HttpConnect, target is null && requestStatus == Http.HttpParseStatus.NotHttp ? StartTlsStatus.NotDetected : StartTlsStatus.NeedMoreData, -1, -1, target);
            if (!request.Method.Equals("CONNECT", StringComparison.OrdinalIgnoreCase))
                return new(StartTlsProtocol.HttpConnect, StartTlsStatus.Refused, -1, -1, target);
            target = request.Target;
            var responseStatus = Http.HttpHeadParser.ParseResponse(server[s..], out var response);
            if (responseStatus != Http.HttpParseStatus.Complete || response is null)
                return new(StartTlsProtocol.HttpConnect, responseStatus == Http.HttpParseStatus.NotHttp ? StartTlsStatus.Refused : StartTlsStatus.NeedMoreData, -1, -1, target);
            if (response.StatusCode is >= 200 and < 300)
                return new(StartTlsProtocol.HttpConnect, StartTlsStatus.Upgraded, c + request.HeadLength, s + response.HeadLength, target);
            if (response.StatusCode is >= 100 and < 200) { s += response.HeadLength; attempt--; continue; }
            long body = response.ContentLength ?? 0;
            if (body > server.Length - s - response.HeadLength) return new(StartTlsProtocol.HttpConnect, StartTlsStatus.Refused, -1, -1, target);
            c += request.HeadLength + (int)Math.Min(request.ContentLength ?? 0, client.Length - c - request.HeadLength);
            s += response.HeadLength + (int)body;
            if (c >= client.Length) return new(StartTlsProtocol.HttpConnect, StartTlsStatus.Refused, -1, -1, target);
        }
        return new(StartTlsProtocol.HttpConnect, StartTlsStatus.Refused, -1, -1, target);
    }

    private static int ElementEnd(ReadOnlySpan<byte> data, int start, ReadOnlySpan<byte> closeTag)
    {
        int gt = data[start..].IndexOf((byte)'>');
        if (gt < 0) return -1;
        int afterOpen = start + gt + 1;
        if (data[start + gt - 1] == '/') return afterOpen; // <x/>
        int close = IndexOfIgnoreCase(data[afterOpen..], closeTag);
        return close < 0 ? -1 : afterOpen + close + closeTag.Length;
    }

    private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> data, ReadOnlySpan<byte> prefix) =>
        data.Length >= prefix.Length && EqualsIgnoreCase(data[..prefix.Length], prefix);

    private static bool EqualsIgnoreCase(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) =>
        System.Text.Ascii.EqualsIgnoreCase(a, b);

    private static int IndexOfIgnoreCase(ReadOnlySpan<byte> data, ReadOnlySpan<byte> needle)
    {
        for (int i = 0; i + needle.Length <= data.Length; i++)
        {
            int j = data[i..].IndexOfAny((byte)char.ToLowerInvariant((char)needle[0]), (byte)char.ToUpperInvariant((char)needle[0]));
            if (j < 0) return -1;
            i += j;
            if (i + needle.Length <= data.Length && EqualsIgnoreCase(data.Slice(i, needle.Length), needle)) return i;
        }
        return -1;
    }

    /// <summary>Complete lines (LF-terminated, CR trimmed) of a span; an unterminated last line is not returned.</summary>
    private ref struct LineCursor(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public bool Next(out ReadOnlySpan<byte> line, out int end)
        {
            line = default;
            end = _position;
            if (_position >= _data.Length) return false;
            int lf = _data[_position..].IndexOf((byte)'\n');
            if (lf < 0) return false;
            line = _data.Slice(_position, lf);
            if (!line.IsEmpty && line[^1] == '\r') line = line[..^1];
            _position += lf + 1;
            end = _position;
            return true;
        }
    }
}
