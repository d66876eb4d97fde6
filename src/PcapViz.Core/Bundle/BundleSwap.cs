namespace PcapViz.Bundle;

/// <summary>
/// Replaces the bundle directory by the finished staging directory with two renames, and repairs the one
/// window between them if a run was killed there: then the target is missing and the previous bundle is still
/// under its ".previous" name, and the next run puts it back before doing anything else.
/// </summary>
internal static class BundleSwap
{
    private static string Previous(string parent, string name) => Path.Combine(parent, $".{name}.previous");

    public static void Recover(string parent, string name)
    {
        string target = Path.Combine(parent, name);
        string previous = Previous(parent, name);
        if (!Directory.Exists(target) && Directory.Exists(previous))
            Directory.Move(previous, target);
        else if (Directory.Exists(previous))
            Directory.Delete(previous, recursive: true);
        foreach (string stale in Directory.GetDirectories(parent, $".{name}.staging-*"))
        {
            try { Directory.Delete(stale, recursive: true); }
            catch (IOException) { }
        }
        // Spill directories (CaptureSpill) of runs that are gone. A merge spills before it takes the lock, so a live
        // one's is left alone: its process still exists.
        if (!Directory.Exists("/proc/self")) return;
        foreach (string spill in Directory.GetDirectories(parent, $".{name}.spill-*"))
        {
            string pid = spill[(spill.LastIndexOf('-') + 1)..];
            if (pid.Length == 0 || !pid.All(char.IsAsciiDigit) || Directory.Exists("/proc/" + pid)) continue;
            try { Directory.Delete(spill, recursive: true); }
            catch (IOException) { }
        }
    }

    public static void Swap(string parent, string name, string staging)
    {
        string target = Path.Combine(parent, name);
        string previous = Previous(parent, name);
        if (Directory.Exists(target))
        {
            Directory.Move(target, previous);
            Directory.Move(staging, target);
            Directory.Delete(previous, recursive: true);
        }
        else
        {
            Directory.Move(staging, target);
        }
    }
}

/// <summary>An exclusive lock on a bundle (".&lt;name&gt;.lock" beside it), held for the whole run.</summary>
internal sealed class BundleLock : IDisposable
{
    private readonly FileStream _stream;

    private BundleLock(FileStream stream) => _stream = stream;

    public static BundleLock? TryAcquire(string parent, string name, out string? error)
    {
        string path = Path.Combine(parent, $".{name}.lock");
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            error = null;
            return new BundleLock(stream);
        }
        catch (IOException ex)
        {
            // A held lock and a file system that refuses writes both surface as IOException: tell them apart by
            // whether anything can be created beside the bundle at all.
            string? unwritable = Unwritable(parent);
            error = unwritable is not null
                ? $"Cannot write the output beside '{Path.Combine(parent, name)}': {unwritable} (is the file system read-only or full?)"
                : File.Exists(path)
                    ? $"Another pcapviz run is writing '{Path.Combine(parent, name)}' (lock file '{path}' is held). Wait for it to finish, or choose another output directory."
                    : $"Cannot create the lock file '{path}': {ex.Message}";
            return null;
        }
        catch (UnauthorizedAccessException ex)
        {
            error = $"Cannot write the output beside '{Path.Combine(parent, name)}': the lock file '{path}' cannot be created ({ex.Message}). The directory is not writable.";
            return null;
        }
    }

    private static string? Unwritable(string parent)
    {
        string probe = Path.Combine(parent, $".pcapviz-write-test-{Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        try
        {
            using (new FileStream(probe, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ex.Message;
        }
    }

    public void Dispose() => _stream.Dispose();
}
