using System.Globalization;

namespace PcapViz.Decoding;

/// <summary>
/// The one spelling of DNS record types and response codes in JSON, CSV, HTML, PDF and docs (IANA "DNS Parameters"
/// mnemonics; an unnamed value as RFC 3597's <c>TYPE123</c> / <c>RCODE12</c>), with the parse counterpart. Public so that
/// the capture generator writes the same numbers.
/// </summary>
public static class DnsCodes
{
    /// <summary>A: an IPv4 address (RFC 1035).</summary>
    public const ushort TypeA = 1;
    /// <summary>CNAME: the canonical name of an alias (RFC 1035).</summary>
    public const ushort TypeCname = 5;
    /// <summary>NULL: arbitrary data (RFC 1035), a common carrier of DNS tunnels.</summary>
    public const ushort TypeNull = 10;
    /// <summary>PTR: a domain name pointer, as in reverse lookups (RFC 1035).</summary>
    public const ushort TypePtr = 12;
    /// <summary>TXT: one or more character strings (RFC 1035).</summary>
    public const ushort TypeTxt = 16;
    /// <summary>AAAA: an IPv6 address (RFC 3596).</summary>
    public const ushort TypeAaaa = 28;

    /// <summary>Response code 0, NOERROR: the query was answered (possibly with no records).</summary>
    public const int NoError = 0;
    /// <summary>Response code 3, NXDOMAIN: the name does not exist.</summary>
    public const int NxDomain = 3;

    private static readonly (ushort Value, string Name)[] Types =
    [
        (1, "A"), (2, "NS"), (5, "CNAME"), (6, "SOA"), (10, "NULL"), (12, "PTR"), (13, "HINFO"), (15, "MX"), (16, "TXT"),
        (17, "RP"), (18, "AFSDB"), (24, "SIG"), (25, "KEY"), (28, "AAAA"), (29, "LOC"), (33, "SRV"), (35, "NAPTR"),
        (39, "DNAME"), (41, "OPT"), (43, "DS"), (44, "SSHFP"), (46, "RRSIG"), (47, "NSEC"), (48, "DNSKEY"),
        (50, "NSEC3"), (52, "TLSA"), (64, "SVCB"), (65, "HTTPS"), (99, "SPF"), (249, "TKEY"), (250, "TSIG"),
        (251, "IXFR"), (252, "AXFR"), (255, "ANY"), (256, "URI"), (257, "CAA"),
    ];

    private static readonly string[] Codes =
    [
        "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH",
        "NOTZONE", "DSOTYPENI", "RCODE12", "RCODE13", "RCODE14", "RCODE15",
    ];

    private static readonly Dictionary<ushort, string> TypeNames = Types.ToDictionary(t => t.Value, t => t.Name);
    private static readonly Dictionary<string, ushort> TypeValues = Types.ToDictionary(t => t.Name, t => t.Value, StringComparer.Ordinal);

    /// <summary>Mnemonic of a record/query type, e.g. <c>AAAA</c>; <c>TYPE65280</c> for a type without one.</summary>
    public static string TypeName(ushort type) =>
        TypeNames.TryGetValue(type, out var name) ? name : "TYPE" + type.ToString(CultureInfo.InvariantCulture);

    /// <summary>Mnemonic of a (4-bit header) response code, e.g. <c>NXDOMAIN</c>.</summary>
    public static string ResponseCodeName(int code) => Codes[code & 0x0F];

    /// <summary>The value of a type mnemonic (<see cref="TypeName"/>'s inverse, <c>TYPE123</c> included); a <see cref="FormatException"/> for an unknown one.</summary>
    public static ushort ParseType(string name)
    {
        if (TypeValues.TryGetValue(name, out ushort value)) return value;
        if (name.StartsWith("TYPE", StringComparison.Ordinal) &&
            ushort.TryParse(name.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out value)) return value;
        throw new FormatException($"Unknown DNS type '{name}'.");
    }

    /// <summary>The value of a response code mnemonic (<see cref="ResponseCodeName"/>'s inverse); a <see cref="FormatException"/> for an unknown one.</summary>
    public static int ParseResponseCode(string name)
    {
        int index = Array.IndexOf(Codes, name);
        return index >= 0 ? index : throw new FormatException($"Unknown DNS response code '{name}'.");
    }
}
