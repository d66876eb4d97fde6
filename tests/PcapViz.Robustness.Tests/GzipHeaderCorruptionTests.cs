using PcapViz.Model;
using PcapViz.Reading;

namespace PcapViz.Robustness.Tests;

public sealed class GzipHeaderCorruptionTests
{
    [Fact]
    public void CaptureOpener_GzipCorruptInsideFileHeader_RecordsCorruptCompressionInsteadOfThrowing()
    {
        byte[] pcapHeadStart = [0xD4, 0xC3, 0xB2, 0xA1, 0x02, 0x00, 0x04, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0];
        byte[] gzip =
        [
            0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xFF,   // gzip member header
            0x00, 0x14, 0x00, 0xEB, 0xFF, .. pcapHeadStart,    // stored deflate block (not final): the first 20 of the 24 header bytes
            0x07,                                               // next block: BFINAL=1, BTYPE=11 (reserved): corrupt
            0, 0, 0, 0, 0, 0, 0, 0,
        ];
        var issues = new IssueLog();
        var reader = CaptureOpener.Open(new MemoryStream(gzip), issues, gzip.Length);
        Assert.Null(reader);
        var issue = Assert.Single(issues.ToList());
        Assert.Equal(IssueSeverity.Error, issue.Severity);
        Assert.Equal("corrupt-compression", issue.Code);
        // 20 intact bytes were compressed before the corrupt block; zlib may withhold the last few when it fails, but
        // the offset reported must lie inside that intact prefix and past the 16 bytes sniffed for the magic.
        Assert.InRange(issue.ByteOffset ?? -1, 16, 20);
    }
}
