using System.Security.Cryptography;
using PcapViz.Bundle;

namespace PcapViz.Tests;

public sealed class DirectorySinkTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(65_536)]           // exactly the file stream's buffer
    [InlineData(3_456_789)]        // many buffers and a part
    public void Create_WrittenInUnevenPieces_FileAndRecordedHashAreTheBytesWritten(int size)
    {
        using var t = new TempDirectory();
        var content = new byte[size];
        new Random(size).NextBytes(content);
        var sink = new DirectorySink(t.Path);

        using (var stream = sink.Create("sub/data.bin"))
        {
            int at = 0, piece = 1;
            while (at < size)
            {
                int n = Math.Min(piece, size - at);
                stream.Write(content, at, n);
                at += n;
                piece = piece * 3 % 200_003 + 1; // 1, 4, 13, … up to 200 KB: pieces that straddle buffer boundaries
                Assert.Equal(at, stream.Position);
            }
        }

        Assert.Equal(content, File.ReadAllBytes(Path.Combine(t.Path, "sub", "data.bin")));
        var file = Assert.Single(sink.Files);
        Assert.Equal(size, file.SizeBytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), file.Sha256);
        Assert.Empty(sink.Failures);
        Assert.False(File.Exists(Path.Combine(t.Path, "sub", "data.bin.partial")));
    }
}
