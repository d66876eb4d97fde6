using PcapViz.Model;

namespace PcapViz.Reading;

/// <summary>
/// Streams the records of one capture. Never throws for bad input: a problem becomes an issue in
/// <see cref="Issues"/> (with its byte offset), and reading stops where the data can no longer be trusted.
/// </summary>
internal abstract class CaptureReader
{
    /// <summary>No record or block may claim more than this; larger is corruption, not an allocation request.</summary>
    public const int MaxRecordLength = 256 * 1024 * 1024;

    private protected CaptureReader(StreamWindow window, IssueLog issues, CaptureCompression compression)
    {
        Window = window;
        Issues = issues;
        Compression = compression;
    }

    private protected StreamWindow Window { get; }

    public IssueLog Issues { get; }

    public CaptureCompression Compression { get; }

    public abstract CaptureFormat Format { get; }

    /// <summary>Records returned so far.</summary>
    public long PacketCount { get; private protected set; }

    /// <summary>Distinct link types seen in the file's headers, in order of first appearance.</summary>
    public IReadOnlyList<int> LinkTypes => _linkTypes;

    private readonly List<int> _linkTypes = [];

    /// <summary>True when any interface stores nanosecond (or finer) timestamps.</summary>
    public bool NanosecondPrecision { get; private protected set; }

    /// <summary>Absolute position in the (decompressed) stream.</summary>
    public long Position => Window.Position;

    /// <summary>How many (decompressed) bytes were read intact: where a corrupt stream went bad.</summary>
    public long BytesIntact => Window.Position + Window.Available;

    public CaptureFileInfo Info => new(Format, Compression, _linkTypes.ToArray(),
        NanosecondPrecision ? "nanoseconds" : "microseconds");

    private bool _stopped;

    /// <summary>Reads the next record. False at the end of the data, or after a fault that ends the file.</summary>
    public bool TryReadNext(out RawPacket packet)
    {
        packet = default;
        if (_stopped) return false;
        try
        {
            if (ReadCore(out packet))
            {
                PacketCount++;
                return true;
            }
        }
        catch (InvalidDataException ex)
        {
            Issues.Error(Compression == CaptureCompression.Gzip ? "corrupt-compression" : "read-error",
                $"The {(Compression == CaptureCompression.Gzip ? "gzip" : "")} stream is corrupt after {BytesIntact:N0} decompressed bytes (record {PacketCount:N0} starts at byte offset {Window.Position:N0}): {ex.Message}",
                BytesIntact, PacketCount);
        }
        catch (IOException ex)
        {
            Issues.Error("read-error", $"Reading failed at byte offset {Window.Position:N0}: {ex.Message}", Window.Position, PacketCount);
        }
        _stopped = true;
        return false;
    }

    private protected abstract bool ReadCore(out RawPacket packet);

    /// <summary>
    /// The snapshot length and the timestamp resolution (an if_tsresol byte: 6 for microseconds, 9 for nanoseconds) of
    /// the interface the packet just read came from, for writing it again without losing precision: 6 when the source's
    /// unit is a whole number of microseconds, else 9 (the reader's nanoseconds).
    /// </summary>
    internal abstract (int SnapLength, byte Resolution) InterfaceOf(int interfaceId);

    /// <summary>Records a fault that ends the file and returns false (for `return Stop(...)`).</summary>
    private protected bool Stop(string code, string message, long offset)
    {
        Issues.Error(code, message, offset, PacketCount);
        _stopped = true;
        return false;
    }

    /// <summary>As <see cref="Stop(string, string, long)"/>, the message formatted with the invariant culture.</summary>
    private protected bool Stop(string code, ref InvariantText message, long offset) =>
        Stop(code, message.ToStringAndClear(), offset);

    private protected void NoteLinkType(int linkType)
    {
        if (!_linkTypes.Contains(linkType)) _linkTypes.Add(linkType);
    }
}
