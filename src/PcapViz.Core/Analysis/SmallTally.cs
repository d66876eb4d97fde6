namespace PcapViz.Analysis;

/// <summary>
/// Counts per small integer key (a DNS type, a response code) for one name: a handful of keys in two short arrays
/// searched linearly. Allocates only when a key is seen for the first time beyond the current capacity.
/// </summary>
internal sealed class SmallTally
{
    private ushort[] _keys = new ushort[1];
    private long[] _counts = new long[1];
    private int _count;

    public int Count => _count;

    public void Add(ushort key, long count)
    {
        for (int i = 0; i < _count; i++)
        {
            if (_keys[i] == key)
            {
                _counts[i] += count;
                return;
            }
        }
        if (_count == _keys.Length)
        {
            Array.Resize(ref _keys, _count * 2);
            Array.Resize(ref _counts, _count * 2);
        }
        _keys[_count] = key;
        _counts[_count++] = count;
    }

    public void AddAll(SmallTally other)
    {
        for (int i = 0; i < other._count; i++) Add(other._keys[i], other._counts[i]);
    }

    public IEnumerable<(ushort Key, long Count)> Items()
    {
        for (int i = 0; i < _count; i++) yield return (_keys[i], _counts[i]);
    }
}

/// <summary>What the DNS analysis keeps per (protocol, name).</summary>
internal sealed class NameStats
{
    public long Queries;
    public SmallTally? Types;
    public SmallTally? Codes;

    public void AddType(ushort type, long count) => (Types ??= new SmallTally()).Add(type, count);

    public void AddCode(ushort code, long count) => (Codes ??= new SmallTally()).Add(code, count);

    public void AddAll(NameStats other)
    {
        Queries += other.Queries;
        if (other.Types is not null) (Types ??= new SmallTally()).AddAll(other.Types);
        if (other.Codes is not null) (Codes ??= new SmallTally()).AddAll(other.Codes);
    }
}

/// <summary>An IPv4 or IPv6 address as a dictionary key.</summary>
internal readonly record struct AddressKey(byte Version, UInt128 Value) : IComparable<AddressKey>
{
    public static bool TryFrom(ReadOnlySpan<byte> address, out AddressKey key)
    {
        if (address.Length == 4) key = new AddressKey(4, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(address));
        else if (address.Length == 16) key = new AddressKey(6, System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(address));
        else
        {
            key = default;
            return false;
        }
        return true;
    }

    public static AddressKey Parse(string text)
    {
        var bytes = System.Net.IPAddress.Parse(text).GetAddressBytes();
        TryFrom(bytes, out var key);
        return key;
    }

    public override string ToString() => Version == 4 ? IpAddressFormat.Ipv4((uint)Value) : IpAddressFormat.Ipv6(Value);

    public int CompareTo(AddressKey other) => Version != other.Version ? Version.CompareTo(other.Version) : Value.CompareTo(other.Value);
}
