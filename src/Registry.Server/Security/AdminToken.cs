using Registry.Server.Dispatch;

namespace Registry.Server.Security;

/// <summary>The global admin token check (§2.2), constant-time.</summary>
public sealed class AdminToken
{
    /// <summary>Error when no admin token is configured: every admin-gated operation is off (sanitized to "request failed").</summary>
    public const string Disabled = "network creation is disabled";

    /// <summary>Error when the presented token does not match.</summary>
    public const string Invalid = "invalid admin token";

    private readonly string _configured;

    /// <summary>Creates the check for <paramref name="configured"/> (null or empty = admin operations disabled).</summary>
    public AdminToken(string? configured) => _configured = configured ?? string.Empty;

    /// <summary>True when an admin token is configured.</summary>
    public bool IsConfigured => _configured.Length > 0;

    /// <summary>True when <paramref name="presented"/> is the configured token; always false when none is configured.</summary>
    public bool IsValid(string? presented) =>
        IsConfigured && !string.IsNullOrEmpty(presented) && ReplicationHandshake.ConstantTimeEquals(presented, _configured);

    /// <summary>Returns null when <paramref name="presented"/> is valid, else "network creation is disabled" or "invalid admin token".</summary>
    public string? Check(string? presented) => !IsConfigured ? Disabled : IsValid(presented) ? null : Invalid;
}
