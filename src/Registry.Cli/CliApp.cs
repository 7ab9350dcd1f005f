using System.CommandLine;

namespace Registry.Cli;

/// <summary>Builds the <c>registry</c> command tree and runs it.</summary>
internal static class CliApp
{
    /// <summary>Parses and runs <paramref name="args"/>; a usage error exits 2.</summary>
    public static int Run(string[] args, CliContext context)
    {
        var root = Build(context);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                context.Err.WriteLine($"registry: {error.Message}");
            }

            context.Err.WriteLine("Run 'registry --help' for usage.");
            return ExitCodes.UsageOrIo;
        }

        var configuration = new InvocationConfiguration { Output = context.Out, Error = context.Err };
        if (string.Equals(parsed.CommandResult.Command.Name, "serve", StringComparison.Ordinal))
        {
            // The Generic Host handles SIGTERM/SIGINT itself (drain, then the final snapshot). System.CommandLine's own
            // handler would return from Main 2 s after the signal, cutting a slow drain or snapshot short.
            configuration.ProcessTerminationTimeout = null;
        }

        return parsed.Invoke(configuration);
    }

    private static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("Pilot Protocol registry: server, write-ahead log and snapshot tools.");
        root.Subcommands.Add(ServeCommand.Create(context));
        root.Subcommands.Add(StatusCommand.Create(context));
        root.Subcommands.Add(InspectCommand.Create(context));
        root.Subcommands.Add(WalCommands.Create(context));
        root.Subcommands.Add(SnapshotCommands.Create(context));
        root.Subcommands.Add(BenchCommands.Create(context));
        root.Subcommands.Add(Loadgen.LoadgenCommand.Create(context));
        root.Subcommands.Add(SwitchoverCommand.Create(context));
        root.Subcommands.Add(PromoteCommand.Create(context));
        root.Subcommands.Add(BackupCommand.Create(context));
        return root;
    }
}
