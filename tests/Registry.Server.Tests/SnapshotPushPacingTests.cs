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
        pacing.Pushed(time.GetTimestamp());

        Assert.True(pacing.IsDue);
    }
}
