using PcapViz.Protocols.Tls;
using Xunit;

namespace PcapViz.Protocols.Tests;

public sealed class TlsParserTests
{
    [Fact]
    public void ClientHello_Example_ReadsEveryField()
    {
        var hello = TlsClientHello.Parse(TlsBuilder.Ja4ExampleBody())!;
        Assert.True(hello.IsComplete);
        Assert.Equal(0x0303, hello.LegacyVersion);
        Assert.Equal(32, hello.SessionIdLength);
        Assert.Equal(16, hello.CipherSuites.Count);
        Assert.Equal([(byte)0], hello.CompressionMethods);
        Assert.Equal("example.com", hello.ServerName);
        Assert.True(hello.HasServerNameExtension);
        Assert.Equal(["h2", "http/1.1"], hello.Alpn);
        Assert.Equal([(ushort)0x3a3a, 0x0304, 0x0303], hello.SupportedVersions);
        Assert.Equal([(ushort)0x4a4a, 0x001d, 0x0017, 0x0018], hello.SupportedGroups);
        Assert.Equal([(byte)0], hello.EcPointFormats);
        Assert.Equal(8, hello.SignatureAlgorithms.Count);
        Assert.Equal(18, hello.Extensions.Count);
        Assert.Equal(TlsVersion.Tls13, hello.HighestVersion);
    }

    [Fact]
    public void ClientHello_ExtensionsCutShort_PartialResult()
    {
        byte[] body = TlsBuilder.Ja4ExampleBody();
        var hello = TlsClientHello.Parse(body.AsSpan(0, body.Length - 20))!;
        Assert.False(hello.IsComplete);
        Assert.Equal("example.com", hello.ServerName);
        Assert.Equal(16, hello.CipherSuites.Count);
    }

    [Fact]
    public void ClientHello_FixedPartMissing_ReturnsNull()
    {
        Assert.Null(TlsClientHello.Parse([3, 3, 1, 2]));
        Assert.Null(TlsClientHello.Parse([]));
        byte[] body = TlsBuilder.ClientHelloBody([0x1301], []);
        body[34] = 200; // session id length past the end and above 32
        Assert.Null(TlsClientHello.Parse(body));
    }

    [Fact]
    public void ClientHello_ExtensionLengthPastRecord_PartialNotThrown()
    {
        byte[] ext = [.. TlsBuilder.U16(0x0000, 0xffff), 1, 2, 3];
        var hello = TlsClientHello.Parse(TlsBuilder.ClientHelloBody([0x1301], [ext]))!;
        Assert.False(hello.IsComplete);
        Assert.Null(hello.ServerName);
        Assert.Equal([(ushort)0], hello.Extensions);
    }

    [Fact]
    public void ClientHello_TenThousandExtensions_AllCountedQuickly()
    {
        var extensions = Enumerable.Range(0, 10_000).Select(i => TlsBuilder.Empty((ushort)(0x1000 + i)));
        var hello = TlsClientHello.Parse(TlsBuilder.ClientHelloBody([0x1301], extensions))!;
        Assert.True(hello.IsComplete);
        Assert.Equal(10_000, hello.Extensions.Count);
        Assert.Equal("99", TlsFingerprint.Ja4(hello, Ja4Transport.Tcp).Substring(6, 2));
    }

    [Fact]
    public void ServerHello_HelloRetryRequest_Recognised()
    {
        byte[] random = Hex.Bytes("CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C");
        byte[] body = [.. TlsBuilder.U16(0x0303), .. random, 0, .. TlsBuilder.U16(0x1301), 0,
            .. TlsBuilder.Vector16([.. TlsBuilder.Extension(0x002b, TlsBuilder.U16(0x0304)), .. TlsBuilder.Extension(0x0033, TlsBuilder.U16(0x001d))])];
        var hello = TlsServerHello.Parse(body)!;
        Assert.True(hello.IsHelloRetryRequest);
        Assert.Equal(TlsVersion.Tls13, hello.ChosenVersion);
        Assert.Equal(0x1301, hello.CipherSuite);
        Assert.True(hello.IsComplete);
    }

    [Fact]
    public void ServerHello_Tls12WithAlpn_ChosenVersionIsLegacy()
    {
        byte[] body = [.. TlsBuilder.U16(0x0303), .. new byte[32], 0, .. TlsBuilder.U16(0xc02f), 0,
            .. TlsBuilder.Vector16(TlsBuilder.Alpn("h2"))];
        var hello = TlsServerHello.Parse(body)!;
        Assert.False(hello.IsHelloRetryRequest);
        Assert.Equal(TlsVersion.Tls12, hello.ChosenVersion);
        Assert.Equal("h2", hello.Alpn);
    }

    [Fact]
    public void Reassembler_HelloOverHundredSegments_ComesOutWhole()
    {
        byte[] body = TlsBuilder.Ja4ExampleBody();
        byte[] stream = TlsBuilder.Records(TlsBuilder.Handshake(1, body), maxRecord: 37);
        var r = new TlsHandshakeReassembler();
        int segment = (stream.Length + 99) / 100;
        for (int i = 0; i < stream.Length; i += segment) r.Append(stream.AsSpan(i, Math.Min(segment, stream.Length - i)));
        Assert.True(r.TryDequeue(out var message));
        Assert.Equal(TlsHandshakeType.ClientHello, message.Type);
        Assert.False(message.Truncated);
        Assert.Equal(body, message.Body.ToArray());
        Assert.Equal(TlsStreamState.Handshake, r.State);
    }

    [Fact]
    public void Reassembler_OneByteAtATime_SameMessages()
    {
        byte[] hs = [.. TlsBuilder.Handshake(2, new byte[40]), .. TlsBuilder.Handshake(11, new byte[10]), .. TlsBuilder.Handshake(14, [])];
        byte[] stream = TlsBuilder.Records(hs, maxRecord: 7);
        var r = new TlsHandshakeReassembler();
        foreach (byte b in stream) r.Append([b]);
        Assert.True(r.TryDequeue(out var a));
        Assert.True(r.TryDequeue(out var c));
        Assert.True(r.TryDequeue(out var d));
        Assert.Equal((2, 40), (a.Type, a.Body.Length));
        Assert.Equal((11, 10), (c.Type, c.Body.Length));
        Assert.Equal((14, 0), (d.Type, d.DeclaredLength));
    }

    [Fact]
    public void Reassembler_SixteenMegabyteClaim_KeepsCapAndReportsTruncation()
    {
        var limits = new TlsReassemblyLimits { MaxHelloBytes = 1000 };
        var r = new TlsHandshakeReassembler(limits);
        byte[] header = [1, 0xff, 0xff, 0xff];
        byte[] stream = TlsBuilder.Records([.. header, .. new byte[5000]]);
        r.Append(stream);
        Assert.False(r.TryDequeue(out _)); // the message has not ended
        Assert.Equal(TlsStreamState.Handshake, r.State);
        Assert.True(r.BytesRead == stream.Length);
    }

    [Fact]
    public void Reassembler_MessageLongerThanCap_TruncatedFlagAndPartialParse()
    {
        byte[] body = TlsBuilder.Ja4ExampleBody();
        var r = new TlsHandshakeReassembler(new TlsReassemblyLimits { MaxHelloBytes = body.Length - 10 });
        r.Append(TlsBuilder.Records(TlsBuilder.Handshake(1, body)));
        Assert.True(r.TryDequeue(out var m));
        Assert.True(m.Truncated);
        Assert.Equal(body.Length, m.DeclaredLength);
        var hello = TlsClientHello.Parse(m.Body.Span)!;
        Assert.False(hello.IsComplete);
        Assert.Equal("example.com", hello.ServerName);
    }

    [Fact]
    public void Reassembler_ApplicationData_StopsReading()
    {
        var r = new TlsHandshakeReassembler();
        r.Append([.. TlsBuilder.Records([1, 2, 3], contentType: 23), .. TlsBuilder.Records(TlsBuilder.Handshake(1, new byte[50]))]);
        Assert.Equal(TlsStreamState.Encrypted, r.State);
        Assert.False(r.TryDequeue(out _));
    }

    [Fact]
    public void Reassembler_ChangeCipherSpecThenEncryptedFinished_Skipped()
    {
        var r = new TlsHandshakeReassembler();
        byte[] encrypted = Hex.Bytes("b2a1c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718");
        r.Append([.. TlsBuilder.Records([1], contentType: 20), .. TlsBuilder.Records(encrypted)]);
        Assert.Equal(TlsStreamState.Handshake, r.State);
        Assert.False(r.TryDequeue(out _));
    }

    [Fact]
    public void Reassembler_ChangeCipherSpecThenSecondClientHello_ReadAsAfterHelloRetryRequest()
    {
        // TLS 1.3 middlebox compatibility (RFC 8446 D.4): ChangeCipherSpec, then the second ClientHello in the clear.
        byte[] hello = TlsBuilder.Handshake(1, TlsBuilder.Ja4ExampleBody());
        var r = new TlsHandshakeReassembler();
        r.Append([.. TlsBuilder.Records(hello), .. TlsBuilder.Records([1], contentType: 20), .. TlsBuilder.Records(hello)]);
        Assert.True(r.TryDequeue(out var first));
        Assert.True(r.TryDequeue(out var second));
        Assert.Equal(first.Body.ToArray(), second.Body.ToArray());
    }

    [Fact]
    public void Reassembler_SecondClientHelloOneByteAtATime_StillRead()
    {
        byte[] hello = TlsBuilder.Handshake(1, TlsBuilder.Ja4ExampleBody());
        byte[] stream = [.. TlsBuilder.Records(hello), .. TlsBuilder.Records([1], contentType: 20), .. TlsBuilder.Records(hello)];
        var r = new TlsHandshakeReassembler();
        foreach (byte b in stream) r.Append([b]);
        Assert.True(r.TryDequeue(out _));
        Assert.True(r.TryDequeue(out var second));
        Assert.Equal("example.com", TlsClientHello.Parse(second.Body.Span)!.ServerName);
    }

    [Fact]
    public void Reassembler_SecondClientHelloOverSeveralRecords_Read()
    {
        byte[] hello = TlsBuilder.Handshake(1, TlsBuilder.Ja4ExampleBody());
        var r = new TlsHandshakeReassembler();
        r.Append([.. TlsBuilder.Records([1], contentType: 20), .. TlsBuilder.Records(hello, maxRecord: 37)]);
        Assert.True(r.TryDequeue(out var m));
        Assert.Equal("example.com", TlsClientHello.Parse(m.Body.Span)!.ServerName);
    }

    [Fact]
    public void Reassembler_AfterChangeCipherSpecShortRecords_Skipped()
    {
        var r = new TlsHandshakeReassembler();
        r.Append([.. TlsBuilder.Records([1], contentType: 20), .. TlsBuilder.Records([1, 0]), .. TlsBuilder.Records([1, 0, 0, 9, 1])]);
        Assert.Equal(TlsStreamState.Handshake, r.State);
        Assert.False(r.TryDequeue(out _));
    }

    [Theory]
    [InlineData(new byte[] { 0x47, 0x45, 0x54, 0x20, 0x2f, 0x20 })]     // "GET / "
    [InlineData(new byte[] { 22, 3, 1, 0xff, 0xff, 0 })]                 // record longer than TLS allows
    [InlineData(new byte[] { 22, 4, 1, 0, 5, 0 })]                       // unknown major version
    public void Reassembler_NotTls_SaysSo(byte[] stream)
    {
        var r = new TlsHandshakeReassembler();
        r.Append(stream);
        Assert.Equal(TlsStreamState.NotTls, r.State);
    }

    [Fact]
    public void Reassembler_SslV2ClientHello_Recognised()
    {
        // SSL 2.0 CLIENT-HELLO: version 0x0002, 2 cipher specs, no session id, 16-byte challenge.
        byte[] msg = [1, 0, 2, 0, 6, 0, 0, 0, 16, 0x01, 0x00, 0x80, 0x00, 0x00, 0x2f, .. new byte[16]];
        byte[] stream = [(byte)(0x80 | (msg.Length >> 8)), (byte)msg.Length, .. msg];
        var r = new TlsHandshakeReassembler();
        r.Append(stream);
        Assert.Equal(TlsStreamState.SslV2, r.State);
        var hello = TlsClientHello.ParseSslV2(r.SslV2ClientHello!.Body.Span)!;
        Assert.True(hello.IsSslV2);
        Assert.Equal([(ushort)0x002f], hello.CipherSuites);
        Assert.Equal("", TlsFingerprint.Ja3(hello));
        Assert.StartsWith("ts2i01", TlsFingerprint.Ja4(hello, Ja4Transport.Tcp), StringComparison.Ordinal);
    }

    [Fact]
    public void Reassembler_QueueFull_DropsAndCounts()
    {
        var r = new TlsHandshakeReassembler(new TlsReassemblyLimits { MaxQueuedMessages = 2 });
        byte[] hs = Enumerable.Range(0, 5).SelectMany(_ => TlsBuilder.Handshake(14, [])).ToArray();
        r.Append(TlsBuilder.Records(hs));
        Assert.Equal(3, r.MessagesDropped);
    }
}
