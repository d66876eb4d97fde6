using System.Net;
using PcapViz.Slicing;

namespace PcapViz.Core.Tests;

/// <summary>
/// <see cref="PacketSlicer.WriteEach"/> (`report --slices` cuts a capture's slices in one pass): each slice is the
/// file <see cref="PacketSlicer.Write"/> writes for it alone, byte for byte, whatever the other slices of the pass.
/// </summary>
public sealed class SliceEachTests
{
    private static byte[] Alone(SliceSource source, SliceSelection selection, out SliceResult result)
    {
        using var output = new MemoryStream();
        using var scratch = new MemoryStream();
        result = PacketSlicer.Write([source], selection, ["test"], "test", output, scratch, cancellationToken: TestContext.Current.CancellationToken);
        return output.ToArray();
    }

    [Fact]
    public void WriteEach_EverySlice_IsTheFileWriteWritesForItAlone()
    {
        using var temp = new TempDirectory("pcapviz-slice-each-");
        string path = Path.Combine(temp.Path, "b.pcap");
        BeaconTraffic.WriteFile(path, BeaconPattern.Regular, hours: 1, intervalSeconds: 60, seed: 5);
        var source = new SliceSource("b.pcap", path, "0");
        static SliceIndicator Indicator(string value) => SliceIndicator.TryParse(value, out _)!;
        SliceSelection[] selections =
        [
            new([]) { Conversations = [new SliceConversation(6, BeaconTraffic.Beaconing, BeaconTraffic.Server, 443)] },
            new([Indicator("10.9.0.53")]),
            new([Indicator("example.com")]),                      // a name: the first pass finds its flows
            new([Indicator("10.9.0.10")]) { MaxBytes = 4096 },    // bounded early, while the others go on
            new([Indicator("192.0.2.99")]),                       // matches nothing
        ];
        var outputs = selections.Select(_ => new MemoryStream()).ToArray();
        var scratches = selections.Select(_ => new MemoryStream()).ToArray();
        var results = PacketSlicer.WriteEach([source],
            [.. selections.Select((s, i) => new SliceTarget(s, ["test"], _ => outputs[i], scratches[i]))], "test", cancellationToken: TestContext.Current.CancellationToken);

        for (int i = 0; i < selections.Length; i++)
        {
            byte[] alone = Alone(source, selections[i], out var expected);
            Assert.Equal(expected.Packets, results[i].Packets);
            Assert.Equal(expected.SizeBoundReached, results[i].SizeBoundReached);
            Assert.True(alone.AsSpan().SequenceEqual(outputs[i].ToArray()), $"slice {i} differs from the one written alone");
        }
        Assert.True(results[0].Packets > 0 && results[1].Packets > 0 && results[2].Packets > 0);
        Assert.True(results[3].SizeBoundReached);
        Assert.Equal(0, results[4].Packets);
    }

    [Fact]
    public void SliceConversation_MatchesBothDirectionsOnTheServerPortOnly()
    {
        var c = new SliceConversation(6, IPAddress.Parse("10.0.0.1"), IPAddress.Parse("203.0.113.9"), 443);
        byte[] client = [10, 0, 0, 1], server = [203, 0, 113, 9];
        Assert.True(c.Matches(new FlowPorts(6, 40000, 443), client, server));
        Assert.True(c.Matches(new FlowPorts(6, 443, 40000), server, client));
        Assert.False(c.Matches(new FlowPorts(6, 443, 40000), client, server)); // the client's port is 443, not the server's
        Assert.False(c.Matches(new FlowPorts(17, 40000, 443), client, server)); // another transport
        Assert.False(c.Matches(new FlowPorts(6, 40000, 443), client, [203, 0, 113, 10]));
        Assert.Equal("tcp 10.0.0.1 -> 203.0.113.9 port 443", c.Text);
    }
}
