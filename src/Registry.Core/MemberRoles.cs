namespace Registry.Core;

/// <summary>The roles a network member can hold.</summary>
public static class MemberRoles
{
    /// <summary>The network's owner.</summary>
    public const string Owner = "owner";

    /// <summary>An administrator.</summary>
    public const string Admin = "admin";

    /// <summary>A plain member.</summary>
    public const string Member = "member";
}
