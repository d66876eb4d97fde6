using System.Text;
using PcapViz.Protocols.Http;
using Xunit;

namespace PcapViz.Protocols.Tests;

public sealed class HttpHeadParserTests
{
    private static byte[] B(string s) => Encoding.Latin1.GetBytes(s);

    [Fact]
    public void ParseRequest_SimpleGet_ReadsEveryField()
    {
        byte[] data = B("GET /download/CHANGES.bro-aux.txt HTTP/1.1\r\nUser-Agent: Wget/1.14 (darwin12.2.0)\r\nAccept: */*\r\nHost: bro.org\r\nConnection: Keep-Alive\r\n\r\n");
        Assert.Equal(HttpParseStatus.Complete, HttpHeadParser.ParseRequest(data, out var head));
        Assert.Equal("GET", head!.Method);
        Assert.Equal("/download/CHANGES.bro-aux.txt", head.Target);
        Assert.Equal("HTTP/1.1", head.Version);
        Assert.Equal("bro.org", head.Host);
        Assert.Equal("Wget/1.14 (darwin12.2.0)", head.UserAgent);
        Assert.Equal(data.Length, head.HeadLength);
        Assert.Equal(4, head.HeaderCount);
        Assert.False(head.Truncated);
    }

    [Fact]
    public void ParseRequest_Pipelined_EachByHeadAndBodyLength()
    {
        byte[] data = B("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\nHost: y\n\nGET /c HTTP/1.0\r\n\r\n");
        var targets = new List<string>();
        int offset = 0;
        while (offset < data.Length && HttpHeadParser.ParseRequest(data.AsSpan(offset), out var head) == HttpParseStatus.Complete)
        {
            targets.Add(head!.Method + " " + head.Target + " " + head.Host);
            offset += head.HeadLength + (int)(head.ContentLength ?? 0);
        }
        Assert.Equal(["POST /a x", "GET /b y", "GET /c "], targets);
        Assert.Equal(data.Length, offset);
    }

    [Theory]
    [InlineData("GE")]
    [InlineData("GET /index.ht")]
    [InlineData("GET / HTTP/1.1\r\nHost: exa")]
    [InlineData("")]
    public void ParseRequest_PartialLine_NeedsMoreData(string text)
    {
        Assert.Equal(HttpParseStatus.NeedMoreData, HttpHeadParser.ParseRequest(B(text), out _));
    }

    [Theory]
    [InlineData("\u0016\u0003\u0001\u0002\u0000\u0001")]
    [InlineData("SSH-2.0-OpenSSH_9.0\r\n")]
    [InlineData("BREW /pot HTCPCP/1.0\r\n\r\n")]
    [InlineData(" GET / HTTP/1.1\r\n\r\n")]
    public void ParseRequest_NotHttp_SaysSo(string text)
    {
        Assert.Equal(HttpParseStatus.NotHttp, HttpHeadParser.ParseRequest(B(text), out _));
    }

    [Fact]
    public void ParseRequest_NonPrintableBytes_KeptExactly()
    {
        byte[] data = [.. B("GET /a\u0001\u00ff\u007f HTTP/1.1\r\nHost: h\u0000st\r\nUser-Agent: \u00e9\u0002\r\n\r\n")];
        Assert.Equal(HttpParseStatus.Complete, HttpHeadParser.ParseRequest(data, out var head));
        Assert.Equal(B("/a\u0001\u00ff\u007f"), Encoding.Latin1.GetBytes(head!.Target));
        Assert.Equal("h\u0000st", head.Host);
        Assert.Equal("\u00e9\u0002", head.UserAgent);
    }

    [Fact]
    public void ParseRequest_HugeHeaders_TruncatedAtCapWithFieldsSoFar()
    {
        string big = "GET /x HTTP/1.1\r\nHost: a.example\r\n" + string.Concat(Enumerable.Repeat("X-Filler: " + new string('a', 1000) + "\r\n", 100));
        Assert.Equal(HttpParseStatus.TooLarge, HttpHeadParser.ParseRequest(B(big), out var head, maxHeadBytes: 8192));
        Assert.True(head!.Truncated);
        Assert.Equal("a.example", head.Host);
        Assert.Equal(0, head.HeadLength);
    }

    [Theory]
    [InlineData("GET /HTTP/1.1\r\nHost: a\r\n\r\n", "GET", "/HTTP/1.1", "")]
    [InlineData("OPTIONS HTTP/1.1\r\n\r\n", "OPTIONS", "HTTP/1.1", "")]
    [InlineData("OPTIONS  HTTP/1.1\r\n\r\n", "OPTIONS", "", "HTTP/1.1")]
    [InlineData("CCM_POST /HTTP/1.1\r\n\r\n", "CCM_POST", "/HTTP/1.1", "")]
    [InlineData("OPTIONS\nHost: www.google.com\n\n", "OPTIONS", "", "")]
    public void ParseRequest_NoVersion_RegisteredMethodAccepted(string text, string method, string target, string version)
    {
        Assert.Equal(HttpParseStatus.Complete, HttpHeadParser.ParseRequest(B(text), out var head));
        Assert.Equal((method, target, version), (head!.Method, head.Target, head.Version));
    }

    [Fact]
    public void ParseRequest_NoVersionUnknownMethod_NotHttp()
    {
        Assert.Equal(HttpParseStatus.NotHttp, HttpHeadParser.ParseRequest(B("EHLO mail.example\r\n"), out _));
    }

    [Fact]
    public void ParseRequest_CutByEndOfData_PartialWithRequestLine()
    {
        byte[] data = B("GET /images/sf.net_box.gif HTT");
        Assert.Equal(HttpParseStatus.NeedMoreData, HttpHeadParser.ParseRequest(data, out _));
        Assert.Equal(HttpParseStatus.Partial, HttpHeadParser.ParseRequest(data, out var head, endOfData: true));
        Assert.Equal(("GET", "/images/sf.net_box.gif"), (head!.Method, head.Target));
        Assert.True(head.Truncated);
        Assert.Equal(HttpParseStatus.Partial, HttpHeadParser.ParseRequest(B("GET / HTTP/1.1\r\nHost: a\r\n"), out head, endOfData: true));
        Assert.Equal("a", head!.Host);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void ParseRequest_NonPositiveCap_TreatedAsOneByteNotThrown(int cap)
    {
        Assert.Equal(HttpParseStatus.NotHttp, HttpHeadParser.ParseRequest(B("GET / HTTP/1.1\r\n\r\n"), out _, cap));
        Assert.Equal(HttpParseStatus.NotHttp, HttpHeadParser.ParseResponse(B("HTTP/1.1 200 OK\r\n\r\n"), out _, cap));
    }

    [Fact]
    public void ParseRequest_FirstHeaderWins_AndContentLengthValidated()
    {
        byte[] data = B("PUT / HTTP/1.1\r\nhost: first\r\nHOST: second\r\nContent-Length: -3\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
        Assert.Equal(HttpParseStatus.Complete, HttpHeadParser.ParseRequest(data, out var head));
        Assert.Equal("first", head!.Host);
        Assert.Null(head.ContentLength);
        Assert.True(head.Chunked);
    }

    [Fact]
    public void ParseRequest_Connect_AuthorityTarget()
    {
        Assert.Equal(HttpParseStatus.Complete, HttpHeadParser.ParseRequest(B("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"), out var head));
        Assert.Equal("CONNECT", head!.Method);
        Assert.Equal("example.com:443", head.Target);
    }

    [Fact]
    public void ParseResponse_StatusLine_CodeReasonAndLength()
    {
        byte[] data = B("HTTP/1.1 404 Not Found\r\nContent-Length: 12\r\n\r\nnot here :-(");
        Assert.Equal(HttpParseStatus.Complete, HttpHeadParser.ParseResponse(data, out var head));
        Assert.Equal("HTTP/1.1", head!.Version);
        Assert.Equal(404, head.StatusCode);
        Assert.Equal("Not Found", head.Reason);
        Assert.Equal(12, head.ContentLength);
        Assert.Equal(data.Length - 12, head.HeadLength);
    }

    [Theory]
    [InlineData("HTTP/1.1 2x0 OK\r\n\r\n", HttpParseStatus.NotHttp)]
    [InlineData("HTT", HttpParseStatus.NeedMoreData)]
    [InlineData("HTTP/1.1 200 OK\r\nServer: a", HttpParseStatus.NeedMoreData)]
    [InlineData("HTTP/1.0 200\r\n\r\n", HttpParseStatus.Complete)]
    [InlineData("220 smtp.example ESMTP\r\n", HttpParseStatus.NotHttp)]
    public void ParseResponse_Variants(string text, HttpParseStatus expected)
    {
        Assert.Equal(expected, HttpHeadParser.ParseResponse(B(text), out _));
    }
}
