using System.CommandLine;
using Registry.Persistence.Wal;

namespace Registry.Cli.Wal;

/// <summary><c>registry wal verify PATH [--json]</c>: reads a whole log without changing it and reports its condition.</summary>
internal static class WalVerifyCommand
{
    public static Command Create(CliContext context)
    {
        var path = new Argument<string>("PATH") { Description = "A log file (Go or new format) or a log directory." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("verify", "Check every record of a log without changing it. Exit 0 intact, 1 damaged, 2 usage or I/O error.") { path, json };
        command.SetAction((parse, ct) => Task.FromResult(Run(context, parse.GetValue(path)!, parse.GetValue(json), ct)));
        return command;
    }

    public static int Run(CliContext context, string path, bool json, CancellationToken cancellationToken)
    {
        WalReadResult result;
        IReadOnlyList<WalProblem> damage;
        IReadOnlyList<WalProblem> inProgress;
        try
        {
            long count = 0;
            using var progress = new ProgressReporter(context, "verified", enabled: !json);
            (result, damage, inProgress) = RepeatedRead.Run(
                () =>
                {
                    count = 0;
                    return LogFiles.Read(path, (in WalRecord r) => progress.Report(++count, r.Offset), cancellationToken);
                },
                read => read.Problems);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Err.WriteLine($"registry wal verify: {ex.Message}");
            return ExitCodes.UsageOrIo;
        }

        if (inProgress.Count > 0)
        {
            context.Err.WriteLine($"registry wal verify: {path} is being written (a running server?): {inProgress.Count} finding(s) at the end of the log moved from one read to the next, so they are records being written, not damage (\"in_progress\"); for an exact report, stop the server");
        }

        var intact = damage.Count == 0;

        if (json)
        {
            context.Out.WriteLine(JsonLine.Object(w =>
            {
                w.WriteString("format", result.Format);
                w.WriteNumber("entries", result.Entries);
                w.WriteNumber("file_bytes", result.FileBytes);
                w.WriteNumber("valid_bytes", result.ValidBytes);
                w.WriteBoolean("torn_tail", damage.Any(p => p.Kind == WalProblemKind.TornTail));
                w.WriteNumber("first_seq", result.Sequences.First);
                w.WriteNumber("last_seq", result.Sequences.Last);
                w.WriteBoolean("intact", intact);
                JsonLine.WriteProblems(w, damage);
                JsonLine.WriteProblems(w, inProgress, "in_progress");
            }));
        }
        else
        {
            context.Out.WriteLine($"{path}: {result.Format}, {result.Entries} entries, {result.ValidBytes} of {result.FileBytes} bytes valid, sequences {result.Sequences.First}..{result.Sequences.Last}");
            foreach (var problem in damage)
            {
                context.Out.WriteLine($"  {JsonLine.KindName(problem.Kind)} at {problem.FilePath ?? path} offset {problem.Offset}: {problem.Message}");
            }

            context.Out.WriteLine(intact ? "intact" : damage.All(p => p.Kind is WalProblemKind.TornTail or WalProblemKind.UnusedSpaceDamage)
                ? "damaged: " + (damage.Any(p => p.Kind == WalProblemKind.TornTail) ? "torn tail" : "unused space after a sealed segment's last record, no record lost") + " (registry wal repair, or the next start, sets the bytes aside)"
                : "damaged");
        }

        return intact ? ExitCodes.Ok : ExitCodes.Damaged;
    }
}
