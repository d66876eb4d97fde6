using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PcapViz.Protocols.Tls;

/// <summary>
/// What a report shows of one certificate seen in the clear, read with .NET's X509 classes. A DER that .NET
/// cannot read gives an instance with <see cref="Parsed"/> false and only <see cref="Sha256"/> set.
/// </summary>
public sealed class TlsCertificateInfo
{
    private TlsCertificateInfo() { }

    /// <summary>False when the DER could not be read as a certificate.</summary>
    public bool Parsed { get; private init; }

    /// <summary>Lower-case hex SHA-256 of the DER bytes (the certificate's usual fingerprint).</summary>
    public string Sha256 { get; private init; } = "";

    /// <summary>The subject distinguished name as .NET formats it (RFC 2253 style, most specific last).</summary>
    public string Subject { get; private init; } = "";

    /// <summary>The subject's common name, empty when there is none.</summary>
    public string SubjectCommonName { get; private init; } = "";

    /// <summary>The issuer distinguished name.</summary>
    public string Issuer { get; private init; } = "";

    /// <summary>dNSName entries of subjectAltName, as written.</summary>
    public IReadOnlyList<string> DnsNames { get; private init; } = [];

    /// <summary>iPAddress entries of subjectAltName, formatted (IPv4 dotted, IPv6 RFC 5952).</summary>
    public IReadOnlyList<string> IpAddresses { get; private init; } = [];

    /// <summary>notBefore, UTC.</summary>
    public DateTime NotBeforeUtc { get; private init; }

    /// <summary>notAfter, UTC.</summary>
    public DateTime NotAfterUtc { get; private init; }

    /// <summary>True when subject and issuer names are byte-for-byte equal (the usual definition; the signature is not verified).</summary>
    public bool IsSelfSigned { get; private init; }

    /// <summary>Reads one DER certificate. Never throws for malformed input.</summary>
    public static TlsCertificateInfo Read(ReadOnlySpan<byte> der)
    {
        string sha = Convert.ToHexStringLower(SHA256.HashData(der));
        try
        {
            using var cert = X509CertificateLoader.LoadCertificate(der);
            var dns = new List<string>();
            var ips = new List<string>();
            foreach (var ext in cert.Extensions)
            {
                if (ext is not X509SubjectAlternativeNameExtension san) continue;
                foreach (string name in san.EnumerateDnsNames()) dns.Add(name);
                foreach (IPAddress ip in san.EnumerateIPAddresses()) ips.Add(ip.ToString());
            }
            return new TlsCertificateInfo
            {
                Parsed = true,
                Sha256 = sha,
                Subject = cert.Subject,
                SubjectCommonName = cert.GetNameInfo(X509NameType.SimpleName, forIssuer: false) ?? "",
                Issuer = cert.Issuer,
                DnsNames = dns,
                IpAddresses = ips,
                NotBeforeUtc = cert.NotBefore.ToUniversalTime(),
                NotAfterUtc = cert.NotAfter.ToUniversalTime(),
                IsSelfSigned = cert.SubjectName.RawData.AsSpan().SequenceEqual(cert.IssuerName.RawData),
            };
        }
        catch (CryptographicException)
        {
            return new TlsCertificateInfo { Parsed = false, Sha256 = sha };
        }
        catch (ArgumentException)
        {
            return new TlsCertificateInfo { Parsed = false, Sha256 = sha };
        }
    }

    /// <summary>True when <paramref name="utc"/> lies within notBefore..notAfter (inclusive).</summary>
    public bool IsValidAt(DateTime utc) => Parsed && utc >= NotBeforeUtc && utc <= NotAfterUtc;

    /// <summary>
    /// Whether the certificate names <paramref name="serverName"/> (RFC 6125 §6.4): an IP literal against the
    /// iPAddress entries; a DNS name against the dNSName entries, or the common name only when there are none.
    /// Comparison ignores ASCII case and one trailing dot; a wildcard is allowed only as the whole left-most label
    /// ("*.example.com" covers "a.example.com", not "example.com" nor "a.b.example.com"), and never directly above
    /// a single-label name ("*.com").
    /// </summary>
    public bool Covers(string serverName)
    {
        ArgumentNullException.ThrowIfNull(serverName);
        if (!Parsed || serverName.Length == 0) return false;
        if (IPAddress.TryParse(serverName, out var ip))
            return IpAddresses.Any(a => IPAddress.TryParse(a, out var other) && other.Equals(ip));
        IReadOnlyList<string> names = DnsNames.Count > 0 ? DnsNames
            : SubjectCommonName.Length > 0 ? [SubjectCommonName] : [];
        return names.Any(n => NameMatches(n, serverName));
    }

    internal static bool NameMatches(string pattern, string host)
    {
        pattern = pattern.TrimEnd('.');
        host = host.TrimEnd('.');
        if (pattern.Length == 0 || host.Length == 0) return false;
        if (!pattern.StartsWith("*.", StringComparison.Ordinal))
            return !pattern.Contains('*', StringComparison.Ordinal) && string.Equals(pattern, host, StringComparison.OrdinalIgnoreCase);
        string suffix = pattern[1..]; // ".example.com"
        if (suffix.Contains('*', StringComparison.Ordinal) || suffix.Count(c => c == '.') < 2) return false;
        if (!host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) return false;
        string label = host[..^suffix.Length];
        return label.Length > 0 && !label.Contains('.', StringComparison.Ordinal);
    }

    /// <summary>A one-line summary for logs: subject, SHA-256 prefix and validity.</summary>
    public override string ToString() => Parsed
        ? string.Create(CultureInfo.InvariantCulture, $"{Subject} sha256:{Sha256[..16]} {NotBeforeUtc:yyyy-MM-dd}..{NotAfterUtc:yyyy-MM-dd}")
        : "unparseable certificate sha256:" + Sha256[..16];
}
