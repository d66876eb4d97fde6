using System.Buffers.Binary;

namespace PcapViz.Rendering.Pdf;

/// <summary>
/// Shrinks a TrueType font to the glyphs a report can use. The Skia build in SkiaSharp embeds fonts whole
/// (its PDF subsetter is not compiled in), and DejaVu Sans is 750 KB, so without this every PDF would carry two
/// whole fonts. Glyph IDs, cmap and metrics are left as they are; glyphs outside the kept set become empty, and
/// tables a PDF viewer never reads (glyph names, OpenType layout, kerning) are dropped.
/// </summary>
internal static class FontReducer
{
    private static readonly HashSet<string> DroppedTables = ["GPOS", "GSUB", "GDEF", "kern", "MATH", "FFTM", "DSIG", "hdmx", "LTSH", "VDMX", "fpgm", "prep", "cvt "];

    public static byte[] Reduce(byte[] font, IEnumerable<ushort> glyphsToKeep)
    {
        var tables = ReadDirectory(font);
        var head = Slice(font, tables["head"]);
        var maxp = Slice(font, tables["maxp"]);
        int numGlyphs = BinaryPrimitives.ReadUInt16BigEndian(maxp.AsSpan(4));
        bool longLoca = BinaryPrimitives.ReadInt16BigEndian(head.AsSpan(50)) == 1;
        var loca = Slice(font, tables["loca"]);
        var glyf = Slice(font, tables["glyf"]);
        var offsets = new uint[numGlyphs + 1];
        for (int i = 0; i <= numGlyphs; i++)
        {
            offsets[i] = longLoca ? BinaryPrimitives.ReadUInt32BigEndian(loca.AsSpan(i * 4)) : BinaryPrimitives.ReadUInt16BigEndian(loca.AsSpan(i * 2)) * 2u;
        }

        var keep = new HashSet<ushort>();
        var pending = new Stack<ushort>(glyphsToKeep.Append((ushort)0).Where(g => g < numGlyphs));
        while (pending.Count > 0)
        {
            ushort g = pending.Pop();
            if (!keep.Add(g)) continue;
            foreach (ushort component in Components(glyf, offsets[g], offsets[g + 1]))
            {
                if (component < numGlyphs && !keep.Contains(component)) pending.Push(component);
            }
        }

        using var newGlyf = new MemoryStream();
        var newLoca = new byte[(numGlyphs + 1) * 4];
        for (int g = 0; g < numGlyphs; g++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(newLoca.AsSpan(g * 4), (uint)newGlyf.Length);
            if (!keep.Contains((ushort)g)) continue;
            newGlyf.Write(WithoutInstructions(glyf.AsSpan((int)offsets[g], (int)(offsets[g + 1] - offsets[g]))));
            while (newGlyf.Length % 4 != 0) newGlyf.WriteByte(0);
        }
        BinaryPrimitives.WriteUInt32BigEndian(newLoca.AsSpan(numGlyphs * 4), (uint)newGlyf.Length);

        BinaryPrimitives.WriteInt16BigEndian(head.AsSpan(50), 1);  // indexToLocFormat: long
        BinaryPrimitives.WriteUInt32BigEndian(head.AsSpan(8), 0);  // checkSumAdjustment, set below
        var post = Slice(font, tables["post"]);
        var newPost = post.AsSpan(0, 32).ToArray();
        BinaryPrimitives.WriteUInt32BigEndian(newPost, 0x00030000); // version 3: no glyph names

        var output = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (tag, range) in tables)
        {
            if (DroppedTables.Contains(tag)) continue;
            output[tag] = tag switch
            {
                "glyf" => newGlyf.ToArray(),
                "loca" => newLoca,
                "head" => head,
                "post" => newPost,
                _ => Slice(font, range),
            };
        }
        byte[] result = Write(BinaryPrimitives.ReadUInt32BigEndian(font), output);
        uint adjustment = unchecked(0xB1B0AFBA - Checksum(result));
        int headOffset = FindTableOffset(result, "head");
        BinaryPrimitives.WriteUInt32BigEndian(result.AsSpan(headOffset + 8), adjustment);
        return result;
    }

    /// <summary>
    /// The glyph without its hinting program (viewers draw PDF text unhinted or auto-hinted anyway); about a third
    /// of DejaVu's glyph data. fpgm, prep and cvt go with it.
    /// </summary>
    private static byte[] WithoutInstructions(ReadOnlySpan<byte> glyph)
    {
        if (glyph.Length < 10) return glyph.ToArray();
        short contours = BinaryPrimitives.ReadInt16BigEndian(glyph);
        if (contours >= 0)
        {
            int at = 10 + 2 * contours;
            int length = BinaryPrimitives.ReadUInt16BigEndian(glyph[at..]);
            var simple = new byte[glyph.Length - length];
            glyph[..(at + 2)].CopyTo(simple);
            BinaryPrimitives.WriteUInt16BigEndian(simple.AsSpan(at), 0);
            glyph[(at + 2 + length)..].CopyTo(simple.AsSpan(at + 2));
            return simple;
        }
        var composite = glyph.ToArray();
        int p = 10;
        while (true)
        {
            ushort flags = BinaryPrimitives.ReadUInt16BigEndian(composite.AsSpan(p));
            int next = p + 4 + ((flags & 0x0001) != 0 ? 4 : 2);
            if ((flags & 0x0008) != 0) next += 2;
            else if ((flags & 0x0040) != 0) next += 4;
            else if ((flags & 0x0080) != 0) next += 8;
            if ((flags & 0x0020) == 0)
            {
                BinaryPrimitives.WriteUInt16BigEndian(composite.AsSpan(p), (ushort)(flags & ~0x0100)); // no WE_HAVE_INSTRUCTIONS
                return composite[..next];
            }
            p = next;
        }
    }

    private static IEnumerable<ushort> Components(byte[] glyf, uint start, uint end)
    {
        if (end - start < 10 || BinaryPrimitives.ReadInt16BigEndian(glyf.AsSpan((int)start)) >= 0) yield break;
        int p = (int)start + 10;
        while (p + 4 <= end)
        {
            ushort flags = BinaryPrimitives.ReadUInt16BigEndian(glyf.AsSpan(p));
            yield return BinaryPrimitives.ReadUInt16BigEndian(glyf.AsSpan(p + 2));
            p += 4 + ((flags & 0x0001) != 0 ? 4 : 2);
            if ((flags & 0x0008) != 0) p += 2;
            else if ((flags & 0x0040) != 0) p += 4;
            else if ((flags & 0x0080) != 0) p += 8;
            if ((flags & 0x0020) == 0) yield break;
        }
    }

    private static Dictionary<string, (int Offset, int Length)> ReadDirectory(byte[] font)
    {
        int count = BinaryPrimitives.ReadUInt16BigEndian(font.AsSpan(4));
        var tables = new Dictionary<string, (int, int)>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            var entry = font.AsSpan(12 + 16 * i, 16);
            string tag = System.Text.Encoding.ASCII.GetString(entry[..4]);
            tables[tag] = ((int)BinaryPrimitives.ReadUInt32BigEndian(entry[8..]), (int)BinaryPrimitives.ReadUInt32BigEndian(entry[12..]));
        }
        return tables;
    }

    private static byte[] Slice(byte[] font, (int Offset, int Length) range) => font.AsSpan(range.Offset, range.Length).ToArray();

    private static byte[] Write(uint sfntVersion, SortedDictionary<string, byte[]> tables)
    {
        int n = tables.Count;
        int entrySelector = (int)Math.Floor(Math.Log2(n));
        int searchRange = (1 << entrySelector) * 16;
        int headerLength = 12 + 16 * n;
        int total = headerLength + tables.Values.Sum(t => (t.Length + 3) & ~3);
        var result = new byte[total];
        BinaryPrimitives.WriteUInt32BigEndian(result, sfntVersion);
        BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(4), (ushort)n);
        BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(6), (ushort)searchRange);
        BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(8), (ushort)entrySelector);
        BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(10), (ushort)(n * 16 - searchRange));
        int offset = headerLength, i = 0;
        foreach (var (tag, data) in tables)
        {
            var entry = result.AsSpan(12 + 16 * i++, 16);
            System.Text.Encoding.ASCII.GetBytes(tag, entry);
            data.CopyTo(result, offset);
            BinaryPrimitives.WriteUInt32BigEndian(entry[4..], Checksum(result.AsSpan(offset, (data.Length + 3) & ~3)));
            BinaryPrimitives.WriteUInt32BigEndian(entry[8..], (uint)offset);
            BinaryPrimitives.WriteUInt32BigEndian(entry[12..], (uint)data.Length);
            offset += (data.Length + 3) & ~3;
        }
        return result;
    }

    private static int FindTableOffset(byte[] font, string tag)
    {
        var tables = ReadDirectory(font);
        return tables[tag].Offset;
    }

    private static uint Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        int i = 0;
        for (; i + 4 <= data.Length; i += 4) sum = unchecked(sum + BinaryPrimitives.ReadUInt32BigEndian(data[i..]));
        if (i < data.Length)
        {
            Span<byte> tail = stackalloc byte[4];
            data[i..].CopyTo(tail);
            sum = unchecked(sum + BinaryPrimitives.ReadUInt32BigEndian(tail));
        }
        return sum;
    }
}
