using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PcapViz.Protocols.Tls;
using Xunit;

namespace PcapViz.Protocols.Tests;

public sealed class TlsCertificateTests
{
    private static readonly DateTimeOffset NotBefore = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset NotAfter = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static byte[] MakeCertificate(string subject, Action<SubjectAlternativeNameBuilder>? sans = null, string? issuer = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        if (sans is not null)
        {
            var b = new SubjectAlternativeNameBuilder();
            sans(b);
            request.CertificateExtensions.Add(b.Build());
        }
        if (issuer is null)
        {
            using var self = request.CreateSelfSigned(NotBefore, NotAfter);
            return self.RawData;
        }
        using var issuerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var generator = X509SignatureGenerator.CreateForECDsa(issuerKey);
        using var cert = request.Create(new X500DistinguishedName(issuer), generator, NotBefore, NotAfter, [1, 2, 3]);
        return cert.RawData;
    }

    [Fact]
    public void Read_SelfSignedWithSans_ReadsEveryField()
    {
        byte[] der = MakeCertificate("CN=test.example", b =>
        {
            b.AddDnsName("*.example.com");
            b.AddDnsName("example.org");
            b.AddIpAddress(IPAddress.Parse("192.0.2.1"));
            b.AddIpAddress(IPAddress.Parse("2001:db8::1"));
        });
        var info = TlsCertificateInfo.Read(der);
        Assert.True(info.Parsed);
        Assert.Equal("CN=test.example", info.Subject);
        Assert.Equal("test.example", info.SubjectCommonName);
        Assert.Equal("CN=test.example", info.Issuer);
        Assert.True(info.IsSelfSigned);
        Assert.Equal(["*.example.com", "example.org"], info.DnsNames);
        Assert.Equal(["192.0.2.1", "2001:db8::1"], info.IpAddresses);
        Assert.Equal(NotBefore.UtcDateTime, info.NotBeforeUtc);
        Assert.Equal(NotAfter.UtcDateTime, info.NotAfterUtc);
        Assert.Equal(DateTimeKind.Utc, info.NotAfterUtc.Kind);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(der)), info.Sha256);
        Assert.True(info.IsValidAt(new DateTime(2024, 6, 1, 0, 0, 0, DateTimeKind.Utc)));
        Assert.False(info.IsValidAt(new DateTime(2025, 6, 1, 0, 0, 0, DateTimeKind.Utc)));
    }

    [Theory]
    [InlineData("a.example.com", true)]
    [InlineData("A.EXAMPLE.COM.", true)]
    [InlineData("example.com", false)]
    [InlineData("a.b.example.com", false)]
    [InlineData("example.org", true)]
    [InlineData("www.example.org", false)]
    [InlineData("192.0.2.1", true)]
    [InlineData("192.0.2.2", false)]
    [InlineData("2001:db8:0::1", true)]
    [InlineData("test.example", false)] // the CN is not used when dNSName entries exist
    public void Covers_WildcardAndIpRules_AsRfc6125(string serverName, bool expected)
    {
        var info = TlsCertificateInfo.Read(MakeCertificate("CN=test.example", b =>
        {
            b.AddDnsName("*.example.com");
            b.AddDnsName("example.org");
            b.AddIpAddress(IPAddress.Parse("192.0.2.1"));
            b.AddIpAddress(IPAddress.Parse("2001:db8::1"));
        }));
        Assert.Equal(expected, info.Covers(serverName));
    }

    [Theory]
    [InlineData("*.com", "a.com", false)]
    [InlineData("f*.example.com", "foo.example.com", false)]
    [InlineData("*.*.example.com", "a.b.example.com", false)]
    [InlineData("www.example.com", "www.example.com", true)]
    public void NameMatches_UnsafeWildcards_Refused(string pattern, string host, bool expected)
    {
        Assert.Equal(expected, TlsCertificateInfo.NameMatches(pattern, host));
    }

    [Fact]
    public void Covers_NoDnsSans_FallsBackToCommonName()
    {
        var info = TlsCertificateInfo.Read(MakeCertificate("CN=host.example, O=Org"));
        Assert.True(info.Covers("host.example"));
        Assert.False(info.Covers("other.example"));
    }

    [Fact]
    public void Read_IssuedByAnother_NotSelfSigned()
    {
        var info = TlsCertificateInfo.Read(MakeCertificate("CN=leaf.example", issuer: "CN=Some CA"));
        Assert.True(info.Parsed);
        Assert.False(info.IsSelfSigned);
        Assert.Equal("CN=Some CA", info.Issuer);
    }

    [Theory]
    [InlineData("")]
    [InlineData("30")]
    [InlineData("3082ffff0102")]
    [InlineData("0000000000000000")]
    public void Read_MalformedDer_UnparseableNotThrown(string hex)
    {
        var info = TlsCertificateInfo.Read(Hex.Bytes(hex));
        Assert.False(info.Parsed);
        Assert.Equal(64, info.Sha256.Length);
        Assert.False(info.Covers("example.com"));
    }

    [Fact]
    public void Read_TruncatedRealCertificate_UnparseableNotThrown()
    {
        byte[] der = MakeCertificate("CN=x");
        for (int n = 0; n < der.Length; n += 7) Assert.False(TlsCertificateInfo.Read(der.AsSpan(0, n)).Parsed);
    }

    [Fact]
    public void CertificateMessage_TwoCertificates_BothReturned()
    {
        byte[] a = MakeCertificate("CN=a"), b = MakeCertificate("CN=b");
        byte[] list = [.. U24(a.Length), .. a, .. U24(b.Length), .. b];
        byte[] body = [.. U24(list.Length), .. list];
        var certs = TlsCertificateMessage.ReadCertificates(body, out bool complete);
        Assert.True(complete);
        Assert.Equal(2, certs.Count);
        Assert.Equal(a, certs[0].ToArray());
        Assert.Equal("CN=b", TlsCertificateInfo.Read(certs[1].Span).Subject);
    }

    [Fact]
    public void CertificateMessage_OneMegabyteChainOverCap_WholeCertificatesKeptAndTruncationReported()
    {
        byte[] cert = MakeCertificate("CN=chain");
        int count = (1024 * 1024 / (cert.Length + 3)) + 10; // a little over 1 MiB
        byte[] list = Enumerable.Range(0, count).SelectMany(_ => (byte[])[.. U24(cert.Length), .. cert]).ToArray();
        byte[] stream = TlsBuilder.Records(TlsBuilder.Handshake(11, [.. U24(list.Length), .. list]));
        var r = new TlsHandshakeReassembler();
        for (int i = 0; i < stream.Length; i += 1460) r.Append(stream.AsSpan(i, Math.Min(1460, stream.Length - i)));
        Assert.True(r.TryDequeue(out var m));
        Assert.True(m.Truncated);
        Assert.Equal(1024 * 1024, m.Body.Length);
        var certs = TlsCertificateMessage.ReadCertificates(m.Body, out bool complete);
        Assert.False(complete);
        Assert.InRange(certs.Count, count - 11, count - 1);
        Assert.All(certs, c => Assert.Equal(cert.Length, c.Length));
    }

    [Fact]
    public void CertificateMessage_LengthPastEnd_StopsWithoutThrowing()
    {
        byte[] body = [.. U24(100), .. U24(5000), 1, 2, 3];
        var certs = TlsCertificateMessage.ReadCertificates(body, out bool complete);
        Assert.Empty(certs);
        Assert.False(complete);
        Assert.Empty(TlsCertificateMessage.ReadCertificates(new byte[2], out _));
    }

    private static byte[] U24(int n) => [(byte)(n >> 16), (byte)(n >> 8), (byte)n];
}
