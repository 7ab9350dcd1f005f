using Registry.Server.Observability;

namespace Registry.Server.Tests;

public sealed class ReadinessReportTests
{
    private static readonly TimeSpan MaxLag = TimeSpan.FromSeconds(30);

    [Fact]
    public void Evaluate_EachRule_NamesWhatIsMissing()
    {
        var heard = TimeSpan.FromSeconds(1);
        Assert.Equal("recovering", ReadinessReport.Evaluate(false, null, false, null, MaxLag).Reason);
        Assert.Equal("log poisoned: disk gone", ReadinessReport.Evaluate(true, new IOException("disk gone"), false, null, MaxLag).Reason);
        Assert.Equal("standby has no replicated state yet", ReadinessReport.Evaluate(true, null, true, null, MaxLag).Reason);
        Assert.Equal("standby lagging", ReadinessReport.Evaluate(true, null, true, TimeSpan.FromSeconds(31), MaxLag).Reason);
        Assert.Equal("standby catching up with the primary: 42 records behind", ReadinessReport.Evaluate(true, null, true, heard, MaxLag, caughtUp: false, behind: 42).Reason);
        Assert.Equal("standby catching up with the primary", ReadinessReport.Evaluate(true, null, true, heard, MaxLag, caughtUp: false).Reason);
        Assert.Equal(
            "standby lagging: it has lacked records the primary had for 31.5 s (120 records behind)",
            ReadinessReport.Evaluate(true, null, true, heard, MaxLag, caughtUp: true, behind: 120, behindFor: TimeSpan.FromSeconds(31.5)).Reason);
    }

    [Fact]
    public void Evaluate_InContactCaughtUpAndBehindNoLongerThanTheLimit_IsReady()
    {
        Assert.True(ReadinessReport.Evaluate(true, null, true, TimeSpan.FromSeconds(1), MaxLag, caughtUp: true, behind: 120, behindFor: MaxLag).IsReady);
        Assert.True(ReadinessReport.Evaluate(true, null, false, null, MaxLag, caughtUp: false, behindFor: TimeSpan.FromHours(1)).IsReady);
    }
}
