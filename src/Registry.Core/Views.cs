namespace Registry.Core;

/// <summary>An immutable copy of one node's record, as queries return it.</summary>
public sealed record NodeInfo
{
    /// <summary>The node id.</summary>
    public required uint Id { get; init; }

    /// <summary>The backbone address text.</summary>
    public string Address => NodeAddress.Format(RegistryState.BackboneId, Id);

    /// <summary>The public key, standard base64.</summary>
    public required string PublicKey { get; init; }

    /// <summary>The owner, or empty.</summary>
    public required string Owner { get; init; }

    /// <summary>The recorded address, or empty.</summary>
    public required string RealAddr { get; init; }

    /// <summary>The LAN addresses.</summary>
    public required IReadOnlyList<string> LanAddrs { get; init; }

    /// <summary>The networks the node belongs to.</summary>
    public required IReadOnlyList<ushort> Networks { get; init; }

    /// <summary>Whether the node is public.</summary>
    public required bool Public { get; init; }

    /// <summary>The hostname, or empty.</summary>
    public required string Hostname { get; init; }

    /// <summary>The tags.</summary>
    public required IReadOnlyList<string> Tags { get; init; }

    /// <summary>Whether the node accepts tasks.</summary>
    public required bool TaskExec { get; init; }

    /// <summary>The identity provider's id, or empty.</summary>
    public required string ExternalId { get; init; }

    /// <summary>The daemon version, or empty.</summary>
    public required string Version { get; init; }

    /// <summary>Whether the node is reachable only through a relay.</summary>
    public required bool RelayOnly { get; init; }

    /// <summary>The last heartbeat (or registration) time.</summary>
    public required DateTimeOffset LastSeen { get; init; }

    /// <summary>The key's lifecycle data.</summary>
    public required KeyInfo Key { get; init; }

    internal static NodeInfo From(NodeState n) => new()
    {
        Id = n.Id,
        PublicKey = n.PublicKey,
        Owner = n.Owner,
        RealAddr = n.RealAddr,
        LanAddrs = [.. n.LanAddrs],
        Networks = [.. n.Networks],
        Public = n.Public,
        Hostname = n.Hostname,
        Tags = [.. n.Tags],
        TaskExec = n.TaskExec,
        ExternalId = n.ExternalId,
        Version = n.Version,
        RelayOnly = n.RelayOnly,
        LastSeen = n.LastSeen,
        Key = new KeyInfo(n.Id, n.KeyCreated, n.KeyRotated, n.KeyRotateCount, n.KeyExpires),
    };
}

/// <summary>A node key's lifecycle data (<c>get_key_info</c>).</summary>
/// <param name="NodeId">The node.</param>
/// <param name="Created">When the key was created, if known.</param>
/// <param name="Rotated">When it was last rotated, if ever.</param>
/// <param name="RotateCount">How many rotations.</param>
/// <param name="Expires">When it expires, if set.</param>
public sealed record KeyInfo(uint NodeId, DateTimeOffset? Created, DateTimeOffset? Rotated, int RotateCount, DateTimeOffset? Expires)
{
    /// <summary>Whole days since the last rotation, else since creation; null when neither is known.</summary>
    public int? AgeDays(DateTimeOffset now) => (Rotated ?? Created) is { } since ? (int)(now - since).TotalDays : null;
}

/// <summary>An immutable copy of one network's record, as queries return it.</summary>
public sealed record NetworkInfo
{
    /// <summary>The network id.</summary>
    public required ushort Id { get; init; }

    /// <summary>The name.</summary>
    public required string Name { get; init; }

    /// <summary>The join rule.</summary>
    public required string JoinRule { get; init; }

    /// <summary>Whether it has enterprise features.</summary>
    public required bool Enterprise { get; init; }

    /// <summary>When it was created.</summary>
    public required DateTimeOffset Created { get; init; }

    /// <summary>Members in join order.</summary>
    public required IReadOnlyList<uint> Members { get; init; }

    /// <summary>Roles by member id.</summary>
    public required IReadOnlyDictionary<uint, string> MemberRoles { get; init; }

    /// <summary>Member tags by member id.</summary>
    public required IReadOnlyDictionary<uint, IReadOnlyList<string>> MemberTags { get; init; }

    /// <summary>The policy, or null.</summary>
    public required NetworkPolicy? Policy { get; init; }

    /// <summary>The rules document (raw JSON), or null; a network with rules is "managed".</summary>
    public required ReadOnlyMemory<byte>? Rules { get; init; }

    /// <summary>The expression policy (raw JSON), or null.</summary>
    public required ReadOnlyMemory<byte>? ExprPolicy { get; init; }

    /// <summary>Whether the network has a per-network admin token (the token itself is checked with <see cref="NodeRegistry.NetworkAdminTokenMatches"/>).</summary>
    public required bool HasAdminToken { get; init; }

    internal static NetworkInfo From(NetworkState n) => new()
    {
        Id = n.Id,
        Name = n.Name,
        JoinRule = n.JoinRule,
        Enterprise = n.Enterprise,
        Created = n.Created,
        Members = [.. n.Members],
        MemberRoles = new Dictionary<uint, string>(n.MemberRoles),
        MemberTags = n.MemberTags.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)[.. p.Value]),
        Policy = n.Policy,
        Rules = n.Rules is null ? null : (ReadOnlyMemory<byte>?)n.Rules.ToArray(),
        ExprPolicy = n.ExprPolicy is null ? null : (ReadOnlyMemory<byte>?)n.ExprPolicy.ToArray(),
        HasAdminToken = n.AdminToken.Length > 0,
    };
}

/// <summary>One entry of <c>list_nodes</c>: a member of the network, with its node record unless the node is gone.</summary>
/// <param name="NodeId">The member id.</param>
/// <param name="Node">The node record, or null when the node was reaped or removed ("offline").</param>
/// <param name="Role">The member's role, or null.</param>
/// <param name="MemberTags">The member's tags in this network.</param>
public sealed record NetworkMember(uint NodeId, NodeInfo? Node, string? Role, IReadOnlyList<string> MemberTags);
