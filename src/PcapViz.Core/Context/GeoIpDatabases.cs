using System.Globalization;
using System.Net;
using MaxMind.Db;

namespace PcapViz.Context;

/// <summary>What the --geoip databases say about one address.</summary>
public readonly record struct GeoIpInfo(string? Country, long? Asn, string? AsOrg);

/// <summary>
/// Opt-in country and ASN look-ups in MaxMind DB files the user supplies (<c>--geoip FILE.mmdb</c>, repeatable),
/// read with the MaxMind.Db reader. Any database with <c>country.iso_code</c> (or <c>registered_country.iso_code</c>)
/// gives the country; any with <c>autonomous_system_number</c> gives the ASN and organisation. The first database
/// (in the order given) that answers a field wins. Nothing is looked up without a database.
/// </summary>
public sealed class GeoIpDatabases : IDisposable
{
    private readonly List<(string Path, Reader Reader)> _readers;

    private GeoIpDatabases(List<(string, Reader)> readers, string key)
    {
        _readers = readers;
        Key = key;
    }

    /// <summary>No database (no --geoip): lookups find nothing and reports show no country or AS column.</summary>
    public static GeoIpDatabases None { get; } = new([], "");

    internal bool IsEmpty => _readers.Count == 0;

    /// <summary>"type built yyyy-mm-dd" per database, in the order given (shown in reports and the manifest).</summary>
    public IReadOnlyList<string> Descriptions => _readers.Select(r => Describe(r.Reader.Metadata)).ToArray();

    /// <summary>Identifies the databases' content for the incremental cache key (type and build time of each).</summary>
    internal string Key { get; }

    /// <summary>Opens every file; throws <see cref="InvalidDataException"/> naming the file that is not a MaxMind DB.</summary>
    public static GeoIpDatabases Open(IReadOnlyList<string> paths)
    {
        var readers = new List<(string, Reader)>();
        try
        {
            foreach (string path in paths)
            {
                try
                {
                    readers.Add((path, new Reader(path, FileAccessMode.Memory)));
                }
                catch (InvalidDatabaseException ex)
                {
                    throw new InvalidDataException($"'{path}' is not a readable MaxMind DB file: {ex.Message}", ex);
                }
            }
        }
        catch
        {
            foreach (var (_, r) in readers) r.Dispose();
            throw;
        }
        string key = string.Join(";", readers.Select(r => string.Create(CultureInfo.InvariantCulture,
            $"{r.Item2.Metadata.DatabaseType}@{r.Item2.Metadata.BuildDate:yyyy-MM-ddTHH:mm:ss}")));
        return new GeoIpDatabases(readers, key);
    }

    private static string Describe(Metadata m) =>
        string.Create(CultureInfo.InvariantCulture, $"{m.DatabaseType} built {m.BuildDate:yyyy-MM-dd}");

    /// <summary>Country, ASN and organisation of <paramref name="address"/> (canonical text); nulls where no database answers.</summary>
    internal GeoIpInfo Lookup(string address)
    {
        if (_readers.Count == 0 || !IPAddress.TryParse(address, out var ip)) return default;
        string? country = null, org = null;
        long? asn = null;
        foreach (var (_, reader) in _readers)
        {
            Dictionary<string, object>? record;
            try
            {
                record = reader.Find<Dictionary<string, object>>(ip);
            }
            catch (InvalidDatabaseException)
            {
                continue; // a corrupt record answers nothing; the report goes on
            }
            if (record is null) continue;
            country ??= IsoCode(record, "country") ?? IsoCode(record, "registered_country");
            if (asn is null && record.TryGetValue("autonomous_system_number", out var number) && ToLong(number) is long n)
            {
                asn = n;
                org = record.TryGetValue("autonomous_system_organization", out var o) ? o as string : null;
            }
        }
        return new GeoIpInfo(country, asn, org);
    }

    private static string? IsoCode(Dictionary<string, object> record, string key) =>
        record.TryGetValue(key, out var value) && value is IDictionary<string, object> inner &&
        inner.TryGetValue("iso_code", out var code) ? code as string : null;

    private static long? ToLong(object value) => value switch
    {
        long l => l,
        int i => i,
        uint u => u,
        ulong ul when ul <= long.MaxValue => (long)ul,
        ushort us => us,
        System.Numerics.BigInteger b when b <= long.MaxValue && b >= long.MinValue => (long)b,
        _ => null,
    };

    /// <summary>Closes every database file.</summary>
    public void Dispose()
    {
        foreach (var (_, r) in _readers) r.Dispose();
    }
}
