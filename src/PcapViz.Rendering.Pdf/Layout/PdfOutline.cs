using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace PcapViz.Rendering.Pdf.Layout;

/// <summary>A bookmark: title, depth (0 = top), the page it points to (0-based) and the y of its top in layout coordinates.</summary>
internal sealed record OutlineItem(string Title, int Level, int PageIndex, float Top);

/// <summary>
/// Adds a document outline (bookmarks) to a PDF that Skia wrote. SkiaSharp's PDF backend writes link and named
/// destination annotations but no <c>/Outlines</c>, so the outline is appended as an incremental update (PDF 1.7,
/// 7.5.6): the outline items as new objects, the catalog again with <c>/Outlines</c> and <c>/PageMode /UseOutlines</c>,
/// and a cross-reference section whose trailer points back to Skia's (<c>/Prev</c>). Nothing before is changed, and the
/// same input gives the same bytes. Skia writes its catalog, page tree and cross-reference table uncompressed, which is
/// what this relies on; anything else is refused with an exception rather than guessed at.
/// </summary>
internal static partial class PdfOutline
{
    private static readonly Encoding Latin1 = Encoding.Latin1;

    public static byte[] Add(byte[] pdf, IReadOnlyList<OutlineItem> items, float pageHeight)
    {
        if (items.Count == 0) return pdf;
        string tail = Latin1.GetString(pdf, Math.Max(0, pdf.Length - 64), Math.Min(64, pdf.Length));
        var sx = StartXref().Match(tail);
        if (!sx.Success) throw Unexpected("no startxref at the end");
        int xrefAt = int.Parse(sx.Groups[1].Value, CultureInfo.InvariantCulture);

        // Skia writes one classic cross-reference subsection: "xref\n0 N\n" then N entries of 20 bytes.
        string head = Latin1.GetString(pdf, xrefAt, Math.Min(64, pdf.Length - xrefAt));
        var xm = XrefHead().Match(head);
        if (!xm.Success) throw Unexpected("no cross-reference table at startxref");
        int size = int.Parse(xm.Groups[1].Value, CultureInfo.InvariantCulture);
        int entries = xrefAt + xm.Length;
        var offsets = new long[size];
        for (int i = 0; i < size; i++)
            offsets[i] = long.Parse(Latin1.GetString(pdf, entries + 20 * i, 10), CultureInfo.InvariantCulture);
        int trailerAt = entries + 20 * size;
        string trailer = Latin1.GetString(pdf, trailerAt, pdf.Length - trailerAt);
        int root = Ref(trailer, "Root") ?? throw Unexpected("no /Root in the trailer");
        int? info = Ref(trailer, "Info");

        string catalog = ObjectText(pdf, offsets, root);
        if (catalog.Contains("/Outlines", StringComparison.Ordinal)) return pdf;
        int pagesRoot = Ref(catalog, "Pages") ?? throw Unexpected("no /Pages in the catalog");
        var pages = new List<int>();
        CollectPages(pdf, offsets, pagesRoot, pages, 0);

        // Items as a tree: each item's parent is the nearest earlier item one level up.
        int count = items.Count;
        var parent = new int[count];
        var stack = new List<int>();
        for (int i = 0; i < count; i++)
        {
            int level = Math.Clamp(items[i].Level, 0, stack.Count);
            while (stack.Count > level) stack.RemoveAt(stack.Count - 1);
            parent[i] = stack.Count == 0 ? -1 : stack[^1];
            stack.Add(i);
        }
        int outlinesObj = size;
        int Obj(int item) => size + 1 + item;
        var children = Enumerable.Range(-1, count + 1).ToDictionary(p => p, _ => new List<int>());
        for (int i = 0; i < count; i++) children[parent[i]].Add(i);

        var sb = new StringBuilder();
        var newOffsets = new List<(int Obj, long Offset)>();
        // Latin-1 maps each byte to one char, so the builder's length is the byte count.
        long baseOffset = pdf.Length;
        void Begin(int obj)
        {
            newOffsets.Add((obj, baseOffset + sb.Length));
            sb.Append(obj.ToString(CultureInfo.InvariantCulture)).Append(" 0 obj\n");
        }
        var inv = CultureInfo.InvariantCulture;
        sb.Append('\n');
        Begin(outlinesObj);
        var top = children[-1];
        sb.Append("<</Type /Outlines /First ").Append(Obj(top[0]).ToString(inv)).Append(" 0 R /Last ").Append(Obj(top[^1]).ToString(inv))
          .Append(" 0 R /Count ").Append(top.Count.ToString(inv)).Append(">>\nendobj\n");
        for (int i = 0; i < count; i++)
        {
            Begin(Obj(i));
            var siblings = children[parent[i]];
            int at = siblings.IndexOf(i);
            var item = items[i];
            int page = pages[Math.Clamp(item.PageIndex, 0, pages.Count - 1)];
            float y = Math.Max(0f, pageHeight - item.Top);
            sb.Append("<</Title ").Append(TextString(item.Title))
              .Append(" /Parent ").Append((parent[i] < 0 ? outlinesObj : Obj(parent[i])).ToString(inv)).Append(" 0 R");
            if (at > 0) sb.Append(" /Prev ").Append(Obj(siblings[at - 1]).ToString(inv)).Append(" 0 R");
            if (at < siblings.Count - 1) sb.Append(" /Next ").Append(Obj(siblings[at + 1]).ToString(inv)).Append(" 0 R");
            var kids = children[i];
            if (kids.Count > 0)
            {
                // Top-level items open, deeper ones closed (negative count), so a run of 800 captures stays short.
                int shown = item.Level == 0 ? kids.Count : -kids.Count;
                sb.Append(" /First ").Append(Obj(kids[0]).ToString(inv)).Append(" 0 R /Last ").Append(Obj(kids[^1]).ToString(inv))
                  .Append(" 0 R /Count ").Append(shown.ToString(inv));
            }
            sb.Append(" /Dest [").Append(page.ToString(inv)).Append(" 0 R /XYZ 0 ").Append(y.ToString("0.##", inv)).Append(" 0]>>\nendobj\n");
        }
        Begin(root);
        int close = catalog.LastIndexOf(">>", StringComparison.Ordinal);
        if (close < 0) throw Unexpected("catalog is not a dictionary");
        sb.Append(catalog[..close]).Append("\n/Outlines ").Append(outlinesObj.ToString(inv)).Append(" 0 R\n/PageMode /UseOutlines>>\nendobj\n");

        long xref = baseOffset + sb.Length;
        sb.Append("xref\n0 1\n0000000000 65535 f \n");
        var byObj = newOffsets.OrderBy(o => o.Obj).ToList();
        int k = 0;
        while (k < byObj.Count)
        {
            int start = k;
            while (k + 1 < byObj.Count && byObj[k + 1].Obj == byObj[k].Obj + 1) k++;
            sb.Append(byObj[start].Obj.ToString(inv)).Append(' ').Append((k - start + 1).ToString(inv)).Append('\n');
            for (int j = start; j <= k; j++) sb.Append(byObj[j].Offset.ToString("D10", inv)).Append(" 00000 n \n");
            k++;
        }
        sb.Append("trailer\n<</Size ").Append((size + 1 + count).ToString(inv)).Append("\n/Root ").Append(root.ToString(inv)).Append(" 0 R");
        if (info is int i2) sb.Append("\n/Info ").Append(i2.ToString(inv)).Append(" 0 R");
        sb.Append("\n/Prev ").Append(xrefAt.ToString(inv)).Append(">>\nstartxref\n").Append(xref.ToString(inv)).Append("\n%%EOF\n");

        byte[] update = Latin1.GetBytes(sb.ToString());
        var result = new byte[pdf.Length + update.Length];
        pdf.CopyTo(result, 0);
        update.CopyTo(result, pdf.Length);
        return result;
    }

    /// <summary>A PDF text string in UTF-16BE with a byte-order mark, as hex: any title is safe.</summary>
    private static string TextString(string title)
    {
        var sb = new StringBuilder("<FEFF");
        foreach (char c in TextKit.Clean(title)) sb.Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
        return sb.Append('>').ToString();
    }

    private static void CollectPages(byte[] pdf, long[] offsets, int obj, List<int> pages, int depth)
    {
        if (depth > 32) throw Unexpected("page tree too deep");
        string text = ObjectText(pdf, offsets, obj);
        if (PageType().IsMatch(text))
        {
            pages.Add(obj);
            return;
        }
        var kids = Kids().Match(text);
        if (!kids.Success) throw Unexpected($"object {obj} is neither a page nor a page tree node");
        foreach (Match m in KidRef().Matches(kids.Groups[1].Value))
            CollectPages(pdf, offsets, int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), pages, depth + 1);
    }

    /// <summary>The dictionary of an object (between "N 0 obj" and "endobj"); only for objects without a stream.</summary>
    private static string ObjectText(byte[] pdf, long[] offsets, int obj)
    {
        if (obj <= 0 || obj >= offsets.Length) throw Unexpected($"object {obj} is not in the cross-reference table");
        int at = checked((int)offsets[obj]);
        int end = pdf.AsSpan(at).IndexOf("endobj"u8);
        if (end < 0) throw Unexpected($"object {obj} has no endobj");
        string text = Latin1.GetString(pdf, at, end);
        int open = text.IndexOf("obj", StringComparison.Ordinal);
        if (open < 0 || text.Contains("stream", StringComparison.Ordinal)) throw Unexpected($"object {obj} is not a plain dictionary");
        return text[(open + 3)..].Trim();
    }

    private static int? Ref(string dict, string key)
    {
        var m = Regex.Match(dict, "/" + key + @"\s+(\d+)\s+0\s+R", RegexOptions.CultureInvariant);
        return m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    private static InvalidOperationException Unexpected(string what) =>
        new($"The PDF outline cannot be added: {what} (SkiaSharp wrote the PDF in an unexpected form).");

    [GeneratedRegex(@"startxref\s+(\d+)\s+%%EOF\s*$")]
    private static partial Regex StartXref();

    [GeneratedRegex(@"^xref\s*\n0 (\d+)\s*\n")]
    private static partial Regex XrefHead();

    [GeneratedRegex(@"/Type\s*/Page(?![a-zA-Z])")]
    private static partial Regex PageType();

    [GeneratedRegex(@"/Kids\s*\[([^\]]*)\]")]
    private static partial Regex Kids();

    [GeneratedRegex(@"(\d+)\s+0\s+R")]
    private static partial Regex KidRef();
}
