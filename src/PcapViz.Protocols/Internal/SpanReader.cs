using System.Buffers.Binary;

namespace PcapViz.Protocols.Internal;

/// <summary>
/// A forward cursor over untrusted bytes. Every read checks the remaining length first and returns false instead of
/// throwing; a failed read leaves the position unchanged.
/// </summary>
internal ref struct SpanReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public SpanReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _data.Length - _position;

    public readonly bool IsEmpty => _position >= _data.Length;

    public readonly ReadOnlySpan<byte> Rest => _data[_position..];

    public bool TryReadByte(out byte value)
    {
        if (Remaining < 1) { value = 0; return false; }
        value = _data[_position++];
        return true;
    }

    public bool TryReadUInt16(out ushort value)
    {
        if (Remaining < 2) { value = 0; return false; }
        value = BinaryPrimitives.ReadUInt16BigEndian(_data.Slice(_position, 2));
        _position += 2;
        return true;
    }

    public bool TryReadUInt24(out int value)
    {
        if (Remaining < 3) { value = 0; return false; }
        value = (_data[_position] << 16) | (_data[_position + 1] << 8) | _data[_position + 2];
        _position += 3;
        return true;
    }

    public bool TryReadUInt32(out uint value)
    {
        if (Remaining < 4) { value = 0; return false; }
        value = BinaryPrimitives.ReadUInt32BigEndian(_data.Slice(_position, 4));
        _position += 4;
        return true;
    }

    public bool TryReadBytes(int count, out ReadOnlySpan<byte> value)
    {
        if (count < 0 || Remaining < count) { value = default; return false; }
        value = _data.Slice(_position, count);
        _position += count;
        return true;
    }

    /// <summary>Reads a length prefix of <paramref name="prefixBytes"/> (1, 2 or 3) and then that many bytes.</summary>
    public bool TryReadVector(int prefixBytes, out ReadOnlySpan<byte> value)
    {
        int start = _position;
        int length;
        bool ok;
        switch (prefixBytes)
        {
            case 1: ok = TryReadByte(out byte b); length = b; break;
            case 2: ok = TryReadUInt16(out ushort s); length = s; break;
            default: ok = TryReadUInt24(out length); break;
        }
        if (ok && TryReadBytes(length, out value)) return true;
        _position = start;
        value = default;
        return false;
    }

    public bool TrySkip(int count)
    {
        if (count < 0 || Remaining < count) return false;
        _position += count;
        return true;
    }

    /// <summary>A QUIC variable-length integer (RFC 9000 §16): the two high bits of the first byte give its size.</summary>
    public bool TryReadVarInt(out ulong value)
    {
        value = 0;
        if (Remaining < 1) return false;
        int length = 1 << (_data[_position] >> 6);
        if (Remaining < length) return false;
        ulong v = (ulong)(_data[_position] & 0x3f);
        for (int i = 1; i < length; i++) v = (v << 8) | _data[_position + i];
        _position += length;
        value = v;
        return true;
    }
}
