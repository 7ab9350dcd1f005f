namespace Registry.Server.Protocol;

/// <summary>The wire protocol's error-text filter (§1.2): only messages that name an expected condition reach the client.</summary>
/// <remarks>
/// Anything else becomes "request failed", so internal details (ids of other nodes, exception texts, standby state)
/// never leak. The substring list is part of the protocol: clients match on these words.
/// </remarks>
public static class ErrorSanitizer
{
    /// <summary>The text sent in place of any message that matches none of <see cref="PassThroughSubstrings"/>.</summary>
    public const string RequestFailed = "request failed";

    /// <summary>The substrings that let a handler's message through unchanged, in the order the spec lists them.</summary>
    public static readonly IReadOnlyList<string> PassThroughSubstrings =
    [
        "rate limited", "enterprise feature", "expired", "already", "not a member", "cannot",
        "too many", "too long", "not found", "invalid", "require", "signature",
    ];

    /// <summary>Returns <paramref name="message"/> when it contains a pass-through substring (ordinal, case-sensitive), else "request failed".</summary>
    public static string Sanitize(string? message)
    {
        if (string.IsNullOrEmpty(message))
        {
            return RequestFailed;
        }

        foreach (var allowed in PassThroughSubstrings)
        {
            if (message.Contains(allowed, StringComparison.Ordinal))
            {
                return message;
            }
        }

        return RequestFailed;
    }
}
