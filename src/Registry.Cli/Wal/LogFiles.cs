using Registry.Persistence.Wal;

namespace Registry.Cli.Wal;

/// <summary>Reads a log of either format for the tools: a Go-format file, a new-format segment, or a log directory.</summary>
internal static class LogFiles
{
    /// <summary>Reads <paramref name="path"/>, delivering every readable record in order.</summary>
    public static WalReadResult Read(string path, WalRecordHandler? onRecord, CancellationToken cancellationToken)
    {
        if (File.Exists(path) && !WalReader.IsSegmentFile(path))
        {
            return LegacyLog.Read(path, onRecord, cancellationToken);
        }

        return WalReader.Read(path, onRecord, cancellationToken: cancellationToken);
    }
}
