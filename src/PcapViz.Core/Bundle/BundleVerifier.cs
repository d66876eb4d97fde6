using System.Security.Cryptography;
using PcapViz.Discovery;
using PcapViz.Reading;

namespace PcapViz.Bundle;

/// <summary>What `pcapviz verify` found wrong; each problem makes the exit code 2.</summary>
public enum VerifyProblemKind
{
    /// <summary>A file the manifest lists is not in the bundle.</summary>
    Missing,

    /// <summary>A listed file's size or SHA-256 differs from the manifest's, it is not a regular file or cannot be read,
    /// or the manifest lists a path that is not a plain file of the bundle.</summary>
    Altered,

    /// <summary>A file in the bundle that the manifest does not list.</summary>
    Unlisted,

    /// <summary>With --key: manifest.json.sig is missing, unreadable or not this key's signature of the manifest.</summary>
    Signature,

    /// <summary>With --chain: the manifest records no previous manifest, or not the SHA-256 of the previous bundle's.</summary>
    Chain,

    /// <summary>With --inputs: a capture the manifest lists is not found under the input roots, or its bytes differ.</summary>
    Input,

    /// <summary>With --recompute: analysing the inputs again gives a data file other than the bundle's, or cannot be done.</summary>
    Recomputed,
}

/// <summary>One thing `pcapviz verify` found wrong, printed as one line.</summary>
/// <param name="Kind">Which check failed.</param>
/// <param name="Path">The file concerned: a bundle-relative path ('/'-separated), or an input capture's path as the
/// manifest records it.</param>
/// <param name="Detail">What is wrong, in words (sizes, digests, the reason a file could not be read).</param>
public sealed record VerifyProblem(VerifyProblemKind Kind, string Path, string Detail);

/// <summary>The result of checking a bundle against its manifest.</summary>
/// <param name="Error">Set when the manifest itself cannot be read (then nothing was checked).</param>
public sealed record VerifyReport(int FilesChecked, IReadOnlyList<VerifyProblem> Problems, string? Error)
{
    internal bool Intact => Error is null && Problems.Count == 0;

    /// <summary>What was checked besides the files, one line each (e.g. "signature: manifest.json is signed with this key"); not problems.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>The manifest that was checked (null when it could not be read).</summary>
    public BundleManifest? Manifest { get; init; }

    /// <summary>SHA-256 of manifest.json as read (what the next night's --chain records).</summary>
    internal string? ManifestSha256 { get; init; }
}

/// <summary>
/// `pcapviz verify`: re-hashes every file listed in manifest.json and reports missing, altered and unlisted files;
/// with a public key, checks the manifest's signature. Never follows a symbolic link and never opens anything but
/// a regular file (a FIFO planted in a bundle would block the read); a malformed manifest is an error, not a crash.
/// </summary>
public static class BundleVerifier
{
    /// <summary>Checks the bundle directory <paramref name="bundle"/> against its manifest.json and, when <paramref name="publicKey"/> is given, manifest.json.sig against that key; a bundle that cannot be read comes back with <see cref="VerifyReport.Error"/> set, never as an exception.</summary>
    public static VerifyReport Verify(string bundle, ECDsa? publicKey = null)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        string root = Path.GetFullPath(bundle);
        var (rootKind, _) = UnixFileSystem.Stat(root.TrimEnd(Path.DirectorySeparatorChar), followLinks: false);
        if (rootKind == FileKind.SymbolicLink)
            return new VerifyReport(0, [], $"'{root}' is a symbolic link: it is not followed. Give the bundle directory itself.");
        if (rootKind != FileKind.Directory)
            return new VerifyReport(0, [], $"'{root}' is not a directory.");
        string manifestPath = Path.Combine(root, ManifestWriter.FileName);
        var manifest = ManifestReader.TryLoad(manifestPath, out byte[]? manifestBytes, out string? why);
        if (manifest is null)
        {
            return new VerifyReport(0, [], manifestBytes is null
                ? $"'{manifestPath}' {why}: this is not a readable PcapViz bundle."
                : $"'{manifestPath}' cannot be read as a manifest: {why}.");
        }

        var problems = new List<VerifyProblem>();
        var notes = new List<string>();
        var listed = manifest.OutputsByPath;
        foreach (var (path, output) in listed.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (path.Split('/').Any(p => p is "" or "." or "..") || path == ManifestWriter.FileName)
            {
                problems.Add(new VerifyProblem(VerifyProblemKind.Altered, path, "the manifest lists a path that is not a plain file of the bundle"));
                continue;
            }
            string full = Path.Combine(root, path.Replace('/', Path.DirectorySeparatorChar));
            var (kind, _) = UnixFileSystem.Stat(full, followLinks: false);
            if (kind == FileKind.Missing)
            {
                problems.Add(new VerifyProblem(VerifyProblemKind.Missing, path, "listed in the manifest but not in the bundle"));
                continue;
            }
            if (kind != FileKind.Regular)
            {
                problems.Add(new VerifyProblem(VerifyProblemKind.Altered, path, $"is {kind.Describe()}, not the regular file the manifest lists (not followed or opened)"));
                continue;
            }
            try
            {
                string actual = FileSha256.Of(full, out long length);
                if (actual != output.Sha256)
                    problems.Add(new VerifyProblem(VerifyProblemKind.Altered, path, $"SHA-256 is {actual}, the manifest says {output.Sha256}"));
                else if (length != output.SizeBytes)
                    problems.Add(new VerifyProblem(VerifyProblemKind.Altered, path, $"{length} bytes, the manifest says {output.SizeBytes}"));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                problems.Add(new VerifyProblem(VerifyProblemKind.Altered, path, $"cannot be read ({ex.Message})"));
            }
        }

        List<string> entries;
        try
        {
            entries = BundleOwnership.EveryEntry(root);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new VerifyReport(listed.Count, problems, $"The bundle '{root}' cannot be listed: {ex.Message}");
        }
        foreach (string entry in entries.Order(StringComparer.Ordinal))
        {
            string relative = Path.GetRelativePath(root, entry).Replace(Path.DirectorySeparatorChar, '/');
            var (kind, _) = UnixFileSystem.Stat(entry, followLinks: false);
            if (kind == FileKind.Directory || relative is ManifestWriter.FileName or BundleTransaction.SignatureFileName || listed.ContainsKey(relative))
                continue;
            problems.Add(new VerifyProblem(VerifyProblemKind.Unlisted, relative,
                kind == FileKind.Regular ? "in the bundle but not listed in the manifest" : $"{kind.Describe()} in the bundle, not listed in the manifest"));
        }

        if (publicKey is not null)
        {
            byte[]? signature = ManifestReader.TryReadRegularFile(Path.Combine(root, BundleTransaction.SignatureFileName), 1 << 16, out string? sigError);
            if (signature is null)
                problems.Add(new VerifyProblem(VerifyProblemKind.Signature, BundleTransaction.SignatureFileName, $"the signature {sigError}"));
            else if (!ManifestSignature.Verify(publicKey, manifestBytes!, signature))
                problems.Add(new VerifyProblem(VerifyProblemKind.Signature, ManifestWriter.FileName, "the signature does not match this manifest and key: the manifest was altered, or signed with another key"));
            else
                notes.Add("signature: manifest.json is signed with this key");
        }
        else if (File.Exists(Path.Combine(root, BundleTransaction.SignatureFileName)))
        {
            notes.Add("signature: present but not checked (give the public key with --key)");
        }
        return new VerifyReport(listed.Count, problems, null)
        {
            Notes = notes,
            Manifest = manifest,
            ManifestSha256 = Convert.ToHexStringLower(SHA256.HashData(manifestBytes!)),
        };
    }

    /// <summary>
    /// Checks a series of archived bundles, oldest first: each must be intact, and each after the first must record
    /// (with --chain) the SHA-256 of the manifest before it. A night removed from the series or rewritten breaks a link.
    /// </summary>
    public static IReadOnlyList<(string Bundle, VerifyReport Report)> VerifyChain(IReadOnlyList<string> bundles, ECDsa? publicKey = null)
    {
        ArgumentNullException.ThrowIfNull(bundles);
        var reports = new List<(string, VerifyReport)>();
        VerifyReport? before = null;
        foreach (string bundle in bundles)
        {
            var report = Verify(bundle, publicKey);
            if (report.Error is null && before?.ManifestSha256 is { } expected)
            {
                string? recorded = report.Manifest!.PreviousManifestSha256;
                if (recorded is null)
                    report = report with { Problems = [.. report.Problems, new VerifyProblem(VerifyProblemKind.Chain, ManifestWriter.FileName, "records no previous manifest (made without --chain)")] };
                else if (recorded != expected)
                    report = report with { Problems = [.. report.Problems, new VerifyProblem(VerifyProblemKind.Chain, ManifestWriter.FileName, $"records previous manifest {recorded}, but the bundle before it in the series has {expected}: a night was removed, inserted or rewritten")] };
                else
                    report = report with { Notes = [.. report.Notes, "chain: follows the bundle before it"] };
            }
            reports.Add((bundle, report));
            before = report.Error is null ? report : null;
        }
        return reports;
    }
}
