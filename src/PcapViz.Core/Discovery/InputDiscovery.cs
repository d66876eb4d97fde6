using System.IO.Compression;
using PcapViz.Model;
using PcapViz.Reading;

namespace PcapViz.Discovery;

/// <summary>A file chosen for analysis.</summary>
/// <param name="FullPath">Absolute path of the file read: for a symbolic link, its final target.</param>
/// <param name="RelativePath">Path relative to its input root, '/'-separated (for a file given directly: its name).</param>
/// <param name="LinkTarget">For a symbolic link: where it leads (relative to the input root when inside it, else
/// absolute); null for a regular file.</param>
public sealed record DiscoveredInput(string FullPath, string RelativePath, long SizeBytes, string? LinkTarget = null);

/// <summary>What a walk of the inputs found.</summary>
/// <param name="Inputs">The captures to read, in walk order (roots as given, each directory in ordinal order).</param>
/// <param name="Skipped">Files passed over, each with why: not a capture, excluded, not a regular file, unreadable.</param>
/// <param name="Errors">Inputs that could not be walked at all (missing, a FIFO given directly, a name that is not
/// UTF-8), one message each naming the path.</param>
public sealed record DiscoveryResult(IReadOnlyList<DiscoveredInput> Inputs, IReadOnlyList<SkippedInput> Skipped, IReadOnlyList<string> Errors);

/// <summary>
/// Walks the inputs: files as given, directories recursively in ordinal order. Only regular files are ever opened:
/// FIFOs, devices and sockets are skipped with a note (given directly, they are an error), so a pipe cannot block
/// the run and /dev/zero cannot feed it for ever. Symbolic links to directories are not followed (so link loops
/// cannot trap the walk); a link to a file is read as its target, and recorded as a link, when the target lies
/// inside the input root (anywhere with <c>followExternalLinks</c>). Names that are not valid UTF-8 cannot be
/// opened through .NET's string paths: each is reported as a problem, never silently dropped. In directories,
/// files are chosen by content: anything that does not start like a capture (or a gzip-compressed capture) is
/// skipped with a note.
/// </summary>
public sealed class InputDiscovery
{
    private readonly Glob[] _includes;
    private readonly Glob[] _excludes;
    private readonly bool _followExternalLinks;

    /// <exception cref="GlobPatternException">A pattern is invalid.</exception>
    public InputDiscovery(IReadOnlyList<string> includes, IReadOnlyList<string> excludes, bool followExternalLinks = false)
    {
        _includes = includes.Select(Glob.Parse).ToArray();
        _excludes = excludes.Select(Glob.Parse).ToArray();
        _followExternalLinks = followExternalLinks;
    }

    /// <summary>Stops a walk (checked per directory and per file).</summary>
    internal CancellationToken Cancellation { get; init; }

    /// <summary>Walks <paramref name="roots"/> (files and directories, as given on the command line); an input that is missing or cannot be read is a line of <see cref="DiscoveryResult.Errors"/>, not an exception.</summary>
    public DiscoveryResult Discover(IEnumerable<string> roots)
    {
        var cancellationToken = Cancellation;
        var inputs = new List<DiscoveredInput>();
        var skipped = new List<SkippedInput>();
        var errors = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string root in roots)
        {
            string full = Path.GetFullPath(root);
            var (kind, size) = UnixFileSystem.Stat(full, followLinks: true);
            switch (kind)
            {
                case FileKind.Regular:
                    if (!seen.Add(full)) break;
                    bool isLink = UnixFileSystem.Stat(full, followLinks: false).Kind == FileKind.SymbolicLink;
                    string? target = isLink ? FinalTarget(full) : null;
                    if (isLink && target is null) errors.Add($"Input '{root}' is a symbolic link whose target cannot be resolved.");
                    else inputs.Add(new DiscoveredInput(target ?? full, Path.GetFileName(full), size, target));
                    break;
                case FileKind.Directory:
                    Walk(full, full, inputs, skipped, seen, cancellationToken);
                    break;
                case FileKind.Missing:
                    errors.Add($"Input '{root}' does not exist.");
                    break;
                default:
                    errors.Add($"Input '{root}' is {UnixFileSystem.Describe(kind)}, not a regular file: only regular files and directories are read.");
                    break;
            }
        }
        MakeRelativePathsUnique(inputs);
        return new DiscoveryResult(inputs, skipped, errors);
    }

    private void Walk(string root, string directory, List<DiscoveredInput> inputs, List<SkippedInput> skipped, HashSet<string> seen, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        List<RawEntry> entries;
        try
        {
            entries = UnixFileSystem.ReadDirectory(directory);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            skipped.Add(new SkippedInput(Relative(root, directory) + "/", $"directory cannot be read: {ex.Message}", IsProblem: true));
            return;
        }
        string prefix = directory == root ? "" : Relative(root, directory) + "/";
        var files = new List<(string Path, FileKind Kind, long Size)>();
        var directories = new List<string>();
        foreach (var entry in entries.Where(e => e.Name is null).OrderBy(e => e.NameBytes, ByteOrder.Instance))
        {
            string shown = prefix + UnixFileSystem.Printable(entry.NameBytes);
            if (!Matches(shown)) continue;
            skipped.Add(new SkippedInput(shown,
                "the name is not valid UTF-8, so it cannot be opened by name (bytes that do not decode are shown as \\xNN); rename it to read it", IsProblem: true));
        }
        foreach (var entry in entries.Where(e => e.Name is not null).OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            string path = Path.Combine(directory, entry.Name!);
            var (kind, size) = UnixFileSystem.Stat(path, followLinks: false);
            if (kind == FileKind.Directory) directories.Add(path);
            else files.Add((path, kind, size));
        }
        foreach (var (file, kind, size) in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string relative = Relative(root, file);
            if (!Matches(relative)) continue;
            if (!seen.Add(file)) continue;
            if (kind == FileKind.SymbolicLink)
            {
                AddLink(root, file, relative, inputs, skipped);
                continue;
            }
            if (kind != FileKind.Regular)
            {
                skipped.Add(new SkippedInput(relative, $"{UnixFileSystem.Describe(kind)}, not a regular file: not opened"));
                continue;
            }
            string? reason = Sniff(file, out bool problem);
            if (reason is null) inputs.Add(new DiscoveredInput(file, relative, size));
            else skipped.Add(new SkippedInput(relative, reason, problem));
        }
        foreach (string dir in directories)
            Walk(root, dir, inputs, skipped, seen, cancellationToken);
    }

    private void AddLink(string root, string link, string relative, List<DiscoveredInput> inputs, List<SkippedInput> skipped)
    {
        var (kind, size) = UnixFileSystem.Stat(link, followLinks: true);
        if (kind == FileKind.Directory)
        {
            skipped.Add(new SkippedInput(relative + "/", "symbolic link to a directory: not followed"));
            return;
        }
        string? target = FinalTarget(link);
        if (kind == FileKind.Missing || target is null)
        {
            skipped.Add(new SkippedInput(relative, "symbolic link whose target does not exist"));
            return;
        }
        if (kind != FileKind.Regular)
        {
            skipped.Add(new SkippedInput(relative, $"symbolic link to {UnixFileSystem.Describe(kind)}, not a regular file: not opened"));
            return;
        }
        string realRoot = RealPath(root);
        bool inside = target.StartsWith(realRoot.TrimEnd('/') + "/", StringComparison.Ordinal);
        if (!inside && !_followExternalLinks)
        {
            skipped.Add(new SkippedInput(relative, $"symbolic link to '{target}', outside the input root: not followed (--follow-external-links reads such links)"));
            return;
        }
        string? reason = Sniff(target, out bool problem);
        if (reason is not null)
        {
            skipped.Add(new SkippedInput(relative, reason, problem));
            return;
        }
        string recorded = inside ? Path.GetRelativePath(realRoot, target).Replace(Path.DirectorySeparatorChar, '/') : target;
        inputs.Add(new DiscoveredInput(target, relative, size, recorded));
    }

    /// <summary>The absolute path a chain of symbolic links ends at, or null when it cannot be resolved.</summary>
    private static string? FinalTarget(string link)
    {
        try
        {
            var target = new FileInfo(link).ResolveLinkTarget(returnFinalTarget: true);
            return target is null ? null : RealPath(target.FullName);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The path with every symbolic link in its directories resolved (so "inside the root" is judged on real paths).</summary>
    private static string RealPath(string path)
    {
        string full = Path.GetFullPath(path);
        string? parent = Path.GetDirectoryName(full);
        if (parent is null) return full;
        string realParent = RealPath(parent);
        string joined = Path.Combine(realParent, Path.GetFileName(full));
        try
        {
            var info = new FileInfo(joined);
            if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is { } t) return RealPath(t.FullName);
        }
        catch (IOException)
        {
        }
        return joined;
    }

    /// <summary>Ordinal order of raw name bytes: the same as ordinal order of the names when they are valid UTF-8.</summary>
    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();
        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }

    private bool Matches(string relative)
    {
        string name = relative[(relative.LastIndexOf('/') + 1)..];
        bool Hit(Glob g) => g.IsMatch(relative) || g.IsMatch(name);
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
}
