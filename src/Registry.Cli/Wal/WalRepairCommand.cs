using System.CommandLine;
using Registry.Persistence.IO;
using Registry.Persistence.Wal;

namespace Registry.Cli.Wal;

/// <summary><c>registry wal repair PATH [--recover-prefix]</c>: cuts a torn tail, keeping the cut bytes in a side file.</summary>
internal static class WalRepairCommand
{
    public static Command Create(CliContext context)
    {
        var path = new Argument<string>("PATH") { Description = "A log file (Go or new format) or a log directory." };
        var recover = new Option<bool>("--recover-prefix") { Description = "Also repair corruption inside the log by keeping only the valid prefix (the rest is kept in side files)." };
        var command = new Command("repair", "Cut a torn tail (bytes kept beside the file). Refuses corruption inside the log unless --recover-prefix. Exit 0 repaired or intact, 1 refused, 2 usage or I/O error.") { path, recover };
        command.SetAction((parse, ct) => Task.FromResult(Run(context, parse.GetValue(path)!, parse.GetValue(recover))));
        return command;
    }

    public static int Run(CliContext context, string path, bool recoverPrefix)
    {
        try
        {
            if (File.Exists(path) && !WalReader.IsSegmentFile(path))
            {
                return LegacyLog.Repair(context, path, recoverPrefix);
            }

            var directory = Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path))!;
            if (WalReader.Read(directory, onRecord: null).FileBytes == 0)
            {
                context.Err.WriteLine($"registry wal repair: no log segments in {directory}");
                return ExitCodes.UsageOrIo;
            }

            using var wal = WriteAheadLog.Open(new WalOptions { Directory = directory, RecoverPrefix = recoverPrefix });
            var report = wal.Recovery;
            foreach (var problem in report.Problems)
            {
                context.Out.WriteLine($"repaired {JsonLine.KindName(problem.Kind)} at {problem.FilePath} offset {problem.Offset}: {problem.Message}");
            }

            foreach (var side in report.SideFiles)
            {
                context.Out.WriteLine($"cut bytes kept in {side}");
            }

            context.Out.WriteLine(report.BytesCut == 0 && report.Problems.Count == 0
                ? $"{directory}: intact, {report.Records} entries, nothing to repair"
                : $"{directory}: cut {report.BytesCut} bytes; {report.Records} entries remain (sequences {report.FirstSequence}..{report.LastSequence})");
            return ExitCodes.Ok;
        }
        catch (WalCorruptionException ex)
        {
            context.Err.WriteLine($"registry wal repair: refused: {ex.Message}. Re-run with --recover-prefix to keep the {ex.ExpectedSequence - 1} entries before it.");
            return ExitCodes.Damaged;
        }
        catch (DirectoryLockedException ex)
        {
            context.Err.WriteLine($"registry wal repair: {ex.Message}; stop the registry first");
            return ExitCodes.UsageOrIo;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Err.WriteLine($"registry wal repair: {ex.Message}");
            return ExitCodes.UsageOrIo;
        }
    }
}
