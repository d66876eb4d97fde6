using System.Text;
using PcapViz.Protocols.Flows;
using PcapViz.Protocols.Tls;
using Xunit;

namespace PcapViz.Protocols.Tests;

public sealed class StartTlsDetectorTests
{
    private static readonly byte[] TlsHello = TlsBuilder.Records(TlsBuilder.Handshake(1, TlsBuilder.Ja4ExampleBody()));

    private static byte[] B(string s) => Encoding.ASCII.GetBytes(s);

    private static void AssertTlsAt(byte[] client, StartTlsResult r)
    {
        Assert.Equal(StartTlsStatus.Upgraded, r.Status);
        var reassembler = new TlsHandshakeReassembler();
        reassembler.Append(client.AsSpan(r.ClientTlsOffset));
        Assert.True(reassembler.TryDequeue(out var m));
        Assert.Equal("example.com", TlsClientHello.Parse(m.Body.Span)!.ServerName);
    }

    [Fact]
    public void Detect_SmtpStartTls_OffsetsAfterCommandAndReply()
    {
        byte[] client = [.. B("EHLO client.example\r\nSTARTTLS\r\n"), .. TlsHello];
        byte[] server = [.. B("220 mx.example ESMTP\r\n250-mx.example\r\n250-SIZE 1000\r\n250 STARTTLS\r\n220 2.0.0 Ready to start TLS\r\n"), 0x16, 3, 3];
        var r = StartTlsDetector.Detect(client, server);
        Assert.Equal(StartTlsProtocol.Smtp, r.Protocol);
        Assert.Equal(server.Length - 3, r.ServerTlsOffset);
        AssertTlsAt(client, r);
    }

    [Fact]
    public void Detect_SmtpStartTlsRefused_Refused()
    {
        var r = StartTlsDetector.Detect(B("EHLO a\r\nSTARTTLS\r\n"), B("220 mx\r\n250 mx\r\n454 4.7.0 TLS not available\r\n"));
        Assert.Equal((StartTlsProtocol.Smtp, StartTlsStatus.Refused, -1), (r.Protocol, r.Status, r.ClientTlsOffset));
    }

    [Fact]
    public void Detect_SmtpReplyNotYetSeen_NeedMoreData()
    {
        var r = StartTlsDetector.Detect(B("EHLO a\r\nSTARTTLS\r\n"), B("220 mx\r\n250-mx\r\n"));
        Assert.Equal(StartTlsStatus.NeedMoreData, r.Status);
    }

    [Fact]
    public void Detect_ImapStartTls_TaggedOk()
    {
        byte[] client = [.. B("a001 CAPABILITY\r\na002 STARTTLS\r\n"), .. TlsHello];
        byte[] server = B("* OK IMAP4rev1 ready\r\n* CAPABILITY IMAP4rev1 STARTTLS\r\na001 OK done\r\na002 OK Begin TLS negotiation now\r\n");
        var r = StartTlsDetector.Detect(client, server);
        Assert.Equal(StartTlsProtocol.Imap, r.Protocol);
        Assert.Equal(server.Length, r.ServerTlsOffset);
        AssertTlsAt(client, r);
    }

    [Fact]
    public void Detect_ImapStartTlsBad_Refused()
    {
        var r = StartTlsDetector.Detect(B("x STARTTLS\r\n"), B("* OK ready\r\nx BAD no\r\n"));
        Assert.Equal((StartTlsProtocol.Imap, StartTlsStatus.Refused), (r.Protocol, r.Status));
    }

    [Fact]
    public void Detect_Pop3Stls_AfterMultiLineCapa()
    {
        byte[] client = [.. B("CAPA\r\nSTLS\r\n"), .. TlsHello];
        byte[] server = B("+OK POP3 ready\r\n+OK Capability list follows\r\nUSER\r\nSTLS\r\n.\r\n+OK Begin TLS\r\n");
        var r = StartTlsDetector.Detect(client, server);
        Assert.Equal(StartTlsProtocol.Pop3, r.Protocol);
        Assert.Equal(server.Length, r.ServerTlsOffset);
        AssertTlsAt(client, r);
    }

    [Fact]
    public void Detect_Pop3StlsErr_Refused()
    {
        var r = StartTlsDetector.Detect(B("STLS\r\n"), B("+OK ready\r\n-ERR not now\r\n"));
        Assert.Equal((StartTlsProtocol.Pop3, StartTlsStatus.Refused), (r.Protocol, r.Status));
    }

    [Fact]
    public void Detect_XmppStartTls_AfterProceed()
    {
        byte[] head = B("<?xml version='1.0'?><stream:stream to='example.com' xmlns='jabber:client'><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        byte[] client = [.. head, .. TlsHello];
        byte[] server = B("<stream:stream from='example.com'><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features><proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        var r = StartTlsDetector.Detect(client, server);
        Assert.Equal(StartTlsProtocol.Xmpp, r.Protocol);
        Assert.Equal(head.Length, r.ClientTlsOffset);
        Assert.Equal(server.Length, r.ServerTlsOffset);
        AssertTlsAt(client, r);
    }

    [Fact]
    public void Detect_XmppFailure_Refused()
    {
        var r = StartTlsDetector.Detect(B("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'></starttls>"), B("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"));
        Assert.Equal((StartTlsProtocol.Xmpp, StartTlsStatus.Refused), (r.Protocol, r.Status));
    }

    [Fact]
    public void Detect_HttpConnect200_TargetAndOffsets()
    {
        byte[] request = B("CONNECT www.example.com:443 HTTP/1.1\r\nHost: www.example.com:443\r\nUser-Agent: curl/8\r\n\r\n");
        byte[] response = B("HTTP/1.1 200 Connection established\r\n\r\n");
        byte[] client = [.. request, .. TlsHello];
        var r = StartTlsDetector.Detect(client, [.. response, 0x16, 3, 3]);
        Assert.Equal(StartTlsProtocol.HttpConnect, r.Protocol);
        Assert.Equal("www.example.com:443", r.ConnectTarget);
        Assert.Equal(request.Length, r.ClientTlsOffset);
        Assert.Equal(response.Length, r.ServerTlsOffset);
        AssertTlsAt(client, r);
    }

    [Fact]
    public void Detect_HttpConnect407ThenRetry_SecondAttemptUpgraded()
    {
        byte[] first = B("CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n");
        byte[] second = B("CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\nProxy-Authorization: Basic eDp5\r\n\r\n");
        byte[] refused = B("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 5\r\n\r\ndeny!");
        byte[] ok = B("HTTP/1.1 200 OK\r\n\r\n");
        byte[] client = [.. first, .. second, .. TlsHello];
        var r = StartTlsDetector.Detect(client, [.. refused, .. ok]);
        Assert.Equal(first.Length + second.Length, r.ClientTlsOffset);
        Assert.Equal(refused.Length + ok.Length, r.ServerTlsOffset);
        AssertTlsAt(client, r);
    }

    [Fact]
    public void Detect_HttpConnect403_Refused()
    {
        var r = StartTlsDetector.Detect(B("CONNECT a:443 HTTP/1.1\r\n\r\n"), B("HTTP/1.1 403 Forbidden\r\n\r\n"));
        Assert.Equal((StartTlsProtocol.HttpConnect, StartTlsStatus.Refused), (r.Protocol, r.Status));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r\n", "HTTP/1.1 200 OK\r\n\r\n")]
    [InlineData("EHLO a\r\nMAIL FROM:<a@b>\r\n", "220 mx\r\n250 ok\r\n")]
    [InlineData("", "")]
    public void Detect_NoUpgrade_NotDetected(string client, string server)
    {
        var r = StartTlsDetector.Detect(B(client), B(server));
        Assert.Equal((StartTlsProtocol.None, StartTlsStatus.NotDetected, -1, -1), (r.Protocol, r.Status, r.ClientTlsOffset, r.ServerTlsOffset));
    }
}
