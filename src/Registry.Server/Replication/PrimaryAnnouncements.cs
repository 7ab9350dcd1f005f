namespace Registry.Server.Replication;

/// <summary>
/// The positions a primary announced on one connection (<c>primary_seq</c>) that its standby does not hold yet, each
/// with when it was announced, on the standby's clock: how long the standby has lacked something is the age of the
/// oldest one left.
/// </summary>
/// <remarks>Owned by the follower's connection loop; not thread-safe.</remarks>
internal sealed class PrimaryAnnouncements
{
    private readonly Queue<(ulong Position, long At)> _pending = new();
    private ulong? _last;

    /// <summary>Whether the primary announced any position on this connection (ours does; Go's does not).</summary>
    public bool Any => _last is not null;

    /// <summary>Records that the primary holds <paramref name="position"/> as of <paramref name="now"/>; the first announcement of a connection dates from <paramref name="behindSince"/> when the standby was already behind (0: it was not).</summary>
    public void Add(ulong position, long now, long behindSince)
    {
        if (_last is { } last && position <= last)
        {
            return;
        }

        _pending.Enqueue((position, _last is null && behindSince != 0 ? Math.Min(behindSince, now) : now));
        _last = position;
    }

    /// <summary>Drops the announcements <paramref name="applied"/> reaches; returns when the oldest one left was made, or null when none is left.</summary>
    public long? OldestMissing(ulong applied)
    {
        while (_pending.Count > 0 && _pending.Peek().Position <= applied)
        {
            _pending.Dequeue();
        }

        return _pending.Count > 0 ? _pending.Peek().At : null;
    }
}
