using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using Registry.Persistence.IO;

namespace Registry.Server.Replication;

/// <summary>The identity of a data directory (<c>server-id</c>): a random name a standby sends its primary, so that it counts once however often it reconnects.</summary>
/// <remarks>
/// Created at the first start on a directory and kept for its life. A copied directory keeps it, so two servers
/// started on copies of one directory count as one standby (the safe direction for a primary's quorum); a backup
/// (<c>registry backup</c>) and a directory from before this file get a new one.
/// </remarks>
public static class ServerIdentity
{
    /// <summary>The file name in the data directory.</summary>
    public const string FileName = "server-id";

    /// <summary>Reads the directory's identity, creating it durably first when it has none (or an unreadable one).</summary>
    /// <exception cref="IOException">The file could not be written or synced.</exception>
    public static string LoadOrCreate(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: 32 } existing && existing.All(char.IsAsciiHexDigitLower))
        {
            return existing;
        }

        var identity = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var temporary = path + ".tmp";
        using (SafeFileHandle handle = File.OpenHandle(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            RandomAccess.Write(handle, System.Text.Encoding.ASCII.GetBytes(identity + "\n"), 0);
            Durability.SyncAll(handle, temporary);
        }

        File.Move(temporary, path, overwrite: true);
        Durability.SyncDirectory(directory);
        return identity;
    }
}
