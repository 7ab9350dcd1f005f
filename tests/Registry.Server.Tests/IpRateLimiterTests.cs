using System.Net;
using Microsoft.Extensions.Time.Testing;
using Registry.Server.Security;

namespace Registry.Server.Tests;

public sealed class IpRateLimiterTests
{
    private static readonly IPAddress s_a = IPAddress.Parse("10.0.0.1");
    private static readonly IPAddress s_b = IPAddress.Parse("10.0.0.2");

    [Fact]
    public void TryAcquire_BurstSpent_RefusedUntilRefilled()
    {
        var time = new FakeTimeProvider();
        var limiter = new IpRateLimiter(time, burst: 10, TimeSpan.FromMinutes(1));

        for (var i = 0; i < 10; i++)
        {
            Assert.True(limiter.TryAcquire(s_a));
        }

        Assert.False(limiter.TryAcquire(s_a));
        Assert.True(limiter.TryAcquire(s_b));

        time.Advance(TimeSpan.FromSeconds(6));
        Assert.True(limiter.TryAcquire(s_a));
        Assert.False(limiter.TryAcquire(s_a));
    }

    [Fact]
    public void TryAcquire_MappedIPv4_SameBucketAsIPv4()
    {
        var limiter = new IpRateLimiter(new FakeTimeProvider(), burst: 1, TimeSpan.FromMinutes(1));

        Assert.True(limiter.TryAcquire(s_a));
        Assert.False(limiter.TryAcquire(s_a.MapToIPv6()));
    }

    [Fact]
    public void TryAcquire_TableFullOfBusyAddresses_AllowsNewAddress()
    {
        var time = new FakeTimeProvider();
        var limiter = new IpRateLimiter(time, burst: 1, TimeSpan.FromMinutes(1), maxAddresses: 1);
        Assert.True(limiter.TryAcquire(s_a));

        Assert.True(limiter.TryAcquire(s_b));
        Assert.True(limiter.TryAcquire(s_b));

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(limiter.TryAcquire(s_b));
        Assert.False(limiter.TryAcquire(s_b));
    }
}
