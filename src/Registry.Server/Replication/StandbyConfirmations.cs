namespace Registry.Server.Replication;

/// <summary>The highest sequence a standby of this primary has confirmed holding durably, and waits for it (synchronous replication).</summary>
/// <remarks>
/// A confirmation of N (a <c>replication_ack</c>) means one standby's own log or snapshot durably holds every record up
/// to N, so a write acknowledged after it survives the loss of this server. One standby suffices (any of them), and
/// the mark never goes back: a standby that confirmed N and disconnected still holds N on its disk.
/// Thread-safe. Waits that time out are removed, so a primary without a standby does not accumulate them.
/// </remarks>
public sealed class StandbyConfirmations
{
    private readonly Lock _lock = new();
    private readonly PriorityQueue<TaskCompletionSource, ulong> _waiters = new();
    private ulong _confirmed;
    private int _confirming;

    /// <summary>The highest sequence any standby confirmed holding durably.</summary>
    public ulong Confirmed => Volatile.Read(ref _confirmed);

    /// <summary>How many standbys are connected and have confirmed at least once.</summary>
    public int ConfirmingStandbys => Volatile.Read(ref _confirming);

    /// <summary>Counts a standby that confirms from now on until the returned handle is disposed.</summary>
    public IDisposable Attach()
    {
        Interlocked.Increment(ref _confirming);
        return new Detacher(this);
    }

    /// <summary>Records that a standby durably holds every record up to <paramref name="sequence"/>; wakes the waits it satisfies.</summary>
    public void Confirm(ulong sequence)
    {
        List<TaskCompletionSource>? done = null;
        lock (_lock)
        {
            if (sequence <= _confirmed)
            {
                return;
            }

            Volatile.Write(ref _confirmed, sequence);
            while (_waiters.TryPeek(out var waiter, out var wanted) && wanted <= sequence)
            {
                _waiters.Dequeue();
                (done ??= []).Add(waiter);
            }
        }

        foreach (var waiter in done ?? [])
        {
            waiter.TrySetResult();
        }
    }

    /// <summary>Waits until a standby confirmed <paramref name="sequence"/>; false when <paramref name="timeout"/> passed first.</summary>
    public async Task<bool> WaitAsync(ulong sequence, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_lock)
        {
            if (sequence <= _confirmed)
            {
                return true;
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Enqueue(waiter, sequence);
        }

        try
        {
            await waiter.Task.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        finally
        {
            if (!waiter.Task.IsCompleted)
            {
                lock (_lock)
                {
                    _waiters.Remove(waiter, out _, out _);
                }
            }
        }
    }

    private sealed class Detacher(StandbyConfirmations owner) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref owner._confirming);
            }
        }
    }
}
