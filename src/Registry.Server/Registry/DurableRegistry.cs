using Registry.Core;
using Registry.Persistence.Lifecycle;
using Registry.Persistence.Wal;
using Registry.Server.Dispatch;

namespace Registry.Server.Registry;

/// <summary>The registry state with the durability contract applied: a mutation returns only once its delta is acknowledged by the log.</summary>
/// <remarks>
/// <para>Core mutations enqueue their one delta and change memory under the registry lock; the sequence number they
/// return is what this type awaits. Reads await the sequence applied when they read, so no client ever sees a
/// mutation that another client has not yet been told succeeded (and that a crash could still erase).</para>
/// <para>After the log is poisoned, reads are still served from memory (fail-stop means no new acknowledgements, not
/// no answers); memory may then hold mutations whose requesters were told they failed, and a restart drops them.</para>
/// <para>With <see cref="SynchronousReplication"/>, a mutation returns only once a standby (or the configured number of
/// distinct standbys) also confirmed holding its delta durably; if that does not happen within the timeout,
/// <see cref="ReplicationTimeoutException"/> says so (the mutation is
/// durable and visible here, as after a cancelled synchronous commit in PostgreSQL). Reads do not wait for standbys.</para>
/// <para>With <see cref="MinimumStandbys"/>, a mutation is refused before it changes anything while fewer standbys than
/// required confirmed within the lag (a primary cut off from its standbys stops taking writes a failover would lose).</para>
/// <para>Thread-safe: the registry serialises itself, the log group-commits concurrent appends.</para>
/// </remarks>
internal sealed class DurableRegistry
{
    private readonly NodeRegistry _registry;
    private readonly Store _store;
    private readonly SynchronousReplication? _synchronous;
    private readonly MinimumStandbys? _minimum;
    private int _writesClosed;
    private int _mutating;

    /// <summary>Wraps <paramref name="registry"/>, whose delta log is attached to <paramref name="store"/>'s log; with <paramref name="synchronous"/>, mutations also wait for a standby; with <paramref name="minimum"/>, they are refused while too few standbys are heard from.</summary>
    public DurableRegistry(NodeRegistry registry, Store store, SynchronousReplication? synchronous = null, MinimumStandbys? minimum = null)
    {
        _registry = registry;
        _store = store;
        _synchronous = synchronous;
        _minimum = minimum;
    }

    /// <summary>The state, for queries that need no durability wait (authorisation lookups).</summary>
    public NodeRegistry State => _registry;

    /// <summary>The store, for readiness and metrics.</summary>
    public Store Store => _store;

    /// <summary>True once <see cref="CloseWritesAsync"/> ran: every mutation is refused from then on.</summary>
    public bool WritesClosed => Volatile.Read(ref _writesClosed) != 0;

    /// <summary>Refuses every later mutation and completes when every earlier one is durable; returns the last sequence, which no later write can follow.</summary>
    /// <remarks>
    /// For a switchover: once this returns, the standby that holds the returned sequence holds everything this server
    /// acknowledged or ever will. A mutation racing with the call either sees the closure (and is refused before it
    /// logs anything) or is counted in flight and waited for (Dekker-style: each side publishes, then reads the other).
    /// </remarks>
    /// <exception cref="WalPoisonedException">The log failed; what it acknowledged before is all there is.</exception>
    public async Task<ulong> CloseWritesAsync(CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _writesClosed, 1);
        var spinner = default(SpinWait);
        while (Volatile.Read(ref _mutating) != 0)
        {
            // A mutation in flight is a few microseconds of CPU under the registry lock; it never waits for I/O here.
            spinner.SpinOnce();
        }

        var last = _store.Log.AppendedSequence;
        if (last > _store.Log.AcknowledgedSequence)
        {
            await _store.Log.WhenAcknowledged(last).WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return last;
    }

    /// <summary>Takes mutations again after <see cref="CloseWritesAsync"/>: a step-down whose switchover was abandoned.</summary>
    public void ReopenWrites() => Interlocked.Exchange(ref _writesClosed, 0);

    /// <summary>Runs a mutation and waits until its delta is acknowledged; a full log gets one snapshot (which compacts it) and one retry.</summary>
    /// <exception cref="RegistryException">The mutation's own validation failed; nothing changed.</exception>
    /// <exception cref="WalPoisonedException">The log failed; the mutation is not acknowledged.</exception>
    /// <exception cref="WalFullException">The log is still full after a snapshot.</exception>
    /// <exception cref="ReplicationTimeoutException">Synchronous replication: no standby confirmed the delta in time; it is durable here.</exception>
    /// <exception cref="NotEnoughStandbysException">Fewer standbys than required were heard from recently; nothing changed.</exception>
    public ValueTask<T> MutateAsync<T>(Func<NodeRegistry, T> mutation, Func<T, ulong> sequenceOf, CancellationToken cancellationToken) =>
        MutateAsync(mutation, static (registry, m) => m(registry), sequenceOf, cancellationToken);

    /// <summary>As <see cref="MutateAsync{T}(Func{NodeRegistry, T}, Func{T, ulong}, CancellationToken)"/>, with the mutation's input passed as <paramref name="state"/> (a static lambda then allocates no closure per request).</summary>
    public async ValueTask<T> MutateAsync<TState, T>(TState state, Func<NodeRegistry, TState, T> mutation, Func<T, ulong> sequenceOf, CancellationToken cancellationToken)
    {
        if (_minimum is { } minimum && !_store.IsStandby && !minimum.Met(out var heard))
        {
            throw new NotEnoughStandbysException(heard, minimum.Required, minimum.MaxLag);
        }

        T result;
        try
        {
            result = Gated(state, mutation);
        }
        catch (WalFullException)
        {
            // The size cap is reached: a snapshot lets the store delete covered segments. The mutation was refused
            // before it changed anything (the enqueue precedes the apply), so running it again is safe.
            await _store.TriggerSnapshotAsync(cancellationToken).ConfigureAwait(false);
            result = Gated(state, mutation);
        }

        var sequence = sequenceOf(result);
        if (sequence != 0)
        {
            _store.TriggerSave();
            if (_synchronous is null && DeferredDurability.Current is { } ticket)
            {
                // The transport sends the reply only once the log acknowledged this sequence (DurabilityTicket).
                ticket.RequireAcknowledged(sequence);
                return result;
            }

            await _store.Log.WhenAcknowledged(sequence).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (_synchronous is { } synchronous && !_store.IsStandby
                && !await synchronous.Confirmations.WaitAsync(sequence, synchronous.Timeout, synchronous.Time, cancellationToken).ConfigureAwait(false))
            {
                throw new ReplicationTimeoutException(synchronous.Timeout, synchronous.Confirmations.Quorum);
            }
        }

        return result;
    }

    private T Gated<TState, T>(TState state, Func<NodeRegistry, TState, T> mutation)
    {
        Interlocked.Increment(ref _mutating);
        try
        {
            if (Volatile.Read(ref _writesClosed) != 0)
            {
                throw new WritesClosedException();
            }

            return mutation(_registry, state);
        }
        finally
        {
            Interlocked.Decrement(ref _mutating);
        }
    }

    /// <summary>Commits every delta appended so far on the calling thread, which covers what tickets recorded (<see cref="DurabilityTicket"/>).</summary>
    /// <returns>Null when the log acknowledged <paramref name="acknowledged"/>; the text a mutation answers when the log failed first.</returns>
    public string? WaitFor(ulong acknowledged, ulong covered)
    {
        var log = _store.Log;
        try
        {
            // Everything appended is acknowledged afterwards, so a read's covered sequence needs nothing more.
            log.CommitAppended();
        }
        catch (WalPoisonedException) when (acknowledged > log.AcknowledgedSequence)
        {
            return HandlerGuard.StorageFailure;
        }
        catch (WalPoisonedException)
        {
            // Reads are still answered after the log failed (see the remarks), and so are mutations acknowledged before.
        }

        return null;
    }

    /// <summary>Marks the calling thread as one that commits its own appends with <see cref="WaitFor"/> after each pass.</summary>
    public static void AttachCommitter() => WriteAheadLog.CallerCommitsOnThisThread = true;

    /// <summary>Runs a query and returns its result once everything it could have seen is acknowledged.</summary>
    public async ValueTask<T> ReadAsync<T>(Func<NodeRegistry, T> query, CancellationToken cancellationToken)
    {
        var result = query(_registry);

        // Read after the query: the state it saw is at most this sequence, so waiting for it covers what it saw.
        var seen = _registry.LastAppliedSequence;
        if (_store.Log.Failure is not null)
        {
            return result;
        }

        if (DeferredDurability.Current is { } ticket)
        {
            ticket.RequireCovered(seen);
            return result;
        }

        try
        {
            // Records are appended before they are applied, so the state is never ahead of the log, except on a standby
            // replacing a state that was ahead of its primary, for the instant between its log restart and the restore.
            await _store.Log.WhenCovered(seen).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (WalPoisonedException)
        {
            // The log failed while we waited; keep serving reads (see the remarks).
        }

        return result;
    }
}
