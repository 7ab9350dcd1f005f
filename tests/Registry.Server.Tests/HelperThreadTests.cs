using Registry.Server.Security;

namespace Registry.Server.Tests;

public sealed class HelperThreadTests
{
    [Fact]
    public void Start_WorkHandedOneAfterAnother_EachRunsOnTheNamedThread()
    {
        var ct = TestContext.Current.CancellationToken;
        using var helper = new HelperThread("helper-under-test");
        var ran = new List<string?>();
        for (var i = 0; i < 3; i++)
        {
            using var done = new ManualResetEventSlim(false);
            helper.Start(() =>
            {
                ran.Add(Thread.CurrentThread.Name);
                done.Set();
            });
            Assert.True(done.Wait(TimeSpan.FromSeconds(30), ct));
        }

        Assert.Equal(["helper-under-test", "helper-under-test", "helper-under-test"], ran);
    }

    [Fact]
    public void Start_WhileTheHelperIsBusy_TheNewWorkRunsAfterIt()
    {
        var ct = TestContext.Current.CancellationToken;
        using var helper = new HelperThread("helper-under-test");
        using var firstRunning = new ManualResetEventSlim(false);
        using var releaseFirst = new ManualResetEventSlim(false);
        using var secondDone = new ManualResetEventSlim(false);

        helper.Start(() =>
        {
            firstRunning.Set();
            releaseFirst.Wait(ct);
        });
        Assert.True(firstRunning.Wait(TimeSpan.FromSeconds(30), ct));
        helper.Start(secondDone.Set);
        releaseFirst.Set();

        Assert.True(secondDone.Wait(TimeSpan.FromSeconds(30), ct));
    }
}
