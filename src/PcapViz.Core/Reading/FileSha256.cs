using System.Buffers;
using System.Security.Cryptography;

namespace PcapViz.Reading;

/// <summary>
/// SHA-256 of a whole file, as lower-case hex: one routine for the incremental cache, `verify`, the bundle's
/// evidence check and `merge`, which all compare a file with the hash a manifest lists. The file is read in 1 MiB
/// pieces without a second buffer and may be written or removed by others meanwhile (the hash is of what was read).
/// </summary>
internal static class FileSha256
{
    private const int ChunkSize = 1 << 20;

    /// <summary>The file's SHA-256; <paramref name="length"/> is the number of bytes hashed.</summary>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    public static string Of(string path, out long length)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0,
            FileOptions.SequentialScan);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            length = 0;
            int n;
            while ((n = stream.Read(buffer, 0, ChunkSize)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                length += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <inheritdoc cref="Of(string, out long)"/>
    public static string Of(string path) => Of(path, out _);
}
