using PcapViz.Model;
using PcapViz.Reading;
using SharpPcap;
using SharpPcap.LibPcap;
using Xunit;

namespace PcapViz.Tests;

/// <summary>
/// Every corpus file must read the same records with PcapViz's managed reader as with libpcap (through SharpPcap):
/// count, timestamps (at the precision libpcap offers), captured length, original length, link type and bytes.
/// </summary>
public sealed class ReaderDifferentialTests
{
    /// <summary>
    /// Files libpcap cannot open at all, with the reason. PcapViz must refuse them with an error issue too.
    /// </summary>
    private static readonly Dictionary<string, string> LibpcapCannotOpen = new(StringComparer.Ordinal)
    {
        // Every file libpcap refuses is currently refused by PcapViz as well (asserted below), except these.
    };

    /// <summary>
    /// Files libpcap refuses or stops reading although they are readable captures; PcapViz reads them like Wireshark
    /// and scapy do. For these the record count must equal tshark's (corpus-expected) and PcapViz must not error.
    /// </summary>
    private static readonly Dictionary<string, string> LibpcapLimitations = new(StringComparer.Ordinal)
    {
        ["libpcap-pcap-invalid-version-2.pcap"] =
            "libpcap 1.10 accepts only pcap versions 2.3 and 2.4 (\"unsupported pcap savefile version 2.5\"); tshark and scapy read the one record, PcapViz reads it and warns (unusual-version).",
        ["zeek-gap-data-missing.pcapng"] =
            "libpcap 1.10 refuses a pcapng section whose interfaces have different snapshot lengths (\"an interface has a snapshot length 8192 different from ... the first interface\"), a libpcap limitation; tshark reads all 18 records.",
    };

    public static TheoryData<string> Files() => Corpus.Files();

    [Theory]
    [MemberData(nameof(Files))]
    public void Reader_CorpusFile_ReadsTheSameRecordsAsLibpcap(string fileName)
    {
        string path = Corpus.Require(fileName);
        var ours = ReadWithPcapViz(path);
        string? temp = Corpus.IsGzip(path) ? Corpus.Decompress(path) : null;
        try
        {
            var theirs = ReadWithLibpcap(temp ?? path);
            var output = TestContext.Current.TestOutputHelper;
            output?.WriteLine($"libpcap: {(theirs.OpenError is not null ? "cannot open: " + theirs.OpenError : $"{theirs.Records.Count} records" + (theirs.ReadError is null ? "" : $", then error: {theirs.ReadError}"))}");
            output?.WriteLine($"PcapViz: {(ours.Opened ? $"{ours.Records.Count} records" : "not opened")}; issues: {string.Join(" | ", ours.Issues.Select(i => $"{i.Severity} {i.Code} @{i.ByteOffset}"))}");

            if (LibpcapLimitations.TryGetValue(fileName, out string? reason))
            {
                output?.WriteLine($"Known libpcap limitation: {reason}");
                Assert.True(theirs.OpenError is not null || theirs.ReadError is not null, $"{fileName} is listed as a libpcap limitation, but libpcap read it without error: remove it from the list.");
                Assert.True(ours.Opened);
                Assert.DoesNotContain(ours.Issues, i => i.Severity == IssueSeverity.Error);
                Assert.Equal(TsharkPacketCount(fileName), ours.Records.Count);
                for (int i = 0; i < theirs.Records.Count; i++) AssertSameRecord(theirs, ours, i);
                return;
            }
            if (theirs.OpenError is not null)
            {
                Assert.True(ours.Issues.Any(i => i.Severity == IssueSeverity.Error),
                    $"libpcap cannot open {fileName} ({theirs.OpenError}), but PcapViz recorded no error issue.");
                return;
            }
            Assert.False(LibpcapCannotOpen.ContainsKey(fileName), $"{fileName} is listed as unreadable by libpcap, but libpcap opened it.");
            Assert.True(ours.Opened, $"libpcap opens {fileName}, PcapViz does not: {string.Join(" | ", ours.Issues.Select(i => i.Message))}");

            if (theirs.ReadError is null)
            {
                Assert.Equal(theirs.Records.Count, ours.Records.Count);
                Assert.DoesNotContain(ours.Issues, i => i.Severity == IssueSeverity.Error);
            }
            else
            {
                Assert.True(ours.Records.Count >= theirs.Records.Count,
                    $"libpcap read {theirs.Records.Count} records before its error, PcapViz only {ours.Records.Count}.");
                Assert.True(ours.Issues.Any(i => i.Severity == IssueSeverity.Error),
                    $"libpcap stopped with an error ({theirs.ReadError}) but PcapViz recorded no error issue.");
            }

            for (int i = 0; i < theirs.Records.Count; i++) AssertSameRecord(theirs, ours, i);
        }
        finally
        {
            if (temp is not null) File.Delete(temp);
        }
    }

    private static void AssertSameRecord(LibpcapRead theirs, PcapVizRead ours, int i)
    {
        var a = theirs.Records[i];
        var b = ours.Records[i];
        long ourTime = theirs.Nanoseconds ? b.TimestampNanos : FloorDiv(b.TimestampNanos, 1000) * 1000;
        if (a.TimestampNanos != ourTime)
        {
            // libpcap reads the sub-second field as a signed 32-bit int (struct pcap_timeval in sf-pcap.c), PcapViz
            // as the unsigned field the pcap format defines. They differ only when that field is >= 2^31, which is an
            // invalid timestamp anyway; PcapViz must then have warned.
            long unit = ours.Nanoseconds ? 1 : 1000;
            Assert.True(ourTime - a.TimestampNanos == (1L << 32) * unit && ours.Issues.Any(x => x.Code == "timestamp-fraction-out-of-range"),
                $"record {i}: timestamp libpcap {a.TimestampNanos} ns, PcapViz {b.TimestampNanos} ns");
        }
        Assert.True(a.OriginalLength == b.OriginalLength, $"record {i}: original length libpcap {a.OriginalLength}, PcapViz {b.OriginalLength}");
        if (a.Data.Length != b.Data.Length && a.Data.Length == ours.SnapLength && b.Data.Length > a.Data.Length)
        {
            // libpcap cuts a record whose captured length exceeds the file header's snapshot length down to it
            // (zeek-trunc-hdr.pcap: snaplen 1, 8 bytes stored); PcapViz keeps every stored byte. The bytes libpcap
            // returns must be a prefix of PcapViz's.
            Assert.True(a.Data.AsSpan().SequenceEqual(b.Data.AsSpan(0, a.Data.Length)), $"record {i}: bytes differ");
        }
        else
        {
            Assert.True(a.Data.Length == b.Data.Length, $"record {i}: captured length libpcap {a.Data.Length}, PcapViz {b.Data.Length}");
            Assert.True(a.Data.AsSpan().SequenceEqual(b.Data), $"record {i}: bytes differ");
        }
        Assert.True(a.LinkType == b.LinkType, $"record {i}: link type libpcap {a.LinkType}, PcapViz {b.LinkType}");
    }

    private static int TsharkPacketCount(string fileName)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Corpus.ExpectedDirectory!, fileName + ".tshark.json")));
        return doc.RootElement.GetProperty("packets").GetInt32();
    }

    internal sealed record Record(long TimestampNanos, int OriginalLength, int LinkType, byte[] Data);

    internal sealed record LibpcapRead(string? OpenError, string? ReadError, bool Nanoseconds, List<Record> Records);

    internal sealed record PcapVizRead(bool Opened, List<Record> Records, IReadOnlyList<CaptureIssue> Issues, bool Nanoseconds, int SnapLength);

    internal static PcapVizRead ReadWithPcapViz(string path)
    {
        var issues = new IssueLog();
        var records = new List<Record>();
        using var stream = File.OpenRead(path);
        var reader = CaptureOpener.Open(stream, issues, stream.Length);
        if (reader is not null)
            while (reader.TryReadNext(out var p))
                records.Add(new Record(p.TimestampNanos, p.OriginalLength, p.LinkType, p.Data.ToArray()));
        return new PcapVizRead(reader is not null, records, issues.ToList(), reader?.NanosecondPrecision ?? false, (reader as PcapFileReader)?.SnapLength ?? -1);
    }

    internal static LibpcapRead ReadWithLibpcap(string path)
    {
        var records = new List<Record>();
        using var device = new CaptureFileReaderDevice(path);
        try
        {
            device.Open(new DeviceConfiguration { TimestampResolution = TimestampResolution.Nanosecond });
        }
        catch (PcapException ex)
        {
            return new LibpcapRead(ex.Message, null, false, records);
        }
        bool nanos = device.TimestampResolution == TimestampResolution.Nanosecond;
        int linkType = (int)device.LinkType;
        string? readError = null;
        while (true)
        {
            var status = device.GetNextPacket(out PacketCapture e);
            if (status == GetPacketStatus.PacketRead)
            {
                var raw = e.GetPacket();
                // PosixTimeval.MicroSeconds is always microseconds; Value (decimal seconds) keeps libpcap's nanoseconds.
                // SharpPcap widens libpcap's signed fields to ulong (sign extension); undo that modulo 2^64.
                decimal ns = raw.Timeval.Value * 1_000_000_000m;
                if (ns > long.MaxValue) ns -= 18_446_744_073_709_551_616m;
                records.Add(new Record((long)ns, (int)((PcapHeader)e.Header).PacketLength, LinkTypeOf((int)raw.LinkLayerType), raw.Data));
                continue;
            }
            if (status == GetPacketStatus.Error) readError = device.LastError;
            break;
        }
        return new LibpcapRead(null, readError, nanos, records);
    }

    /// <summary>libpcap reports DLT_ values; on Linux DLT_RAW is 12 where the file says LINKTYPE_RAW (101).</summary>
    private static int LinkTypeOf(int dlt) => dlt switch
    {
        12 => 101,
        _ => dlt,
    };

    private static long FloorDiv(long a, long b)
    {
        long q = Math.DivRem(a, b, out long r);
        return r < 0 ? q - 1 : q;
    }
}
