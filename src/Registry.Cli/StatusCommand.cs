using System.CommandLine;
using Registry.Cli.Wal;
using Registry.Persistence.IO;
using Registry.Persistence.Wal;

namespace Registry.Cli;

/// <summary><c>registry status [--data DIR] [--json]</c>: opens a data directory the way the registry does and reports its state.</summary>
internal static class StatusCommand
{
    /// <summary>The data directory used when none is given.</summary>
    public const string DefaultDataDirectory = "./data";

    public static Command Create(CliContext context)
    {
        var data = new Option<string>("--data") { Description = "The data directory (created if missing).", DefaultValueFactory = _ => DefaultDataDirectory };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("status", "Open, lock and recover a data directory's log (cutting a torn tail), then report what is there. Exit 0 ok, 1 refused (corruption), 2 I/O error or locked.") { data, json };
        command.SetAction((parse, ct) => Task.FromResult(Run(context, parse.GetValue(data)!, parse.GetValue(json))));
        return command;
    }

    public static int Run(CliContext context, string dataDirectory, bool json)
    {
        try
        {
            using var dataLock = DirectoryLock.Acquire(dataDirectory);
            using var wal = WriteAheadLog.Open(new WalOptions { Directory = Path.Combine(dataDirectory, "wal") });
            var report = wal.Recovery;
            if (json)
            {
                context.Out.WriteLine(JsonLine.Object(w =>
                {
                    w.WriteString("data", Path.GetFullPath(dataDirectory));
                    w.WriteBoolean("created", report.Created);
                    w.WriteNumber("segments", report.Segments);
                    w.WriteNumber("entries", report.Records);
                    w.WriteNumber("first_seq", report.FirstSequence);
                    w.WriteNumber("last_seq", report.LastSequence);
                    w.WriteNumber("log_bytes", wal.Size);
                    w.WriteNumber("bytes_cut", report.BytesCut);
                    JsonLine.WriteProblems(w, report.Problems);
                }));
            }
            else
            {
                context.Out.WriteLine($"data directory {Path.GetFullPath(dataDirectory)}{(report.Created ? " (created)" : "")}");
                context.Out.WriteLine($"log: {report.Segments} segment(s), {report.Records} entries, sequences {report.FirstSequence}..{report.LastSequence}, {wal.Size} bytes");
                foreach (var problem in report.Problems)
                {
                    context.Out.WriteLine($"repaired {JsonLine.KindName(problem.Kind)} at {problem.FilePath} offset {problem.Offset}: {problem.Message}");
                }

                foreach (var side in report.SideFiles)
                {
                    context.Out.WriteLine($"cut bytes kept in {side}");
                }
            }

            return ExitCodes.Ok;
        }
        catch (WalCorruptionException ex)
        {
            context.Err.WriteLine($"registry status: refusing to open: {ex.Message}. Inspect with 'registry wal verify', recover with 'registry wal repair --recover-prefix'.");
            return ExitCodes.Damaged;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Err.WriteLine($"registry status: {ex.Message}");
            return ExitCodes.UsageOrIo;
        }
    }
}
