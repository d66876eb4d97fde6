using System.Globalization;
using System.Text;

namespace PcapViz.Protocols.Http;

/// <summary>How an HTTP/1.x head parse ended.</summary>
public enum HttpParseStatus
{
    /// <summary>The head ended with an empty line; <c>HeadLength</c> bytes were read.</summary>
    Complete,
    /// <summary>The bytes so far could be the start of a head; more are needed.</summary>
    NeedMoreData,
    /// <summary>The bytes do not start an HTTP/1.x request (or response).</summary>
    NotHttp,
    /// <summary>No end of head within the cap: the fields read before the cap are returned, marked truncated.</summary>
    TooLarge,
    /// <summary>The data ended inside the head and the caller said no more will come (end of capture, a gap or a
    /// snapshot length): the fields read so far are returned, marked truncated.</summary>
    Partial,
}

/// <summary>
/// An HTTP/1.x request head: request line and the headers a report shows. Text is decoded one byte per char
/// (Latin-1), so non-printable and non-ASCII bytes are kept exactly; the caller escapes them for output.
/// </summary>
public sealed class HttpRequestHead
{
    internal HttpRequestHead() { }

    /// <summary>The method token, as sent.</summary>
    public string Method { get; internal set; } = "";

    /// <summary>The request target (path, absolute URI, authority for CONNECT, or "*"), as sent.</summary>
    public string Target { get; internal set; } = "";

    /// <summary>The version, e.g. "HTTP/1.1".</summary>
    public string Version { get; internal set; } = "";

    /// <summary>The first Host header value (whitespace trimmed), null when absent.</summary>
    public string? Host { get; internal set; }

    /// <summary>The first User-Agent header value, null when absent.</summary>
    public string? UserAgent { get; internal set; }

    /// <summary>Content-Length when present and a valid non-negative number.</summary>
    public long? ContentLength { get; internal set; }

    /// <summary>True when Transfer-Encoding names chunked.</summary>
    public bool Chunked { get; internal set; }

    /// <summary>Header lines read.</summary>
    public int HeaderCount { get; internal set; }

    /// <summary>Bytes of the head, request line to the empty line included (0 when not complete).</summary>
    public int HeadLength { get; internal set; }

    /// <summary>True when the head did not end within the cap.</summary>
    public bool Truncated { get; internal set; }
}

/// <summary>An HTTP/1.x status line and the lengths needed to skip the response.</summary>
public sealed class HttpResponseHead
{
    internal HttpResponseHead() { }

    /// <summary>The version, e.g. "HTTP/1.1".</summary>
    public string Version { get; internal set; } = "";

    /// <summary>The three-digit status code.</summary>
    public int StatusCode { get; internal set; }

    /// <summary>The reason phrase, as sent (Latin-1).</summary>
    public string Reason { get; internal set; } = "";

    /// <summary>Content-Length when present and valid.</summary>
    public long? ContentLength { get; internal set; }

    /// <summary>Bytes of the head including the empty line (0 when not complete).</summary>
    public int HeadLength { get; internal set; }

    /// <summary>True when the head did not end within the cap.</summary>
    public bool Truncated { get; internal set; }
}

/// <summary>
/// Parsers for the first bytes of an HTTP/1.x direction: request heads (pipelined requests one after another,
/// by <see cref="HttpRequestHead.HeadLength"/> and the body length) and response status lines. Lines may end in
/// CRLF or a bare LF. Every read is bounded by the cap (default 16 KiB); nothing throws.
/// </summary>
public static class HttpHeadParser
{
    /// <summary>Default cap on the bytes of one head.</summary>
    public const int DefaultMaxHeadBytes = 16 * 1024;

    private const int MaxMethodLength = 32;

    /// <summary>
    /// Parses the request head at the start of <paramref name="data"/>. The request line is
    /// <c>method SP target SP HTTP/x.y</c>; a line without a version (<c>method SP target</c>, as HTTP/0.9 and some
    /// broken clients send) is read only for a registered method name, so that other line protocols (SMTP's
    /// "EHLO host") are not taken for HTTP. With <paramref name="endOfData"/> true, a head cut by the end of the
    /// data gives <see cref="HttpParseStatus.Partial"/> with what was read.
    /// </summary>
    public static HttpParseStatus ParseRequest(ReadOnlySpan<byte> data, out HttpRequestHead? head,
        int maxHeadBytes = DefaultMaxHeadBytes, bool endOfData = false)
    {
        head = null;
        maxHeadBytes = Math.Max(1, maxHeadBytes);
        var window = data.Length > maxHeadBytes ? data[..maxHeadBytes] : data;
        int lineEnd = window.IndexOf((byte)'\n');
        bool lineCut = false;
        if (lineEnd < 0)
        {
            if (!PlausibleRequestStart(window)) return HttpParseStatus.NotHttp;
            if (data.Length >= maxHeadBytes) return HttpParseStatus.NotHttp; // a request line longer than the cap
            if (!endOfData) return HttpParseStatus.NeedMoreData;
            lineEnd = window.Length;
            lineCut = true;
        }

        var line = TrimCr(window[..lineEnd]);
        int sp1 = line.IndexOf((byte)' ');
        if (sp1 < 0 && !lineCut && IsRegisteredMethod(line)) sp1 = line.Length; // a method alone on its line
        if (sp1 <= 0 || sp1 > MaxMethodLength || !IsToken(line[..sp1])) return HttpParseStatus.NotHttp;
        var method = line[..sp1];
        int sp2 = line.LastIndexOf((byte)' ');
        ReadOnlySpan<byte> target, version;
        if (sp2 > sp1 && (line[(sp2 + 1)..].StartsWith("HTTP/"u8) || (lineCut && "HTTP/"u8.StartsWith(line[(sp2 + 1)..]))))
        {
            target = line[(sp1 + 1)..sp2].Trim((byte)' ');
            version = line[(sp2 + 1)..];
        }
        else if (IsRegisteredMethod(method))
        {
            target = sp1 < line.Length ? line[(sp1 + 1)..].Trim((byte)' ') : default;
            version = default;
        }
        else return HttpParseStatus.NotHttp;

        var h = new HttpRequestHead { Method = Latin1(method), Target = Latin1(target), Version = Latin1(version) };
        head = h;
        if (lineCut)
        {
            h.Truncated = true;
            return HttpParseStatus.Partial;
        }
        var status = ReadHeaders(window, lineEnd + 1, data.Length > maxHeadBytes || window.Length >= maxHeadBytes, (name, value) =>
        {
            h.HeaderCount++;
            if (h.Host is null && name.Equals("host", StringComparison.OrdinalIgnoreCase)) h.Host = value;
            else if (h.UserAgent is null && name.Equals("user-agent", StringComparison.OrdinalIgnoreCase)) h.UserAgent = value;
            else if (name.Equals("content-length", StringComparison.OrdinalIgnoreCase)
                     && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long n)) h.ContentLength ??= n;
            else if (name.Equals("transfer-encoding", StringComparison.OrdinalIgnoreCase)
                     && value.Contains("chunked", StringComparison.OrdinalIgnoreCase)) h.Chunked = true;
        }, out int headLength);
        if (status == HttpParseStatus.NeedMoreData && endOfData) status = HttpParseStatus.Partial;
        h.HeadLength = headLength;
        h.Truncated = status is HttpParseStatus.TooLarge or HttpParseStatus.Partial;
        return status;
    }

    // Methods of the IANA HTTP Method Registry that clients commonly send, and Microsoft SCCM's CCM_POST.
    private static bool IsRegisteredMethod(ReadOnlySpan<byte> method) =>
        method.SequenceEqual("GET"u8) || method.SequenceEqual("HEAD"u8) || method.SequenceEqual("POST"u8)
        || method.SequenceEqual("PUT"u8) || method.SequenceEqual("DELETE"u8) || method.SequenceEqual("CONNECT"u8)
        || method.SequenceEqual("OPTIONS"u8) || method.SequenceEqual("TRACE"u8) || method.SequenceEqual("PATCH"u8)
        || method.SequenceEqual("PROPFIND"u8) || method.SequenceEqual("PROPPATCH"u8) || method.SequenceEqual("MKCOL"u8)
        || method.SequenceEqual("COPY"u8) || method.SequenceEqual("MOVE"u8) || method.SequenceEqual("LOCK"u8)
        || method.SequenceEqual("UNLOCK"u8) || method.SequenceEqual("CCM_POST"u8);

    /// <summary>Parses the response head (status line and headers) at the start of <paramref name="data"/>.</summary>
    public static HttpParseStatus ParseResponse(ReadOnlySpan<byte> data, out HttpResponseHead? head, int maxHeadBytes = DefaultMaxHeadBytes)
    {
        head = null;
        maxHeadBytes = Math.Max(1, maxHeadBytes);
        var window = data.Length > maxHeadBytes ? data[..maxHeadBytes] : data;
        if (window.Length < 5)
            return "HTTP/"u8.StartsWith(window) && data.Length < maxHeadBytes ? HttpParseStatus.NeedMoreData : HttpParseStatus.NotHttp;
        if (!window.StartsWith("HTTP/"u8)) return HttpParseStatus.NotHttp;
        int lineEnd = window.IndexOf((byte)'\n');
        if (lineEnd < 0) return data.Length >= maxHeadBytes ? HttpParseStatus.NotHttp : HttpParseStatus.NeedMoreData;
        var line = TrimCr(window[..lineEnd]);
        int sp1 = line.IndexOf((byte)' ');
        if (sp1 < 0 || line.Length < sp1 + 4) return HttpParseStatus.NotHttp;
        var code = line.Slice(sp1 + 1, 3);
        if (code.IndexOfAnyExceptInRange((byte)'0', (byte)'9') >= 0) return HttpParseStatus.NotHttp;
        if (line.Length > sp1 + 4 && line[sp1 + 4] != ' ') return HttpParseStatus.NotHttp;
        var h = new HttpResponseHead
        {
            Version = Latin1(line[..sp1]),
            StatusCode = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0'),
            Reason = line.Length > sp1 + 5 ? Latin1(line[(sp1 + 5)..]) : "",
        };
        head = h;
        var status = ReadHeaders(window, lineEnd + 1, data.Length > maxHeadBytes || window.Length >= maxHeadBytes, (name, value) =>
        {
            if (name.Equals("content-length", StringComparison.OrdinalIgnoreCase)
                && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long n)) h.ContentLength ??= n;
        }, out int headLength);
        h.HeadLength = headLength;
        h.Truncated = status == HttpParseStatus.TooLarge;
        return status;
    }

    private static HttpParseStatus ReadHeaders(ReadOnlySpan<byte> window, int position, bool capReached,
        Action<string, string> onHeader, out int headLength)
    {
        headLength = 0;
        while (true)
        {
            var rest = window[position..];
            int lf = rest.IndexOf((byte)'\n');
            if (lf < 0) return capReached ? HttpParseStatus.TooLarge : HttpParseStatus.NeedMoreData;
            var line = TrimCr(rest[..lf]);
            position += lf + 1;
            if (line.IsEmpty)
            {
                headLength = position;
                return HttpParseStatus.Complete;
            }
            if (line[0] is (byte)' ' or (byte)'\t') continue; // obsolete line folding: the continuation is not read
            int colon = line.IndexOf((byte)':');
            if (colon <= 0) continue; // not a header line: skipped, as lenient parsers do
            onHeader(Latin1(line[..colon].Trim((byte)' ')), Latin1(line[(colon + 1)..].Trim(" \t"u8)));
        }
    }

    private static bool PlausibleRequestStart(ReadOnlySpan<byte> data)
    {
        int sp = data.IndexOf((byte)' ');
        var method = sp < 0 ? data : data[..sp];
        return method.Length <= MaxMethodLength && (method.IsEmpty || IsToken(method)) && (sp != 0);
    }

    private static ReadOnlySpan<byte> TrimCr(ReadOnlySpan<byte> line) =>
        !line.IsEmpty && line[^1] == '\r' ? line[..^1] : line;

    // tchar (RFC 9110 §5.6.2): ALPHA / DIGIT / "!#$%&'*+-.^_`|~"
    private static bool IsToken(ReadOnlySpan<byte> s)
    {
        if (s.IsEmpty) return false;
        foreach (byte b in s)
        {
            bool ok = b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9')
                || "!#$%&'*+-.^_`|~"u8.Contains(b);
            if (!ok) return false;
        }
        return true;
    }

    private static string Latin1(ReadOnlySpan<byte> s) => Encoding.Latin1.GetString(s);
}
