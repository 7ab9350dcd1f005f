using System.CommandLine;
using System.Globalization;
using System.Text;
using Registry.Persistence.Deltas;
using Registry.Persistence.Wal;

namespace Registry.Cli.Wal;

/// <summary><c>registry wal probe DIR --count N</c>: appends synthetic entries one at a time and prints each outcome, for fault-injection drills.</summary>
internal static class WalProbeCommand
{
    public static Command Create(CliContext context)
    {
        var dir = new Argument<string>("DIR") { Description = "A scratch log directory (created if missing)." };
        var count = new Option<int>("--count") { Description = "Entries to append.", DefaultValueFactory = _ => 10 };
        var command = new Command("probe", "Append N synthetic entries to a scratch log, printing 'ack SEQ' or 'error MESSAGE' for each. For drills under strace fault injection. Exit 0 all acknowledged, 1 otherwise.") { dir, count };
        command.SetAction((parse, ct) => RunAsync(context, parse.GetValue(dir)!, parse.GetValue(count), ct));
        return command;
    }

    public static async Task<int> RunAsync(CliContext context, string dir, int count, CancellationToken cancellationToken)
    {
        using var wal = WriteAheadLog.Open(new WalOptions { Directory = dir });
        var failures = 0;
        for (var i = 0; i < count; i++)
        {
            var payload = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"node_id\":{i},\"probe\":true}}"));
            try
            {
                var seq = await wal.AppendAsync(DeltaType.Heartbeat, (uint)i, payload, cancellationToken).ConfigureAwait(false);
                context.Out.WriteLine($"ack {seq}");
            }
            catch (Registry.Persistence.PersistenceException ex)
            {
                failures++;
                context.Out.WriteLine($"error {ex.GetType().Name}: {ex.Message}");
            }
        }

        context.Out.Flush();
        return failures == 0 ? ExitCodes.Ok : ExitCodes.Damaged;
    }
}
