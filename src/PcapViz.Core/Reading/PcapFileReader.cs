using System.Buffers.Binary;
using PcapViz.Model;

namespace PcapViz.Reading;

/// <summary>The classic libpcap format: a 24-byte file header, then 16-byte record headers each followed by data.</summary>
internal sealed class PcapFileReader : CaptureReader
{
    public const uint MagicMicros = 0xA1B2C3D4;
    public const uint MagicNanos = 0xA1B23C4D;
    private const int FileHeaderLength = 24;
    private const int RecordHeaderLength = 16;

    // File header field offsets.
    private const int VersionMajorOffset = 4;
    private const int VersionMinorOffset = 6;
    private const int SnapLenOffset = 16;
    private const int LinkTypeOffset = 20;

    private readonly bool _bigEndian;
    private readonly bool _nanos;
    private readonly long? _streamLength;
    private int _linkType;
    private bool _headerRead;
    private bool _warnedFraction;

    public PcapFileReader(StreamWindow window, IssueLog issues, CaptureCompression compression, bool bigEndian, bool nanos, long? streamLength)
        : base(window, issues, compression)
    {
        _bigEndian = bigEndian;
        _nanos = nanos;
        _streamLength = streamLength;
        NanosecondPrecision = nanos;
    }

    public override CaptureFormat Format => CaptureFormat.Pcap;

    public int SnapLength { get; private set; }

    internal override (int SnapLength, byte Resolution) InterfaceOf(int interfaceId) => (SnapLength, _nanos ? (byte)9 : (byte)6);

    private uint U32(ReadOnlySpan<byte> s) => _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);
    private ushort U16(ReadOnlySpan<byte> s) => _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s);

    /// <summary>Reads and checks the file header. False (with an error issue) when the file cannot be read at all.</summary>
    public bool ReadHeader()
    {
        if (!Window.Ensure(FileHeaderLength))
            return Stop("truncated-header", $"The pcap file header needs {FileHeaderLength} bytes but the file holds only {Window.Available}.", 0);
        var h = Window.Peek(FileHeaderLength);
        ushort major = U16(h[VersionMajorOffset..]);
        ushort minor = U16(h[VersionMinorOffset..]);
        if (major != 2)
            return Stop("unsupported-version", $"The pcap file header has version {major}.{minor} (at byte offset {VersionMajorOffset}); only version 2.x exists.", VersionMajorOffset);
        if (minor != 4)
            Issues.Warn("unusual-version", $"The pcap file header has version {major}.{minor}; 2.4 was expected. Records are read as 2.4.", VersionMajorOffset);
        SnapLength = (int)Math.Min(U32(h[SnapLenOffset..]), int.MaxValue);
        uint linkField = U32(h[LinkTypeOffset..]);
        _linkType = (int)(linkField & 0xFFFF);
        if ((linkField & 0x03FF0000) != 0)
            Issues.Warn("linktype-reserved-bits", $"The link-type field 0x{linkField:X8} has reserved bits set; link type {_linkType} is used.", LinkTypeOffset);
        NoteLinkType(_linkType);
        Window.Advance(FileHeaderLength);
        _headerRead = true;
        return true;
    }

    private protected override bool ReadCore(out RawPacket packet)
    {
        packet = default;
        if (!_headerRead && !ReadHeader()) return false;
        long offset = Window.Position;
        if (!Window.Ensure(RecordHeaderLength))
        {
            if (Window.Available == 0) return false;
            return Stop("truncated-record", $"Record {PacketCount:N0} at byte offset {offset:N0}: the record header needs {RecordHeaderLength} bytes, only {Window.Available} remain.", offset);
        }
        var h = Window.Peek(RecordHeaderLength);
        uint seconds = U32(h);
        uint fraction = U32(h[4..]);
        uint capLen = U32(h[8..]);
        uint origLen = U32(h[12..]);
        if (capLen > MaxRecordLength)
            return Stop("corrupt-record", $"Record {PacketCount:N0} at byte offset {offset:N0} claims {capLen:N0} captured bytes (more than the {MaxRecordLength:N0}-byte limit); the file is corrupt from here.", offset);
        if (_streamLength is long length && offset + RecordHeaderLength + capLen > length)
            return Stop("truncated-record", $"Record {PacketCount:N0} at byte offset {offset:N0} claims {capLen:N0} captured bytes but the file ends after {length - offset - RecordHeaderLength:N0}.", offset);
        if (!Window.Ensure(RecordHeaderLength + (int)capLen))
            return Stop("truncated-record", $"Record {PacketCount:N0} at byte offset {offset:N0} claims {capLen:N0} captured bytes but the data ends after {Math.Max(0, Window.Available - RecordHeaderLength):N0}.", offset);

        uint perSecond = _nanos ? 1_000_000_000u : 1_000_000u;
        if (fraction >= perSecond && !_warnedFraction)
        {
            _warnedFraction = true;
            Issues.Warn("timestamp-fraction-out-of-range",
                $"Record {PacketCount:N0} at byte offset {offset:N0} has a sub-second field of {fraction:N0} (≥ {perSecond:N0}); it is added as is (further records like it are not reported).", offset, PacketCount);
        }
        long nanos = seconds * 1_000_000_000L + (_nanos ? fraction : fraction * 1000L);
        var data = Window.Peek(RecordHeaderLength + (int)capLen)[RecordHeaderLength..];
        packet = new RawPacket(data, nanos, (int)Math.Min(origLen, int.MaxValue), _linkType, 0, offset);
        Window.Advance(RecordHeaderLength + (int)capLen);
        return true;
    }
}
