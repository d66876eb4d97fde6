using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace PcapViz.Slicing;

/// <summary>
/// Writes a pcapng file (draft-ietf-opsawg-pcapng): a section header block on construction, then interface
/// description, packet and other blocks. Block total lengths are written at both ends, bodies and options are
/// padded to 32 bits. The caller owns the stream; disposing finishes gzip and flushes, leaving it open.
/// One writer for the tool's packet slices (<see cref="PacketSlicer"/>) and for the generator's test captures.
/// </summary>
public sealed class PcapNgWriter : IDisposable
{
    internal const uint SectionHeaderBlockType = 0x0A0D0D0A;
    internal const uint InterfaceDescriptionBlockType = 1;
    internal const uint ObsoletePacketBlockType = 2;
    internal const uint SimplePacketBlockType = 3;
    internal const uint EnhancedPacketBlockType = 6;
    internal const uint ByteOrderMagic = 0x1A2B3C4D;

    private readonly Stream _stream;
    private readonly Stream _out;
    private readonly List<byte> _tsResolutions = [];
    private byte[] _block = new byte[2048];
    private bool _bigEndian;

    /// <summary>A writer of one section (its header block written now) to <paramref name="stream"/>, in big-endian byte order when <paramref name="bigEndian"/>, gzip-compressed at <paramref name="gzipLevel"/> when <paramref name="gzip"/>.</summary>
    public PcapNgWriter(Stream stream, bool bigEndian = false, bool gzip = false, CompressionLevel gzipLevel = CompressionLevel.Optimal)
        : this(stream, bigEndian, gzip, gzipLevel, startSection: true)
    {
    }

    /// <summary>
    /// A writer that starts no section: for blocks that another writer's section will take whole
    /// (<see cref="WriteRawBytes"/>), when the section header's options are known only at the end.
    /// </summary>
    public static PcapNgWriter WithoutSectionHeader(Stream stream) => new(stream, false, false, CompressionLevel.Optimal, startSection: false);

    /// <summary>A writer whose section header names the application and carries a comment (opt_comment).</summary>
    public static PcapNgWriter WithSection(Stream stream, string userApplication, string comment)
    {
        var writer = WithoutSectionHeader(stream);
        writer.StartSection(false, userApplication, comment);
        return writer;
    }

    private PcapNgWriter(Stream stream, bool bigEndian, bool gzip, CompressionLevel gzipLevel, bool startSection)
    {
        _stream = stream;
        // .NET writes a fixed 10-byte gzip header (no file name, MTIME 0), so output depends only on the input bytes.
        _out = gzip ? new GZipStream(stream, gzipLevel, leaveOpen: true) : stream;
        if (startSection) StartSection(bigEndian);
    }

    /// <summary>Bytes written so far (before compression).</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Interfaces declared in the current section.</summary>
    public int InterfaceCount => _tsResolutions.Count;

    /// <summary>Starts a new section (a new section header block) in the given byte order; interface ids restart at 0.</summary>
    public void StartSection(bool bigEndian = false, string? userApplication = "pcapviz-gen", string? comment = null)
    {
        _bigEndian = bigEndian;
        _tsResolutions.Clear();
        var options = new OptionList(this);
        if (comment is not null)
        {
            options.Add(1, Encoding.UTF8.GetBytes(comment)); // opt_comment
        }

        if (userApplication is not null)
        {
            options.Add(4, Encoding.UTF8.GetBytes(userApplication)); // shb_userappl
        }

        Span<byte> fixedPart = stackalloc byte[16];
        Put32(fixedPart, ByteOrderMagic);
        Put16(fixedPart[4..], 1);
        Put16(fixedPart[6..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(fixedPart[8..], -1); // section length unknown: all ones in either order
        WriteBlock(SectionHeaderBlockType, fixedPart, [], options.ToArray());
    }

    /// <summary>
    /// Adds an interface description block and returns its interface id. <paramref name="tsResolution"/> is the
    /// if_tsresol option byte: null = option absent (microseconds), 6 = µs, 9 = ns, 0x80 | n = 2^-n seconds.
    /// </summary>
    public int AddInterface(ushort linkType, uint snapLength = 262144, byte? tsResolution = null, string? name = null)
    {
        var options = new OptionList(this);
        if (name is not null)
        {
            options.Add(2, Encoding.UTF8.GetBytes(name)); // if_name
        }

        if (tsResolution is byte r)
        {
            options.Add(9, [r]); // if_tsresol
        }

        Span<byte> fixedPart = stackalloc byte[8];
        Put16(fixedPart, linkType);
        Put16(fixedPart[2..], 0);
        Put32(fixedPart[4..], snapLength);
        WriteBlock(InterfaceDescriptionBlockType, fixedPart, [], options.ToArray());
        _tsResolutions.Add(tsResolution ?? 6);
        return _tsResolutions.Count - 1;
    }

    /// <summary>Writes an enhanced packet block; the timestamp is converted to the interface's resolution (rounded down).</summary>
    public void WriteEnhancedPacket(int interfaceId, long epochNanos, ReadOnlySpan<byte> data, int? originalLength = null, string? comment = null)
    {
        ulong units = ToUnits(interfaceId, epochNanos);
        Span<byte> fixedPart = stackalloc byte[20];
        Put32(fixedPart, (uint)interfaceId);
        Put32(fixedPart[4..], (uint)(units >> 32));
        Put32(fixedPart[8..], (uint)units);
        Put32(fixedPart[12..], (uint)data.Length);
        Put32(fixedPart[16..], (uint)(originalLength ?? data.Length));
        byte[] options = [];
        if (comment is not null)
        {
            var list = new OptionList(this);
            list.Add(1, Encoding.UTF8.GetBytes(comment)); // opt_comment
            options = list.ToArray();
        }

        WriteBlock(EnhancedPacketBlockType, fixedPart, data, options);
    }

    /// <summary>Writes a simple packet block (original length, then data; no interface id or timestamp; belongs to interface 0).</summary>
    public void WriteSimplePacket(ReadOnlySpan<byte> data, int? originalLength = null)
    {
        Span<byte> fixedPart = stackalloc byte[4];
        Put32(fixedPart, (uint)(originalLength ?? data.Length));
        WriteBlock(SimplePacketBlockType, fixedPart, data, []);
    }

    /// <summary>Writes an obsolete packet block (type 2): 16-bit interface id, 16-bit drops count, timestamp, lengths, data.</summary>
    public void WriteObsoletePacket(int interfaceId, long epochNanos, ReadOnlySpan<byte> data, int? originalLength = null, ushort dropsCount = 0)
    {
        ulong units = ToUnits(interfaceId, epochNanos);
        Span<byte> fixedPart = stackalloc byte[20];
        Put16(fixedPart, (ushort)interfaceId);
        Put16(fixedPart[2..], dropsCount);
        Put32(fixedPart[4..], (uint)(units >> 32));
        Put32(fixedPart[8..], (uint)units);
        Put32(fixedPart[12..], (uint)data.Length);
        Put32(fixedPart[16..], (uint)(originalLength ?? data.Length));
        WriteBlock(ObsoletePacketBlockType, fixedPart, data, []);
    }

    /// <summary>Writes a block of any type with the given body (padded to 32 bits), e.g. one a reader must skip.</summary>
    public void WriteUnknownBlock(uint blockType, ReadOnlySpan<byte> body) => WriteBlock(blockType, [], body, []);

    /// <summary>Writes <paramref name="bytes"/> as they are, e.g. a block whose lengths disagree, for malformed-file tests.</summary>
    public void WriteRawBytes(ReadOnlySpan<byte> bytes)
    {
        _out.Write(bytes);
        BytesWritten += bytes.Length;
    }

    /// <summary>Size of the enhanced packet block <see cref="WriteEnhancedPacket"/> writes for these lengths.</summary>
    public static long EnhancedPacketSize(int dataLength, int commentBytes) =>
        12 + 20 + ((dataLength + 3L) & ~3) + (commentBytes == 0 ? 0 : 4 + ((commentBytes + 3L) & ~3) + 4);

    /// <summary>Ends the gzip stream if any and flushes; the stream given to the constructor stays open.</summary>
    public void Dispose()
    {
        if (_out != _stream)
        {
            _out.Dispose();
        }

        _stream.Flush();
    }

    private ulong ToUnits(int interfaceId, long epochNanos)
    {
        if ((uint)interfaceId >= (uint)_tsResolutions.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(interfaceId), interfaceId, $"Only {_tsResolutions.Count} interfaces are declared in this section.");
        }

        byte r = _tsResolutions[interfaceId];
        Int128 nanos = epochNanos;
        Int128 perSecond = (r & 0x80) != 0 ? Int128.One << (r & 0x7F) : Pow10(r);
        return (ulong)(nanos * perSecond / 1_000_000_000);
    }

    private static Int128 Pow10(int n)
    {
        Int128 value = 1;
        for (int i = 0; i < n; i++)
        {
            value *= 10;
        }

        return value;
    }

    private void WriteBlock(uint type, ReadOnlySpan<byte> fixedPart, ReadOnlySpan<byte> data, ReadOnlySpan<byte> options)
    {
        int paddedData = (data.Length + 3) & ~3;
        int total = 12 + fixedPart.Length + paddedData + options.Length;
        if (_block.Length < total)
        {
            _block = new byte[Math.Max(total, _block.Length * 2)];
        }

        Span<byte> b = _block.AsSpan(0, total);
        Put32(b, type);
        Put32(b[4..], (uint)total);
        fixedPart.CopyTo(b[8..]);
        data.CopyTo(b[(8 + fixedPart.Length)..]);
        b.Slice(8 + fixedPart.Length + data.Length, paddedData - data.Length).Clear();
        options.CopyTo(b[(8 + fixedPart.Length + paddedData)..]);
        Put32(b[(total - 4)..], (uint)total);
        _out.Write(_block, 0, total);
        BytesWritten += total;
    }

    private void Put16(Span<byte> s, ushort v)
    {
        if (_bigEndian) BinaryPrimitives.WriteUInt16BigEndian(s, v);
        else BinaryPrimitives.WriteUInt16LittleEndian(s, v);
    }

    private void Put32(Span<byte> s, uint v)
    {
        if (_bigEndian) BinaryPrimitives.WriteUInt32BigEndian(s, v);
        else BinaryPrimitives.WriteUInt32LittleEndian(s, v);
    }

    /// <summary>Options in the section's byte order, each value padded to 32 bits, ended by opt_endofopt.</summary>
    private sealed class OptionList(PcapNgWriter owner)
    {
        private readonly List<byte> _bytes = [];

        public void Add(ushort code, ReadOnlySpan<byte> value)
        {
            Span<byte> head = stackalloc byte[4];
            owner.Put16(head, code);
            owner.Put16(head[2..], (ushort)value.Length);
            _bytes.AddRange(head);
            _bytes.AddRange(value);
            for (int i = value.Length; i % 4 != 0; i++)
            {
                _bytes.Add(0);
            }
        }

        public byte[] ToArray() => _bytes.Count == 0 ? [] : [.. _bytes, 0, 0, 0, 0];
    }
}
