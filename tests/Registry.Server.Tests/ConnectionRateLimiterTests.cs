using Microsoft.Extensions.Time.Testing;
using Registry.Server.Transport;

namespace Registry.Server.Tests;

public sealed class ConnectionRateLimiterTests
{
    [Fact]
    public void OnRequest_WithinGracePeriod_AlwaysProceeds()
    {
        var time = new FakeTimeProvider();
        var limiter = new ConnectionRateLimiter(time, new RateRule());
        time.Advance(TimeSpan.FromSeconds(4.9));

        for (var i = 0; i < 100_000; i++)
        {
            Assert.Equal(RateDecision.Proceed, limiter.OnRequest());
        }
    }

    [Theory]
    [InlineData(500, RateDecision.Proceed)]
    [InlineData(501, RateDecision.Delay)]
    [InlineData(2500, RateDecision.Delay)]
    [InlineData(2501, RateDecision.Close)]
    public void OnRequest_AverageAfterGrace_Decides(int requestsIncludingThis, RateDecision expected)
    {
        var time = new FakeTimeProvider();
        var limiter = new ConnectionRateLimiter(time, new RateRule());
        for (var i = 0; i < requestsIncludingThis - 1; i++)
        {
            limiter.OnRequest();
        }

        time.Advance(TimeSpan.FromSeconds(5));

        // 5 s since connect: 500 requests = 100 req/s (not above), 501 above 100, 2501 above 500.
        Assert.Equal(expected, limiter.OnRequest());
    }

    [Fact]
    public void OnRequest_Disabled_NeverCloses()
    {
        var time = new FakeTimeProvider();
        var limiter = new ConnectionRateLimiter(time, new RateRule { Enabled = false });
        for (var i = 0; i < 10_000; i++)
        {
            limiter.OnRequest();
        }

        time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(RateDecision.Proceed, limiter.OnRequest());
    }

    [Fact]
    public void OnRequest_RateFallsBackOverTime_ProceedsAgain()
    {
        var time = new FakeTimeProvider();
        var limiter = new ConnectionRateLimiter(time, new RateRule());
        for (var i = 0; i < 1000; i++)
        {
            limiter.OnRequest();
        }

        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(RateDecision.Delay, limiter.OnRequest());
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(RateDecision.Proceed, limiter.OnRequest());
    }
}
