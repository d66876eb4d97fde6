using System.Text;
using PcapViz.Protocols.Flows;
using PcapViz.Protocols.Http;
using PcapViz.Protocols.Quic;
using PcapViz.Protocols.Tls;
using Xunit;

namespace PcapViz.Protocols.Tests;

/// <summary>
/// Hostile and malformed input: handshakes spread thin, lengths that lie, and a deterministic fuzz loop over
/// mutated valid inputs. Nothing may throw out of the public API and every call must return.
/// </summary>
public sealed class HostileInputTests
{
    private static readonly byte[] Dcid = Hex.Bytes("0011223344556677");
    private static readonly byte[] Scid = Hex.Bytes("a1a2a3a4");

    [Theory]
    [InlineData(QuicVersion.V1)]
    [InlineData(QuicVersion.V2)]
    public void Quic_ClientHelloOverSeveralInitialsOutOfOrder_Reassembled(uint version)
    {
        byte[] hello = TlsBuilder.Handshake(1, TlsBuilder.Ja4ExampleBody());
        int parts = 5, size = (hello.Length + parts - 1) / parts;
        var packets = new List<byte[]>();
        for (int i = 0; i < parts; i++)
        {
            int start = i * size, length = Math.Min(size, hello.Length - start);
            packets.Add(QuicPacketBuilder.Initial(version, Dcid, Scid, (uint)i, QuicPacketBuilder.CryptoFrame((ulong)start, hello.AsSpan(start, length))));
        }
        using var session = new QuicInitialSession();
        foreach (int i in new[] { 3, 0, 4, 0, 2, 1 }) session.ProcessDatagram(packets[i], fromClient: true); // out of order, one repeated
        Assert.Equal(6, session.InitialPacketsDecrypted);
        Assert.Equal("example.com", session.ClientHello!.ServerName);
        Assert.Equal("q13d1516h2_8daaf6152771_e5627efa2ab1", TlsFingerprint.Ja4(session.ClientHello, Ja4Transport.Quic));
    }

    [Theory]
    [InlineData(QuicVersion.V1)]
    [InlineData(QuicVersion.V2)]
    public void Quic_ClientHelloOverHundredInitialsShuffledRetransmittedAndDecoys_ReassembledAndCounted(uint version)
    {
        // 100 Initials of a few bytes of the ClientHello each, in a shuffled order, each sent twice (a retransmission
        // with its own packet number), among 100 datagrams that look like Initials of the connection but are noise.
        byte[] hello = TlsBuilder.Handshake(1, TlsBuilder.Ja4ExampleBody());
        const int Parts = 100;
        int size = (hello.Length + Parts - 1) / Parts;
        var random = new Random(5);
        var datagrams = new List<byte[]>();
        uint packetNumber = 0;
        foreach (int i in Enumerable.Range(0, Parts).OrderBy(_ => random.Next()))
        {
            int start = Math.Min(i * size, hello.Length), length = Math.Min(size, hello.Length - start);
            for (int copy = 0; copy < 2; copy++)
                datagrams.Add(QuicPacketBuilder.Initial(version, Dcid, Scid, packetNumber++, QuicPacketBuilder.CryptoFrame((ulong)start, hello.AsSpan(start, length))));
        }
        var first = datagrams[0];
        for (int i = 0; i < Parts; i++)
        {
            // The first Initial's header (so the same connection IDs), its protected bytes replaced by noise.
            byte[] decoy = (byte[])first.Clone();
            random.NextBytes(decoy.AsSpan(1 + 4 + 1 + Dcid.Length + 1 + Scid.Length + 1 + 2));
            datagrams.Insert(1 + random.Next(datagrams.Count), decoy);
        }

        using var session = new QuicInitialSession();
        foreach (var datagram in datagrams) session.ProcessDatagram(datagram, fromClient: true);

        Assert.Equal(2 * Parts, session.InitialPacketsDecrypted);
        Assert.Equal(Parts, session.InitialPacketsUndecryptable);
        Assert.Equal("example.com", session.ClientHello!.ServerName);
        Assert.Equal("q13d1516h2_8daaf6152771_e5627efa2ab1", TlsFingerprint.Ja4(session.ClientHello, Ja4Transport.Quic));
    }

    [Fact]
    public void Quic_ClientHelloOverHundredCryptoFramesInTwoCoalescedPackets_Reassembled()
    {
        byte[] hello = TlsBuilder.Handshake(1, TlsBuilder.Ja4ExampleBody());
        int size = (hello.Length + 99) / 100;
        var frames = Enumerable.Range(0, 100).Select(i => i * size).Where(s => s < hello.Length)
            .Select(s => QuicPacketBuilder.CryptoFrame((ulong)s, hello.AsSpan(s, Math.Min(size, hello.Length - s)))).Reverse().ToList();
        byte[] first = QuicPacketBuilder.Initial(QuicVersion.V1, Dcid, Scid, 0, frames.Take(50).SelectMany(f => f).ToArray());
        byte[] second = QuicPacketBuilder.Initial(QuicVersion.V1, Dcid, Scid, 1, frames.Skip(50).SelectMany(f => f).ToArray());
        using var session = new QuicInitialSession();
        Assert.Equal(2, session.ProcessDatagram([.. first, .. second], fromClient: true));
        Assert.Equal("example.com", session.ClientHello!.ServerName);
    }

    [Fact]
    public void Quic_CryptoPastCap_PartialHelloAndTruncationReported()
    {
        byte[] hello = TlsBuilder.Handshake(1, TlsBuilder.Ja4ExampleBody());
        byte[] packet = QuicPacketBuilder.Initial(QuicVersion.V1, Dcid, Scid, 0, QuicPacketBuilder.CryptoFrame(0, hello));
        using var session = new QuicInitialSession(new QuicLimits { MaxCryptoBytes = hello.Length - 30 });
        session.ProcessDatagram(packet, fromClient: true);
        Assert.True(session.CryptoTruncated);
        Assert.True(session.ClientHelloTruncated);
        Assert.Equal("example.com", session.ClientHello!.ServerName);
        Assert.False(session.ClientHello.IsComplete);
    }

    [Fact]
    public void Quic_CryptoOffsetsFarAway_DroppedNotAllocated()
    {
        var frames = Enumerable.Range(0, 200).SelectMany(i => QuicPacketBuilder.CryptoFrame((ulong)(i * 1000 + 7), [1, 2, 3])).ToArray();
        byte[] packet = QuicPacketBuilder.Initial(QuicVersion.V1, Dcid, Scid, 0, [.. QuicPacketBuilder.CryptoFrame(1_000_000_000, [1]), .. frames]);
        using var session = new QuicInitialSession();
        Assert.Equal(1, session.ProcessDatagram(packet, fromClient: true));
        Assert.True(session.CryptoTruncated);
        Assert.Null(session.ClientHello);
    }

    [Fact]
    public void Quic_UnknownFrameAndHugeAckCount_StopsSafely()
    {
        byte[] ack = [0x02, 0, 0, .. QuicPacketBuilder.VarInt(1_000_000), 0];
        using var session = new QuicInitialSession();
        Assert.Equal(1, session.ProcessDatagram(QuicPacketBuilder.Initial(QuicVersion.V1, Dcid, Scid, 0, ack), fromClient: true));
        Assert.Equal(1, session.ProcessDatagram(QuicPacketBuilder.Initial(QuicVersion.V1, Dcid, Scid, 1, [0x08, 1, 2, 3]), fromClient: true));
        Assert.Equal(2, session.FrameErrors);
    }

    [Fact]
    public void Quic_ServerInitialAnsweredWithServerKeys_ServerHelloRead()
    {
        byte[] serverHello = TlsBuilder.Handshake(2, [.. TlsBuilder.U16(0x0303), .. new byte[32], 0, .. TlsBuilder.U16(0x1301), 0,
            .. TlsBuilder.Vector16(TlsBuilder.Extension(0x002b, TlsBuilder.U16(0x0304)))]);
        using var session = new QuicInitialSession();
        session.ProcessDatagram(QuicPacketBuilder.Initial(QuicVersion.V1, Dcid, Scid, 0, QuicPacketBuilder.CryptoFrame(0, TlsBuilder.Handshake(1, TlsBuilder.Ja4ExampleBody()))), fromClient: true);
        // The server writes to the client's SCID, with keys from the client's original DCID.
        session.ProcessDatagram(QuicPacketBuilder.Initial(QuicVersion.V1, Scid, Hex.Bytes("b1b2"), 0, QuicPacketBuilder.CryptoFrame(0, serverHello), server: true, keyDcid: Dcid), fromClient: false);
        Assert.Equal(TlsVersion.Tls13, session.ServerHello!.ChosenVersion);
    }

    [Fact]
    public void Quic_AfterRetryNewDcid_ClientAndServerStillDecrypted()
    {
        byte[] retryDcid = Hex.Bytes("f0f1f2f3f4f5f6f7f8");
        byte[] hello = TlsBuilder.Handshake(1, TlsBuilder.Ja4ExampleBody());
        byte[] serverHello = TlsBuilder.Handshake(2, [.. TlsBuilder.U16(0x0303), .. new byte[32], 0, .. TlsBuilder.U16(0x1302), 0]);
        using var session = new QuicInitialSession();
        // The first Initial is answered by a Retry (not decrypted); the client repeats its hello to the new DCID,
        // protected with keys from that DCID, and the server answers with the same keys.
        session.ProcessDatagram(QuicPacketBuilder.Initial(QuicVersion.V1, Dcid, Scid, 0, [0x01]), fromClient: true);
        session.ProcessDatagram(QuicPacketBuilder.Initial(QuicVersion.V1, retryDcid, Scid, 1, QuicPacketBuilder.CryptoFrame(0, hello)), fromClient: true);
        session.ProcessDatagram(QuicPacketBuilder.Initial(QuicVersion.V1, Scid, retryDcid, 0, QuicPacketBuilder.CryptoFrame(0, serverHello), server: true, keyDcid: retryDcid), fromClient: false);
        Assert.Equal(3, session.InitialPacketsDecrypted);
        Assert.Equal(Hex.Of(Dcid), Hex.Of(session.OriginalDestinationConnectionId.Span));
        Assert.Equal("example.com", session.ClientHello!.ServerName);
        Assert.Equal(0x1302, session.ServerHello!.CipherSuite);
    }

    [Fact]
    public void Quic_ServerAnswersInV2ToV1Client_DecryptedWithV2Keys()
    {
        byte[] serverHello = TlsBuilder.Handshake(2, [.. TlsBuilder.U16(0x0303), .. new byte[32], 0, .. TlsBuilder.U16(0x1301), 0]);
        using var session = new QuicInitialSession();
        session.ProcessDatagram(QuicPacketBuilder.Initial(QuicVersion.V1, Dcid, Scid, 0, QuicPacketBuilder.CryptoFrame(0, TlsBuilder.Handshake(1, TlsBuilder.Ja4ExampleBody()))), fromClient: true);
        session.ProcessDatagram(QuicPacketBuilder.Initial(QuicVersion.V2, Scid, Hex.Bytes("b1"), 0, QuicPacketBuilder.CryptoFrame(0, serverHello), server: true, keyDcid: Dcid), fromClient: false);
        Assert.Equal(QuicVersion.V1, session.Version);
        Assert.NotNull(session.ServerHello);
    }

    /// <summary>Bytes the current thread allocated while <paramref name="action"/> ran (after one warm-up run of
    /// <paramref name="warmUp"/>, so that first-call allocations do not count).</summary>
    private static long AllocatedBy(Action warmUp, Action action)
    {
        warmUp();
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void Reassembler_CertificateHeaderClaiming16MiB_AllocatesOnlyWhatArrived()
    {
        // A 9-byte record declares a Certificate of 16 MiB - 1 and sends 4 body bytes: the body buffer must grow
        // with the bytes that arrive, not be sized (up to the 1 MiB cap) by the claim.
        byte[] stream = [22, 3, 3, 0, 8, TlsHandshakeType.Certificate, 0xff, 0xff, 0xff, 1, 2, 3, 4];
        TlsHandshakeReassembler? kept = null;
        long allocated = AllocatedBy(() => new TlsHandshakeReassembler().Append(stream), () =>
        {
            kept = new TlsHandshakeReassembler();
            kept.Append(stream);
        });
        Assert.InRange(allocated, 0, 16 * 1024);
        Assert.Equal(TlsStreamState.Handshake, kept!.State);
    }

    [Fact]
    public void Reassembler_SslV2HeaderClaiming32KiB_AllocatesOnlyWhatArrived()
    {
        byte[] stream = [0xff, 0xff, TlsHandshakeType.ClientHello, 0, 2];
        long allocated = AllocatedBy(() => new TlsHandshakeReassembler().Append(stream), () => new TlsHandshakeReassembler().Append(stream));
        Assert.InRange(allocated, 0, 8 * 1024);
    }

    [Fact]
    public void Reassembler_CertificateSentInPiecesPastCap_KeptUpToCapExactly()
    {
        // The growing body buffer keeps exactly the cap and the bytes in order.
        byte[] body = Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray();
        byte[] stream = TlsBuilder.Records(TlsBuilder.Handshake(TlsHandshakeType.Certificate, body), maxRecord: 333);
        var r = new TlsHandshakeReassembler(new TlsReassemblyLimits { MaxCertificateBytes = 3000 });
        for (int o = 0; o < stream.Length; o += 17) r.Append(stream.AsSpan(o, Math.Min(17, stream.Length - o)));
        Assert.True(r.TryDequeue(out var m));
        Assert.Equal(5000, m.DeclaredLength);
        Assert.True(m.Truncated);
        Assert.Equal(body[..3000], m.Body.ToArray());
    }

    [Fact]
    public void Quic_CryptoCertificateHeaderClaiming16MiB_AllocatesOnlyWhatArrived()
    {
        byte[] packet = QuicPacketBuilder.Initial(QuicVersion.V1, Dcid, Scid, 0,
            QuicPacketBuilder.CryptoFrame(0, [TlsHandshakeType.Certificate, 0xff, 0xff, 0xff, 1, 2, 3, 4]));
        using var warm = new QuicInitialSession();
        using var session = new QuicInitialSession();
        long allocated = AllocatedBy(() => warm.ProcessDatagram(packet, fromClient: true), () => Assert.Equal(1, session.ProcessDatagram(packet, fromClient: true)));
        Assert.InRange(allocated, 0, 256 * 1024);
    }

    [Fact]
    public void Fuzz_MutatedHellosRecordsPacketsAndHeads_NeverThrow()
    {
        var random = new Random(24); // deterministic
        byte[] clientHello = TlsBuilder.Handshake(1, TlsBuilder.Ja4ExampleBody());
        byte[] tlsStream = TlsBuilder.Records(clientHello, maxRecord: 100);
        byte[] quicPacket = Hex.Bytes(QuicVectors.V1ClientInitial);
        byte[] httpHead = Encoding.ASCII.GetBytes("GET /a HTTP/1.1\r\nHost: example.com\r\nUser-Agent: x\r\nContent-Length: 4\r\n\r\nbody");
        var limits = new TlsReassemblyLimits { MaxHelloBytes = 4096, MaxCertificateBytes = 4096, MaxOtherBytes = 64 };
        int parsedHellos = 0, decryptedQuic = 0;
        for (int i = 0; i < 20_000; i++)
        {
            byte[] hello = Mutate(random, clientHello);
            var parsed = TlsClientHello.Parse(hello.AsSpan(Math.Min(4, hello.Length)));
            if (parsed is not null)
            {
                parsedHellos++;
                _ = TlsFingerprint.Ja3(parsed);
                _ = TlsFingerprint.Ja4(parsed, Ja4Transport.Tcp);
                _ = parsed.HighestVersion;
            }
            if (TlsServerHello.Parse(hello) is { } sh) _ = TlsFingerprint.Ja3S(sh);
            _ = TlsClientHello.ParseSslV2(hello);
            _ = TlsCertificateMessage.ReadCertificates(hello, out _);

            var reassembler = new TlsHandshakeReassembler(limits);
            byte[] stream = Mutate(random, tlsStream);
            for (int o = 0; o < stream.Length;)
            {
                int n = Math.Min(stream.Length - o, 1 + random.Next(200));
                reassembler.Append(stream.AsSpan(o, n));
                o += n;
            }
            while (reassembler.TryDequeue(out var m)) _ = TlsClientHello.Parse(m.Body.Span);

            if (i % 10 == 0) // AES per packet: a tenth of the iterations is enough to walk every branch
            {
                using var session = new QuicInitialSession();
                decryptedQuic += session.ProcessDatagram(Mutate(random, quicPacket, maxFlips: 2), fromClient: true);
                _ = QuicLongHeader.TryParse(Mutate(random, quicPacket), out _);
            }

            byte[] head = Mutate(random, httpHead);
            _ = HttpHeadParser.ParseRequest(head, out _, maxHeadBytes: 64 + random.Next(64), endOfData: random.Next(2) == 0);
            _ = HttpHeadParser.ParseResponse(head, out _);
            _ = StartTlsDetector.Detect(head, Mutate(random, "220 Ready\r\n"u8.ToArray()));
            _ = CommunityId.Compute((byte)random.Next(256), hello.AsSpan(0, Math.Min(4, hello.Length)), hello.AsSpan(0, Math.Min(4, hello.Length)), 1, 2);
        }
        // The mutations must leave enough valid input to reach the deep branches.
        Assert.InRange(parsedHellos, 1000, 20_000);
        Assert.InRange(decryptedQuic, 1, 2000);
    }

    [Fact]
    public void Fuzz_RandomBytes_NeverThrow()
    {
        var random = new Random(9001);
        for (int i = 0; i < 5_000; i++)
        {
            byte[] data = new byte[random.Next(0, 600)];
            random.NextBytes(data);
            _ = TlsClientHello.Parse(data);
            _ = TlsServerHello.Parse(data);
            _ = TlsCertificateInfo.Read(data);
            var r = new TlsHandshakeReassembler();
            r.Append(data);
            if (data.Length > 0) data[0] |= 0x80; // a long header, so the QUIC parser goes deeper
            using var session = new QuicInitialSession();
            session.ProcessDatagram(data, fromClient: true);
            _ = HttpHeadParser.ParseRequest(data, out _, endOfData: true);
            _ = StartTlsDetector.Detect(data, data);
        }
    }

    /// <summary>A copy with a few random byte changes, a truncation, or an insertion.</summary>
    private static byte[] Mutate(Random random, byte[] input, int maxFlips = 6)
    {
        var data = input.ToList();
        int flips = random.Next(1, maxFlips + 1);
        for (int f = 0; f < flips && data.Count > 0; f++)
        {
            switch (random.Next(6))
            {
                case 0: data.RemoveRange(random.Next(data.Count), 1); break;
                case 1: data.Insert(random.Next(data.Count), (byte)random.Next(256)); break;
                case 2: int keep = random.Next(data.Count); data.RemoveRange(keep, data.Count - keep); break;
                case 3: data[random.Next(data.Count)] = 0xff; break;
                default: data[random.Next(data.Count)] = (byte)random.Next(256); break;
            }
        }
        return data.ToArray();
    }
}
