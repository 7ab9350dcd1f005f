namespace Registry.Core;

/// <summary>One node's mutable record inside <see cref="RegistryState"/>; only the delta applier changes it.</summary>
/// <remarks>
/// Its lists are read-only and replaced on change, never edited in place, so a snapshot copy can share them and
/// copying a node under the registry lock is one shallow clone.
/// </remarks>
internal sealed class NodeState
{
    public required uint Id { get; init; }

    /// <summary>The key as standard base64, the form the key index and the payloads use.</summary>
    public string PublicKey { get; set; } = string.Empty;

    public string Owner { get; set; } = string.Empty;

    public string RealAddr { get; set; } = string.Empty;

    public IReadOnlyList<string> LanAddrs { get; set; } = [];

    public IReadOnlyList<ushort> Networks { get; set; } = [];

    public bool Public { get; set; }

    public string Hostname { get; set; } = string.Empty;

    public IReadOnlyList<string> Tags { get; set; } = [];

    public bool TaskExec { get; set; }

    public DateTimeOffset? KeyCreated { get; set; }

    public DateTimeOffset? KeyRotated { get; set; }

    public int KeyRotateCount { get; set; }

    public DateTimeOffset? KeyExpires { get; set; }

    public string ExternalId { get; set; } = string.Empty;

    public string Version { get; set; } = string.Empty;

    public bool RelayOnly { get; set; }

    public DateTimeOffset LastSeen { get; set; }

    /// <summary>A copy that shares nothing mutable with this record (the lists are never changed in place).</summary>
    public NodeState Clone() => (NodeState)MemberwiseClone();
}
