using Registry.Persistence.IO;
using Registry.Persistence.Wal;
using Registry.Persistence.Wal.Legacy;

namespace Registry.Cli.Wal;

/// <summary>The tools' view of a Go-format log: reading through the library's reader, and repairing its tail.</summary>
internal static class LegacyLog
{
    /// <summary>The format name tools print for Go-format logs.</summary>
    public const string FormatName = "legacy";

    /// <summary>Reads a Go-format file, delivering entries as <see cref="WalRecord"/>s.</summary>
    public static WalReadResult Read(string path, WalRecordHandler? onRecord, CancellationToken cancellationToken)
    {
        var result = LegacyWalReader.Read(path, record =>
        {
            var walRecord = new WalRecord(path, record.Offset, record.Length, record.Entry);
            onRecord?.Invoke(in walRecord);
        }, cancellationToken);

        return new WalReadResult
        {
            Format = FormatName,
            Entries = result.Count,
            FileBytes = result.FileBytes,
            ValidBytes = result.ValidBytes,
            TornTail = result.TornTail,
            Problems = result.Problems.Select(p => p with { FilePath = p.FilePath ?? path }).ToList(),
        };
    }

    /// <summary>Cuts a torn tail of a Go-format file; refuses an oversize record unless <paramref name="recoverPrefix"/>.</summary>
    /// <remarks>Skipped records are left in place: the Go reader skips them too, and they do not hide later entries.</remarks>
    public static int Repair(CliContext context, string path, bool recoverPrefix)
    {
        var result = LegacyWalReader.Read(path, _ => { });
        var stopped = result.Problems.FirstOrDefault(p => p.Kind is WalProblemKind.Oversize or WalProblemKind.Corruption);
        if (stopped is not null && !recoverPrefix)
        {
            context.Err.WriteLine($"registry wal repair: refused: {stopped.Message} at offset {stopped.Offset}; entries after it cannot be read. Re-run with --recover-prefix to keep the {result.Count} entries before it.");
            return ExitCodes.Damaged;
        }

        if (result.ValidBytes == result.FileBytes)
        {
            context.Out.WriteLine($"{path}: {FormatName}, {result.Count} entries, nothing to cut");
            return ExitCodes.Ok;
        }

        var side = SideFile.CutTail(path, result.ValidBytes, stopped is null ? "torn" : "corrupt");
        context.Out.WriteLine($"{path}: cut {result.FileBytes - result.ValidBytes} bytes at offset {result.ValidBytes}; {result.Count} entries remain");
        context.Out.WriteLine($"cut bytes kept in {side}");
        return ExitCodes.Ok;
    }
}
