using System.Globalization;
using PcapViz.Export;
using PcapViz.Bundle;
using PcapViz.Discovery;
using PcapViz.Orchestration;

namespace PcapViz.ScaleOut;

/// <summary>
/// Writes a bundle the way a report run does: the lock beside it held throughout, an interrupted earlier swap
/// repaired, a non-bundle directory refused, everything written into a staging directory and swapped in whole.
/// </summary>
internal static class BundleWrite
{
    /// <returns>Null when the bundle was written; otherwise why nothing was written.</returns>
    public static string? Run(string target, Action<DirectorySink> fill, CancellationToken cancellationToken)
    {
        string parent = Path.GetDirectoryName(target) ?? throw new InvalidOperationException("The output directory has no parent.");
        string name = Path.GetFileName(target);
        Directory.CreateDirectory(parent);
        using var bundleLock = BundleLock.TryAcquire(parent, name, out string? lockError);
        if (bundleLock is null) return lockError;
        BundleSwap.Recover(parent, name);
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any() &&
            !File.Exists(Path.Combine(target, ManifestWriter.FileName)))
            return $"The output directory '{target}' exists, is not empty and holds no manifest.json: it is not a PcapViz bundle, so it is not replaced. Choose another directory or empty it.";
        string staging = Path.Combine(parent, $".{name}.staging-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}");
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        try
        {
            fill(new DirectorySink(staging));
            cancellationToken.ThrowIfCancellationRequested();
            BundleSwap.Swap(parent, name, staging);
        }
        catch
        {
            try { Directory.Delete(staging, recursive: true); }
            catch (IOException) { }
            throw;
        }
        return null;
    }
}
