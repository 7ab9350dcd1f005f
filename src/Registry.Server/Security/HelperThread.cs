namespace Registry.Server.Security;

/// <summary>A thread of its own that runs the work it is handed, one piece at a time, and sleeps in between without spinning.</summary>
/// <remarks>
/// Why not a pool work item: an event loop hands work over once per pass, and a pool worker that ran it spins (with
/// <c>sched_yield</c>) waiting for more before it sleeps; on two cores shared with the clients that spinning was tens of
/// thousands of context switches a second and about 6% of the server's CPU under signed load. A wake-up per pass is
/// cheaper.
/// </remarks>
internal sealed class HelperThread : IDisposable
{
    // No spinning before sleeping: the point of this thread (spinCount 0).
    private readonly ManualResetEventSlim _signal = new(false, 0);
    private Action? _work;
    private volatile bool _stopping;

    /// <summary>Starts the thread, named <paramref name="name"/>.</summary>
    public HelperThread(string name) => new Thread(Run) { IsBackground = true, Name = name }.Start();

    /// <summary>Hands <paramref name="work"/> to the thread; it replaces work handed earlier that has not started.</summary>
    public void Start(Action work)
    {
        Volatile.Write(ref _work, work);
        _signal.Set();
    }

    /// <summary>Ends the thread after the work it is running, if any.</summary>
    public void Dispose()
    {
        _stopping = true;
        _signal.Set();
    }

    private void Run()
    {
        while (!_stopping)
        {
            _signal.Wait();

            // Reset before taking the work: a hand-over after the take sets the signal again and is not lost.
            _signal.Reset();
            Interlocked.Exchange(ref _work, null)?.Invoke();
        }

        _signal.Dispose();
    }
}
