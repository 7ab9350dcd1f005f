using Registry.Cli;
using Registry.Cli.Loadgen;

LoadgenCommand.PrepareProcess(args);
return CliApp.Run(args, CliContext.FromConsole());
