using Microsoft.Extensions.Time.Testing;
using Registry.Server.Transport;

namespace Registry.Server.Tests;

public sealed class AcceptThrottleTests
{
    [Fact]
    public void DelayBeforeNextAccept_LimitReachedWithinSecond_WaitsForNextSecond()
    {
        var time = new FakeTimeProvider();
        var throttle = new AcceptThrottle(time, TimeSpan.FromSeconds(60), perSecond: 3);

        Assert.Equal(TimeSpan.Zero, throttle.DelayBeforeNextAccept());
        Assert.Equal(TimeSpan.Zero, throttle.DelayBeforeNextAccept());
        time.Advance(TimeSpan.FromMilliseconds(400));
        Assert.Equal(TimeSpan.FromMilliseconds(600), throttle.DelayBeforeNextAccept());

        time.Advance(TimeSpan.FromMilliseconds(600));
        Assert.Equal(TimeSpan.Zero, throttle.DelayBeforeNextAccept());
    }

    [Fact]
    public void DelayBeforeNextAccept_AfterWindow_NeverWaits()
    {
        var time = new FakeTimeProvider();
        var throttle = new AcceptThrottle(time, TimeSpan.FromSeconds(60), perSecond: 1);
        time.Advance(TimeSpan.FromSeconds(60));

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(TimeSpan.Zero, throttle.DelayBeforeNextAccept());
        }
    }
}
