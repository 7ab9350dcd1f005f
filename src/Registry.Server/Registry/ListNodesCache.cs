using System.Collections.Concurrent;

namespace Registry.Server.Registry;

/// <summary>Encoded <c>list_nodes</c> replies by network, reused while the state is unchanged (or, if configured, for a bounded time).</summary>
/// <remarks>
/// <para>Go caches the reply for up to 1 s, so its clients may see a list up to a second old. By default this cache
/// is exact: an entry is served only while <c>NodeRegistry.StateVersion</c> still equals the version read before the
/// query that built it, so a reply never misses a change that happened before the request. A version read before the
/// query can only be older than what the query saw, which makes an entry miss more often, never serve stale.</para>
/// <para>With <c>Registry:ListNodesMaxStaleness</c> above zero an entry is also served while it is younger than that,
/// Go's trade: a busy registry changes its version on every heartbeat, and large networks then cost one encoding per
/// window instead of one per request. Only bodies built after their state was acknowledged are stored, so neither
/// mode can show an unacknowledged mutation.</para>
/// <para>Thread-safe. Bounded by <see cref="Capacity"/> networks; when full it is simply cleared.</para>
/// </remarks>
internal sealed class ListNodesCache(TimeProvider time, TimeSpan maxStaleness)
{
    /// <summary>The most networks whose replies are kept.</summary>
    public const int Capacity = 1024;

    private readonly ConcurrentDictionary<ushort, Entry> _entries = new();

    /// <summary>The cached reply body for <paramref name="networkId"/> if it may be served at state <paramref name="version"/>.</summary>
    public bool TryGet(ushort networkId, long version, out ReadOnlyMemory<byte> body)
    {
        body = default;
        if (!_entries.TryGetValue(networkId, out var entry))
        {
            return false;
        }

        if (entry.Version != version && (maxStaleness <= TimeSpan.Zero || time.GetElapsedTime(entry.BuiltAt) > maxStaleness))
        {
            return false;
        }

        body = entry.Body;
        return true;
    }

    /// <summary>Keeps <paramref name="body"/>, built from state <paramref name="version"/> (read before the query) and already acknowledged.</summary>
    public void Store(ushort networkId, long version, ReadOnlyMemory<byte> body)
    {
        if (_entries.Count >= Capacity && !_entries.ContainsKey(networkId))
        {
            _entries.Clear();
        }

        var fresh = new Entry(version, time.GetTimestamp(), body);

        // Two requests may build concurrently; the one built from the newer state wins.
        _entries.AddOrUpdate(networkId, fresh, (_, old) => old.Version > version ? old : fresh);
    }

    private sealed record Entry(long Version, long BuiltAt, ReadOnlyMemory<byte> Body);
}
