namespace Registry.Cli;

/// <summary>Runs socket continuations on the socket engine's threads for <c>registry serve</c> and <c>registry loadgen</c> (docs/adr/0012).</summary>
/// <remarks>
/// Both share two cores with each other in the benchmarks and with other work in production; a thread-pool hand-off
/// per request (a wake-up, a context switch, a queue) was a large part of their CPU per request. With the switch,
/// the runtime runs one engine thread per core and each continues the requests of its connections itself; the
/// server moves anything long (unbounded handlers, large frames, snapshots) to the thread pool first
/// (<c>Registry.Server.Transport.EngineThread</c>). The runtime reads the switch when the process creates its first
/// socket, so it is set here, before anything else. An explicit setting in the environment wins
/// (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0</c> turns it off). Only for the process: a host running the
/// commands in-process (tests) keeps its own socket behaviour.
/// </remarks>
internal static class InlineCompletions
{
    /// <summary>The runtime's switch.</summary>
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Sets the switch when the process is <c>registry serve</c>, or <c>registry loadgen</c> without <c>--standby</c> (its probe's lookups would queue behind the clients and report inflated lag).</summary>
    public static void Prepare(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0 || Environment.GetEnvironmentVariable(Variable) is not null)
        {
            return;
        }

        var serve = string.Equals(args[0], "serve", StringComparison.Ordinal);
        var loadgen = string.Equals(args[0], "loadgen", StringComparison.Ordinal) && !args.Any(a => a.StartsWith("--standby", StringComparison.Ordinal));
        if (serve || loadgen)
        {
            Environment.SetEnvironmentVariable(Variable, "1");
        }

        if (loadgen && Environment.GetEnvironmentVariable(EngineThreads) is null)
        {
            // One engine thread runs every client's continuation: against an event-loop server on the same two cores,
            // 12% more registrations per second and less CPU on both sides than one thread per core, which wake
            // each other across cores (docs/benchmarks.md, eighth pass).
            Environment.SetEnvironmentVariable(EngineThreads, "1");
        }
    }

    /// <summary>The runtime's number of socket engine threads (default: one per core).</summary>
    public const string EngineThreads = "DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT";
}
