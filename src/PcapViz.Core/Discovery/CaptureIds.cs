using System.Security.Cryptography;
using System.Text;

namespace PcapViz.Discovery;

/// <summary>Folder names under captures/: readable, stable for a given input path, unique in a run.</summary>
internal static class CaptureIds
{
    private const int MaxSlugLength = 48;

    /// <summary>A slug of the path plus 8 hex digits of its SHA-256, e.g. <c>site-a-dns-pcap-1f2e3d4c</c>.</summary>
    public static string For(string relativePath)
    {
        var slug = new StringBuilder(MaxSlugLength);
        foreach (char c in relativePath)
        {
            if (slug.Length >= MaxSlugLength) break;
            char lower = char.ToLowerInvariant(c);
            if (lower is (>= 'a' and <= 'z') or (>= '0' and <= '9')) slug.Append(lower);
            else if (slug.Length > 0 && slug[^1] != '-') slug.Append('-');
        }
        string trimmed = slug.ToString().Trim('-');
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(relativePath)))[..8];
        return trimmed.Length == 0 ? hash : $"{trimmed}-{hash}";
    }
}
