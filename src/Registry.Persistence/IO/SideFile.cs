namespace Registry.Persistence.IO;

/// <summary>Moves damaged bytes out of a file into a side file beside it, so nothing is destroyed by a repair.</summary>
public static class SideFile
{
    /// <summary>
    /// Copies bytes [<paramref name="from"/>, end) of <paramref name="path"/> into <c>PATH.REASON-FROM</c>, makes the
    /// copy durable, then cuts (or deletes) the original. Returns the side file's path, or null when nothing was cut.
    /// </summary>
    public static string? CutTail(string path, long from, string reason, bool deleteFile = false) =>
        CutTail(OsStorage.Instance, path, from, reason, deleteFile, out _);

    /// <summary>As <see cref="CutTail(string, long, string, bool)"/>, through a storage seam; reports the bytes cut.</summary>
    internal static string? CutTail(IStorage storage, string path, long from, string reason, bool deleteFile, out long bytesCut)
    {
        string? side = null;
        using (var source = storage.Open(path, writable: false))
        {
            bytesCut = Math.Max(0, source.Length - from);
            if (bytesCut > 0)
            {
                side = UniqueName($"{path}.{reason}-{from}");
                using var target = storage.Create(side);
                var buffer = new byte[(int)Math.Min(bytesCut, 1 << 20)];
                for (long done = 0; done < bytesCut;)
                {
                    var n = source.Read(buffer.AsSpan(0, (int)Math.Min(buffer.Length, bytesCut - done)), from + done);
                    if (n == 0)
                    {
                        break;
                    }

                    target.Write(buffer.AsSpan(0, n), done);
                    done += n;
                }

                target.Sync();
            }
        }

        // The side file must be durable before the original loses the bytes.
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        storage.SyncDirectory(directory);
        if (deleteFile)
        {
            storage.Delete(path);
            storage.SyncDirectory(directory);
        }
        else if (bytesCut > 0)
        {
            using var writer = storage.Open(path, writable: true);
            writer.SetLength(from);
            writer.Sync();
        }

        return side;
    }

    private static string UniqueName(string path)
    {
        var candidate = path;
        for (var n = 1; File.Exists(candidate); n++)
        {
            candidate = $"{path}.{n}";
        }

        return candidate;
    }
}
