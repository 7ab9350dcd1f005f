using System.Collections.Concurrent;

namespace Registry.Server.Security;

/// <summary>Remembers when each node's signature was last verified, for the heartbeat verify-skip of §2.1.</summary>
/// <remarks>
/// Go accepts heartbeats without checking the signature for 120 s after a verified one; this keeps that option for
/// handlers that want it (a heartbeat then costs no Ed25519 verify). It is a deliberate weakening — a captured or
/// absent signature passes inside the window — so the window is a constructor argument and zero disables it.
/// Thread-safe; entries of nodes that stop heartbeating are dropped by <see cref="Forget"/> (call it on deregister/reap).
/// </remarks>
public sealed class RecentVerifications
{
    private readonly ConcurrentDictionary<uint, long> _verifiedAt = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _window;

    /// <summary>Creates the tracker with skip window <paramref name="window"/> (Go: 120 s; zero disables skipping).</summary>
    public RecentVerifications(TimeProvider time, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, TimeSpan.Zero);
        _time = time;
        _window = window;
    }

    /// <summary>True when <paramref name="nodeId"/> had a signature verified less than the window ago.</summary>
    public bool IsFresh(uint nodeId) =>
        _window > TimeSpan.Zero && _verifiedAt.TryGetValue(nodeId, out var at) && _time.GetElapsedTime(at) < _window;

    /// <summary>Records a successful verification of <paramref name="nodeId"/> now.</summary>
    public void MarkVerified(uint nodeId)
    {
        if (_window > TimeSpan.Zero)
        {
            _verifiedAt[nodeId] = _time.GetTimestamp();
        }
    }

    /// <summary>Forgets <paramref name="nodeId"/> (deregistered, reaped or key rotated: the next heartbeat must verify).</summary>
    public void Forget(uint nodeId) => _verifiedAt.TryRemove(nodeId, out _);
}
