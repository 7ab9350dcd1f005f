using System.Runtime.CompilerServices;

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

    /// <summary>Awaited, continues on the thread pool when the caller is not on it, and at once when it is.</summary>
    /// <remarks>
    /// An awaitable rather than an async method: the caller's own continuation is what gets queued, so it cannot race
    /// back onto the engine thread (an async method that yielded inside could complete before its caller awaited it).
    /// </remarks>
    public static LeaveAwaitable Leave() => default;

    /// <summary>The awaitable of <see cref="Leave"/>.</summary>
    public readonly struct LeaveAwaitable
    {
        /// <summary>Its awaiter.</summary>
        public Awaiter GetAwaiter() => default;
    }

    /// <summary>Completed on a pool thread; otherwise queues the continuation to the pool.</summary>
    public readonly struct Awaiter : ICriticalNotifyCompletion
    {
        /// <summary>True on a thread-pool thread: nothing to move.</summary>
        public bool IsCompleted => !ShouldOffload;

        /// <summary>Nothing to return.</summary>
        public void GetResult()
        {
        }

        /// <inheritdoc />
        public void OnCompleted(Action continuation) => ThreadPool.QueueUserWorkItem(static c => c(), continuation, preferLocal: false);

        /// <inheritdoc />
        public void UnsafeOnCompleted(Action continuation) => ThreadPool.UnsafeQueueUserWorkItem(static c => c(), continuation, preferLocal: false);
    }
}
