using Registry.Persistence.Snapshots;

namespace Registry.Persistence.Tests.Snapshots;

public class GoTimeTests
{
    [Theory]
    [InlineData("2026-05-12T09:30:00.123456789Z")]
    [InlineData("2026-05-12T11:45:01.5+02:00")]
    [InlineData("2026-05-12T09:31:00Z")]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("2024-02-29T23:59:59-11:30")]
    public void IsRfc3339_GoAcceptedText_True(string text)
    {
        Assert.True(GoTime.IsRfc3339(text));
    }

    [Theory]
    [InlineData("2026-05-12 09:30:00Z")]
    [InlineData("2026-05-12t09:30:00Z")]
    [InlineData("2026-05-12T09:30:00z")]
    [InlineData("2026-05-12T09:30:00")]
    [InlineData("2026-05-12T09:30:00.Z")]
    [InlineData("2026-05-12T09:30:00.1234567890Z")]
    [InlineData("2026-02-29T00:00:00Z")]
    [InlineData("2026-13-01T00:00:00Z")]
    [InlineData("2026-05-12T24:00:00Z")]
    [InlineData("2026-05-12T09:30:00+0200")]
    [InlineData("2026-05-12T09:30:00+24:00")]
    [InlineData("")]
    public void IsRfc3339_RejectedText_False(string text)
    {
        Assert.False(GoTime.IsRfc3339(text));
    }
}
