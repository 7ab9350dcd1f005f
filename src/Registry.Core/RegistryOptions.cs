namespace Registry.Core;

/// <summary>Limits of a <see cref="NodeRegistry"/>.</summary>
public sealed record RegistryOptions
{
    /// <summary>The node table cap; register of a new node beyond it fails with "registry full". Default 1,000,000.</summary>
    public int MaxNodes { get; init; } = 1_000_000;

    /// <summary>A handshake inbox holds at most this many requests. Default 100.</summary>
    public int MaxHandshakeInbox { get; init; } = 100;

    /// <summary>A handshake justification is at most this many UTF-8 bytes. Default 1024.</summary>
    public int MaxJustificationBytes { get; init; } = 1024;

    /// <summary>A network-invite inbox holds at most this many invitations. Default 100.</summary>
    public int MaxInviteInbox { get; init; } = 100;

    /// <summary>How long an invitation stays valid. Default 30 days.</summary>
    public TimeSpan InviteTtl { get; init; } = TimeSpan.FromDays(30);
}
