namespace Registry.Server.Transport;

/// <summary>The per-connection abuse rule of §1.4: after a grace period, judge the average request rate since connect.</summary>
/// <remarks>
/// Average = requests / seconds since connect, evaluated before each request once the grace period is over.
/// Above <see cref="CloseRate"/> the connection is closed; above <see cref="ThrottleRate"/> each request waits
/// <see cref="ThrottleDelay"/>, which caps a throttled client near 100 req/s, so it drifts back under the limit.
/// Time comes from a <see cref="TimeProvider"/> so tests drive it. One instance per connection; not thread-safe.
/// </remarks>
public sealed class ConnectionRateLimiter
{
    private readonly TimeProvider _time;
    private readonly long _connectedAt;
    private long _requests;

    /// <summary>Starts counting at the current time of <paramref name="time"/>.</summary>
    public ConnectionRateLimiter(TimeProvider time, RateRule rule)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(rule);
        _time = time;
        Rule = rule;
        _connectedAt = time.GetTimestamp();
    }

    /// <summary>The thresholds in force.</summary>
    public RateRule Rule { get; }

    /// <summary>Requests per second above which the connection is closed.</summary>
    public double CloseRate => Rule.CloseRate;

    /// <summary>Requests per second above which each request is delayed.</summary>
    public double ThrottleRate => Rule.ThrottleRate;

    /// <summary>The delay applied to each request of a throttled connection.</summary>
    public TimeSpan ThrottleDelay => Rule.ThrottleDelay;

    /// <summary>Counts one more request and decides what to do with it.</summary>
    public RateDecision OnRequest()
    {
        _requests++;
        if (!Rule.Enabled)
        {
            return RateDecision.Proceed;
        }

        var elapsed = _time.GetElapsedTime(_connectedAt);
        if (elapsed < Rule.GracePeriod)
        {
            return RateDecision.Proceed;
        }

        var rate = _requests / elapsed.TotalSeconds;
        if (rate > Rule.CloseRate)
        {
            return RateDecision.Close;
        }

        return rate > Rule.ThrottleRate ? RateDecision.Delay : RateDecision.Proceed;
    }
}
