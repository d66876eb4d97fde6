namespace PcapViz.Decoding;

/// <summary>
/// The one walker over a (possibly compressed) DNS name, for the query path, which prints the name, and the
/// response path, which only validates it and needs the offset after it. Either way the same rules hold: label
/// types 00 and 11 only (0x40 extended and 0x80 reserved are malformed), at most <see cref="MaxPointerHops"/>
/// compression pointers, each pointing inside the message, every label inside the message, and at most
/// <see cref="MaxWireLength"/> wire octets including the root's zero.
/// </summary>
internal static class DnsNameWalker
{
    /// <summary>Longest presentation form: 255 wire octets, each printed as at most four characters.</summary>
    public const int MaxPresentationLength = 1024;

    public const int MaxWireLength = 255;
    public const int MaxPointerHops = 64;

    /// <summary>
    /// Reads the name at <paramref name="offset"/> into <paramref name="name"/>[..<paramref name="nameLength"/>]:
    /// lower-case ASCII, no trailing dot, the root as ".", and bytes outside printable ASCII (and '.', '\' and
    /// space inside labels) as \DDD. <paramref name="name"/> must hold <see cref="MaxPresentationLength"/> chars.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> message, int offset, Span<char> name, out int nameLength) =>
        Walk(message, offset, name, print: true, out nameLength, out _);

    /// <summary>
    /// Validates the name at <paramref name="offset"/> and gives the offset just after its in-place part (after the
    /// terminating zero or the first pointer).
    /// </summary>
    public static bool TrySkip(ReadOnlySpan<byte> message, int offset, out int next) =>
        Walk(message, offset, default, print: false, out _, out next);

    private static bool Walk(ReadOnlySpan<byte> message, int offset, Span<char> name, bool print, out int nameLength, out int next)
    {
        nameLength = 0;
        next = -1;
        int pos = offset;
        int hops = 0;
        int wireLength = 0;
        int written = 0;
        while (true)
        {
            if (pos >= message.Length) return false;
            byte length = message[pos];
            switch (length & 0xC0)
            {
                case 0xC0:
                    if (pos + 1 >= message.Length) return false;
                    int target = ((length & 0x3F) << 8) | message[pos + 1];
                    if (target >= message.Length || ++hops > MaxPointerHops) return false;
                    if (hops == 1) next = pos + 2;
                    pos = target;
                    continue;
                case 0x00:
                    break;
                default:
                    return false; // 0x40 (extended) and 0x80 (reserved) label types
            }
            if (length == 0)
            {
                if (hops == 0) next = pos + 1;
                if (print && written == 0) name[written++] = '.';
                nameLength = written;
                return true;
            }
            wireLength += length + 1;
            if (wireLength + 1 > MaxWireLength) return false;
            if (pos + 1 + length > message.Length) return false;
            if (print) written = AppendLabel(message.Slice(pos + 1, length), name, written);
            pos += 1 + length;
        }
    }

    private static int AppendLabel(ReadOnlySpan<byte> label, Span<char> name, int written)
    {
        if (written > 0) name[written++] = '.';
        foreach (byte b in label)
        {
            if (b is >= 0x21 and <= 0x7E and not (byte)'.' and not (byte)'\\')
            {
                name[written++] = (char)(b is >= (byte)'A' and <= (byte)'Z' ? b + 32 : b);
            }
            else
            {
                name[written++] = '\\';
                name[written++] = (char)('0' + b / 100);
                name[written++] = (char)('0' + b / 10 % 10);
                name[written++] = (char)('0' + b % 10);
            }
        }
        return written;
    }
}
