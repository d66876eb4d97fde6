using System.Buffers.Binary;
using System.Net;
using PcapViz.Model;
using PcapViz.Reading;
using PcapViz.TestSupport;
using Xunit;

namespace PcapViz.Protocols.Tests;

/// <summary>One packet of a corpus capture, decoded down to the transport header (test-only, Ethernet and VLAN).</summary>
internal sealed record CorpusPacket(int Frame, byte[] Source, byte[] Destination, byte Protocol, ushort SourcePort,
    ushort DestinationPort, byte[] Payload, uint Sequence, byte TcpFlags, bool HasPorts)
{
    public string SourceText => new IPAddress(Source).ToString();
    public string DestinationText => new IPAddress(Destination).ToString();
    public bool Syn => (TcpFlags & 0x02) != 0;
    public bool Ack => (TcpFlags & 0x10) != 0;
}

/// <summary>Finds ../shared/corpus-l7 and reads its captures with PcapViz.Core's reader.</summary>
internal static class CorpusL7
{
    public const string Missing = "(corpus-l7 missing)";

    public static string? Directory => TestEnvironment.SharedDirectory("corpus-l7");

    public static string? ExpectedDirectory => TestEnvironment.SharedDirectory("corpus-l7-expected");

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        if (Directory is not { } dir || ExpectedDirectory is null) { data.Add(Missing); return data; }
        foreach (string f in System.IO.Directory.GetFiles(dir).Select(Path.GetFileName).OfType<string>()
                     .Where(n => n != "SOURCES.md").Order(StringComparer.Ordinal)) data.Add(f);
        return data;
    }

    public static (string Capture, string Expected) Require(string fileName)
    {
        TestEnvironment.Require(Directory is not null && ExpectedDirectory is not null,
            "../shared/corpus-l7 or ../shared/corpus-l7-expected is missing (the shared corpus lives beside the checkout).");
        return (Path.Combine(Directory!, fileName), Path.Combine(ExpectedDirectory!, fileName + ".l7.json"));
    }

    public static List<CorpusPacket> Read(string path)
    {
        var packets = new List<CorpusPacket>();
        using var stream = File.OpenRead(path);
        var issues = new IssueLog();
        var reader = CaptureOpener.Open(stream, issues) ?? throw new InvalidOperationException("not a capture: " + path);
        int frame = 0;
        while (reader.TryReadNext(out var raw))
        {
            frame++;
            if (raw.LinkType != 1) continue;
            var p = Decode(frame, raw.Data);
            if (p is not null) packets.Add(p);
        }
        return packets;
    }

    private static CorpusPacket? Decode(int frame, ReadOnlySpan<byte> d)
    {
        if (d.Length < 14) return null;
        ushort etherType = BinaryPrimitives.ReadUInt16BigEndian(d[12..]);
        int off = 14;
        while (etherType is 0x8100 or 0x88a8 && d.Length >= off + 4)
        {
            etherType = BinaryPrimitives.ReadUInt16BigEndian(d[(off + 2)..]);
            off += 4;
        }
        byte[] src, dst;
        byte proto;
        ReadOnlySpan<byte> l4;
        if (etherType == 0x0800)
        {
            if (d.Length < off + 20) return null;
            var ip = d[off..];
            int ihl = (ip[0] & 0x0f) * 4;
            int total = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
            if (ihl < 20 || total < ihl || ip.Length < ihl) return null;
            if ((BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x1fff) != 0) return null; // a later fragment: no transport header
            proto = ip[9];
            src = ip.Slice(12, 4).ToArray();
            dst = ip.Slice(16, 4).ToArray();
            l4 = ip[ihl..Math.Min(total, ip.Length)];
        }
        else if (etherType == 0x86dd)
        {
            if (d.Length < off + 40) return null;
            var ip = d[off..];
            int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]);
            proto = ip[6];
            src = ip.Slice(8, 16).ToArray();
            dst = ip.Slice(24, 16).ToArray();
            l4 = ip[40..Math.Min(40 + payloadLength, ip.Length)];
            while (proto is 0 or 43 or 60 && l4.Length >= 8)
            {
                proto = l4[0];
                l4 = l4[Math.Min(l4.Length, (l4[1] + 1) * 8)..];
            }
        }
        else return null;

        switch (proto)
        {
            case 6 when l4.Length >= 20:
                int dataOffset = (l4[12] >> 4) * 4;
                return new CorpusPacket(frame, src, dst, proto, BinaryPrimitives.ReadUInt16BigEndian(l4), BinaryPrimitives.ReadUInt16BigEndian(l4[2..]),
                    l4[Math.Min(dataOffset, l4.Length)..].ToArray(), BinaryPrimitives.ReadUInt32BigEndian(l4[4..]), l4[13], true);
            case 17 when l4.Length >= 8:
            case 132 when l4.Length >= 12:
                return new CorpusPacket(frame, src, dst, proto, BinaryPrimitives.ReadUInt16BigEndian(l4), BinaryPrimitives.ReadUInt16BigEndian(l4[2..]),
                    l4[(proto == 17 ? 8 : 12)..].ToArray(), 0, 0, true);
            case 1 or 58 when l4.Length >= 2:
                return new CorpusPacket(frame, src, dst, proto, l4[0], l4[1], [], 0, 0, true);
            default:
                return new CorpusPacket(frame, src, dst, proto, 0, 0, [], 0, 0, false);
        }
    }
}

/// <summary>
/// In-order bytes of one TCP direction for the differential tests: retransmitted bytes dropped, segments after a
/// gap held until the gap fills (a test helper, not the product's reassembly).
/// </summary>
internal sealed class TcpDirectionStream
{
    private uint? _next;
    private readonly SortedDictionary<uint, byte[]> _pending = [];

    public void Add(CorpusPacket p, Action<byte[]> onData)
    {
        if (p.Syn) { _next = p.Sequence + 1; return; }
        if (p.Payload.Length == 0) return;
        _next ??= p.Sequence;
        _pending[p.Sequence] = p.Payload;
        while (_pending.Count > 0)
        {
            var (seq, data) = _pending.First();
            int ahead = unchecked((int)(seq - _next!.Value));
            if (ahead > 0) break;
            _pending.Remove(seq);
            int skip = -ahead;
            if (skip >= data.Length) continue;
            onData(data[skip..]);
            _next = unchecked(_next.Value + (uint)(data.Length - skip));
        }
    }
}
