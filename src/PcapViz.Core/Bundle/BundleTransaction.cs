using System.Globalization;
using PcapViz.Discovery;

namespace PcapViz.Bundle;

/// <summary>Why a bundle could not be opened or committed: one line saying what and where.</summary>
internal sealed class BundleException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Writing one bundle, all or nothing: `report`, `merge` and shards all write through it.
/// <list type="number">
/// <item><see cref="TryBegin"/> checks the target before any work is done (never `/`, a mount point, a symbolic
/// link or a file; an existing directory only when it is a PcapViz bundle holding nothing its manifest does not
/// list, plus <c>cache/</c>), takes the lock <c>.&lt;name&gt;.lock</c>, repairs an interrupted swap and creates
/// the staging directory <c>.&lt;name&gt;.staging-&lt;pid&gt;</c> beside the target.</item>
/// <item>Writers put files into <see cref="Staging"/> (each file hashed as it is written).</item>
/// <item><see cref="Commit"/> refuses when any write failed, writes manifest.json (and its signature), and swaps
/// the staging directory in with two renames.</item>
/// <item><see cref="Dispose"/> without a commit removes the staging directory: the previous bundle stays as it was.</item>
/// </list>
/// </summary>
public sealed class BundleTransaction : IDisposable
{
    /// <summary>The detached signature of manifest.json (with --sign-key).</summary>
    internal const string SignatureFileName = ManifestWriter.FileName + ".sig";

    private readonly BundleLock _lock;
    private bool _committed;
    private bool _disposed;

    private BundleTransaction(string target, string parent, string name, BundleLock bundleLock, string staging, BundleManifest? previous, byte[]? previousBytes)
    {
        Target = target;
        Parent = parent;
        Name = name;
        _lock = bundleLock;
        StagingDirectory = staging;
        Staging = new DirectorySink(staging);
        Previous = previous;
        PreviousManifestBytes = previous is null ? null : previousBytes;
    }

    /// <summary>The bundle directory (full path).</summary>
    internal string Target { get; }

    private string Parent { get; }

    private string Name { get; }

    /// <summary>Where the new bundle is written until it is committed.</summary>
    internal string StagingDirectory { get; }

    /// <summary>The new bundle's files, hashed as they are written.</summary>
    internal DirectorySink Staging { get; }

    /// <summary>The manifest of the bundle this one replaces (null: there is none). Its files are at <see cref="Target"/>.</summary>
    internal BundleManifest? Previous { get; }

    /// <summary>The bytes of the previous bundle's manifest.json, as read when the transaction began.</summary>
    internal byte[]? PreviousManifestBytes { get; }

    /// <summary>
    /// Where a run writing <paramref name="outputDirectory"/> keeps results that wait on disk (<c>CaptureSpill</c>):
    /// <c>.&lt;name&gt;.spill-&lt;pid&gt;</c> beside it; one left by a run that was killed is removed by the next run.
    /// </summary>
    internal static string SpillDirectoryFor(string outputDirectory)
    {
        string target = FullPath(outputDirectory);
        return Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.spill-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}");
    }

    /// <summary>
    /// Checks the target and opens the transaction; null and a one-line <paramref name="error"/> when the target
    /// must not be written (nothing was touched then, except creating a missing parent directory).
    /// </summary>
    internal static BundleTransaction? TryBegin(string outputDirectory, out string? error)
    {
        error = CheckTarget(outputDirectory);
        if (error is not null) return null;
        string target = FullPath(outputDirectory);
        string parent = Path.GetDirectoryName(target)!;
        string name = Path.GetFileName(target);

        try
        {
            Directory.CreateDirectory(parent);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = $"Cannot create the directory '{parent}' for the output: {ex.Message}";
            return null;
        }
        var bundleLock = BundleLock.TryAcquire(parent, name, out error);
        if (bundleLock is null) return null;
        try
        {
            try
            {
                BundleSwap.Recover(parent, name);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                error = $"Cannot repair the interrupted earlier run beside '{target}': {ex.Message}";
                bundleLock.Dispose();
                return null;
            }
            BundleManifest? previous = null;
            byte[]? previousBytes = null;
            if (Directory.Exists(target))
            {
                error = BundleOwnership.Check(target, out previous, out previousBytes);
                if (error is not null)
                {
                    bundleLock.Dispose();
                    return null;
                }
            }
            string staging = Path.Combine(parent, $".{name}.staging-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}");
            try
            {
                if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
                Directory.CreateDirectory(staging);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                error = $"Cannot write beside the output directory '{target}' (staging directory '{staging}'): {ex.Message}";
                bundleLock.Dispose();
                return null;
            }
            error = null;
            return new BundleTransaction(target, parent, name, bundleLock, staging, previous, previousBytes);
        }
        catch
        {
            bundleLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The checks that need no lock and touch nothing: null when <paramref name="outputDirectory"/> may be a bundle
    /// directory as far as its kind goes (not `/`, a mount point, a symbolic link or a file); else why not.
    /// </summary>
    public static string? CheckTarget(string outputDirectory)
    {
        ArgumentNullException.ThrowIfNull(outputDirectory);
        string target = FullPath(outputDirectory);
        if (Path.GetDirectoryName(target) is null || Path.GetFileName(target).Length == 0)
            return $"The output directory '{target}' is the root of the file system: a bundle replaces its directory as a whole, so it needs a directory of its own.";
        var (kind, _) = UnixFileSystem.Stat(target, followLinks: false);
        return kind switch
        {
            FileKind.SymbolicLink => $"The output directory '{target}' is a symbolic link: it is not followed or replaced. Give the real directory.",
            FileKind.Missing => null,
            FileKind.Directory when MountPoints.IsMountPoint(target) =>
                $"The output directory '{target}' is a mount point: a bundle replaces its directory by renaming, which a mount point cannot be. Write into a directory below it.",
            FileKind.Directory => null,
            _ => $"The output '{target}' exists and is not a directory: it is not replaced.",
        };
    }

    private static string FullPath(string outputDirectory)
    {
        string target = Path.GetFullPath(outputDirectory);
        return target.Length > 1 ? target.TrimEnd(Path.DirectorySeparatorChar) : target;
    }

    /// <summary>
    /// Writes manifest.json through <paramref name="writeManifest"/> (given every file written so far, sorted),
    /// signs it when <paramref name="signer"/> is given, and swaps the bundle in. Throws
    /// <see cref="BundleException"/> when a write failed earlier or fails now; the previous bundle then stays.
    /// </summary>
    internal void Commit(Action<Stream, IReadOnlyList<OutputFile>> writeManifest, ManifestSigner? signer = null)
    {
        ArgumentNullException.ThrowIfNull(writeManifest);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_committed) throw new InvalidOperationException("The bundle was committed already.");
        var failures = Staging.Failures;
        if (failures.Count > 0)
            throw new BundleException($"Writing the bundle failed at {failures[0]}{(failures.Count > 1 ? $" (and {failures.Count - 1} more)" : "")}; the previous bundle at '{Target}' is left as it was.");
        try
        {
            var files = Staging.Files;
            using (var manifest = Staging.Create(ManifestWriter.FileName))
                writeManifest(manifest, files);
            if (signer is not null)
            {
                byte[] bytes = File.ReadAllBytes(Staging.Resolve(ManifestWriter.FileName));
                using var signature = Staging.Create(SignatureFileName);
                signature.Write(signer.Sign(bytes));
            }
            BundleSwap.Swap(Parent, Name, StagingDirectory);
            _committed = true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BundleException($"Writing the bundle failed: {ex.Message}; the previous bundle at '{Target}' is left as it was.", ex);
        }
    }

    /// <summary>Without a commit: removes the staging directory. Always releases the lock.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            if (!_committed && Directory.Exists(StagingDirectory)) Directory.Delete(StagingDirectory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The next run on this output removes stale staging directories (BundleSwap.Recover).
        }
        finally
        {
            _lock.Dispose();
        }
    }
}

/// <summary>Which directories are mount points (/proc/self/mountinfo on Linux; elsewhere none are known).</summary>
internal static class MountPoints
{
    public static bool IsMountPoint(string directory)
    {
        const string mountInfo = "/proc/self/mountinfo";
        if (!OperatingSystem.IsLinux() || !File.Exists(mountInfo)) return false;
        string full = Path.GetFullPath(directory).TrimEnd('/');
        if (full.Length == 0) return true;
        try
        {
            foreach (string line in File.ReadLines(mountInfo))
            {
                // "36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw": field 5 is the mount point.
                string[] fields = line.Split(' ');
                if (fields.Length > 4 && Unescape(fields[4]) == full) return true;
            }
        }
        catch (IOException)
        {
            return false;
        }
        return false;
    }

    /// <summary>mountinfo escapes space, tab, newline and backslash as \ooo (octal).</summary>
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal)) return field;
        var bytes = new List<byte>(field.Length);
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && field.Length - i >= 4 && field[(i + 1)..(i + 4)].All(c => c is >= '0' and <= '7'))
            {
                bytes.Add((byte)Convert.ToInt32(field[(i + 1)..(i + 4)], 8));
                i += 3;
            }
            else
            {
                bytes.AddRange(System.Text.Encoding.UTF8.GetBytes(field[i].ToString()));
            }
        }
        return System.Text.Encoding.UTF8.GetString(bytes.ToArray());
    }
}
