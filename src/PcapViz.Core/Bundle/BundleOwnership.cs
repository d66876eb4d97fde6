using PcapViz.Discovery;
using PcapViz.Model;

namespace PcapViz.Bundle;

/// <summary>
/// Whether an existing output directory may be replaced: only when it is ours. An empty directory is; otherwise it
/// must hold a PcapViz manifest.json and nothing that manifest does not list, besides manifest.json itself, its
/// signature and the incremental cache (<c>cache/*.json</c>). A symbolic link, FIFO or device anywhere inside, a
/// file or directory the manifest does not account for: the directory is someone else's and is left untouched.
/// </summary>
internal static class BundleOwnership
{
    /// <summary>Null when <paramref name="directory"/> may be replaced; else why not (one line).</summary>
    public static string? Check(string directory, out BundleManifest? manifest, out byte[]? manifestBytes)
    {
        manifest = null;
        manifestBytes = null;
        string root = Path.GetFullPath(directory);
        List<string> entries;
        try
        {
            entries = BundleOwnership.EveryEntry(root);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Refused(root, $"its contents cannot be listed ({ex.Message})");
        }
        if (entries.Count == 0) return null;

        string manifestPath = Path.Combine(root, ManifestWriter.FileName);
        var (manifestKind, _) = UnixFileSystem.Stat(manifestPath, followLinks: false);
        if (manifestKind == FileKind.Missing)
            return Refused(root, "it is not empty and holds no manifest.json, so it is not a PcapViz bundle");
        manifest = ManifestReader.TryLoad(manifestPath, out manifestBytes, out string? why);
        if (manifest is null)
            return Refused(root, $"its manifest.json is not a PcapViz manifest ({why})");

        var listed = new HashSet<string>(manifest.Outputs.Select(o => o.Path), StringComparer.Ordinal)
        {
            ManifestWriter.FileName, BundleTransaction.SignatureFileName,
        };
        var listedDirectories = new HashSet<string>(StringComparer.Ordinal);
        foreach (string path in listed)
            for (int slash = path.IndexOf('/', StringComparison.Ordinal); slash > 0; slash = path.IndexOf('/', slash + 1))
                listedDirectories.Add(path[..slash]);

        foreach (string entry in entries.Order(StringComparer.Ordinal))
        {
            string relative = Path.GetRelativePath(root, entry).Replace(Path.DirectorySeparatorChar, '/');
            var (kind, _) = UnixFileSystem.Stat(entry, followLinks: false);
            bool inCache = relative.StartsWith(IncrementalCache.Folder + "/", StringComparison.Ordinal);
            bool ours = kind switch
            {
                FileKind.Regular => listed.Contains(relative) || (inCache && relative.EndsWith(".json", StringComparison.Ordinal)),
                FileKind.Directory => listedDirectories.Contains(relative) || relative == IncrementalCache.Folder,
                _ => false,
            };
            if (!ours)
            {
                return Refused(root, $"it holds {kind.Describe()} its manifest does not list: '{Terminal.Safe(relative)}'");
            }
        }
        return null;
    }

    /// <summary>Every file, directory, link and special file below <paramref name="root"/> (hidden ones too; throws
    /// when any part cannot be listed, so nothing unlisted is ever overlooked).</summary>
    internal static List<string> EveryEntry(string root) =>
        Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions
        {
            RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false, ReturnSpecialDirectories = false,
        }).ToList();

    private static string Refused(string root, string reason) =>
        $"The output directory '{Terminal.Safe(root)}' is not replaced: {reason}. Nothing was changed; choose another directory, or empty this one.";
}
