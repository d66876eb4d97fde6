namespace PcapViz.Analysis;

/// <summary>Packets and IP bytes counted for one key.</summary>
internal struct Counter
{
    public long Packets;
    public long IpBytes;

    public Counter(long packets, long ipBytes)
    {
        Packets = packets;
        IpBytes = ipBytes;
    }

    public void Add(Counter other)
    {
        Packets += other.Packets;
        IpBytes += other.IpBytes;
    }
}
