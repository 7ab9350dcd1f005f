using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Registry.Persistence.Snapshots.Storage;

/// <summary>
/// Asks Linux to start writing a range of a file to disk now (<c>sync_file_range(SYNC_FILE_RANGE_WRITE)</c>), so the
/// disk works while the encoder produces the rest and the final fdatasync has little left to do.
/// </summary>
/// <remarks>
/// A hint only: it guarantees nothing and its result is ignored. Durability and error reporting remain the job of
/// <see cref="IO.Durability.SyncData"/>, which reports any write-back error the kernel saw.
/// </remarks>
internal static partial class WritebackHint
{
    private const uint SyncFileRangeWrite = 2;

    public static void Start(SafeFileHandle handle, long offset, long length)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            _ = sync_file_range((int)handle.DangerousGetHandle(), offset, length, SyncFileRangeWrite);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sync_file_range(int fd, long offset, long nbytes, uint flags);
}
