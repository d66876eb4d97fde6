using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PcapViz.Pseudonymisation;

/// <summary>
/// The 32-byte secret that every pseudonym is derived from (docs/pseudonymisation.md). A key file holds exactly 32
/// random bytes (<c>head -c 32 /dev/urandom</c>), or the same bytes as 64 hex digits or as base64 text; whitespace
/// around the text is allowed. The key is never written, logged or shown: <see cref="ToString"/> and every error
/// message name only the file and what is wrong with it; <see cref="KeyId"/> is a one-way identifier.
/// </summary>
/// <remarks>
/// Split as Crypto-PAn splits its 32-byte key: the first 16 bytes are the AES-128 key, the last 16 the seed of the
/// pad (the pad is the AES encryption of that seed, <see cref="CryptoPan"/>). The keys for labels and text tokens
/// are derived from all 32 bytes with HMAC-SHA256 under fixed context strings, so no two uses share a key.
/// </remarks>
public sealed class PseudonymKey
{
    /// <summary>Length of a key in bytes.</summary>
    public const int Length = 32;

    /// <summary>Larger key files are refused unread: no text form of 32 bytes comes near this.</summary>
    private const int MaxFileBytes = 4096;

    private static readonly SearchValues<byte> Whitespace = SearchValues.Create(" \t\r\n\f\v"u8);

    private readonly byte[] _bytes;

    private PseudonymKey(byte[] bytes)
    {
        _bytes = bytes;
        Span<byte> id = stackalloc byte[32];
        HMACSHA256.HashData(bytes, "PcapViz pseudonym key id v1"u8, id);
        KeyId = Convert.ToHexStringLower(id[..8]);
    }

    /// <summary>
    /// 16 hex digits that identify the key without revealing it (HMAC-SHA256 of a fixed string under the key), for
    /// the manifest to say which key made a bundle: two bundles with the same id are comparable.
    /// </summary>
    public string KeyId { get; }

    /// <summary>The AES-128 key of Crypto-PAn: the first 16 bytes.</summary>
    internal ReadOnlySpan<byte> AesKey => _bytes.AsSpan(0, 16);

    /// <summary>The seed of Crypto-PAn's pad: the last 16 bytes.</summary>
    internal ReadOnlySpan<byte> PadSeed => _bytes.AsSpan(16, 16);

    /// <summary>A key derived for one use (labels, text …): HMAC-SHA256 under this key of a fixed context string.</summary>
    internal byte[] Derive(string context) =>
        HMACSHA256.HashData(_bytes, Encoding.ASCII.GetBytes("PcapViz pseudonym " + context + " v1"));

    /// <summary>Never the key itself.</summary>
    public override string ToString() => "pseudonym key " + KeyId;

    /// <summary>A key from exactly 32 bytes (tests, or a key held elsewhere).</summary>
    public static PseudonymKey FromBytes(ReadOnlySpan<byte> key)
    {
        if (key.Length != Length)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"A pseudonym key is {Length} bytes, not {key.Length}."), nameof(key));
        return new PseudonymKey(key.ToArray());
    }

    /// <summary>Reads a key file; throws <see cref="InvalidDataException"/> naming the file and what is wrong.</summary>
    public static PseudonymKey Load(string path)
    {
        long size = new FileInfo(path).Length; // FileNotFoundException names the file
        if (size > MaxFileBytes)
            throw Invalid(path, string.Create(CultureInfo.InvariantCulture, $"is {size} bytes long; a key file holds 32 random bytes, 64 hex digits or base64 of 32 bytes"));
        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>
    /// The key in <paramref name="content"/>, the bytes of a key file called <paramref name="source"/> in messages.
    /// Exactly 32 bytes are the raw key unless all of them are text characters (then it is text, and too short:
    /// random bytes are all printable once in ~10^14). Otherwise the content must be ASCII text: 64 hex digits, or
    /// base64 that decodes to exactly 32 bytes, with optional whitespace around it.
    /// </summary>
    internal static PseudonymKey Parse(ReadOnlySpan<byte> content, string source)
    {
        if (content.Length == 0) throw Invalid(source, "is empty; a key file holds 32 random bytes (head -c 32 /dev/urandom > key)");
        if (content.Length == Length && !IsAllText(content)) return new PseudonymKey(content.ToArray());

        if (!IsAllText(content))
            throw Invalid(source, string.Create(CultureInfo.InvariantCulture,
                $"is {content.Length} bytes that are not text; raw keys are exactly {Length} bytes, text keys are 64 hex digits or base64 of {Length} bytes"));

        ReadOnlySpan<byte> text = content.Trim(" \t\r\n\f\v"u8);
        if (text.Length == 0) throw Invalid(source, "holds only whitespace");
        if (text.ContainsAny(Whitespace)) throw Invalid(source, "holds whitespace inside the key text; write the key on one line");

        if (IsAllHex(text))
        {
            if (text.Length != 2 * Length)
                throw Invalid(source, string.Create(CultureInfo.InvariantCulture,
                    $"holds {text.Length} hex digits; a key is {2 * Length} hex digits ({Length} bytes)"));
            return new PseudonymKey(Convert.FromHexString(Encoding.ASCII.GetString(text)));
        }

        if (Base64.IsValid(text, out int decodedLength))
        {
            if (decodedLength != Length)
                throw Invalid(source, string.Create(CultureInfo.InvariantCulture,
                    $"holds base64 of {decodedLength} bytes; a key is base64 of exactly {Length} bytes (44 characters)"));
            var key = new byte[Length];
            Base64.DecodeFromUtf8(text, key, out _, out _);
            return new PseudonymKey(key);
        }

        throw Invalid(source, string.Create(CultureInfo.InvariantCulture,
            $"holds {text.Length} characters of text that are neither hex digits nor base64; a key is 64 hex digits or base64 of {Length} bytes"));
    }

    private static bool IsAllText(ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
            if (b is not ((>= 0x20 and < 0x7F) or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)'\f' or (byte)'\v')) return false;
        return true;
    }

    private static bool IsAllHex(ReadOnlySpan<byte> text)
    {
        foreach (byte b in text)
            if (!char.IsAsciiHexDigit((char)b)) return false;
        return true;
    }

    private static InvalidDataException Invalid(string source, string what) =>
        new($"Pseudonym key file '{source}' {what}.");
}
