using System.CommandLine;
using Registry.Cli.Bench;

namespace Registry.Cli;

/// <summary>The <c>registry bench</c> command group: measurements that print JSON.</summary>
internal static class BenchCommands
{
    public static Command Create(CliContext context) => new("bench", "Benchmarks of the log and snapshots on this machine.")
    {
        WalBench.CreateCommand(context),
        SnapshotBench.CreateCommand(context),
        RecoveryBench.CreateCommand(context),
    };
}
