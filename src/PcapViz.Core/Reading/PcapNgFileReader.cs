using System.Buffers.Binary;
using PcapViz.Model;

namespace PcapViz.Reading;

/// <summary>
/// pcapng: blocks of (type, total length, body, total length). Sections may switch byte order; interfaces carry
/// their own link type and timestamp resolution; unknown blocks are skipped by their length.
/// </summary>
internal sealed class PcapNgFileReader : CaptureReader
{
    public const uint SectionHeaderType = 0x0A0D0D0A;
    private const uint ByteOrderMagic = 0x1A2B3C4D;
    private const uint InterfaceDescriptionType = 1;
    private const uint ObsoletePacketType = 2;
    private const uint SimplePacketType = 3;
    private const uint EnhancedPacketType = 6;
    private const int BlockOverhead = 12;
    private const ushort OptionEnd = 0;
    private const ushort IfTsResol = 9;
    private const ushort IfTsOffset = 14;

    private readonly long? _streamLength;
    private bool _bigEndian;
    private bool _inSection;
    private readonly List<Interface> _interfaces = [];

    private readonly record struct Interface(int LinkType, int SnapLength, ulong UnitsPerSecond, bool PowerOfTwo, int Exponent, long OffsetSeconds);

    public PcapNgFileReader(StreamWindow window, IssueLog issues, CaptureCompression compression, long? streamLength)
        : base(window, issues, compression) => _streamLength = streamLength;

    public override CaptureFormat Format => CaptureFormat.PcapNg;

    private uint U32(ReadOnlySpan<byte> s) => _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);
    private ushort U16(ReadOnlySpan<byte> s) => _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s);

    private protected override bool ReadCore(out RawPacket packet)
    {
        packet = default;
        while (true)
        {
            long offset = Window.Position;
            if (!Window.Ensure(8))
            {
                if (Window.Available == 0)
                {
                    if (!_inSection) return Stop("truncated-header", "The file is empty.", 0);
                    return false;
                }
                return Stop("truncated-block", $"Block at byte offset {offset:N0}: the block header needs 8 bytes, only {Window.Available} remain.", offset);
            }
            var head = Window.Peek(8);
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(head); // SHB type is a palindrome
            if (type == SectionHeaderType)
            {
                if (!ReadSectionHeader(offset)) return false;
                continue;
            }
            if (!_inSection)
                return Stop("not-a-capture", $"Expected a pcapng section header block at byte offset {offset:N0}.", offset);
            type = U32(head);
            uint total = U32(head[4..]);
            if (!CheckBlockLength(type, total, offset)) return false;

            if (type is EnhancedPacketType or SimplePacketType or ObsoletePacketType)
            {
                if (!Window.Ensure((int)total))
                    return Stop("truncated-block", $"Packet block {PacketCount:N0} at byte offset {offset:N0} claims {total:N0} bytes but the data ends after {Window.Available:N0}.", offset);
                var block = Window.Peek((int)total);
                if (U32(block[((int)total - 4)..]) != total)
                    return Stop("corrupt-block", $"Block at byte offset {offset:N0}: the trailing length {U32(block[((int)total - 4)..]):N0} does not match the leading length {total:N0}.", offset);
                bool ok = type switch
                {
                    EnhancedPacketType => DecodeEnhanced(block, offset, out packet),
                    SimplePacketType => DecodeSimple(block, offset, out packet),
                    _ => DecodeObsolete(block, offset, out packet),
                };
                Window.Advance((int)total);
                if (!ok) continue; // a bad packet block is skipped; its framing was sound
                _lastTimestamp = packet.TimestampNanos;
                return true;
            }

            if (type == InterfaceDescriptionType)
            {
                if (!Window.Ensure((int)total))
                    return Stop("truncated-block", $"Interface description block at byte offset {offset:N0} claims {total:N0} bytes but the data ends after {Window.Available:N0}.", offset);
                var idb = Window.Peek((int)total);
                if (U32(idb[((int)total - 4)..]) != total)
                    return Stop("corrupt-block", $"Interface description block at byte offset {offset:N0}: the trailing length {U32(idb[((int)total - 4)..]):N0} does not match the leading length {total:N0}.", offset);
                if (!ReadInterface(idb, offset)) return false;
                Window.Advance((int)total);
                continue;
            }

            // Any other block (statistics, name resolution, custom, decryption secrets, ...) is skipped by its length.
            if (!Window.Skip(total))
                return Stop("truncated-block", $"Block of type 0x{type:X8} at byte offset {offset:N0} claims {total:N0} bytes but the data ends first.", offset);
        }
    }

    private bool CheckBlockLength(uint type, uint total, long offset)
    {
        if (total < BlockOverhead || total % 4 != 0)
        {
            return Stop("corrupt-block", $"Block of type 0x{type:X8} at byte offset {offset:N0} has an invalid total length {total:N0} (must be a multiple of 4 and at least 12).", offset);
        }
        if (total > MaxRecordLength)
        {
            return Stop("corrupt-block", $"Block of type 0x{type:X8} at byte offset {offset:N0} claims {total:N0} bytes (more than the {MaxRecordLength:N0}-byte limit); the file is corrupt from here.", offset);
        }
        if (_streamLength is long length && offset + total > length)
        {
            return Stop("truncated-block", $"Block of type 0x{type:X8} at byte offset {offset:N0} claims {total:N0} bytes but the file ends after {length - offset:N0}.", offset);
        }
        return true;
    }

    /// <summary>Reads the first section header. False (with an error issue) when the file cannot be read at all.</summary>
    public bool ReadHeader()
    {
        if (!Window.Ensure(8)) return Stop("truncated-header", $"The pcapng section header needs at least 28 bytes but the file holds only {Window.Available}.", 0);
        return ReadSectionHeader(0);
    }

    private bool ReadSectionHeader(long offset)
    {
        if (!Window.Ensure(12))
            return Stop("truncated-block", $"Section header block at byte offset {offset:N0} is cut short.", offset);
        var head = Window.Peek(12);
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(head[8..]);
        if (magic == ByteOrderMagic) _bigEndian = false;
        else if (BinaryPrimitives.ReverseEndianness(magic) == ByteOrderMagic) _bigEndian = true;
        else return Stop("corrupt-block", $"Section header block at byte offset {offset:N0} has byte-order magic 0x{magic:X8}, neither 0x1A2B3C4D nor its reverse.", offset + 8);
        uint total = U32(head[4..]);
        if (total < 28)
            return Stop("corrupt-block", $"Section header block at byte offset {offset:N0} is {total:N0} bytes long; at least 28 are needed.", offset);
        if (!CheckBlockLength(SectionHeaderType, total, offset)) return false;
        if (!Window.Ensure((int)total))
            return Stop("truncated-block", $"Section header block at byte offset {offset:N0} claims {total:N0} bytes but the data ends after {Window.Available:N0}.", offset);
        var block = Window.Peek((int)total);
        ushort major = U16(block[12..]);
        if (major != 1)
            return Stop("unsupported-version", $"Section header block at byte offset {offset:N0} has version {major}.{U16(block[14..])}; only 1.x is defined.", offset + 12);
        if (!WalkOptions(block[24..((int)total - 4)], offset + 24, "section header", null)) return false;
        if (U32(block[((int)total - 4)..]) != total)
            return Stop("corrupt-block", $"Section header block at byte offset {offset:N0}: the trailing length does not match the leading length {total:N0}.", offset);
        _interfaces.Clear(); // interface ids are per section
        _inSection = true;
        Window.Advance((int)total);
        return true;
    }

    private bool ReadInterface(ReadOnlySpan<byte> block, long offset)
    {
        int total = block.Length;
        if (total < 20)
            return Stop("corrupt-block", $"Interface description block at byte offset {offset:N0} is {total} bytes long; at least 20 are needed.", offset);
        int linkType = U16(block[8..]);
        int snapLen = (int)Math.Min(U32(block[12..]), int.MaxValue);
        var iface = new Interface(linkType, snapLen, 1_000_000, false, 6, 0);
        if (!WalkOptions(block[16..(total - 4)], offset + 16, "interface description", (code, value) =>
            {
                if (code == IfTsResol && value.Length >= 1)
                {
                    byte r = value[0];
                    bool pow2 = (r & 0x80) != 0;
                    int exp = r & 0x7F;
                    iface = iface with { PowerOfTwo = pow2, Exponent = exp, UnitsPerSecond = 0 };
                }
                else if (code == IfTsOffset && value.Length >= 8)
                {
                    iface = iface with { OffsetSeconds = (long)(_bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(value) : BinaryPrimitives.ReadUInt64LittleEndian(value)) };
                }
            }))
            return false;
        if ((iface.PowerOfTwo && iface.Exponent > 63) || (!iface.PowerOfTwo && iface.Exponent > 19))
        {
            Issues.Warn("unsupported-tsresol", $"Interface {_interfaces.Count} (block at byte offset {offset:N0}) has an unusable timestamp resolution; microseconds are assumed.", offset);
            iface = iface with { PowerOfTwo = false, Exponent = 6 };
        }
        if ((!iface.PowerOfTwo && iface.Exponent >= 9) || (iface.PowerOfTwo && iface.Exponent >= 30)) NanosecondPrecision = true;
        _interfaces.Add(iface);
        NoteLinkType(linkType);
        return true;
    }

    private delegate void OptionVisitor(ushort code, ReadOnlySpan<byte> value);

    private bool WalkOptions(ReadOnlySpan<byte> options, long baseOffset, string blockName, OptionVisitor? visit)
    {
        int pos = 0;
        while (pos + 4 <= options.Length)
        {
            ushort code = U16(options[pos..]);
            ushort length = U16(options[(pos + 2)..]);
            if (code == OptionEnd) return true;
            int padded = (length + 3) & ~3;
            if (pos + 4 + padded > options.Length)
                return Stop("corrupt-block", $"The {blockName} block option {code} at byte offset {baseOffset + pos:N0} claims {length:N0} bytes but only {options.Length - pos - 4:N0} remain in the block.", baseOffset + pos);
            visit?.Invoke(code, options.Slice(pos + 4, length));
            pos += 4 + padded;
        }
        return true;
    }

    internal override (int SnapLength, byte Resolution) InterfaceOf(int interfaceId)
    {
        if ((uint)interfaceId >= (uint)_interfaces.Count) return (0, 9);
        var iface = _interfaces[interfaceId];
        return (iface.SnapLength, !iface.PowerOfTwo && iface.Exponent <= 6 ? (byte)6 : (byte)9);
    }

    private bool TryInterface(int id, long offset, out Interface iface)
    {
        if ((uint)id < (uint)_interfaces.Count)
        {
            iface = _interfaces[id];
            return true;
        }
        iface = default;
        Issues.Warn("unknown-interface", $"Packet block {PacketCount:N0} at byte offset {offset:N0} names interface {id}, but the section defines only {_interfaces.Count}; the packet is skipped.", offset, PacketCount);
        return false;
    }

    private long ToNanos(in Interface iface, ulong units, long offset)
    {
        UInt128 nanos;
        if (iface.PowerOfTwo)
            nanos = ((UInt128)units * 1_000_000_000UL) >> iface.Exponent;
        else if (iface.Exponent <= 9)
            nanos = (UInt128)units * Pow10(9 - iface.Exponent);
        else
            nanos = units / Pow10(iface.Exponent - 9);
        var result = (Int128)nanos + (Int128)iface.OffsetSeconds * 1_000_000_000;
        if (result > long.MaxValue || result < long.MinValue)
        {
            if (!Issues.Has("timestamp-out-of-range"))
                Issues.Warn("timestamp-out-of-range", $"Packet {PacketCount:N0} at byte offset {offset:N0} has a timestamp beyond the year 2262; it is clamped.", offset, PacketCount);
            return result > 0 ? long.MaxValue : long.MinValue;
        }
        return (long)result;
    }

    private static ulong Pow10(int n)
    {
        ulong r = 1;
        for (int i = 0; i < n; i++) r *= 10;
        return r;
    }

    private bool DecodeEnhanced(ReadOnlySpan<byte> block, long offset, out RawPacket packet) =>
        DecodeTimestamped(block, offset, "Enhanced packet block", block.Length >= 12 ? (int)U32(block[8..]) : -1, out packet);

    // The obsolete packet block has a 16-bit interface id followed by a 16-bit drops count; the rest is as in an EPB.
    private bool DecodeObsolete(ReadOnlySpan<byte> block, long offset, out RawPacket packet) =>
        DecodeTimestamped(block, offset, "Packet block", block.Length >= 12 ? U16(block[8..]) : -1, out packet);

    /// <summary>EPB and obsolete packet block: interface (bytes 8–11), timestamp (12–19), lengths (20–27), data.</summary>
    private bool DecodeTimestamped(ReadOnlySpan<byte> block, long offset, string label, int interfaceId, out RawPacket packet)
    {
        packet = default;
        const int fixedLength = 28 + 4; // header 8, interface 4, ts 8, caplen 4, origlen 4, trailer 4
        if (block.Length < fixedLength)
        {
            Issues.Error("corrupt-block", $"{label} at byte offset {offset:N0} is {block.Length} bytes long; at least {fixedLength} are needed.", offset, PacketCount);
            return false;
        }
        ulong ts = ((ulong)U32(block[12..]) << 32) | U32(block[16..]);
        uint capLen = U32(block[20..]);
        uint origLen = U32(block[24..]);
        if (capLen > block.Length - fixedLength)
        {
            Issues.Error("corrupt-block", $"{label} at byte offset {offset:N0} claims {capLen:N0} captured bytes but holds only {block.Length - fixedLength:N0}; the packet is skipped.", offset, PacketCount);
            return false;
        }
        if (!TryInterface(interfaceId, offset, out var iface)) return false;
        packet = new RawPacket(block.Slice(28, (int)capLen), ToNanos(iface, ts, offset), (int)Math.Min(origLen, int.MaxValue), iface.LinkType, interfaceId, offset);
        return true;
    }

    private bool DecodeSimple(ReadOnlySpan<byte> block, long offset, out RawPacket packet)
    {
        packet = default;
        if (block.Length < 16)
        {
            Issues.Error("corrupt-block", $"Simple packet block at byte offset {offset:N0} is {block.Length} bytes long; at least 16 are needed.", offset, PacketCount);
            return false;
        }
        if (!TryInterface(0, offset, out var iface)) return false;
        uint origLen = U32(block[8..]);
        int room = block.Length - 16;
        int capLen = (int)Math.Min(Math.Min(origLen, (uint)room), iface.SnapLength > 0 ? (uint)iface.SnapLength : uint.MaxValue);
        if (!Issues.Has("simple-packet-no-timestamp"))
            Issues.Warn("simple-packet-no-timestamp", $"Simple packet blocks (first at byte offset {offset:N0}) carry no timestamp; they are counted at the time of the previous packet.", offset, PacketCount);
        packet = new RawPacket(block.Slice(12, capLen), _lastTimestamp, (int)Math.Min(origLen, int.MaxValue), iface.LinkType, 0, offset);
        return true;
    }

    private long _lastTimestamp;
}
