using System.Globalization;
using System.Text;
using System.Text.Json;
using PcapViz.Export;

namespace PcapViz.Tests;

/// <summary>
/// <see cref="JsonOut.WriteRawLines{T}"/>: a long list is formatted in blocks on two threads and must still come out
/// as one line an item, in order, none lost or repeated, exactly as a short list is laid out.
/// </summary>
public sealed class RawLinesTests
{
    private static int Format(int i, Span<byte> line)
    {
        var text = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"i\":{i},\"pad\":\"{new string('x', i % 97)}\"}}"));
        text.CopyTo(line);
        return text.Length;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(4095)]   // one short of two blocks: one line at a time
    [InlineData(4096)]   // two whole blocks, formatted as a pair
    [InlineData(10_001)] // pairs, and a last block of its own
    public void WriteRawLines_AnyLength_OneLineAnItemInOrder(int count)
    {
        var ms = new MemoryStream();
        JsonOut.WriteDocument(ms, w => w.WriteRawLines("items", Enumerable.Range(0, count).ToArray(), 200, Format));
        string text = Encoding.UTF8.GetString(ms.ToArray());

        using var doc = JsonDocument.Parse(text);
        var items = doc.RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(count, items.Count);
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(i, items[i].GetProperty("i").GetInt32());
            Assert.Equal(i % 97, items[i].GetProperty("pad").GetString()!.Length);
        }
        // Each item on a line of its own, indented one level deeper than "items".
        var lines = text.Split('\n').Where(l => l.StartsWith("    {\"i\":", StringComparison.Ordinal)).ToList();
        Assert.Equal(count, lines.Count);
        if (count > 0) Assert.Equal(count > 1 ? "    {\"i\":0,\"pad\":\"\"}," : "    {\"i\":0,\"pad\":\"\"}", lines[0]);
    }
}
