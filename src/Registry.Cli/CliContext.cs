namespace Registry.Cli;

/// <summary>The console streams a command writes to, injected so tests can capture them.</summary>
internal sealed class CliContext(TextWriter output, TextWriter error, bool interactive)
{
    /// <summary>Standard output: results and JSON.</summary>
    public TextWriter Out { get; } = output;

    /// <summary>Standard error: problems, warnings and progress.</summary>
    public TextWriter Err { get; } = error;

    /// <summary>True when stderr is a terminal, so progress may be drawn.</summary>
    public bool Interactive { get; } = interactive;

    /// <summary>A context bound to the process console.</summary>
    public static CliContext FromConsole() => new(Console.Out, Console.Error, !Console.IsErrorRedirected);
}
