namespace Registry.Core;

/// <summary>The join rules a network can have.</summary>
public static class JoinRules
{
    /// <summary>Anyone may join.</summary>
    public const string Open = "open";

    /// <summary>Joining needs the network token.</summary>
    public const string Token = "token";

    /// <summary>Joining needs an invitation (enterprise networks only).</summary>
    public const string Invite = "invite";
}
