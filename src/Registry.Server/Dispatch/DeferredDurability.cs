namespace Registry.Server.Dispatch;

/// <summary>What a request's reply must wait for before it is sent: the log positions its handler relied on.</summary>
/// <remarks>
/// A transport that batches replies (the event loop) hands one ticket to each request it dispatches through
/// <see cref="DeferredDurability.Current"/>. A mutation then records its sequence here instead of waiting for the log,
/// its handler finishes at once, and the transport sends the reply only after
/// <see cref="IDurabilityWaiter.WaitFor"/> confirmed the recorded positions: one wait per batch of requests, on the
/// thread that sends the replies, instead of one wake-up of a waiting continuation per request. The contract is
/// unchanged: no reply reporting success leaves before its delta is durable.
/// One ticket per connection, reused; requests on a connection are sequential, so it needs no synchronisation beyond
/// the hand-over of the reply to the thread that sends it.
/// </remarks>
public sealed class DurabilityTicket
{
    /// <summary>The highest sequence a mutation of this request must have acknowledged; 0 when it changed nothing.</summary>
    public ulong Acknowledged { get; private set; }

    /// <summary>The highest sequence a read of this request saw, which must be covered by the log; 0 when it read nothing.</summary>
    public ulong Covered { get; private set; }

    /// <summary>True when nothing was recorded, so the reply can leave at once.</summary>
    public bool IsEmpty => Acknowledged == 0 && Covered == 0;

    /// <summary>Records that the reply waits for <paramref name="sequence"/> to be acknowledged.</summary>
    public void RequireAcknowledged(ulong sequence) => Acknowledged = Math.Max(Acknowledged, sequence);

    /// <summary>Records that the reply waits for the log to cover <paramref name="sequence"/>.</summary>
    public void RequireCovered(ulong sequence) => Covered = Math.Max(Covered, sequence);

    /// <summary>Forgets what was recorded, for the connection's next request.</summary>
    public void Reset()
    {
        Acknowledged = 0;
        Covered = 0;
    }
}

/// <summary>The ticket of the request being dispatched, flowing with its asynchronous continuations.</summary>
/// <remarks>
/// An <see cref="AsyncLocal{T}"/>, not a thread-static: a continuation of another request that happens to run on the
/// dispatching thread carries its own value, so it can never record into (and skip the wait of) a ticket that is not
/// its own.
/// </remarks>
public static class DeferredDurability
{
    private static readonly AsyncLocal<DurabilityTicket?> s_current = new();

    /// <summary>The current request's ticket, or null when replies wait for the log themselves (the default).</summary>
    public static DurabilityTicket? Current
    {
        get => s_current.Value;
        set => s_current.Value = value;
    }
}

/// <summary>Waits until the positions recorded in tickets are durable; provided by the backend that owns the log.</summary>
public interface IDurabilityWaiter
{
    /// <summary>Declares the calling thread a committer: its appends do not wake the log's flusher, because it calls <see cref="WaitFor"/> after every pass that dispatched anything.</summary>
    void AttachCommitter();

    /// <summary>Commits what the calling thread appended and blocks until every entry up to <paramref name="acknowledged"/> is acknowledged and the log covers <paramref name="covered"/>.</summary>
    /// <returns>Null when both hold; otherwise the error text a mutation waiting for <paramref name="acknowledged"/> answers (the log failed).</returns>
    string? WaitFor(ulong acknowledged, ulong covered);
}
