namespace Registry.Server.Transport;

/// <summary>Thresholds of the per-connection rate rule; the defaults are the protocol's (§1.4).</summary>
public sealed record RateRule
{
    /// <summary>False turns the rule off (benchmarks, trusted load generators).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Time after connect before the rule applies. Default 5 s.</summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Average requests per second above which the connection is closed. Default 500.</summary>
    public double CloseRate { get; init; } = 500;

    /// <summary>Average requests per second above which each request is delayed. Default 100.</summary>
    public double ThrottleRate { get; init; } = 100;

    /// <summary>Delay before each request of a throttled connection. Default 10 ms.</summary>
    public TimeSpan ThrottleDelay { get; init; } = TimeSpan.FromMilliseconds(10);
}
