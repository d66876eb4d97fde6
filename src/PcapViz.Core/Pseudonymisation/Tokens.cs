using System.Security.Cryptography;
using System.Text;

namespace PcapViz.Pseudonymisation;

/// <summary>
/// Keyed tokens: HMAC-SHA256 of the UTF-8 value under a derived key, the first bits written in lower-case base32
/// (a–z, 2–7). Valid hostname label characters, equal values give equal tokens, nothing of the value shows.
/// </summary>
internal static class Tokens
{
    /// <summary>Characters of a label token: 60 bits, so a million distinct labels collide with odds below 1 in 2,000,000.</summary>
    public const int LabelLength = 12;

    /// <summary>Characters of a text or path token: 80 bits.</summary>
    public const int TextLength = 16;

    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    public static string Of(byte[] key, ReadOnlySpan<char> value, int length)
    {
        int byteCount = Encoding.UTF8.GetByteCount(value);
        Span<byte> utf8 = byteCount <= 256 ? stackalloc byte[256] : new byte[byteCount];
        utf8 = utf8[..Encoding.UTF8.GetBytes(value, utf8)];
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(key, utf8, mac);
        return string.Create(length, mac.ToArray(), static (chars, hash) =>
        {
            for (int i = 0; i < chars.Length; i++)
            {
                int bit = i * 5;
                int word = (hash[bit >> 3] << 8) | hash[(bit >> 3) + 1]; // 5 bits never span more than two bytes
                chars[i] = Alphabet[(word >> (11 - (bit & 7))) & 0x1F];
            }
        });
    }
}
