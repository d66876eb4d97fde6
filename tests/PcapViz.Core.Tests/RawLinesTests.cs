using System.Globalization;
using System.Text;
using System.Text.Json;
using PcapViz.Export;

namespace PcapViz.Tests;

/// <summary>
/// <see cref="JsonOut.WriteRawLines{T}"/>: a list of any length comes out as one line an item, in order, none lost or
/// repeated, across the writer's flushes.
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
    [InlineData(4096)]
    [InlineData(10_001)] // flushed many times on the way
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
