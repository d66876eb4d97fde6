using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PcapViz.Protocols.Tls;

/// <summary>The transport a ClientHello came over, the first character of JA4.</summary>
public enum Ja4Transport
{
    /// <summary>TLS over TCP: 't'.</summary>
    Tcp,
    /// <summary>QUIC: 'q'.</summary>
    Quic,
    /// <summary>DTLS: 'd'.</summary>
    Dtls,
}

/// <summary>
/// Client and server fingerprints of TLS hellos: JA3 and JA3S (Salesforce; MD5 of a decimal string) and JA4
/// (FoxIO's TLS client fingerprint, BSD 3-Clause; only JA4, not the other JA4+ methods). GREASE values are left
/// out everywhere. See docs/protocols.md for the exact definitions.
/// </summary>
public static class TlsFingerprint
{
    /// <summary>
    /// The JA3 string "version,ciphers,extensions,groups,pointformats" (decimal, '-' separated, GREASE left out);
    /// empty for an SSL 2.0 hello, which JA3 does not define.
    /// </summary>
    public static string Ja3String(TlsClientHello hello)
    {
        ArgumentNullException.ThrowIfNull(hello);
        if (hello.IsSslV2) return "";
        var sb = new StringBuilder(256);
        sb.Append(hello.LegacyVersion.ToString(CultureInfo.InvariantCulture)).Append(',');
        AppendDecimal(sb, hello.CipherSuites);
        sb.Append(',');
        AppendDecimal(sb, hello.Extensions);
        sb.Append(',');
        AppendDecimal(sb, hello.SupportedGroups);
        sb.Append(',');
        for (int i = 0; i < hello.EcPointFormats.Count; i++)
        {
            if (i > 0) sb.Append('-');
            sb.Append(hello.EcPointFormats[i].ToString(CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>JA3: the lower-case hex MD5 of <see cref="Ja3String"/>; empty when that is empty.</summary>
    public static string Ja3(TlsClientHello hello)
    {
        string s = Ja3String(hello);
        return s.Length == 0 ? "" : Md5Hex(s);
    }

    /// <summary>The JA3S string "version,cipher,extensions" of a ServerHello (decimal, GREASE left out).</summary>
    public static string Ja3SString(TlsServerHello hello)
    {
        ArgumentNullException.ThrowIfNull(hello);
        var sb = new StringBuilder(64);
        sb.Append(hello.LegacyVersion.ToString(CultureInfo.InvariantCulture)).Append(',')
          .Append(hello.CipherSuite.ToString(CultureInfo.InvariantCulture)).Append(',');
        AppendDecimal(sb, hello.Extensions);
        return sb.ToString();
    }

    /// <summary>JA3S: the lower-case hex MD5 of <see cref="Ja3SString"/>.</summary>
    public static string Ja3S(TlsServerHello hello) => Md5Hex(Ja3SString(hello));

    /// <summary>
    /// JA4 of a ClientHello: <c>a_b_c</c> where a is transport, version, d/i (SNI or not), two-digit cipher and
    /// extension counts and the ALPN characters; b is the first 12 hex digits of SHA-256 over the sorted cipher
    /// list; c the same over the sorted extensions (without SNI and ALPN) and the signature algorithms in order.
    /// </summary>
    public static string Ja4(TlsClientHello hello, Ja4Transport transport)
    {
        var (a, ciphers, extensions) = Ja4Parts(hello, transport);
        return a + "_" + TruncatedSha256(ciphers) + "_" + TruncatedSha256(extensions);
    }

    /// <summary>JA4_r, the raw form of <see cref="Ja4"/>: the lists themselves instead of their hashes.</summary>
    public static string Ja4Raw(TlsClientHello hello, Ja4Transport transport)
    {
        var (a, ciphers, extensions) = Ja4Parts(hello, transport);
        return a + "_" + ciphers + "_" + extensions;
    }

    private static (string A, string Ciphers, string Extensions) Ja4Parts(TlsClientHello hello, Ja4Transport transport)
    {
        ArgumentNullException.ThrowIfNull(hello);
        var ciphers = hello.CipherSuites.Where(c => !Grease.Is(c)).ToList();
        var extensions = hello.Extensions.Where(e => !Grease.Is(e)).ToList();
        var sb = new StringBuilder(16);
        sb.Append(transport switch { Ja4Transport.Quic => 'q', Ja4Transport.Dtls => 'd', _ => 't' });
        sb.Append(Ja4Version(hello.HighestVersion));
        sb.Append(extensions.Contains(TlsExtensionType.ServerName) ? 'd' : 'i');
        sb.Append(Math.Min(99, ciphers.Count).ToString("D2", CultureInfo.InvariantCulture));
        sb.Append(Math.Min(99, extensions.Count).ToString("D2", CultureInfo.InvariantCulture));
        sb.Append(Ja4Alpn(hello.Alpn.Count > 0 ? hello.Alpn[0] : ""));

        ciphers.Sort();
        string cipherList = string.Join(',', ciphers.Select(Hex4));
        var sortedExtensions = extensions.Where(e => e != TlsExtensionType.ServerName && e != TlsExtensionType.Alpn).ToList();
        sortedExtensions.Sort();
        string extensionList = string.Join(',', sortedExtensions.Select(Hex4));
        var signatures = hello.SignatureAlgorithms.Where(s => !Grease.Is(s)).ToList();
        if (sortedExtensions.Count > 0 && signatures.Count > 0)
            extensionList += "_" + string.Join(',', signatures.Select(Hex4));
        return (sb.ToString(), cipherList, extensionList);
    }

    private static string Ja4Version(ushort version) => version switch
    {
        TlsVersion.Tls13 => "13",
        TlsVersion.Tls12 => "12",
        TlsVersion.Tls11 => "11",
        TlsVersion.Tls10 => "10",
        TlsVersion.Ssl30 => "s3",
        TlsVersion.Ssl20 => "s2",
        0xfeff => "d1",
        0xfefd => "d2",
        0xfefc => "d3",
        _ => "00",
    };

    /// <summary>First and last character of the first ALPN value; its hex digits when either is not alphanumeric.</summary>
    internal static string Ja4Alpn(string first)
    {
        if (first.Length == 0) return "00";
        char a = first[0], b = first[^1];
        if (IsAsciiAlphanumeric(a) && IsAsciiAlphanumeric(b)) return string.Concat(a.ToString(), b.ToString());
        byte[] bytes = Encoding.Latin1.GetBytes(first);
        string hex = Convert.ToHexStringLower(bytes);
        return string.Concat(hex[0].ToString(), hex[^1].ToString());
    }

    private static bool IsAsciiAlphanumeric(char c) => c is (>= '0' and <= '9') or (>= 'A' and <= 'Z') or (>= 'a' and <= 'z');

    private static string Hex4(ushort v) => v.ToString("x4", CultureInfo.InvariantCulture);

    private static string TruncatedSha256(string list)
    {
        if (list.Length == 0) return "000000000000";
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.ASCII.GetBytes(list), hash);
        return Convert.ToHexStringLower(hash)[..12];
    }

    private static void AppendDecimal(StringBuilder sb, IReadOnlyList<ushort> values)
    {
        bool first = true;
        foreach (ushort v in values)
        {
            if (Grease.Is(v)) continue;
            if (!first) sb.Append('-');
            sb.Append(v.ToString(CultureInfo.InvariantCulture));
            first = false;
        }
    }

    private static string Md5Hex(string s)
    {
        Span<byte> hash = stackalloc byte[MD5.HashSizeInBytes];
#pragma warning disable CA5351 // MD5 is what JA3 and JA3S define; the value is an identifier, not a security control.
        MD5.HashData(Encoding.ASCII.GetBytes(s), hash);
#pragma warning restore CA5351
        return Convert.ToHexStringLower(hash);
    }
}
