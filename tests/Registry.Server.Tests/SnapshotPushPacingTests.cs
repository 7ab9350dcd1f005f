using Microsoft.Extensions.Time.Testing;
using Registry.Server.Replication;

namespace Registry.Server.Tests;

public sealed class SnapshotPushPacingTests
{
    [Fact]
    public void BeforeAnyPush_IsDue() => Assert.True(new SnapshotPushPacing(new FakeTimeProvider()).IsDue);

    [Fact]
    public void AfterAPushThatTookTwoSeconds_IsDueEighteenSecondsAfterItEnded()
    {
        var time = new FakeTimeProvider();
        var pacing = new SnapshotPushPacing(time);
        var started = time.GetTimestamp();
        time.Advance(TimeSpan.FromSeconds(2));
        pacing.Pushed(started);

        time.Advance(TimeSpan.FromSeconds(18) - TimeSpan.FromMilliseconds(1));
        Assert.False(pacing.IsDue);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(pacing.IsDue);
    }

    [Fact]
    public void AfterAPushThatTookNoTime_IsDueAtOnce()
    {
        var time = new FakeTimeProvider();
        var pacing = new SnapshotPushPacing(time);
        Assert.Null(pacing.Pushed(time.GetTimestamp()));

        Assert.True(pacing.IsDue);
    }

    [Fact]
    public void Pushed_TellsTheWaitFirstWhenItPassesASecond_ThenOnlyWhenItHalvesOrDoubles()
    {
        var time = new FakeTimeProvider();
        var pacing = new SnapshotPushPacing(time);
        TimeSpan? PushTaking(double seconds)
        {
            var started = time.GetTimestamp();
            time.Advance(TimeSpan.FromSeconds(seconds));
            var told = pacing.Pushed(started);
            time.Advance(TimeSpan.FromMinutes(5));
            return told;
        }

        Assert.Null(PushTaking(0.1));
        Assert.Equal(TimeSpan.FromSeconds(1.8), PushTaking(0.2));
        Assert.Null(PushTaking(0.3));
        Assert.Null(PushTaking(0.15));
        Assert.Equal(TimeSpan.FromSeconds(3.6), PushTaking(0.4));
        Assert.Equal(TimeSpan.FromSeconds(0.9), PushTaking(0.1));
    }
}
