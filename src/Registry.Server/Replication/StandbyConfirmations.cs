namespace Registry.Server.Replication;

/// <summary>What the standbys of this primary confirmed holding durably, and when each was last heard from.</summary>
/// <remarks>
/// <para>A confirmation of N (a <c>replication_ack</c>) means one standby's own log or snapshot durably holds every
/// record up to N. Standbys are told apart by the identity they send when subscribing (<c>standby_id</c>, the
/// <c>server-id</c> file of their data directory), so a standby that reconnects is still one standby; a subscriber
/// without one (an older build) counts per connection, and what it confirmed is forgotten when its connection ends.</para>
/// <para>For synchronous replication, <see cref="Confirmed"/> is the highest sequence that <see cref="Quorum"/>
/// distinct standbys each hold (one by default: any of them). It never goes back: a standby that confirmed N and
/// disconnected still holds N on its disk. Waits that time out are removed, so a primary without standbys does not
/// accumulate them.</para>
/// <para>For <c>MinStandbysToWrite</c>, each standby's last confirmation time counts: standbys send one at least
/// every <see cref="DurablePositionReporter.KeepAliveInterval"/> when asked, so a standby unheard for longer than the
/// configured lag is cut off (a network split) or stalled.</para>
/// <para>Thread-safe.</para>
/// </remarks>
public sealed class StandbyConfirmations
{
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly PriorityQueue<TaskCompletionSource, ulong> _waiters = new();
    private readonly List<Standby> _connected = [];
    private readonly Dictionary<string, ulong> _held = new(StringComparer.Ordinal);
    private long _anonymous;
    private ulong _confirmed;

    /// <summary>Tracks the standbys of a primary that asks them for <paramref name="requested"/> and waits, for synchronous replication, for <paramref name="quorum"/> of them.</summary>
    public StandbyConfirmations(TimeProvider? time = null, AckRequest requested = AckRequest.EveryChange, int quorum = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quorum, 1);
        _time = time ?? TimeProvider.System;
        Requested = requested;
        Quorum = quorum;
    }

    /// <summary>What standbys are asked to send: every change for synchronous replication, keep-alives only for MinStandbysToWrite.</summary>
    public AckRequest Requested { get; }

    /// <summary>How many distinct standbys must hold a sequence before <see cref="Confirmed"/> reaches it.</summary>
    public int Quorum { get; }

    /// <summary>The highest sequence that <see cref="Quorum"/> distinct standbys confirmed holding durably.</summary>
    public ulong Confirmed => Volatile.Read(ref _confirmed);

    /// <summary>How many distinct standbys are connected and have confirmed at least once.</summary>
    public int ConfirmingStandbys => HeardWithin(TimeSpan.MaxValue);

    /// <summary>Counts a connected standby (identified by <paramref name="identity"/>, or by this connection when null) from its first confirmation until the returned handle is disposed; its confirmations go through the handle.</summary>
    public Standby Attach(string? identity = null)
    {
        var key = identity ?? $"#{Interlocked.Increment(ref _anonymous)}";
        var standby = new Standby(this, key, anonymous: identity is null, _time.GetTimestamp());
        lock (_lock)
        {
            _connected.Add(standby);
        }

        return standby;
    }

    /// <summary>How many distinct connected standbys confirmed something within <paramref name="maxLag"/> of now.</summary>
    /// <remarks>Called before every mutation when MinStandbysToWrite is set: no allocation, and a primary has few standbys.</remarks>
    public int HeardWithin(TimeSpan maxLag)
    {
        var now = _time.GetTimestamp();
        var heard = 0;
        lock (_lock)
        {
            for (var i = 0; i < _connected.Count; i++)
            {
                if (Heard(_connected[i]) && !HeardEarlier(i))
                {
                    heard++;
                }
            }
        }

        return heard;

        bool Heard(Standby standby) => _time.GetElapsedTime(standby.LastHeard, now) <= maxLag;

        // Another connection of the same standby, earlier in the list, was counted already.
        bool HeardEarlier(int index)
        {
            for (var j = 0; j < index; j++)
            {
                if (string.Equals(_connected[j].Key, _connected[index].Key, StringComparison.Ordinal) && Heard(_connected[j]))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Waits until <see cref="Quorum"/> standbys confirmed <paramref name="sequence"/>; false when <paramref name="timeout"/> passed first.</summary>
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

    /// <summary>Records that the standby <paramref name="key"/> durably holds every record up to <paramref name="sequence"/>; wakes the waits the quorum now satisfies.</summary>
    private void Confirm(string key, ulong sequence)
    {
        List<TaskCompletionSource>? done = null;
        lock (_lock)
        {
            if (_held.TryGetValue(key, out var held) && held >= sequence)
            {
                return;
            }

            _held[key] = sequence;
            if (_held.Count < Quorum)
            {
                return;
            }

            // The quorum holds the Quorum-th highest position: that many standbys hold at least it.
            var mark = _held.Values.OrderDescending().ElementAt(Quorum - 1);
            if (mark <= _confirmed)
            {
                return;
            }

            Volatile.Write(ref _confirmed, mark);
            while (_waiters.TryPeek(out var waiter, out var wanted) && wanted <= mark)
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

    private void Detach(Standby standby)
    {
        lock (_lock)
        {
            _connected.Remove(standby);
            if (standby.Anonymous)
            {
                // Without an identity, a reconnection could not be told from a second standby: forget what it held.
                _held.Remove(standby.Key);
            }
        }
    }

    /// <summary>One connection of a standby: its confirmations, and when it was last heard from.</summary>
    public sealed class Standby : IDisposable
    {
        private readonly StandbyConfirmations _owner;
        private long _lastHeard;
        private int _disposed;

        internal Standby(StandbyConfirmations owner, string key, bool anonymous, long heard)
        {
            _owner = owner;
            Key = key;
            Anonymous = anonymous;
            _lastHeard = heard;
        }

        /// <summary>The standby's identity, or a key of this connection when it sent none.</summary>
        internal string Key { get; }

        /// <summary>Whether the standby sent no identity.</summary>
        internal bool Anonymous { get; }

        /// <summary>When this standby last confirmed, as a <see cref="TimeProvider"/> timestamp.</summary>
        internal long LastHeard => Volatile.Read(ref _lastHeard);

        /// <summary>This standby durably holds every record up to <paramref name="sequence"/> (also when that is no news: it is alive).</summary>
        public void Confirm(ulong sequence)
        {
            Volatile.Write(ref _lastHeard, _owner._time.GetTimestamp());
            _owner.Confirm(Key, sequence);
        }

        /// <summary>The connection ended: it no longer counts.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _owner.Detach(this);
            }
        }
    }
}
