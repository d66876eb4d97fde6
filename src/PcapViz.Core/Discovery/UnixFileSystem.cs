using System.Runtime.InteropServices;
using System.Text;

namespace PcapViz.Discovery;

/// <summary>What a directory entry is, without opening it (opening a FIFO blocks, reading a device never ends).</summary>
internal enum FileKind { Missing, Regular, Directory, SymbolicLink, Fifo, CharacterDevice, BlockDevice, Socket, Other }

/// <summary>Words for a <see cref="FileKind"/> in messages ("it holds a FIFO ...").</summary>
internal static class FileKinds
{
    public static string Describe(this FileKind kind) => kind switch
    {
        FileKind.Regular => "a file",
        FileKind.Directory => "a directory",
        FileKind.SymbolicLink => "a symbolic link",
        FileKind.Fifo => "a FIFO",
        FileKind.Socket => "a socket",
        FileKind.CharacterDevice or FileKind.BlockDevice => "a device",
        FileKind.Missing => "nothing (missing)",
        _ => "a special file",
    };
}

/// <summary>A directory entry as the kernel names it: raw bytes (not necessarily UTF-8) and, when valid, the text.</summary>
internal readonly record struct RawEntry(byte[] NameBytes, string? Name);

/// <summary>
/// The few file-system questions .NET cannot answer on Linux: the type of an entry (FileInfo calls a FIFO or a
/// device a file), and the raw bytes of directory entry names (.NET decodes them with replacement characters, so
/// a name that is not UTF-8 and a decoy holding U+FFFD look the same and the real one cannot be opened).
/// Uses statx(2) and readdir(3) from libc, whose layouts are the same on every 64-bit Linux.
/// </summary>
internal static class UnixFileSystem
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const uint StatxSize = 0x200;

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, byte[] path, int flags, uint mask, byte[] buffer);

    [DllImport("libc", EntryPoint = "opendir", SetLastError = true)]
    private static extern IntPtr OpenDir(byte[] path);

    [DllImport("libc", EntryPoint = "readdir", SetLastError = true)]
    private static extern IntPtr ReadDir(IntPtr dir);

    [DllImport("libc", EntryPoint = "closedir")]
    private static extern int CloseDir(IntPtr dir);

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static bool Native => OperatingSystem.IsLinux() && IntPtr.Size == 8;

    private static byte[] PathBytes(string path) => Encoding.UTF8.GetBytes(path + "\0");

    /// <summary>The kind of <paramref name="path"/> and its size, following a final symbolic link or not.</summary>
    public static (FileKind Kind, long Size) Stat(string path, bool followLinks) => Stat(PathBytes(path), followLinks, path);

    private static (FileKind Kind, long Size) Stat(byte[] pathBytes, bool followLinks, string path)
    {
        if (!Native) return Fallback(path, followLinks);
        var buffer = new byte[256];
        int rc;
        try
        {
            rc = Statx(AtFdCwd, pathBytes, followLinks ? 0 : AtSymlinkNoFollow, StatxType | StatxSize, buffer);
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return Fallback(path, followLinks);
        }
        if (rc != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            // ENOSYS / EPERM: statx is not offered (an old kernel or a seccomp filter); ask .NET instead.
            return errno is 38 or 1 ? Fallback(path, followLinks) : (FileKind.Missing, 0);
        }
        int mode = BitConverter.ToUInt16(buffer, 28);
        long size = BitConverter.ToInt64(buffer, 40);
        var kind = (mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.SymbolicLink,
            0x1000 => FileKind.Fifo,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0xC000 => FileKind.Socket,
            _ => FileKind.Other,
        };
        return (kind, size);
    }

    private static (FileKind, long) Fallback(string path, bool followLinks)
    {
        var info = new FileInfo(path);
        if (!info.Exists) return Directory.Exists(path) ? (FileKind.Directory, 0) : (FileKind.Missing, 0);
        if (!followLinks && info.LinkTarget is not null) return (FileKind.SymbolicLink, 0);
        return (FileKind.Regular, followLinks && info.LinkTarget is not null && info.ResolveLinkTarget(true) is FileInfo t ? t.Length : info.Length);
    }

    /// <summary>The entries of a directory (without "." and ".."), names as raw bytes and as text when valid UTF-8.</summary>
    public static List<RawEntry> ReadDirectory(string directory)
    {
        var entries = new List<RawEntry>();
        if (!Native) return DotNetEntries(directory);
        IntPtr dir;
        try
        {
            dir = OpenDir(PathBytes(directory));
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return DotNetEntries(directory);
        }
        if (dir == IntPtr.Zero)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw errno == 13
                ? new UnauthorizedAccessException($"Access to the path '{directory}' is denied.")
                : new IOException($"The directory '{directory}' cannot be read (errno {errno}).");
        }
        try
        {
            var name = new List<byte>(64);
            while (true)
            {
                IntPtr entry = ReadDir(dir);
                if (entry == IntPtr.Zero) break;
                // struct dirent (glibc, 64-bit): d_ino 8, d_off 8, d_reclen 2, d_type 1, then d_name, NUL-terminated.
                name.Clear();
                for (int offset = 19; ; offset++)
                {
                    byte b = Marshal.ReadByte(entry, offset);
                    if (b == 0) break;
                    name.Add(b);
                }
                var bytes = name.ToArray();
                if (bytes is [(byte)'.'] or [(byte)'.', (byte)'.']) continue;
                string? text;
                try { text = StrictUtf8.GetString(bytes); }
                catch (DecoderFallbackException) { text = null; }
                entries.Add(new RawEntry(bytes, text));
            }
        }
        finally
        {
            _ = CloseDir(dir);
        }
        return entries;
    }

    private static List<RawEntry> DotNetEntries(string directory) =>
        Directory.EnumerateFileSystemEntries(directory)
            .Select(p => Path.GetFileName(p))
            .Select(n => new RawEntry(Encoding.UTF8.GetBytes(n), n))
            .ToList();

    /// <summary>A name that is not UTF-8, shown with each byte that does not decode as \xNN.</summary>
    public static string Printable(byte[] name)
    {
        var sb = new StringBuilder(name.Length + 8);
        var decoder = new UTF8Encoding(false, true);
        int i = 0;
        while (i < name.Length)
        {
            int length = name[i] < 0x80 ? 1 : name[i] >= 0xF0 ? 4 : name[i] >= 0xE0 ? 3 : name[i] >= 0xC0 ? 2 : 0;
            if (length > 0 && i + length <= name.Length)
            {
                try
                {
                    sb.Append(decoder.GetString(name, i, length));
                    i += length;
                    continue;
                }
                catch (DecoderFallbackException) { }
            }
            sb.Append("\\x").Append(name[i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            i++;
        }
        return sb.ToString();
    }

    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Socket => "a socket",
        FileKind.Directory => "a directory",
        FileKind.SymbolicLink => "a symbolic link",
        FileKind.Missing => "missing",
        _ => "not a regular file",
    };
}
