using System.Runtime.InteropServices;

namespace Registry.Persistence.IO;

/// <summary>The few libc calls the BCL does not expose with honest error reporting.</summary>
/// <remarks>
/// <c>RandomAccess.FlushToDisk</c> and <c>FileStream.Flush(true)</c> were observed to return normally
/// when fsync fails with EIO (strace fault injection), so durability-critical syncs go through libc
/// directly and check the result. A directory cannot be opened with <c>File.OpenHandle</c> on Linux,
/// hence <see cref="open"/> for directory fsync.
/// </remarks>
internal static partial class NativeMethods
{
    internal const int O_RDONLY = 0;
    internal const int O_DIRECTORY = 0x10000;
    internal const int O_CLOEXEC = 0x80000;
    internal const int LOCK_EX = 2;
    internal const int LOCK_NB = 4;
    internal const int EINTR = 4;

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int fsync(nint fd);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int fdatasync(nint fd);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int close(nint fd);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int flock(nint fd, int operation);
}
