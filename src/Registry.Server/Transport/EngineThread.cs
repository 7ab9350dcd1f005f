namespace Registry.Server.Transport;

/// <summary>Moves work that may take long off the socket engine's threads, where inline socket completions run it.</summary>
/// <remarks>
/// <c>registry serve</c> runs socket continuations on the socket engine's threads (one per core;
/// <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>, docs/adr/0012): a small request then costs no thread-pool
/// hand-off. Each engine thread serves its share of the connections in turn, so anything long there (a large frame's
/// parse, an unbounded handler, a snapshot) would hold up every other connection it serves; such work continues on the
/// thread pool instead. Off an engine thread (the default mode, tests, other hosts) this is free.
/// </remarks>
internal static class EngineThread
{
    /// <summary>Whether the caller runs outside the thread pool (on a socket engine thread), so long work should move first.</summary>
    public static bool ShouldOffload => !Thread.CurrentThread.IsThreadPoolThread;

    /// <summary>Continues on the thread pool when the caller is not on it; completes at once otherwise.</summary>
    public static async ValueTask LeaveAsync()
    {
        if (ShouldOffload)
        {
            await Task.Yield();
        }
    }
}
