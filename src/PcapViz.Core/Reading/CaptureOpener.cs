using System.Buffers.Binary;
using System.IO.Compression;
using PcapViz.Model;

namespace PcapViz.Reading;

/// <summary>Recognises a capture by its magic bytes (never by its name) and opens the matching reader.</summary>
internal static class CaptureOpener
{
    private const int SniffLength = 16;

    /// <summary>
    /// Opens <paramref name="stream"/> (positioned at its start; not seekable is fine). Returns null and records an
    /// error in <paramref name="issues"/> when the content is not a capture this tool reads.
    /// </summary>
    /// <param name="streamLength">Length of the stream when known (lets the reader reject impossible lengths early).</param>
    public static CaptureReader? Open(Stream stream, IssueLog issues, long? streamLength = null) => Open(stream, issues, streamLength, null);

    /// <inheritdoc cref="Open(Stream, IssueLog, long?)"/>
    /// <param name="hasher">Gets every byte of <paramref name="stream"/> the reader reads, in order: a plain capture's
    /// bytes are posted by the reader's window where they lie, a gzip file's compressed bytes are copied as they are
    /// decompressed. The caller hashes the rest of the stream (<see cref="CaptureHasher.Finish"/>).</param>
    internal static CaptureReader? Open(Stream stream, IssueLog issues, long? streamLength, CaptureHasher? hasher)
    {
        var (prefix, count) = Sniff(stream);
        var compression = CaptureCompression.None;
        StreamWindow? window = null;
        if (count >= 2 && prefix[0] == 0x1F && prefix[1] == 0x8B)
        {
            compression = CaptureCompression.Gzip;
            streamLength = null;
            hasher?.Append(prefix.AsSpan(0, count));
            Stream compressed = hasher is null ? stream : new HashingStream(stream, hasher);
            Stream source = new GZipStream(new PrefixedStream(prefix.AsMemory(0, count), compressed), CompressionMode.Decompress);
            try
            {
                (prefix, count) = Sniff(source);
            }
            catch (InvalidDataException ex)
            {
                issues.Error("corrupt-compression", $"This is a gzip file, but its data is corrupt at the start: {ex.Message}", 0);
                return null;
            }
            window = new StreamWindow(new PrefixedStream(prefix.AsMemory(0, count), source));
        }
        window ??= new StreamWindow(stream, hasher, prefix.AsSpan(0, count));
        string? foreign = Describe(prefix.AsSpan(0, count));
        uint magicLe = count >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(prefix) : 0;
        uint magicBe = count >= 4 ? BinaryPrimitives.ReadUInt32BigEndian(prefix) : 0;
        CaptureReader? reader = null;
        if (magicLe == PcapFileReader.MagicMicros) reader = new PcapFileReader(window, issues, compression, false, false, streamLength);
        else if (magicBe == PcapFileReader.MagicMicros) reader = new PcapFileReader(window, issues, compression, true, false, streamLength);
        else if (magicLe == PcapFileReader.MagicNanos) reader = new PcapFileReader(window, issues, compression, false, true, streamLength);
        else if (magicBe == PcapFileReader.MagicNanos) reader = new PcapFileReader(window, issues, compression, true, true, streamLength);
        else if (magicLe == PcapNgFileReader.SectionHeaderType) reader = new PcapNgFileReader(window, issues, compression, streamLength);

        if (reader is not null)
        {
            try
            {
                bool ok = reader is PcapFileReader pcap ? pcap.ReadHeader() : ((PcapNgFileReader)reader).ReadHeader();
                return ok ? reader : null;
            }
            catch (InvalidDataException ex)
            {
                issues.Error("corrupt-compression", $"This is a gzip file, but its data is corrupt after {reader.BytesIntact:N0} decompressed bytes, inside the capture's file header: {ex.Message}", reader.BytesIntact);
                return null;
            }
            catch (IOException ex)
            {
                issues.Error("read-error", $"Reading the file header failed at byte offset {reader.Position:N0}: {ex.Message}", reader.Position);
                return null;
            }
        }

        string what = compression == CaptureCompression.Gzip ? $"This is a gzip file, but what it holds is {foreign ?? "not a capture"}" : $"This is {foreign ?? "not a capture file"}";
        issues.Error(count == 0 ? "empty-file" : "not-a-capture",
            count == 0 ? "The file is empty." : $"{what}: expected the magic number of pcap (a1b2c3d4 / a1b23c4d, either byte order) or pcapng (0a0d0d0a) at byte offset 0, found {Convert.ToHexString(prefix, 0, Math.Min(count, 4)).ToLowerInvariant()}.", 0);
        return null;
    }

    /// <summary>A name for content that is recognisably something other than a capture, or null.</summary>
    public static string? Describe(ReadOnlySpan<byte> head)
    {
        static bool Starts(ReadOnlySpan<byte> h, params byte[] m) => h.Length >= m.Length && h[..m.Length].SequenceEqual(m);
        if (Starts(head, 0x1F, 0x8B)) return "a gzip file";
        if (Starts(head, 0x28, 0xB5, 0x2F, 0xFD)) return "a zstd file (decompress it first, e.g. with zstd -d)";
        if (Starts(head, 0x42, 0x5A, 0x68)) return "a bzip2 file (decompress it first, e.g. with bunzip2)";
        if (Starts(head, 0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00)) return "an xz file (decompress it first, e.g. with unxz)";
        if (Starts(head, 0x04, 0x22, 0x4D, 0x18)) return "an lz4 file (decompress it first)";
        if (Starts(head, 0x50, 0x4B, 0x03, 0x04)) return "a zip archive (extract it first)";
        if (Starts(head, 0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C)) return "a 7-zip archive (extract it first)";
        if (Starts(head, 0x34, 0xCD, 0xB2, 0xA1) || Starts(head, 0xA1, 0xB2, 0xCD, 0x34)) return "a pcap file in the modified (Kuznetzov) format, which is not supported";
        if (Starts(head, 0x25, 0x50, 0x44, 0x46)) return "a PDF document, not a capture";
        if (Starts(head, (byte)'X', (byte)'C', (byte)'P')) return "an NetXRay/Sniffer file, not a pcap or pcapng capture";
        if (head.Length >= 4 && head[..4].SequenceEqual("\r\n\r\n"u8)) return "not a capture (text)";
        if (head.Length > 0 && IsText(head)) return "a text file, not a capture";
        return null;
    }

    private static bool IsText(ReadOnlySpan<byte> head)
    {
        foreach (byte b in head)
            if (b is < 0x09 or (> 0x0D and < 0x20) or 0x7F) return false;
        return true;
    }

    private static (byte[] Prefix, int Count) Sniff(Stream stream)
    {
        var prefix = new byte[SniffLength];
        int count = 0;
        while (count < SniffLength)
        {
            int read = stream.Read(prefix, count, SniffLength - count);
            if (read == 0) break;
            count += read;
        }
        return (prefix, count);
    }

    /// <summary>Replays bytes already read before continuing with the inner stream.</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream inner) : ReadOnlyPassThroughStream(inner)
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        public override int Read(Span<byte> buffer)
        {
            if (_prefix.IsEmpty) return Inner.Read(buffer);
            int n = Math.Min(buffer.Length, _prefix.Length);
            _prefix.Span[..n].CopyTo(buffer);
            _prefix = _prefix[n..];
            return n;
        }
    }
}
