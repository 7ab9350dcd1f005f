using System.CommandLine;

namespace Registry.Cli;

/// <summary>The <c>registry wal</c> command group: dump, verify, repair and convert logs.</summary>
internal static class WalCommands
{
    public static Command Create(CliContext context)
    {
        var wal = new Command("wal", "Inspect, verify, repair and convert write-ahead logs.");
        _ = context;
        return wal;
    }
}
