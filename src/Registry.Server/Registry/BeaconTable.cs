namespace Registry.Server.Registry;

/// <summary>The beacons (relay servers) that announced themselves with <c>beacon_register</c> in the last minute (§3.6).</summary>
/// <remarks>
/// <para>In memory only, by design: a beacon re-registers every TTL, so after a restart or a failover the table refills
/// within a minute, and writing a record per announcement to the log would cost a durable write for a fact that is
/// stale a minute later. Not replicated: a standby answers <c>beacon_list</c> from its own (usually empty) table.</para>
/// <para>Bounded: at most <see cref="Capacity"/> live beacons; a new id beyond that is refused (expired entries are
/// dropped first), so an admin token cannot be used to fill memory. Thread-safe (a lock; beacons announce once a
/// minute).</para>
/// </remarks>
internal sealed class BeaconTable(TimeProvider time)
{
    /// <summary>How long an announcement keeps a beacon listed (Go: 60 s).</summary>
    public static readonly TimeSpan TimeToLive = TimeSpan.FromSeconds(60);

    /// <summary>The most live beacons kept.</summary>
    public const int Capacity = 4096;

    private readonly Lock _gate = new();
    private readonly Dictionary<uint, (string Address, DateTimeOffset Expires)> _beacons = [];

    /// <summary>Lists or refreshes beacon <paramref name="id"/> at <paramref name="address"/> for <see cref="TimeToLive"/>; false when the table is full of other live beacons.</summary>
    public bool Register(uint id, string address)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (!_beacons.ContainsKey(id) && _beacons.Count >= Capacity)
            {
                DropExpired(now);
                if (_beacons.Count >= Capacity)
                {
                    return false;
                }
            }

            _beacons[id] = (address, now + TimeToLive);
            return true;
        }
    }

    /// <summary>The live beacons, by id.</summary>
    public IReadOnlyList<(uint Id, string Address)> List()
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            DropExpired(now);
            return [.. _beacons.OrderBy(b => b.Key).Select(b => (b.Key, b.Value.Address))];
        }
    }

    private void DropExpired(DateTimeOffset now)
    {
        foreach (var (id, beacon) in _beacons)
        {
            if (beacon.Expires <= now)
            {
                _beacons.Remove(id);
            }
        }
    }
}
