namespace Registry.Core;

/// <summary>One network's mutable record inside <see cref="RegistryState"/>; only the delta applier changes it.</summary>
internal sealed class NetworkState
{
    public required ushort Id { get; init; }

    public string Name { get; set; } = string.Empty;

    public string JoinRule { get; set; } = JoinRules.Open;

    public string Token { get; set; } = string.Empty;

    public string AdminToken { get; set; } = string.Empty;

    /// <summary>Members in join order (list_nodes, snapshots and the legacy owner backfill depend on the order).</summary>
    public MemberList Members { get; private init; } = new();

    public Dictionary<uint, string> MemberRoles { get; private init; } = [];

    /// <summary>Per-member tags; kept when a node deregisters (format-spec §3.3).</summary>
    public Dictionary<uint, List<string>> MemberTags { get; private init; } = [];

    public NetworkPolicy? Policy { get; set; }

    /// <summary>The managed-network rules as raw JSON, or null.</summary>
    public byte[]? Rules { get; set; }

    /// <summary>The expression policy as raw JSON, or null.</summary>
    public byte[]? ExprPolicy { get; set; }

    public bool Enterprise { get; set; }

    public long RequestCount { get; set; }

    public DateTimeOffset Created { get; set; }

    /// <summary>A copy that shares nothing mutable with this record (policy and raw documents are never changed in place).</summary>
    public NetworkState Clone() => new()
    {
        Id = Id,
        Name = Name,
        JoinRule = JoinRule,
        Token = Token,
        AdminToken = AdminToken,
        Members = Members.Clone(),
        MemberRoles = new Dictionary<uint, string>(MemberRoles),
        MemberTags = MemberTags.ToDictionary(p => p.Key, p => new List<string>(p.Value)),
        Policy = Policy,
        Rules = Rules,
        ExprPolicy = ExprPolicy,
        Enterprise = Enterprise,
        RequestCount = RequestCount,
        Created = Created,
    };
}
