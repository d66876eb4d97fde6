using System.Security.Cryptography;

namespace PcapViz.Bundle;

/// <summary>
/// Signs manifest.json with an ECDSA P-256 private key (PEM: "EC PRIVATE KEY" or PKCS#8 "PRIVATE KEY") over
/// SHA-256. The detached signature (manifest.json.sig) is the DER-encoded ECDSA signature, so
/// <c>openssl dgst -sha256 -verify public.pem -signature manifest.json.sig manifest.json</c> checks it too.
/// ECDSA signatures are randomised: the .sig file differs between runs, the manifest it signs does not.
/// </summary>
public sealed class ManifestSigner : IDisposable
{
    private readonly ECDsa _key;

    private ManifestSigner(ECDsa key) => _key = key;

    /// <summary>The public half, PEM ("PUBLIC KEY"), as `verify --key` takes it.</summary>
    internal string PublicKeyPem => _key.ExportSubjectPublicKeyInfoPem();

    /// <summary>Loads a private key; null and a one-line <paramref name="error"/> when the file is not a P-256 private key.</summary>
    public static ManifestSigner? TryLoad(string path, out string? error)
    {
        var key = ManifestSignature.TryLoadKey(path, out error);
        if (key is null) return null;
        try
        {
            key.ExportParameters(includePrivateParameters: true);
        }
        catch (CryptographicException)
        {
            key.Dispose();
            error = $"'{path}' holds a public key; --sign-key needs the private key (verify --key takes the public one).";
            return null;
        }
        return new ManifestSigner(key);
    }

    internal byte[] Sign(byte[] manifest) => _key.SignData(manifest, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    /// <summary>True when <paramref name="signature"/> is this key's signature of <paramref name="manifest"/>.</summary>
    internal bool Verifies(byte[] manifest, byte[] signature) => ManifestSignature.Verify(_key, manifest, signature);

    /// <summary>Releases the private key.</summary>
    public void Dispose() => _key.Dispose();
}

/// <summary>Checks a detached manifest signature against a public (or private) P-256 key in PEM.</summary>
public static class ManifestSignature
{
    private const string P256Oid = "1.2.840.10045.3.1.7";

    /// <summary>The ECDSA P-256 key in the PEM file at <paramref name="path"/> (at most 1 MiB, a regular file), public or private; null with <paramref name="error"/> naming the file and what is wrong otherwise. The caller disposes the key.</summary>
    public static ECDsa? TryLoadKey(string path, out string? error)
    {
        byte[]? bytes = ManifestReader.TryReadRegularFile(path, 1 << 20, out error);
        if (bytes is null)
        {
            error = $"The key file '{path}' {error}.";
            return null;
        }
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(System.Text.Encoding.UTF8.GetString(bytes));
            var curve = key.ExportParameters(includePrivateParameters: false).Curve;
            if (curve.Oid?.Value != P256Oid && curve.Oid?.FriendlyName is not ("nistP256" or "ECDSA_P256"))
            {
                key.Dispose();
                error = $"The key in '{path}' is not on the P-256 curve (ECDSA P-256 keys only: openssl ecparam -name prime256v1 -genkey).";
                return null;
            }
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            key.Dispose();
            error = $"'{path}' holds no ECDSA P-256 key in PEM ({ex.Message.ReplaceLineEndings(" ")}).";
            return null;
        }
        error = null;
        return key;
    }

    internal static bool Verify(ECDsa key, byte[] manifest, byte[] signature)
    {
        ArgumentNullException.ThrowIfNull(key);
        try
        {
            return key.VerifyData(manifest, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
