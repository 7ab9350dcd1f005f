using Registry.Cli;

return CliApp.Run(args, CliContext.FromConsole());
