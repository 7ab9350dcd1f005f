using Registry.Cli;

InlineCompletions.Prepare(args);
return CliApp.Run(args, CliContext.FromConsole());
