using System.CommandLine;
using Registry.Persistence.Wal;

namespace Registry.Cli.Wal;

/// <summary><c>registry wal dump PATH [--json]</c>: prints every entry of a log of either format.</summary>
internal static class WalDumpCommand
{
    public static Command Create(CliContext context)
    {
        var path = new Argument<string>("PATH") { Description = "A log file (Go or new format) or a log directory." };
        var json = new Option<bool>("--json") { Description = "One JSON object per entry per line." };
        var command = new Command("dump", "Print every entry of a log; problems go to stderr. Exit 0 intact, 1 damaged, 2 usage or I/O error.") { path, json };
        command.SetAction((parse, ct) => Task.FromResult(Run(context, parse.GetValue(path)!, parse.GetValue(json), ct)));
        return command;
    }

    public static int Run(CliContext context, string path, bool json, CancellationToken cancellationToken)
    {
        WalReadResult result;
        try
        {
            result = LogFiles.Read(path, (in WalRecord record) => Print(context, in record, json), cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Err.WriteLine($"registry wal dump: {ex.Message}");
            return ExitCodes.UsageOrIo;
        }

        foreach (var problem in result.Problems)
        {
            context.Err.WriteLine($"{JsonLine.KindName(problem.Kind)} at {problem.FilePath ?? path} offset {problem.Offset}: {problem.Message}");
        }

        return result.Intact ? ExitCodes.Ok : ExitCodes.Damaged;
    }

    private static void Print(CliContext context, in WalRecord record, bool json)
    {
        var entry = record.Entry;
        if (json)
        {
            var r = record;
            context.Out.WriteLine(JsonLine.Object(w =>
            {
                w.WriteNumber("offset", r.Offset);
                w.WriteNumber("length", r.Length);
                w.WriteNumber("seq_no", r.Entry.SeqNo);
                w.WriteNumber("type", (byte)r.Entry.Type);
                w.WriteString("type_name", DeltaTypeNames.Of(r.Entry.Type));
                w.WriteNumber("node_id", r.Entry.NodeId);
                JsonLine.WriteRawOrNull(w, "data", r.Entry.Data.Span, r.Entry.HasData);
            }));
            return;
        }

        var data = entry.HasData ? System.Text.Encoding.UTF8.GetString(entry.Data.Span) : "-";
        context.Out.WriteLine($"{record.Offset,10} seq={entry.SeqNo} {DeltaTypeNames.Of(entry.Type)} node={entry.NodeId} {data}");
    }
}
