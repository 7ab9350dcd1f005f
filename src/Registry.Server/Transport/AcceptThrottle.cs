namespace Registry.Server.Transport;

/// <summary>The warm-up throttle of §1.1: right after start, a reconnect storm is paced to a fixed number of accepts per second.</summary>
/// <remarks>
/// After a restart every daemon reconnects at once; accepting them all in the same second makes every one of them
/// time out together. During <see cref="Window"/> after construction, once <see cref="PerSecond"/> accepts happened
/// within one wall-clock second, <see cref="DelayBeforeNextAccept"/> says how long to wait for the next second.
/// One instance per listener, used only by its accept loop; not thread-safe.
/// </remarks>
public sealed class AcceptThrottle
{
    private readonly TimeProvider _time;
    private readonly long _startedAt;
    private long _secondStartedAt;
    private int _acceptsThisSecond;

    /// <summary>Creates a throttle starting now.</summary>
    public AcceptThrottle(TimeProvider time, TimeSpan window, int perSecond)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(perSecond, 1);
        _time = time;
        Window = window;
        PerSecond = perSecond;
        _startedAt = _secondStartedAt = time.GetTimestamp();
    }

    /// <summary>How long after start the throttle applies (Go: 60 s; zero = never).</summary>
    public TimeSpan Window { get; }

    /// <summary>Accepts allowed per second during the window (Go: 1000).</summary>
    public int PerSecond { get; }

    /// <summary>Counts one accept; returns how long to wait before the next one (zero when no wait).</summary>
    public TimeSpan DelayBeforeNextAccept()
    {
        if (_time.GetElapsedTime(_startedAt) >= Window)
        {
            return TimeSpan.Zero;
        }

        var intoSecond = _time.GetElapsedTime(_secondStartedAt);
        if (intoSecond >= TimeSpan.FromSeconds(1))
        {
            _secondStartedAt = _time.GetTimestamp();
            _acceptsThisSecond = 0;
            intoSecond = TimeSpan.Zero;
        }

        _acceptsThisSecond++;
        return _acceptsThisSecond >= PerSecond ? TimeSpan.FromSeconds(1) - intoSecond : TimeSpan.Zero;
    }
}
