using System.IO.Compression;
using PcapViz.Decoding;

namespace PcapViz.Generator;

/// <summary>
/// Writes a classic libpcap file (global header, then per-record headers). The caller owns
/// <paramref name="stream"/>; disposing the writer flushes (and, with <paramref name="gzip"/>, finishes the gzip
/// member) but leaves the stream open. Record data is written exactly as given: no snaplen truncation.
/// </summary>
public sealed class PcapWriter(
    Stream stream, uint linkType = LinkTypes.Ethernet, bool nanosecond = false, bool bigEndian = false,
    uint snapLength = 262144, bool gzip = false, CompressionLevel gzipLevel = CompressionLevel.Optimal) : IDisposable
{
    /// <summary>Magic of a microsecond file, as a number (its byte order on disk gives the file's byte order).</summary>
    public const uint MicrosecondMagic = 0xA1B2C3D4;

    /// <summary>Magic of a nanosecond file.</summary>
    public const uint NanosecondMagic = 0xA1B23C4D;

    private readonly Stream _out = GzipOutput.Wrap(stream, gzip, gzipLevel);
    private readonly bool _bigEndian = bigEndian;
    private readonly bool _nanosecond = nanosecond;
    private byte[] _scratch = new byte[2048];
    private bool _headerWritten;

    /// <summary>Writes the 24-byte global header now (otherwise it is written with the first record or on dispose).</summary>
    public void WriteHeader()
    {
        if (_headerWritten)
        {
            return;
        }

        _headerWritten = true;
        Span<byte> h = stackalloc byte[24];
        Put32(h, _nanosecond ? NanosecondMagic : MicrosecondMagic);
        Put16(h[4..], 2);
        Put16(h[6..], 4);
        Put32(h[8..], 0); // thiszone
        Put32(h[12..], 0); // sigfigs
        Put32(h[16..], snapLength);
        Put32(h[20..], linkType);
        _out.Write(h);
    }

    /// <summary>Writes one record. <paramref name="epochNanos"/> is rounded down to the file's resolution.</summary>
    public void Write(long epochNanos, ReadOnlySpan<byte> data, int? originalLength = null)
    {
        WriteHeader();
        long seconds = Math.DivRem(epochNanos, 1_000_000_000L, out long fraction);
        if (fraction < 0)
        {
            seconds--;
            fraction += 1_000_000_000L;
        }

        if (!_nanosecond)
        {
            fraction /= 1000;
        }

        int total = 16 + data.Length;
        if (_scratch.Length < total)
        {
            _scratch = new byte[Math.Max(total, _scratch.Length * 2)];
        }

        Span<byte> r = _scratch;
        Put32(r, (uint)seconds);
        Put32(r[4..], (uint)fraction);
        Put32(r[8..], (uint)data.Length);
        Put32(r[12..], (uint)(originalLength ?? data.Length));
        data.CopyTo(r[16..]);
        _out.Write(_scratch, 0, total);
    }

    /// <summary>Writes <paramref name="bytes"/> as they are (after the global header), e.g. a record header that
    /// claims more data than follows, for malformed-file tests.</summary>
    public void WriteRawBytes(ReadOnlySpan<byte> bytes)
    {
        WriteHeader();
        _out.Write(bytes);
    }

    /// <summary>Writes the global header if no packet did (a capture of no packets is still a valid file), ends the gzip
    /// stream if any and flushes; the stream given to the constructor stays open.</summary>
    public void Dispose()
    {
        WriteHeader();
        if (_out != stream)
        {
            _out.Dispose();
        }

        stream.Flush();
    }

    private void Put16(Span<byte> s, ushort v) => ByteOrder.Put16(s, v, _bigEndian);

    private void Put32(Span<byte> s, uint v) => ByteOrder.Put32(s, v, _bigEndian);
}

/// <summary>The gzip wrapping shared by the writers.</summary>
internal static class GzipOutput
{
    /// <summary>
    /// Wraps <paramref name="stream"/> in a GZipStream at <paramref name="level"/>, leaving it open.
    /// .NET writes a fixed 10-byte gzip header (no file name, MTIME 0), so output depends only on the input bytes
    /// and the runtime's zlib build.
    /// </summary>
    public static Stream Wrap(Stream stream, bool gzip, CompressionLevel level)
        => gzip ? new GZipStream(stream, level, leaveOpen: true) : stream;
}
