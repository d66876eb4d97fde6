using System.Diagnostics.CodeAnalysis;
using Xunit;

namespace PcapViz.TestSupport;

/// <summary>
/// Where the repository and the shared data beside it are, and the one rule for tests that need something the
/// machine may lack: skip with a visible message, except under CI=true, where the thing is required and its
/// absence fails the test (.ci/run installs every such tool).
/// </summary>
public static class TestEnvironment
{
    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>The repository root: the nearest parent of the test binary that holds PcapViz.sln
    /// (CallerFilePath is mapped to /_/ in CI builds, so it cannot be used).</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>True when the environment variable CI is "true" (as .ci/run sets it).</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>A directory of ../shared beside the checkout (for example "corpus"), or null when it is absent.</summary>
    public static string? SharedDirectory(string name)
    {
        string path = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", name));
        return Directory.Exists(path) ? path : null;
    }

    /// <summary>
    /// Ends the test when <paramref name="available"/> is false: a failure under CI=true, a visible skip elsewhere.
    /// <paramref name="what"/> says what is missing and how to get it.
    /// </summary>
    public static void Require([DoesNotReturnIf(false)] bool available, string what)
    {
        if (available) return;
        if (IsCi) Assert.Fail($"{what} CI=true: this test must not be skipped.");
        Assert.Skip($"{what} Test skipped.");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PcapViz.sln"))) return dir.FullName;
        throw new InvalidOperationException($"PcapViz.sln not found above {AppContext.BaseDirectory}.");
    }
}

/// <summary>
/// A fresh directory under the system temp path, deleted (best effort) on dispose; files and folders a test
/// made read-only are made writable first, so they do not outlive the test.
/// </summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "pcapviz-test-")
    {
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
    }

    public string Path { get; }

    /// <summary>The full path of a file or directory inside this one ('/' separated).</summary>
    public string File(string relative) => System.IO.Path.Combine(Path, relative.Replace('/', System.IO.Path.DirectorySeparatorChar));

    /// <summary>Writes <paramref name="content"/> to a file inside this one (creating its folders); returns its path.</summary>
    public string File(string relative, byte[] content)
    {
        string full = File(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        System.IO.File.WriteAllBytes(full, content);
        return full;
    }

    public void Dispose()
    {
        try
        {
            if (!OperatingSystem.IsWindows()) MakeWritable(Path);
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void MakeWritable(string root)
    {
        var all = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };
        System.IO.File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (string entry in Directory.EnumerateFileSystemEntries(root, "*", all))
        {
            if (Directory.Exists(entry)) System.IO.File.SetUnixFileMode(entry, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            else if (System.IO.File.Exists(entry) && new FileInfo(entry).LinkTarget is null) System.IO.File.SetUnixFileMode(entry, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
