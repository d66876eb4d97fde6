namespace PcapViz.Protocols.Tls;

/// <summary>TLS extension numbers read by the parsers (IANA "TLS ExtensionType Values").</summary>
public static class TlsExtensionType
{
    /// <summary>server_name (SNI, RFC 6066)</summary>
    public const ushort ServerName = 0x0000;
    /// <summary>supported_groups, formerly elliptic_curves (RFC 8422, RFC 7919)</summary>
    public const ushort SupportedGroups = 0x000a;
    /// <summary>ec_point_formats (RFC 8422)</summary>
    public const ushort EcPointFormats = 0x000b;
    /// <summary>signature_algorithms (RFC 8446)</summary>
    public const ushort SignatureAlgorithms = 0x000d;
    /// <summary>application_layer_protocol_negotiation (ALPN, RFC 7301)</summary>
    public const ushort Alpn = 0x0010;
    /// <summary>supported_versions (RFC 8446)</summary>
    public const ushort SupportedVersions = 0x002b;
}

/// <summary>TLS protocol version numbers on the wire.</summary>
public static class TlsVersion
{
    /// <summary>SSL 2.0 as JA4 names it</summary>
    public const ushort Ssl20 = 0x0002;
    /// <summary>SSL 3.0</summary>
    public const ushort Ssl30 = 0x0300;
    /// <summary>TLS 1.0</summary>
    public const ushort Tls10 = 0x0301;
    /// <summary>TLS 1.1</summary>
    public const ushort Tls11 = 0x0302;
    /// <summary>TLS 1.2</summary>
    public const ushort Tls12 = 0x0303;
    /// <summary>TLS 1.3</summary>
    public const ushort Tls13 = 0x0304;
}
