using System.CommandLine;
using Registry.Cli.Wal;

namespace Registry.Cli;

/// <summary>The <c>registry wal</c> command group: dump, verify, repair and convert logs.</summary>
internal static class WalCommands
{
    public static Command Create(CliContext context) => new("wal", "Inspect, verify, repair and convert write-ahead logs.")
    {
        WalDumpCommand.Create(context),
        WalVerifyCommand.Create(context),
        WalRepairCommand.Create(context),
        WalConvertCommand.Create(context),
        WalProbeCommand.Create(context),
    };
}
