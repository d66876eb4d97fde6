using System.Buffers.Binary;
using System.Net;
using System.Text;
using PcapViz.Decoding;

namespace PcapViz.Generator;

/// <summary>
/// A domain name as it goes on the wire: a sequence of parts (labels, a compression pointer, raw bytes),
/// ended by the root label unless it ends with a pointer or <see cref="Raw"/>. Lets a test write any name,
/// including hostile ones: <c>DnsName.Parse("www").ThenPointer(12)</c>, <c>DnsName.Raw(0xC0, 0x0C)</c>,
/// <c>DnsName.FromLabels(new byte[64])</c>.
/// </summary>
public sealed class DnsName
{
    private readonly byte[] _wire;

    private DnsName(byte[] wire, IReadOnlyList<string>? textLabels)
    {
        _wire = wire;
        TextLabels = textLabels;
    }

    /// <summary>The root name (a single zero byte).</summary>
    public static DnsName Root { get; } = new([0], []);

    /// <summary>Labels split on '.', ASCII; a trailing dot is ignored; "" or "." is the root. Ended by the root label.</summary>
    public static DnsName Parse(string name)
    {
        var trimmed = name.EndsWith('.') ? name[..^1] : name;
        if (trimmed.Length == 0)
        {
            return Root;
        }

        var labels = trimmed.Split('.');
        return new DnsName(Encode(labels.Select(l => Encoding.ASCII.GetBytes(l)).ToArray(), terminate: true), labels);
    }

    /// <summary>Labels given as raw bytes (may contain '.', '\' or any byte); ended by the root label.
    /// A label longer than 63 bytes is written with its real length byte (0x40 and up), which is malformed.</summary>
    public static DnsName FromLabels(params byte[][] labels) => new(Encode(labels, terminate: true), null);

    /// <summary>Exactly these bytes, nothing added (no root label).</summary>
    public static DnsName Raw(params byte[] wire) => new([.. wire], null);

    /// <summary>Only a compression pointer to <paramref name="offset"/> (from the message start).</summary>
    public static DnsName Pointer(int offset) => new(PointerBytes(offset), null);

    /// <summary>These labels (split on '.') followed by a pointer to <paramref name="offset"/> instead of the root.</summary>
    public static DnsName LabelsThenPointer(string labels, int offset)
        => new([.. Encode(labels.Split('.').Select(l => Encoding.ASCII.GetBytes(l)).ToArray(), terminate: false), .. PointerBytes(offset)], null);

    /// <summary>The bytes of this name as written when no compression is applied.</summary>
    public ReadOnlySpan<byte> Wire => _wire;

    /// <summary>The text labels when built by <see cref="Parse"/> (used for automatic compression), else null.</summary>
    internal IReadOnlyList<string>? TextLabels { get; }

    /// <summary>A dotted name as <see cref="Parse"/> makes it, so a string can be passed wherever a name is wanted.</summary>
    public static implicit operator DnsName(string name) => Parse(name);

    private static byte[] PointerBytes(int offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, 0x3FFF);
        return [(byte)(0xC0 | (offset >> 8)), (byte)offset];
    }

    private static byte[] Encode(byte[][] labels, bool terminate)
    {
        var bytes = new List<byte>();
        foreach (var label in labels)
        {
            if (label.Length > 255)
            {
                throw new ArgumentException("A label cannot be longer than 255 bytes, even a malformed one.", nameof(labels));
            }

            bytes.Add((byte)label.Length);
            bytes.AddRange(label);
        }

        if (terminate)
        {
            bytes.Add(0);
        }

        return [.. bytes];
    }
}

/// <summary>
/// Builds a DNS message (RFC 1035 section 4). Header fields are properties; section counts are the number of
/// records added unless overridden. With <see cref="Compress"/>, names made by <see cref="DnsName.Parse"/> reuse
/// the longest suffix already written via a compression pointer.
/// </summary>
public sealed class DnsMessageBuilder
{
    private readonly List<(DnsName Name, ushort Type, ushort Class)> _questions = [];
    private readonly List<Record> _records = [];

    /// <summary>ID: the 16-bit identifier a response copies from its query.</summary>
    public ushort Id { get; set; }

    /// <summary>QR: false = query, true = response.</summary>
    public bool IsResponse { get; set; }

    /// <summary>OPCODE, 4 bits: 0 standard query, 1 inverse query, 2 status, 4 notify, 5 update.</summary>
    public byte Opcode { get; set; }

    /// <summary>AA: the responding server is an authority for the name asked.</summary>
    public bool AuthoritativeAnswer { get; set; }

    /// <summary>TC: the message was truncated to fit the transport (a UDP client retries over TCP).</summary>
    public bool Truncated { get; set; }

    /// <summary>RD: the client asks the server to resolve recursively (set by default, as stub resolvers do).</summary>
    public bool RecursionDesired { get; set; } = true;

    /// <summary>RA: the server offers recursive resolution.</summary>
    public bool RecursionAvailable { get; set; }

    /// <summary>The 3 Z bits (AD and CD in RFC 4035 are the lower two).</summary>
    public byte Z { get; set; }

    /// <summary>RCODE, 4 bits: 0 NOERROR, 1 FORMERR, 2 SERVFAIL, 3 NXDOMAIN, 4 NOTIMP, 5 REFUSED.</summary>
    public byte ResponseCode { get; set; }

    /// <summary>Overrides QDCOUNT.</summary>
    public ushort? QuestionCount { get; set; }

    /// <summary>Overrides ANCOUNT.</summary>
    public ushort? AnswerCount { get; set; }

    /// <summary>Overrides NSCOUNT.</summary>
    public ushort? AuthorityCount { get; set; }

    /// <summary>Overrides ARCOUNT.</summary>
    public ushort? AdditionalCount { get; set; }

    /// <summary>Compress names made from text against earlier names in the message.</summary>
    public bool Compress { get; set; }

    /// <summary>Offset of the first question's name in the message (right after the 12-byte header).</summary>
    public const int FirstQuestionOffset = 12;

    /// <summary>Adds a question.</summary>
    public DnsMessageBuilder Question(DnsName name, ushort type = DnsCodes.TypeA, ushort @class = 1)
    {
        _questions.Add((name, type, @class));
        return this;
    }

    /// <summary>Adds an answer record with raw RDATA.</summary>
    public DnsMessageBuilder Answer(DnsName name, ushort type, byte[] rdata, uint ttl = 300, ushort @class = 1)
        => AddRecord(0, name, type, @class, ttl, rdata, null);

    /// <summary>Adds an A or AAAA answer for <paramref name="address"/>.</summary>
    public DnsMessageBuilder Answer(DnsName name, IPAddress address, uint ttl = 300)
        => AddRecord(0, name, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? DnsCodes.TypeAaaa : DnsCodes.TypeA,
            1, ttl, address.GetAddressBytes(), null);

    /// <summary>Adds an answer whose RDATA is a name (CNAME, PTR, NS), compressed like other names.</summary>
    public DnsMessageBuilder AnswerName(DnsName name, ushort type, DnsName target, uint ttl = 300)
        => AddRecord(0, name, type, 1, ttl, null, target);

    /// <summary>Adds an authority-section record with raw RDATA.</summary>
    public DnsMessageBuilder Authority(DnsName name, ushort type, byte[] rdata, uint ttl = 300)
        => AddRecord(1, name, type, 1, ttl, rdata, null);

    /// <summary>Adds an additional-section record with raw RDATA (e.g. an OPT pseudo-record: name root, type 41, class = UDP size).</summary>
    public DnsMessageBuilder Additional(DnsName name, ushort type, byte[] rdata, uint ttl = 0, ushort @class = 1)
        => AddRecord(2, name, type, @class, ttl, rdata, null);

    /// <summary>The message bytes.</summary>
    public byte[] Build()
    {
        var buffer = new List<byte>(64);
        var suffixes = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(header, Id);
        header[2] = (byte)((IsResponse ? 0x80 : 0) | ((Opcode & 0x0F) << 3) | (AuthoritativeAnswer ? 0x04 : 0)
            | (Truncated ? 0x02 : 0) | (RecursionDesired ? 0x01 : 0));
        header[3] = (byte)((RecursionAvailable ? 0x80 : 0) | ((Z & 0x07) << 4) | (ResponseCode & 0x0F));
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], QuestionCount ?? (ushort)_questions.Count);
        BinaryPrimitives.WriteUInt16BigEndian(header[6..], AnswerCount ?? (ushort)_records.Count(r => r.Section == 0));
        BinaryPrimitives.WriteUInt16BigEndian(header[8..], AuthorityCount ?? (ushort)_records.Count(r => r.Section == 1));
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], AdditionalCount ?? (ushort)_records.Count(r => r.Section == 2));
        buffer.AddRange(header);

        foreach (var (name, type, cls) in _questions)
        {
            WriteName(buffer, suffixes, name);
            AddUInt16(buffer, type);
            AddUInt16(buffer, cls);
        }

        foreach (var section in new[] { 0, 1, 2 })
        {
            foreach (var r in _records.Where(r => r.Section == section))
            {
                WriteName(buffer, suffixes, r.Name);
                AddUInt16(buffer, r.Type);
                AddUInt16(buffer, r.Class);
                AddUInt16(buffer, (ushort)(r.Ttl >> 16));
                AddUInt16(buffer, (ushort)r.Ttl);
                int lengthAt = buffer.Count;
                AddUInt16(buffer, 0);
                if (r.Target is not null)
                {
                    WriteName(buffer, suffixes, r.Target);
                }
                else
                {
                    buffer.AddRange(r.Rdata!);
                }

                int rdLength = buffer.Count - lengthAt - 2;
                buffer[lengthAt] = (byte)(rdLength >> 8);
                buffer[lengthAt + 1] = (byte)rdLength;
            }
        }

        return [.. buffer];
    }

    /// <summary>The message in TCP form: a 2-byte big-endian length prefix (RFC 1035 4.2.2), then the message.</summary>
    public byte[] BuildTcp() => TcpFraming(Build());

    /// <summary>Prefixes each message with its 2-byte length and concatenates them, as several messages in one TCP segment.</summary>
    public static byte[] TcpFraming(params byte[][] messages)
    {
        var result = new byte[messages.Sum(m => m.Length + 2)];
        int offset = 0;
        foreach (var message in messages)
        {
            BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(offset), checked((ushort)message.Length));
            message.CopyTo(result, offset + 2);
            offset += message.Length + 2;
        }

        return result;
    }

    private DnsMessageBuilder AddRecord(int section, DnsName name, ushort type, ushort cls, uint ttl, byte[]? rdata, DnsName? target)
    {
        _records.Add(new Record(section, name, type, cls, ttl, rdata, target));
        return this;
    }

    private void WriteName(List<byte> buffer, Dictionary<string, int> suffixes, DnsName name)
    {
        var labels = name.TextLabels;
        if (labels is null || labels.Count == 0)
        {
            buffer.AddRange(name.Wire);
            return;
        }

        for (int i = 0; i < labels.Count; i++)
        {
            string suffix = string.Join('.', labels.Skip(i));
            if (Compress && suffixes.TryGetValue(suffix, out int pointer))
            {
                buffer.Add((byte)(0xC0 | (pointer >> 8)));
                buffer.Add((byte)pointer);
                return;
            }

            if (buffer.Count <= 0x3FFF)
            {
                suffixes.TryAdd(suffix, buffer.Count);
            }

            var bytes = Encoding.ASCII.GetBytes(labels[i]);
            buffer.Add((byte)bytes.Length);
            buffer.AddRange(bytes);
        }

        buffer.Add(0);
    }

    private static void AddUInt16(List<byte> buffer, ushort value)
    {
        buffer.Add((byte)(value >> 8));
        buffer.Add((byte)value);
    }

    private sealed record Record(int Section, DnsName Name, ushort Type, ushort Class, uint Ttl, byte[]? Rdata, DnsName? Target);
}
