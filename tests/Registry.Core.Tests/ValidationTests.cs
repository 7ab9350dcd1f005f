namespace Registry.Core.Tests;

public sealed class ValidationTests
{
    [Theory]
    [InlineData("a", null)]
    [InlineData("a-1", null)]
    [InlineData("0", null)]
    [InlineData("a--b", null)]
    [InlineData("a-", "hostname must be lowercase alphanumeric with hyphens, start/end with alphanumeric")]
    [InlineData("a_b", "hostname must be lowercase alphanumeric with hyphens, start/end with alphanumeric")]
    [InlineData("café", "hostname must be lowercase alphanumeric with hyphens, start/end with alphanumeric")]
    [InlineData("a\n", "hostname must be lowercase alphanumeric with hyphens, start/end with alphanumeric")]
    [InlineData("localhost", "hostname \"localhost\" is reserved")]
    [InlineData("backbone", "hostname \"backbone\" is reserved")]
    public void CheckHostname_Rules(string hostname, string? error)
    {
        Assert.Equal(error, Validation.CheckHostname(hostname));
    }

    [Fact]
    public void CheckHostname_LengthBoundary()
    {
        Assert.Null(Validation.CheckHostname(new string('a', 63)));
        Assert.Equal("hostname too long (max 63 chars)", Validation.CheckHostname(new string('a', 64)));
    }

    [Theory]
    [InlineData("", "network name required")]
    [InlineData("lab-1", null)]
    [InlineData("Lab", "network name must be lowercase alphanumeric with hyphens, start/end with alphanumeric")]
    [InlineData("backbone", "network name \"backbone\" is reserved")]
    public void CheckNetworkName_Rules(string name, string? error)
    {
        Assert.Equal(error, Validation.CheckNetworkName(name));
    }

    [Fact]
    public void NormalizeTags_StripsOneHashAndKeepsFirstOccurrenceOrder()
    {
        var tags = Validation.NormalizeTags(["#b", "a", "b", "#a"], out var error);

        Assert.Null(error);
        Assert.Equal(["b", "a"], tags);
        Validation.NormalizeTags(["##a"], out error);
        Assert.Equal("tag \"#a\" must be lowercase alphanumeric with hyphens", error);
        Assert.Single(Validation.NormalizeTags([new string('t', 32)], out error));
        Assert.Null(error);
    }

    [Fact]
    public void CheckPublicKey_RequiresStandardBase64Of32Bytes()
    {
        Assert.Null(Validation.CheckPublicKey(TestKit.Key(1)));
        Assert.Equal("illegal base64 data", Validation.CheckPublicKey(TestKit.Key(1).Replace('=', '-')));
        Assert.Equal("key must be 32 bytes, got 33", Validation.CheckPublicKey(Convert.ToBase64String(new byte[33])));
    }

    [Theory]
    [InlineData("{\"version\":1}", null)]
    [InlineData("{\"version\":1.0}", "invalid expr_policy: version must be 1")]
    [InlineData("[1]", "invalid expr_policy: must be a JSON object")]
    [InlineData("{\"version\":\"1\"}", "invalid expr_policy: version must be 1")]
    [InlineData("{}", "invalid expr_policy: version must be 1")]
    public void CheckExprPolicy_Rules(string json, string? error)
    {
        Assert.Equal(error, Validation.CheckExprPolicy(System.Text.Encoding.UTF8.GetBytes(json)));
    }

    [Theory]
    [InlineData("2026-05-12T08:00:00Z", "2026-05-12T08:00:00Z")]
    [InlineData("2026-05-12T11:50:00+02:00", "2026-05-12T09:50:00Z")]
    [InlineData("2026-05-12T09:30:00.123456789Z", "2026-05-12T09:30:00Z")]
    [InlineData("2026-05-12T11:45:01.5+02:00", "2026-05-12T09:45:01Z")]
    [InlineData("2026-05-12 08:00:00Z", null)]
    [InlineData("2026-05-12T08:00:00", null)]
    [InlineData("5/12/2026", null)]
    [InlineData("", null)]
    public void TimesParse_AcceptsRfc3339Only(string text, string? expected)
    {
        var parsed = Times.Parse(text);

        Assert.Equal(expected, parsed is { } value ? Times.Format(value) : null);
    }
}
