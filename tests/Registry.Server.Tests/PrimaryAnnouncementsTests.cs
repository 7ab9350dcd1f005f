using Registry.Server.Replication;

namespace Registry.Server.Tests;

public sealed class PrimaryAnnouncementsTests
{
    [Fact]
    public void OldestMissing_IsTheOldestAnnouncementNotYetHeld_AndTheFirstCarriesWhenTheStandbyFellBehind()
    {
        var announced = new PrimaryAnnouncements();
        Assert.False(announced.Any);
        Assert.Null(announced.OldestMissing(0));

        // Behind since 50 (a disconnect): the connection's first announcement dates from then, the later ones from when they came.
        announced.Add(10, now: 100, behindSince: 50);
        announced.Add(10, now: 110, behindSince: 50);
        announced.Add(8, now: 115, behindSince: 50);
        announced.Add(20, now: 120, behindSince: 50);
        announced.Add(30, now: 130, behindSince: 50);
        Assert.True(announced.Any);

        Assert.Equal(50, announced.OldestMissing(9));
        Assert.Equal(120, announced.OldestMissing(10));
        Assert.Equal(130, announced.OldestMissing(25));
        Assert.Null(announced.OldestMissing(30));

        // Not behind when it came: dated when it came.
        var fresh = new PrimaryAnnouncements();
        fresh.Add(5, now: 200, behindSince: 0);
        Assert.Equal(200, fresh.OldestMissing(4));
    }
}
