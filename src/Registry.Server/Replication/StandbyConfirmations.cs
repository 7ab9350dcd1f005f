namespace Registry.Server.Replication;

/// <summary>What the standbys of this primary confirmed holding durably, and when each was last heard from.</summary>
/// <remarks>
/// <para>A confirmation of N (a <c>replication_ack</c>) means one standby's own log or snapshot durably holds every
/// record up to N, so a write acknowledged after it survives the loss of this server. For synchronous replication one
/// standby suffices (any of them), and the mark never goes back: a standby that confirmed N and disconnected still
/// holds N on its disk. Waits that time out are removed, so a primary without a standby does not accumulate them.</para>
/// <para>For <c>MinStandbysToWrite</c>, each connected standby's last confirmation time counts: standbys send one at
/// least every <see cref="DurablePositionReporter.KeepAliveInterval"/> when asked, so a standby unheard for longer than
/// the configured lag is cut off (a network split) or stalled.</para>
/// <para>Thread-safe.</para>
/// </remarks>
public sealed class StandbyConfirmations(TimeProvider? time = null, AckRequest requested = AckRequest.EveryChange)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private readonly PriorityQueue<TaskCompletionSource, ulong> _waiters = new();
    private readonly List<Standby> _standbys = [];
    private ulong _confirmed;
    private int _confirming;

    /// <summary>What standbys are asked to send: every change for synchronous replication, keep-alives only for MinStandbysToWrite.</summary>
    public AckRequest Requested => requested;

    /// <summary>The highest sequence any standby confirmed holding durably.</summary>
    public ulong Confirmed => Volatile.Read(ref _confirmed);

    /// <summary>How many standbys are connected and have confirmed at least once.</summary>
    public int ConfirmingStandbys => Volatile.Read(ref _confirming);

    /// <summary>Counts a standby from its first confirmation until the returned handle is disposed; its later confirmations go through the handle.</summary>
    public Standby Attach()
    {
        var standby = new Standby(this, _time.GetTimestamp());
        lock (_lock)
        {
            _standbys.Add(standby);
        }

        Interlocked.Increment(ref _confirming);
        return standby;
    }

    /// <summary>How many connected standbys confirmed something within <paramref name="maxLag"/> of now.</summary>
    public int HeardWithin(TimeSpan maxLag)
    {
        var now = _time.GetTimestamp();
        var heard = 0;
        lock (_lock)
        {
            foreach (var standby in _standbys)
            {
                if (_time.GetElapsedTime(standby.LastHeard, now) <= maxLag)
                {
                    heard++;
                }
            }
        }

        return heard;
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

    /// <summary>One connected standby: its confirmations, and when it was last heard from.</summary>
    public sealed class Standby : IDisposable
    {
        private readonly StandbyConfirmations _owner;
        private long _lastHeard;
        private int _disposed;

        internal Standby(StandbyConfirmations owner, long heard)
        {
            _owner = owner;
            _lastHeard = heard;
        }

        /// <summary>When this standby last confirmed, as a <see cref="TimeProvider"/> timestamp.</summary>
        internal long LastHeard => Volatile.Read(ref _lastHeard);

        /// <summary>This standby durably holds every record up to <paramref name="sequence"/> (also when that is no news: it is alive).</summary>
        public void Confirm(ulong sequence)
        {
            Volatile.Write(ref _lastHeard, _owner._time.GetTimestamp());
            _owner.Confirm(sequence);
        }

        /// <summary>The standby left: it no longer counts.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            lock (_owner._lock)
            {
                _owner._standbys.Remove(this);
            }

            Interlocked.Decrement(ref _owner._confirming);
        }
    }
}
