using PcapViz.Protocols.Quic;
using PcapViz.Protocols.Tls;
using Xunit;

namespace PcapViz.Protocols.Tests;

/// <summary>QUIC Initial keys and packet protection against RFC 9001 Appendix A and RFC 9369 Appendix A.</summary>
public sealed class QuicTests
{
    [Fact]
    public void InitialSecret_Rfc9001A1_Matches()
    {
        Assert.Equal("7db5df06e7a69e432496adedb00851923595221596ae2ae9fb8115c1e9ed0a44",
            Hex.Of(QuicInitialKeys.InitialSecret(QuicVersion.V1, Hex.Bytes(QuicVectors.ConnectionId))));
        Assert.Equal("2062e8b3cd8d52092614b8071d0aa1fb7c2e3ac193f78b280e72d8f5751f6aba",
            Hex.Of(QuicInitialKeys.InitialSecret(QuicVersion.V2, Hex.Bytes(QuicVectors.ConnectionId))));
    }

    [Theory]
    // RFC 9001 A.1
    [InlineData(QuicVersion.V1, false, "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea", "1f369613dd76d5467730efcbe3b1a22d", "fa044b2f42a3fd3b46fb255c", "9f50449e04a0e810283a1e9933adedd2")]
    [InlineData(QuicVersion.V1, true, "3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b", "cf3a5331653c364c88f0f379b6067e37", "0ac1493ca1905853b0bba03e", "c206b8d9b9f0f37644430b490eeaa314")]
    // RFC 9369 A.1
    [InlineData(QuicVersion.V2, false, "14ec9d6eb9fd7af83bf5a668bc17a7e283766aade7ecd0891f70f9ff7f4bf47b", "8b1a0bc121284290a29e0971b5cd045d", "91f73e2351d8fa91660e909f", "45b95e15235d6f45a6b19cbcb0294ba9")]
    [InlineData(QuicVersion.V2, true, "0263db1782731bf4588e7e4d93b7463907cb8cd8200b5da55a8bd488eafc37c1", "82db637861d55e1d011f19ea71d5d2a7", "dd13c276499c0249d3310652", "edf6d05c83121201b436e16877593c3a")]
    public void Derive_RfcAppendixA1_KeysMatch(uint version, bool server, string secret, string key, string iv, string hp)
    {
        var keys = QuicInitialKeys.Derive(version, Hex.Bytes(QuicVectors.ConnectionId), server)!;
        Assert.Equal(secret, Hex.Of(keys.Secret.Span));
        Assert.Equal(key, Hex.Of(keys.Key.Span));
        Assert.Equal(iv, Hex.Of(keys.Iv.Span));
        Assert.Equal(hp, Hex.Of(keys.HeaderProtectionKey.Span));
    }

    [Fact]
    public void Derive_UnknownVersion_ReturnsNull()
    {
        Assert.Null(QuicInitialKeys.Derive(0xff00001d, Hex.Bytes(QuicVectors.ConnectionId), server: false));
    }

    [Theory]
    [InlineData(QuicVersion.V1, QuicVectors.V1ClientInitial)]
    [InlineData(QuicVersion.V2, QuicVectors.V2ClientInitial)]
    public void Decrypt_ClientInitialA2_GivesCryptoFrameAndPadding(uint version, string packetHex)
    {
        byte[] packet = Hex.Bytes(packetHex);
        Assert.Equal(1200, packet.Length);
        Assert.True(QuicLongHeader.TryParse(packet, out var header));
        Assert.True(header.IsInitial);
        Assert.Equal(version, header.Version);
        Assert.Equal(QuicVectors.ConnectionId, Hex.Of(header.DestinationConnectionId));
        Assert.Equal(1200, header.PacketLength);

        using var protection = new QuicPacketProtection(QuicInitialKeys.Derive(version, header.DestinationConnectionId, server: false)!);
        byte[] plaintext = new byte[2000];
        int n = protection.Decrypt(packet, header.PacketNumberOffset, plaintext, out long pn);
        Assert.Equal(1162, n);
        Assert.Equal(2, pn);
        byte[] frame = Hex.Bytes(QuicVectors.ClientCryptoFrame);
        Assert.Equal(Hex.Of(frame), Hex.Of(plaintext.AsSpan(0, frame.Length)));
        Assert.All(plaintext.AsSpan(frame.Length, n - frame.Length).ToArray(), b => Assert.Equal(0, b));
    }

    [Theory]
    [InlineData(QuicVersion.V1, QuicVectors.V1ServerInitial)]
    [InlineData(QuicVersion.V2, QuicVectors.V2ServerInitial)]
    public void Decrypt_ServerInitialA3_GivesAckAndCrypto(uint version, string packetHex)
    {
        byte[] packet = Hex.Bytes(packetHex);
        Assert.True(QuicLongHeader.TryParse(packet, out var header));
        Assert.True(header.IsInitial);
        using var protection = new QuicPacketProtection(QuicInitialKeys.Derive(version, Hex.Bytes(QuicVectors.ConnectionId), server: true)!);
        byte[] plaintext = new byte[2000];
        int n = protection.Decrypt(packet, header.PacketNumberOffset, plaintext, out long pn);
        Assert.Equal(1, pn);
        Assert.Equal(Hex.Of(Hex.Bytes(QuicVectors.ServerPayload)), Hex.Of(plaintext.AsSpan(0, n)));
    }

    [Theory]
    [InlineData(QuicVersion.V1, QuicVectors.V1ClientInitial, QuicVectors.V1ServerInitial)]
    [InlineData(QuicVersion.V2, QuicVectors.V2ClientInitial, QuicVectors.V2ServerInitial)]
    public void Session_RfcPackets_ReadClientAndServerHello(uint version, string client, string server)
    {
        using var session = new QuicInitialSession();
        Assert.Equal(1, session.ProcessDatagram(Hex.Bytes(client), fromClient: true));
        Assert.Equal(1, session.ProcessDatagram(Hex.Bytes(server), fromClient: false));
        Assert.Equal(version, session.Version);
        Assert.Equal("example.com", session.ClientHello!.ServerName);
        Assert.Equal(["alpn"], session.ClientHello.Alpn);
        Assert.Equal([(ushort)0x1301, 0x1302], session.ClientHello.CipherSuites);
        Assert.StartsWith("q13d0211an_", TlsFingerprint.Ja4(session.ClientHello, Ja4Transport.Quic), StringComparison.Ordinal);
        Assert.Equal(TlsVersion.Tls13, session.ServerHello!.ChosenVersion);
        Assert.Equal(0x1301, session.ServerHello.CipherSuite);
        Assert.Equal(0, session.InitialPacketsUndecryptable);
    }

    [Fact]
    public void Session_ServerBeforeClient_CannotDecryptAndSaysSo()
    {
        using var session = new QuicInitialSession();
        Assert.Equal(0, session.ProcessDatagram(Hex.Bytes(QuicVectors.V1ServerInitial), fromClient: false));
        Assert.Equal(1, session.InitialPacketsUndecryptable);
        Assert.Null(session.ServerHello);
    }

    [Fact]
    public void Session_CoalescedClientInitialAndGarbage_ReadsFirstPacket()
    {
        byte[] datagram = [.. Hex.Bytes(QuicVectors.V1ClientInitial), 0x40, 1, 2, 3];
        using var session = new QuicInitialSession();
        Assert.Equal(1, session.ProcessDatagram(datagram, fromClient: true));
        Assert.NotNull(session.ClientHello);
    }

    [Fact]
    public void Session_TwoCoalescedInitials_BothDecrypted()
    {
        // The server's Initial twice in one datagram: both are walked (the second repeats the CRYPTO data).
        byte[] server = Hex.Bytes(QuicVectors.V1ServerInitial);
        using var session = new QuicInitialSession();
        session.ProcessDatagram(Hex.Bytes(QuicVectors.V1ClientInitial), fromClient: true);
        Assert.Equal(2, session.ProcessDatagram([.. server, .. server], fromClient: false));
        Assert.NotNull(session.ServerHello);
    }

    [Fact]
    public void Session_CorruptedTag_Undecryptable()
    {
        byte[] packet = Hex.Bytes(QuicVectors.V1ClientInitial);
        packet[^1] ^= 1;
        using var session = new QuicInitialSession();
        Assert.Equal(0, session.ProcessDatagram(packet, fromClient: true));
        Assert.Equal(1, session.InitialPacketsUndecryptable);
        Assert.Null(session.ClientHello);
    }
}
