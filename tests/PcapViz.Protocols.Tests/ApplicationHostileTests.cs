using PcapViz.Analysis;
using PcapViz.Generator;
using PcapViz.Model;
using PcapViz.Orchestration;
using Xunit;
using static PcapViz.Protocols.Tests.TlsBuilder;

namespace PcapViz.Protocols.Tests;

/// <summary>
/// Hostile handshakes through the whole analysis (a capture written with the generator, read by CaptureAnalyzer as
/// `report` reads it): none fails the capture, each is read as far as its caps allow, and the caps show in the counters.
/// </summary>
public sealed class ApplicationHostileTests
{
    private const long T0 = 1_704_067_200L * 1_000_000_000L;

    /// <summary>One TCP connection 10.0.0.1:40000 → 192.0.2.9:443: the client's bytes cut into segments of
    /// <paramref name="segment"/> bytes, then the server's.</summary>
    private static CaptureResult Analyse(byte[] client, byte[] server, int segment = 1400)
    {
        string dir = Directory.CreateTempSubdirectory("pcapviz-hostile-").FullName;
        try
        {
            string path = Path.Combine(dir, "c.pcap");
            using (var file = File.Create(path))
            using (var w = new PcapWriter(file, 1, false, false, 262144, false))
            {
                w.WriteHeader();
                long t = T0;
                void Send(byte[] data, bool fromClient)
                {
                    uint seq = 1000;
                    for (int i = 0; i < data.Length; i += segment)
                    {
                        var chunk = data.AsSpan(i, Math.Min(segment, data.Length - i));
                        var frame = new FrameBuilder().Ethernet().IPv4(fromClient ? "10.0.0.1" : "192.0.2.9", fromClient ? "192.0.2.9" : "10.0.0.1")
                            .Tcp(fromClient ? (ushort)40000 : (ushort)443, fromClient ? (ushort)443 : (ushort)40000, seq: seq).Payload(chunk).Build();
                        w.Write(t += 1000, frame);
                        seq += (uint)chunk.Length;
                    }
                }
                Send(client, true);
                Send(server, false);
            }
            return CaptureAnalyzer.Analyze(path, "c.pcap", "c", new AnalysisOptions(), cancellationToken: TestContext.Current.CancellationToken);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static byte[] Hello(string sni, params byte[][] more) =>
        Records(Handshake(1, ClientHelloBody([0x1301, 0x1302], [Sni(sni), Alpn("h2"), .. more])));

    [Fact]
    public void ClientHello_SpreadOver100Segments_ReadWhole()
    {
        byte[] hello = Hello("spread.example", Extension(0xff01, new byte[2000]));
        var result = Analyse(hello, [], segment: (hello.Length + 99) / 100);
        Assert.Equal(CaptureStatus.Ok, result.Status);
        var name = Assert.Single(result.Application.ServerNames);
        Assert.Equal(("spread.example", NameSources.Tls, 1L), (name.ServerName, name.Source, name.Count));
        Assert.Equal(["h2"], Assert.Single(result.Application.TlsClients).Alpn.Items);
    }

    [Fact]
    public void ClientHello_TenThousandExtensions_ReadWithinTheHelloCap()
    {
        // 10,000 empty extensions are 40,000 bytes: under the 64 KiB hello cap, so the hello is read, SNI included.
        var extensions = Enumerable.Range(0, 10_000).Select(i => Empty((ushort)(0x4000 + i))).ToArray();
        var result = Analyse(Hello("many.example", extensions), []);
        Assert.Equal(CaptureStatus.Ok, result.Status);
        Assert.Equal("many.example", Assert.Single(result.Application.ServerNames).ServerName);
        Assert.StartsWith("t12d0299h2_", Assert.Single(result.Application.TlsClients).Ja4, StringComparison.Ordinal); // TLS 1.2 (no supported_versions), 2 ciphers, extensions capped at 99
    }

    [Fact]
    public void ClientHello_LengthsPastTheRecord_NotReadAndNotFailed()
    {
        // A handshake that declares 60,000 bytes inside a 100-byte record, then the connection ends.
        byte[] body = new byte[96];
        byte[] record = [0x16, 3, 1, 0, 100, 1, 0, 0xea, 0x60, .. body];
        var result = Analyse(record, []);
        Assert.Equal(CaptureStatus.Ok, result.Status);
        Assert.Empty(result.Application.TlsClients);
        Assert.Equal(1, result.Application.Counters.Connections);
    }

    [Fact]
    public void Certificate_ChainOfOneMegabyte_CutAtTheCapAndNotFailed()
    {
        // Certificate message of 1 MiB (16 fake certificates of 64 KiB) after a ServerHello: past the bytes read per direction.
        byte[] cert = new byte[65536];
        byte[] list = Enumerable.Range(0, 16).SelectMany(_ => (byte[])[0, 1, 0, .. cert]).ToArray();
        byte[] message = [.. Handshake(11, [(byte)(list.Length >> 16), (byte)(list.Length >> 8), (byte)list.Length, .. list])];
        byte[] serverHello = Handshake(2, [3, 3, .. new byte[32], 0, 0x13, 0x01, 0]);
        var result = Analyse(Hello("big.example"), Records([.. serverHello, .. message]));
        Assert.Equal(CaptureStatus.Ok, result.Status);
        Assert.Single(result.Application.TlsServers);
        Assert.Empty(result.Application.Certificates);
        Assert.Equal(1, result.Application.Counters.CutAtLimit);
    }

    [Fact]
    public void ServerName_WithMarkup_KeptAsSent()
    {
        var result = Analyse(Hello("<script>x</script>.example"), []);
        Assert.Equal("<script>x</script>.example", Assert.Single(result.Application.ServerNames).ServerName);
    }
}
