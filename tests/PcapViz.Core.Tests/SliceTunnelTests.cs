using PcapViz.Slicing;

namespace PcapViz.Tests;

/// <summary>A slice finds a tunnel by its carrier (the flow the report lists) as well as by the tunnelled packet.</summary>
public sealed class SliceTunnelTests
{
    [Fact]
    public void Slice_IpInIp_OuterAddressOuterFlowAndInnerAddressEachFindTheTunnelledPacket()
    {
        using var temp = new TempDirectory("pcapviz-slice-tunnel-");
        string path = Path.Combine(temp.Path, "t.pcap");
        File.WriteAllBytes(path, Kit.Pcap(w =>
        {
            w.Write(Kit.Jan2024Nanos, new FrameBuilder().Ethernet().IPv4("192.0.2.1", "192.0.2.2").IPv4("10.0.0.1", "10.0.0.2").Udp(1, 2).Build());
            w.Write(Kit.Jan2024Nanos + 1, new FrameBuilder().Ethernet().IPv4("192.0.2.1", "198.51.100.7").Udp(3, 4).Build());
            w.Write(Kit.Jan2024Nanos + 2, new FrameBuilder().Ethernet().IPv4("10.0.0.1", "10.0.0.3").Udp(5, 6).Build());
        }));
        var source = new SliceSource("t.pcap", path, "0");
        long Packets(string indicator)
        {
            using var output = new MemoryStream();
            using var scratch = new MemoryStream();
            return PacketSlicer.Write([source], new SliceSelection([SliceIndicator.TryParse(indicator, out _)!]), ["test"], "test", output, scratch,
                cancellationToken: TestContext.Current.CancellationToken).Packets;
        }
        // The carrier's flow as the report lists it: IP-in-IP (protocol 4) between the outer addresses, no ports.
        string carrier = PcapViz.Protocols.Flows.CommunityId.Compute(4, Kit.Ip("192.0.2.1"), Kit.Ip("192.0.2.2"), 0, 0)!;

        Assert.Equal(1, Packets("192.0.2.2"));   // only in the outer header of packet 1
        Assert.Equal(1, Packets(carrier));
        Assert.Equal(1, Packets("10.0.0.2"));    // only in the inner header of packet 1
        Assert.Equal(2, Packets("10.0.0.1"));    // inner header of packet 1, and packet 3
        Assert.Equal(2, Packets("192.0.2.1"));   // outer header of packet 1, and packet 2
        Assert.Equal(0, Packets("203.0.113.1"));
    }
}
