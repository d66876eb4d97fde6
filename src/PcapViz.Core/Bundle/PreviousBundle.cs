using System.Security.Cryptography;

namespace PcapViz.Bundle;

/// <summary>
/// The bundle a run replaces, as far as it can be trusted: a file of it is used (incremental cache, carried-over
/// pages) only when its manifest lists it with the SHA-256 it still has. With --sign-key, the old manifest must
/// also carry a valid signature under that key; so an edited cache entry cannot flow into a bundle that verifies.
/// Unsigned, the old manifest's hashes are the binding: whoever can rewrite the manifest can rewrite the cache.
/// </summary>
internal sealed class PreviousBundle
{
    private PreviousBundle(string? directory, BundleManifest? manifest)
    {
        Directory = directory;
        Manifest = manifest;
    }

    public static PreviousBundle None { get; } = new(null, null);

    /// <summary>The previous bundle's directory; null when there is none (or it is not trusted).</summary>
    public string? Directory { get; }

    public BundleManifest? Manifest { get; }

    public static PreviousBundle Of(BundleTransaction transaction, ManifestSigner? signer, Action<string> warn)
    {
        if (transaction.Previous is not { } manifest || transaction.PreviousManifestBytes is not { } bytes) return None;
        if (signer is not null)
        {
            byte[]? signature = ManifestReader.TryReadRegularFile(Path.Combine(transaction.Target, BundleTransaction.SignatureFileName), 1 << 16, out _);
            if (signature is null || !signer.Verifies(bytes, signature))
            {
                warn($"The previous bundle's manifest.json is not signed with this key: nothing of it is reused, every capture is analysed again.");
                return None;
            }
        }
        return new PreviousBundle(transaction.Target, manifest);
    }

    /// <summary>The bytes of a listed file when they still have the SHA-256 the manifest lists; else null.</summary>
    public byte[]? TryReadListed(string relativePath, long maxBytes = 1L << 31)
    {
        if (Directory is null || Manifest is null || !Manifest.OutputsByPath.TryGetValue(relativePath, out var listed)) return null;
        if (relativePath.Split('/').Any(p => p is "" or "." or "..")) return null;
        byte[]? bytes = ManifestReader.TryReadRegularFile(Path.Combine(Directory, relativePath.Replace('/', Path.DirectorySeparatorChar)), maxBytes, out _);
        if (bytes is null || Convert.ToHexStringLower(SHA256.HashData(bytes)) != listed.Sha256) return null;
        return bytes;
    }
}
