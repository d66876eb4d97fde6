using System.Runtime.InteropServices;
using System.Text;
using PcapViz.Bundle;

namespace PcapViz.Cli;

/// <summary>
/// What can be known about an output before anything is read, so it is reported together with the option errors:
/// its kind (never `/`, a mount point, a symbolic link or a file: <see cref="BundleTransaction.CheckTarget"/>), a
/// parent that cannot be made (a file on its path), and a place that cannot be written (read-only file system, no
/// permission). Nothing is created or changed here; the run checks again when it takes the lock.
/// </summary>
internal static class OutputPreflight
{
    private const int WriteOk = 2;
    private const int ExecuteOk = 1;

    [DllImport("libc", EntryPoint = "access", SetLastError = true)]
    private static extern int Access(byte[] path, int mode);

    /// <summary>Null when <paramref name="output"/> may be written as far as can be told now; else one line saying why not.</summary>
    public static string? Check(string output)
    {
        if (BundleTransaction.CheckTarget(output) is { } kind) return kind;
        string target = Path.GetFullPath(output).TrimEnd(Path.DirectorySeparatorChar);
        string parent = Path.GetDirectoryName(target)!;
        // The nearest part of the parent's path that exists: the bundle's staging directory and lock are made beside
        // the target, so that is where writing must be allowed (missing directories below it are created).
        string existing = parent;
        while (!Path.Exists(existing) && Path.GetDirectoryName(existing) is { } up) existing = up;
        if (File.Exists(existing))
            return $"Cannot create the directory '{parent}' for the output: '{existing}' is a file, not a directory.";
        if (!OperatingSystem.IsLinux()) return null;
        if (Access(Encoding.UTF8.GetBytes(existing + "\0"), WriteOk | ExecuteOk) != 0)
        {
            string why = Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
            return existing == parent
                ? $"The output '{target}' cannot be written: its directory '{parent}' is not writable ({why})."
                : $"The output '{target}' cannot be written: '{existing}', where its directory '{parent}' would be created, is not writable ({why}).";
        }
        return null;
    }
}
