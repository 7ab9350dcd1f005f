using Microsoft.Extensions.Time.Testing;
using Registry.Server.Security;

namespace Registry.Server.Tests;

public sealed class RecentVerificationsTests
{
    [Fact]
    public void IsFresh_WithinAndAfterWindow_TrueThenFalse()
    {
        var time = new FakeTimeProvider();
        var recent = new RecentVerifications(time, TimeSpan.FromSeconds(120));
        Assert.False(recent.IsFresh(5));

        recent.MarkVerified(5);
        time.Advance(TimeSpan.FromSeconds(119));
        Assert.True(recent.IsFresh(5));
        Assert.False(recent.IsFresh(6));

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(recent.IsFresh(5));
    }

    [Fact]
    public void IsFresh_AfterForgetOrWithZeroWindow_False()
    {
        var time = new FakeTimeProvider();
        var recent = new RecentVerifications(time, TimeSpan.FromSeconds(120));
        recent.MarkVerified(5);
        recent.Forget(5);
        Assert.False(recent.IsFresh(5));

        var disabled = new RecentVerifications(time, TimeSpan.Zero);
        disabled.MarkVerified(5);
        Assert.False(disabled.IsFresh(5));
    }
}
