using System.Runtime.InteropServices;
using System.Text;
using PcapViz.Discovery;
using PcapViz.Export;
using PcapViz.Model;
using PcapViz.Orchestration;

namespace PcapViz.Bundle;

/// <summary>What a bundle entry is, judged without opening it.</summary>
public enum EntryKind { Missing, Regular, Directory, SymbolicLink, Special }

/// <summary>
/// The type of a file-system entry without following a final symbolic link and without opening it: .NET's
/// FileInfo calls a FIFO or a device a file, and opening a FIFO blocks until a writer comes. statx(2) on 64-bit
/// Linux (stx_mode at byte 28, stx_size at 40); elsewhere .NET's own, less precise, answer.
/// </summary>
public static class EntryKinds
{
    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, byte[] path, int flags, uint mask, byte[] buffer);

    public static (EntryKind Kind, long Size) Of(string path)
    {
        if (OperatingSystem.IsLinux() && IntPtr.Size == 8)
        {
            var buffer = new byte[256];
            try
            {
                // AT_FDCWD, AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_SIZE
                if (Statx(-100, Encoding.UTF8.GetBytes(path + "\0"), 0x100, 0x1 | 0x200, buffer) != 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno is not (38 or 1)) return (EntryKind.Missing, 0); // ENOSYS / EPERM: ask .NET below
                }
                else
                {
                    int mode = BitConverter.ToUInt16(buffer, 28) & 0xF000;
                    long size = BitConverter.ToInt64(buffer, 40);
                    return (mode switch
                    {
                        0x8000 => EntryKind.Regular,
                        0x4000 => EntryKind.Directory,
                        0xA000 => EntryKind.SymbolicLink,
                        _ => EntryKind.Special,
                    }, size);
                }
            }
            catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
            {
                // fall through to .NET
            }
        }
        var info = new FileInfo(path);
        if (info.LinkTarget is not null) return (EntryKind.SymbolicLink, 0);
        if (info.Exists) return (EntryKind.Regular, info.Length);
        var dir = new DirectoryInfo(path);
        if (dir.Exists) return (dir.LinkTarget is not null ? EntryKind.SymbolicLink : EntryKind.Directory, 0);
        return (EntryKind.Missing, 0);
    }
}
