using Registry.Server.Protocol;

namespace Registry.Server.Tests;

public sealed class ErrorSanitizerTests
{
    [Theory]
    [InlineData("rate limited: too many registrations from 1.2.3.4")]
    [InlineData("enterprise feature: requires enterprise network")]
    [InlineData("node 3: key expired at 2026-01-01T00:00:00Z")]
    [InlineData("node 1 already in network 2")]
    [InlineData("node 1 is not a member of network 2")]
    [InlineData("cannot join the backbone network")]
    [InlineData("too many tags (max 10)")]
    [InlineData("hostname too long (max 63 chars)")]
    [InlineData("node 9: node not found")]
    [InlineData("invalid admin token")]
    [InlineData("registration requires public_key")]
    [InlineData("signature verification failed")]
    public void Sanitize_ContainsListedSubstring_PassesThrough(string message) => Assert.Equal(message, ErrorSanitizer.Sanitize(message));

    [Theory]
    [InlineData("registry full")]
    [InlineData("network creation is disabled")]
    [InlineData("standby mode: write operations not accepted (use primary)")]
    [InlineData("unknown message type: \"x\"")]
    [InlineData("resolve denied: node 4 is private (establish mutual trust first)")]
    [InlineData("Not Found")]
    [InlineData("")]
    [InlineData(null)]
    public void Sanitize_NoListedSubstring_RequestFailed(string? message) => Assert.Equal("request failed", ErrorSanitizer.Sanitize(message));

    [Fact]
    public void PassThroughSubstrings_MatchSpecList_Exactly() => Assert.Equal(
        ["rate limited", "enterprise feature", "expired", "already", "not a member", "cannot", "too many", "too long", "not found", "invalid", "require", "signature"],
        ErrorSanitizer.PassThroughSubstrings);
}
