using PcapViz.Protocols.Flows;
using PcapViz.Protocols.Tls;
using Xunit;

namespace PcapViz.Protocols.Tests;

/// <summary>
/// End to end over a real capture, made at test time by Data/make-upgrade-captures.py with Python's ssl over
/// loopback (<see cref="UpgradeCaptureFixture"/>): TLS 1.2 behind SMTP STARTTLS and behind an HTTP CONNECT is found
/// at the detected offsets, and its hellos and certificate are read.
/// </summary>
public sealed class UpgradeCaptureTests(UpgradeCaptureFixture capture) : IClassFixture<UpgradeCaptureFixture>
{
    private (byte[] Client, byte[] Server) Streams(ushort serverPort)
    {
        var packets = CorpusL7.Read(capture.CapturePath).Where(p => p.Protocol == 6 && (p.SourcePort == serverPort || p.DestinationPort == serverPort)).ToList();
        var client = new List<byte>();
        var server = new List<byte>();
        var toServer = new TcpDirectionStream();
        var toClient = new TcpDirectionStream();
        foreach (var p in packets)
        {
            if (p.DestinationPort == serverPort) toServer.Add(p, d => client.AddRange(d));
            else toClient.Add(p, d => server.AddRange(d));
        }
        return (client.ToArray(), server.ToArray());
    }

    private static List<TlsHandshakeMessage> Handshake(ReadOnlySpan<byte> tls)
    {
        var r = new TlsHandshakeReassembler();
        r.Append(tls);
        var messages = new List<TlsHandshakeMessage>();
        while (r.TryDequeue(out var m)) messages.Add(m);
        return messages;
    }

    [Fact]
    public void SmtpStartTls_RealCapture_HelloAndCertificateRead()
    {
        capture.Require();
        var (client, server) = Streams(capture.SmtpPort);
        var r = StartTlsDetector.Detect(client, server);
        Assert.Equal((StartTlsProtocol.Smtp, StartTlsStatus.Upgraded), (r.Protocol, r.Status));
        Assert.Equal("EHLO client.example.test\r\nSTARTTLS\r\n".Length, r.ClientTlsOffset);

        var hello = TlsClientHello.Parse(Handshake(client.AsSpan(r.ClientTlsOffset)).Single(m => m.Type == TlsHandshakeType.ClientHello).Body.Span)!;
        Assert.Equal("mail.example.test", hello.ServerName);
        Assert.StartsWith("t12d", TlsFingerprint.Ja4(hello, Ja4Transport.Tcp), StringComparison.Ordinal);

        var serverMessages = Handshake(server.AsSpan(r.ServerTlsOffset));
        var serverHello = TlsServerHello.Parse(serverMessages.First(m => m.Type == TlsHandshakeType.ServerHello).Body.Span)!;
        Assert.Equal(TlsVersion.Tls12, serverHello.ChosenVersion);
        var certificates = TlsCertificateMessage.ReadCertificates(serverMessages.Single(m => m.Type == TlsHandshakeType.Certificate).Body, out bool complete);
        Assert.True(complete);
        var info = TlsCertificateInfo.Read(certificates.Single().Span);
        Assert.True(info.Parsed);
        Assert.True(info.IsSelfSigned);
        Assert.Equal(["mail.example.test", "www.example.test"], info.DnsNames);
        Assert.True(info.Covers(hello.ServerName!));
        Assert.False(info.Covers("other.example.test"));
        Assert.Equal(TimeSpan.FromDays(30), info.NotAfterUtc - info.NotBeforeUtc);
    }

    [Fact]
    public void HttpConnect_RealCapture_TunnelledHelloRead()
    {
        capture.Require();
        var (client, server) = Streams(capture.ProxyPort);
        var r = StartTlsDetector.Detect(client, server);
        Assert.Equal((StartTlsProtocol.HttpConnect, StartTlsStatus.Upgraded), (r.Protocol, r.Status));
        Assert.Equal("www.example.test:443", r.ConnectTarget);
        Assert.Equal("HTTP/1.1 200 Connection established\r\n\r\n".Length, r.ServerTlsOffset);

        var hello = TlsClientHello.Parse(Handshake(client.AsSpan(r.ClientTlsOffset)).Single(m => m.Type == TlsHandshakeType.ClientHello).Body.Span)!;
        Assert.Equal("www.example.test", hello.ServerName);
        Assert.Equal(["h2", "http/1.1"], hello.Alpn);
        Assert.Matches("^t12d[0-9]{4}h2_[0-9a-f]{12}_[0-9a-f]{12}$", TlsFingerprint.Ja4(hello, Ja4Transport.Tcp));
        var serverHello = TlsServerHello.Parse(Handshake(server.AsSpan(r.ServerTlsOffset)).First(m => m.Type == TlsHandshakeType.ServerHello).Body.Span)!;
        Assert.Equal("http/1.1", serverHello.Alpn);
    }

    [Fact]
    public void Streams_WithoutDetection_AreNotTls()
    {
        // The clear-text start is not TLS: a reader that skipped the detection would see nothing.
        capture.Require();
        var (client, _) = Streams(capture.SmtpPort);
        var r = new TlsHandshakeReassembler();
        r.Append(client);
        Assert.Equal(TlsStreamState.NotTls, r.State);
    }
}
