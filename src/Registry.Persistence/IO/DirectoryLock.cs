using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Registry.Persistence.IO;

/// <summary>An exclusive, process-wide advisory lock on a data or log directory, held until disposed.</summary>
/// <remarks>
/// The lock is a <c>flock</c> on a <c>LOCK</c> file inside the directory. The kernel drops it when the
/// process dies, so a crash never leaves a stale lock behind.
/// </remarks>
public sealed class DirectoryLock : IDisposable
{
    /// <summary>The name of the lock file inside the locked directory.</summary>
    public const string FileName = "LOCK";

    private readonly SafeFileHandle _handle;

    private DirectoryLock(SafeFileHandle handle, string path)
    {
        _handle = handle;
        Path = path;
    }

    /// <summary>The lock file's path.</summary>
    public string Path { get; }

    /// <summary>Takes the lock on <paramref name="directory"/>, creating the directory if needed; throws <see cref="DirectoryLockedException"/> when another holder has it.</summary>
    public static DirectoryLock Acquire(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = System.IO.Path.Combine(directory, FileName);
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (IOException ex) when (ex.GetType() == typeof(IOException))
        {
            // The runtime takes its own shared flock on open and reports a conflict as a plain IOException.
            throw new DirectoryLockedException($"directory is locked by another process: {ex.Message}", path);
        }

        if (!OperatingSystem.IsWindows())
        {
            var added = false;
            handle.DangerousAddRef(ref added);
            int rc;
            int errno = 0;
            try
            {
                rc = NativeMethods.flock(handle.DangerousGetHandle(), NativeMethods.LOCK_EX | NativeMethods.LOCK_NB);
                if (rc != 0)
                {
                    errno = Marshal.GetLastPInvokeError();
                }
            }
            finally
            {
                if (added)
                {
                    handle.DangerousRelease();
                }
            }

            if (rc != 0)
            {
                handle.Dispose();
                throw new DirectoryLockedException(
                    $"directory is locked by another process: {Marshal.GetPInvokeErrorMessage(errno)}", path);
            }
        }

        return new DirectoryLock(handle, path);
    }

    /// <summary>Releases the lock.</summary>
    public void Dispose() => _handle.Dispose();
}
