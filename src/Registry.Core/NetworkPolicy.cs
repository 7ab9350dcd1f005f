namespace Registry.Core;

/// <summary>A network's membership policy.</summary>
/// <param name="MaxMembers">The member limit, 0 for none.</param>
/// <param name="AllowedPorts">The allowed ports; empty for no restriction.</param>
/// <param name="Description">The description, or empty.</param>
public sealed record NetworkPolicy(int MaxMembers, IReadOnlyList<ushort> AllowedPorts, string Description);
