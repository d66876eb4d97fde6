using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using PcapViz.Model;
using PcapViz.Reading;

namespace PcapViz.Discovery;

/// <summary>A file chosen for analysis.</summary>
/// <param name="FullPath">Absolute path.</param>
/// <param name="RelativePath">Path relative to its input root, '/'-separated (for a file given directly: its name).</param>
public sealed record DiscoveredInput(string FullPath, string RelativePath, long SizeBytes);

public sealed record DiscoveryResult(IReadOnlyList<DiscoveredInput> Inputs, IReadOnlyList<SkippedInput> Skipped, IReadOnlyList<string> Errors);

/// <summary>
/// Walks the inputs: files as given, directories recursively in ordinal order. Symbolic links to directories are
/// not followed (so link loops cannot trap the walk); links to files are read. In directories, files are chosen
/// by content: anything that does not start like a capture (or a gzip-compressed capture) is skipped with a note.
/// </summary>
public sealed class InputDiscovery(IReadOnlyList<string> includes, IReadOnlyList<string> excludes)
{
    private readonly Regex[] _includes = includes.Select(GlobToRegex).ToArray();
    private readonly Regex[] _excludes = excludes.Select(GlobToRegex).ToArray();

    public DiscoveryResult Discover(IEnumerable<string> roots)
    {
        var inputs = new List<DiscoveredInput>();
        var skipped = new List<SkippedInput>();
        var errors = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string root in roots)
        {
            string full = Path.GetFullPath(root);
            if (File.Exists(full))
            {
                if (seen.Add(full)) inputs.Add(new DiscoveredInput(full, Path.GetFileName(full), SafeLength(full)));
            }
            else if (Directory.Exists(full))
            {
                Walk(full, full, inputs, skipped, seen);
            }
            else
            {
                errors.Add($"Input '{root}' does not exist.");
            }
        }
        MakeRelativePathsUnique(inputs);
        return new DiscoveryResult(inputs, skipped, errors);
    }

    private void Walk(string root, string directory, List<DiscoveredInput> inputs, List<SkippedInput> skipped, HashSet<string> seen)
    {
        string[] files, directories;
        try
        {
            files = Directory.GetFiles(directory);
            directories = Directory.GetDirectories(directory);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            skipped.Add(new SkippedInput(Relative(root, directory) + "/", $"directory cannot be read: {ex.Message}", IsProblem: true));
            return;
        }
        Array.Sort(files, StringComparer.Ordinal);
        Array.Sort(directories, StringComparer.Ordinal);
        foreach (string file in files)
        {
            string relative = Relative(root, file);
            if (!Matches(relative)) continue;
            if (!seen.Add(file)) continue;
            string? reason = Sniff(file, out bool problem);
            if (reason is null) inputs.Add(new DiscoveredInput(file, relative, SafeLength(file)));
            else skipped.Add(new SkippedInput(relative, reason, problem));
        }
        foreach (string dir in directories)
        {
            if (new DirectoryInfo(dir).LinkTarget is not null)
            {
                skipped.Add(new SkippedInput(Relative(root, dir) + "/", "symbolic link to a directory: not followed"));
                continue;
            }
            Walk(root, dir, inputs, skipped, seen);
        }
    }

    private static long SafeLength(string path)
    {
        try { return new FileInfo(path).Length; }
        catch (IOException) { return 0; }
    }

    private bool Matches(string relative)
    {
        string name = relative[(relative.LastIndexOf('/') + 1)..];
        bool Hit(Regex r) => r.IsMatch(relative) || r.IsMatch(name);
        if (_includes.Length > 0 && !_includes.Any(Hit)) return false;
        return !_excludes.Any(Hit);
    }

    /// <summary>Null when the file starts like a capture; otherwise why it is skipped.</summary>
    internal static string? Sniff(string path, out bool problem)
    {
        problem = false;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
            Span<byte> head = stackalloc byte[8];
            int n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            if (n == 0) return "empty file";
            if (n >= 2 && head[0] == 0x1F && head[1] == 0x8B)
            {
                stream.Position = 0;
                try
                {
                    using var gzip = new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true);
                    Span<byte> inner = stackalloc byte[8];
                    int m = gzip.ReadAtLeast(inner, inner.Length, throwOnEndOfStream: false);
                    // A gzip file whose content cannot even start is reported by the reader, as a failed capture.
                    return m >= 4 && !LooksLikeCapture(inner[..m]) ? $"gzip file holding {CaptureOpener.Describe(inner[..m]) ?? "something that is not a capture"}" : null;
                }
                catch (InvalidDataException)
                {
                    return null;
                }
            }
            return LooksLikeCapture(head[..n]) ? null : CaptureOpener.Describe(head[..n]) ?? "not a capture (unrecognised content)";
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            problem = true;
            return $"cannot be read: {ex.Message}";
        }
    }

    private static bool LooksLikeCapture(ReadOnlySpan<byte> head)
    {
        if (head.Length < 4) return false;
        uint le = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(head);
        uint be = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(head);
        return le is 0xA1B2C3D4 or 0xA1B23C4D or 0x0A0D0D0A || be is 0xA1B2C3D4 or 0xA1B23C4D;
    }

    private static string Relative(string root, string path)
    {
        string relative = Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/');
        return relative == "." ? Path.GetFileName(path) : relative;
    }

    /// <summary>Two roots can hold the same relative path; prefix such duplicates with their root's name.</summary>
    private static void MakeRelativePathsUnique(List<DiscoveredInput> inputs)
    {
        var groups = inputs.GroupBy(i => i.RelativePath, StringComparer.Ordinal).Where(g => g.Count() > 1).ToList();
        foreach (var group in groups)
        {
            foreach (var input in group.ToList())
            {
                int index = inputs.IndexOf(input);
                string parent = Path.GetFileName(Path.GetDirectoryName(input.FullPath)) ?? "";
                inputs[index] = input with { RelativePath = $"{parent}/{input.RelativePath}#{index}" };
            }
        }
    }

    /// <summary>Glob to regex: ** any path, * any name part, ? one character, [..] a class.</summary>
    public static Regex GlobToRegex(string glob)
    {
        var sb = new StringBuilder("^");
        for (int i = 0; i < glob.Length; i++)
        {
            char c = glob[i];
            switch (c)
            {
                case '*' when i + 1 < glob.Length && glob[i + 1] == '*':
                    sb.Append(".*");
                    i++;
                    if (i + 1 < glob.Length && glob[i + 1] == '/') i++;
                    break;
                case '*': sb.Append("[^/]*"); break;
                case '?': sb.Append("[^/]"); break;
                case '[':
                    int close = glob.IndexOf(']', i + 1);
                    if (close < 0) { sb.Append("\\["); break; }
                    sb.Append('[').Append(glob[(i + 1)..close].Replace("\\", "\\\\", StringComparison.Ordinal)).Append(']');
                    i = close;
                    break;
                default: sb.Append(Regex.Escape(c.ToString())); break;
            }
        }
        return new Regex(sb.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
