using System.CommandLine;
using Registry.Persistence.Wal;

namespace Registry.Cli.Wal;

/// <summary><c>registry wal convert LEGACY_FILE OUT</c>: rewrites a Go-format log as a new-format log directory.</summary>
internal static class WalConvertCommand
{
    public static Command Create(CliContext context)
    {
        var source = new Argument<string>("LEGACY_FILE") { Description = "A log in the Go format." };
        var target = new Argument<string>("OUT") { Description = "A new or empty directory for the converted log." };
        var command = new Command("convert", "Convert a Go-format log into the new format, numbering entries in file order from 1. Exit 0 converted intact, 1 the source was damaged (what was readable is converted), 2 usage or I/O error.") { source, target };
        command.SetAction((parse, ct) => RunAsync(context, parse.GetValue(source)!, parse.GetValue(target)!, ct));
        return command;
    }

    public static async Task<int> RunAsync(CliContext context, string source, string target, CancellationToken cancellationToken)
    {
        if (!File.Exists(source) || WalReader.IsSegmentFile(source))
        {
            context.Err.WriteLine($"registry wal convert: {source} is not a Go-format log file");
            return ExitCodes.UsageOrIo;
        }

        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
        {
            context.Err.WriteLine($"registry wal convert: {target} is not empty");
            return ExitCodes.UsageOrIo;
        }

        try
        {
            WalReadResult result;
            using (var wal = WriteAheadLog.Open(new WalOptions { Directory = target, Durability = WalDurability.None }))
            using (var progress = new ProgressReporter(context, "converted", enabled: true))
            {
                var pending = new List<Task>();
                long count = 0;
                result = LegacyLog.Read(source, (in WalRecord record) =>
                {
                    // Appends are queued without waiting for each; the flusher batches them.
                    pending.Add(wal.AppendAsync(record.Entry, cancellationToken).AsTask());
                    progress.Report(++count, record.Offset);
                    if (pending.Count >= 8192)
                    {
                        Task.WhenAll(pending).GetAwaiter().GetResult();
                        pending.Clear();
                    }
                }, cancellationToken);
                await Task.WhenAll(pending).ConfigureAwait(false);
                await wal.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            foreach (var problem in result.Problems)
            {
                context.Err.WriteLine($"{JsonLine.KindName(problem.Kind)} at {source} offset {problem.Offset}: {problem.Message}");
            }

            context.Out.WriteLine($"converted {result.Entries} entries from {source} to {target} (sequences 1..{result.Entries})");
            return result.Intact ? ExitCodes.Ok : ExitCodes.Damaged;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Err.WriteLine($"registry wal convert: {ex.Message}");
            return ExitCodes.UsageOrIo;
        }
    }
}
