using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;

namespace PcapViz.Context;

/// <summary>
/// Classifies an address by the IANA special-purpose registries (IPv4 and IPv6, plus the multicast ranges), shipped
/// as facts data (<c>Context/Data/ip-special-purpose.txt</c>, with its sources and version). The most specific
/// prefix wins; an address in none is <c>public</c>.
/// </summary>
public static class AddressClasses
{
    /// <summary>The class of an address in no special-purpose range: routable on the Internet.</summary>
    public const string Public = "public";
    /// <summary>IPv4 private-use ranges of RFC 1918 (10/8, 172.16/12, 192.168/16).</summary>
    public const string Private = "private";
    /// <summary>IPv6 unique local addresses, fc00::/7 (RFC 4193).</summary>
    public const string Ula = "ula";

    private const string Resource = "PcapViz.Context.Data.ip-special-purpose.txt";
    private static readonly Lazy<Registry> Data = new(Load);

    /// <summary>Every class tag the data uses, plus <c>public</c>, in a fixed order (the one spelling).</summary>
    public static IReadOnlyList<string> All => Data.Value.Classes;

    /// <summary>Version (date) of the registry transcription.</summary>
    public static string Version => Data.Value.Version;

    /// <summary>The class of an address given in canonical text (as the analyses print it).</summary>
    public static string Of(string address)
    {
        Span<byte> bytes = stackalloc byte[16];
        return IPAddress.TryParse(address, out var ip) && ip.TryWriteBytes(bytes, out int written) ? Of(bytes[..written]) : Public;
    }

    /// <summary>The class of 4 or 16 address bytes.</summary>
    public static string Of(ReadOnlySpan<byte> address) =>
        TryFindBlock(address, out _, out string addressClass) ? addressClass : Public;

    /// <summary>
    /// The most specific special-purpose block holding 4 or 16 address bytes: its prefix length and class. False
    /// for an address in none (a <c>public</c> one) and for any other length. Pseudonymisation keeps an address
    /// inside this block.
    /// </summary>
    internal static bool TryFindBlock(ReadOnlySpan<byte> address, out int prefixLength, out string addressClass)
    {
        var registry = Data.Value;
        int row = address.Length switch
        {
            4 => Match(registry.V4, BinaryPrimitives.ReadUInt32BigEndian(address), 32),
            16 => Match(registry.V6, BinaryPrimitives.ReadUInt128BigEndian(address), 128),
            _ => -1,
        };
        if (row < 0)
        {
            prefixLength = 0;
            addressClass = Public;
            return false;
        }
        (prefixLength, addressClass) = address.Length == 4
            ? (registry.V4[row].Length, registry.V4[row].Class)
            : (registry.V6[row].Length, registry.V6[row].Class);
        return true;
    }

    /// <summary>Every block of the registry as (prefix bytes, prefix length, class), IPv4 first, most specific first.</summary>
    internal static IEnumerable<(byte[] Prefix, int Length, string Class)> Blocks()
    {
        var registry = Data.Value;
        foreach (var (prefix, length, cls) in registry.V4)
        {
            var bytes = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(bytes, prefix);
            yield return (bytes, length, cls);
        }
        foreach (var (prefix, length, cls) in registry.V6)
        {
            var bytes = new byte[16];
            BinaryPrimitives.WriteUInt128BigEndian(bytes, prefix);
            yield return (bytes, length, cls);
        }
    }

    /// <summary>True for classes counted as "private" in the page's private/public share (RFC 1918, ULA, CGNAT, link-local, loopback).</summary>
    public static bool IsPrivateScope(string addressClass) =>
        addressClass is Private or Ula or "cgnat" or "link-local" or "loopback";

    /// <summary>Index of the most specific row containing the address, or -1.</summary>
    private static int Match<T>(List<(T Prefix, int Length, string Class)> rows, T address, int bits)
        where T : System.Numerics.IBinaryInteger<T>
    {
        // Rows are sorted longest prefix first: the first that contains the address is the most specific.
        for (int i = 0; i < rows.Count; i++)
        {
            var (prefix, length, _) = rows[i];
            if (length == 0) return i;
            T mask = T.AllBitsSet << (bits - length);
            if ((address & mask) == prefix) return i;
        }
        return -1;
    }

    private sealed record Registry(
        List<(uint Prefix, int Length, string Class)> V4,
        List<(UInt128 Prefix, int Length, string Class)> V6,
        IReadOnlyList<string> Classes,
        string Version);

    private static Registry Load()
    {
        using var stream = typeof(AddressClasses).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException("The embedded address registry is missing.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var v4 = new List<(uint, int, string)>();
        var v6 = new List<(UInt128, int, string)>();
        var classes = new List<string>();
        string version = "";
        while (reader.ReadLine() is { } line)
        {
            if (line.StartsWith("# PCAPVIZ-VERSION:", StringComparison.Ordinal)) version = line["# PCAPVIZ-VERSION:".Length..].Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var cells = line.Split('\t');
            var parts = cells[0].Split('/');
            var bytes = IPAddress.Parse(parts[0]).GetAddressBytes();
            int length = int.Parse(parts[1], CultureInfo.InvariantCulture);
            string cls = cells[1];
            if (!classes.Contains(cls)) classes.Add(cls);
            if (bytes.Length == 4) v4.Add((BinaryPrimitives.ReadUInt32BigEndian(bytes), length, cls));
            else v6.Add((BinaryPrimitives.ReadUInt128BigEndian(bytes), length, cls));
        }
        v4.Sort((a, b) => b.Item2.CompareTo(a.Item2));
        v6.Sort((a, b) => b.Item2.CompareTo(a.Item2));
        classes.Insert(0, Public);
        return new Registry(v4, v6, classes, version);
    }
}
