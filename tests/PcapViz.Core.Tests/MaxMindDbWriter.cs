using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace PcapViz.Tests;

/// <summary>
/// A minimal MaxMind DB (format 2.0) writer, written from the published specification, so that the GeoIP tests use
/// databases they make themselves: an IPv6 search tree of 32-bit records (IPv4 networks under ::/96), a data
/// section of maps, strings and unsigned integers, and the metadata map after the "\xAB\xCD\xEFMaxMind.com" marker.
/// </summary>
internal sealed class MaxMindDbWriter(string databaseType)
{
    private readonly List<(byte[] Address, int PrefixLength, Dictionary<string, object> Data)> _networks = [];

    /// <summary>Adds a network (IPv4 or IPv6 CIDR) with its record.</summary>
    public MaxMindDbWriter Add(string cidr, Dictionary<string, object> data)
    {
        var parts = cidr.Split('/');
        var ip = IPAddress.Parse(parts[0]);
        int length = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        byte[] bytes = ip.GetAddressBytes();
        if (bytes.Length == 4)
        {
            // IPv4 networks live in the IPv4-compatible range ::a.b.c.d/96+n, where readers look them up.
            bytes = [.. new byte[12], .. bytes];
            length += 96;
        }
        _networks.Add((bytes, length, data));
        return this;
    }

    private sealed class Node
    {
        public Node? Left, Right;
        public int? LeftData, RightData;
        public int Index;
    }

    public byte[] Build(DateTimeOffset buildTime)
    {
        var data = new MemoryStream();
        var root = new Node();
        foreach (var (address, prefix, record) in _networks)
        {
            int offset = (int)data.Length;
            Encode(data, record);
            var node = root;
            for (int bit = 0; bit < prefix; bit++)
            {
                bool one = (address[bit / 8] & (0x80 >> (bit % 8))) != 0;
                if (bit == prefix - 1)
                {
                    if (one) node.RightData = offset;
                    else node.LeftData = offset;
                    break;
                }
                node = one ? node.Right ??= new Node() : node.Left ??= new Node();
            }
        }

        var nodes = new List<Node>();
        var queue = new Queue<Node>([root]);
        while (queue.TryDequeue(out var n))
        {
            n.Index = nodes.Count;
            nodes.Add(n);
            if (n.Left is not null) queue.Enqueue(n.Left);
            if (n.Right is not null) queue.Enqueue(n.Right);
        }
        uint count = (uint)nodes.Count;
        uint Record(Node? child, int? dataOffset) =>
            child is not null ? (uint)child.Index : dataOffset is int o ? count + 16 + (uint)o : count;

        var output = new MemoryStream();
        Span<byte> word = stackalloc byte[4];
        foreach (var n in nodes)
        {
            BinaryPrimitives.WriteUInt32BigEndian(word, Record(n.Left, n.LeftData));
            output.Write(word);
            BinaryPrimitives.WriteUInt32BigEndian(word, Record(n.Right, n.RightData));
            output.Write(word);
        }
        output.Write(new byte[16]); // data section separator
        data.Position = 0;
        data.CopyTo(output);
        output.Write([0xAB, 0xCD, 0xEF]);
        output.Write("MaxMind.com"u8);
        Encode(output, new Dictionary<string, object>
        {
            ["binary_format_major_version"] = (ushort)2,
            ["binary_format_minor_version"] = (ushort)0,
            ["build_epoch"] = (ulong)buildTime.ToUnixTimeSeconds(),
            ["database_type"] = databaseType,
            ["description"] = new Dictionary<string, object> { ["en"] = "PcapViz test database" },
            ["ip_version"] = (ushort)6,
            ["languages"] = new object[] { "en" },
            ["node_count"] = count,
            ["record_size"] = (ushort)32,
        });
        return output.ToArray();
    }

    private static void Encode(Stream s, object value)
    {
        switch (value)
        {
            case string text:
                byte[] utf8 = Encoding.UTF8.GetBytes(text);
                Control(s, 2, utf8.Length);
                s.Write(utf8);
                break;
            case ushort u16:
                Unsigned(s, 5, u16);
                break;
            case uint u32:
                Unsigned(s, 6, u32);
                break;
            case ulong u64:
                Unsigned(s, 9, u64);
                break;
            case Dictionary<string, object> map:
                Control(s, 7, map.Count);
                foreach (var (k, v) in map)
                {
                    Encode(s, k);
                    Encode(s, v);
                }
                break;
            case object[] array:
                Control(s, 11, array.Length);
                foreach (var item in array) Encode(s, item);
                break;
            default:
                throw new ArgumentException($"Cannot encode {value.GetType()}.");
        }
    }

    private static void Unsigned(Stream s, int type, ulong value)
    {
        int length = 0;
        for (ulong v = value; v != 0; v >>= 8) length++;
        Control(s, type, length);
        for (int i = length - 1; i >= 0; i--) s.WriteByte((byte)(value >> (8 * i)));
    }

    /// <summary>Control byte: type in the top 3 bits (0 plus an extended-type byte for types above 7), size in the low 5.</summary>
    private static void Control(Stream s, int type, int size)
    {
        int sizeBits = size < 29 ? size : size < 285 ? 29 : size < 65_821 ? 30 : 31;
        s.WriteByte((byte)((type <= 7 ? type << 5 : 0) | sizeBits));
        if (type > 7) s.WriteByte((byte)(type - 7));
        if (sizeBits == 29) s.WriteByte((byte)(size - 29));
        else if (sizeBits == 30)
        {
            int rest = size - 285;
            s.WriteByte((byte)(rest >> 8));
            s.WriteByte((byte)rest);
        }
        else if (sizeBits == 31)
        {
            int rest = size - 65_821;
            s.WriteByte((byte)(rest >> 16));
            s.WriteByte((byte)(rest >> 8));
            s.WriteByte((byte)rest);
        }
    }
}
