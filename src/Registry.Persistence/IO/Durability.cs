using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Registry.Persistence.IO;

/// <summary>Flushes files and directories to stable storage and reports every failure.</summary>
public static class Durability
{
    /// <summary>Flushes the file's data (and the metadata needed to read it back) to disk; throws when the kernel reports an error.</summary>
    public static void SyncData(SafeFileHandle handle, string path) => Sync(handle, path, datasync: true);

    /// <summary>Flushes the file's data and all its metadata to disk (fsync); throws when the kernel reports an error.</summary>
    /// <remarks>What Go's <c>File.Sync</c> does; the log itself needs only <see cref="SyncData"/>.</remarks>
    public static void SyncAll(SafeFileHandle handle, string path) => Sync(handle, path, datasync: false);

    /// <summary>Flushes a directory's entries (a rename or a new file in it) to disk; throws on failure.</summary>
    public static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fd = NativeMethods.open(directory, NativeMethods.O_RDONLY | NativeMethods.O_DIRECTORY | NativeMethods.O_CLOEXEC);
        if (fd < 0)
        {
            ThrowSyncFailed("open directory", directory, Marshal.GetLastPInvokeError());
        }

        try
        {
            int rc;
            do
            {
                rc = NativeMethods.fsync(fd);
            }
            while (rc != 0 && Marshal.GetLastPInvokeError() == NativeMethods.EINTR);
            if (rc != 0)
            {
                ThrowSyncFailed("fsync directory", directory, Marshal.GetLastPInvokeError());
            }
        }
        finally
        {
            _ = NativeMethods.close(fd);
        }
    }

    private static void Sync(SafeFileHandle handle, string path, bool datasync)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (OperatingSystem.IsWindows())
        {
            RandomAccess.FlushToDisk(handle);
            return;
        }

        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            int rc;
            do
            {
                var fd = handle.DangerousGetHandle();
                rc = datasync ? NativeMethods.fdatasync(fd) : NativeMethods.fsync(fd);
            }
            while (rc != 0 && Marshal.GetLastPInvokeError() == NativeMethods.EINTR);
            if (rc != 0)
            {
                ThrowSyncFailed(datasync ? "fdatasync" : "fsync", path, Marshal.GetLastPInvokeError());
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private static void ThrowSyncFailed(string call, string path, int errno) =>
        throw new PersistenceException($"{call} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", path);
}
