namespace Registry.Core;

/// <summary>One node's mutable record inside <see cref="RegistryState"/>; only the delta applier changes it.</summary>
/// <remarks>
/// <para>Its lists are read-only and replaced on change, never edited in place, so a copy can share them and copying
/// a node is one shallow clone.</para>
/// <para>Copy-on-write for snapshots: a capture freezes every node and shares it with the snapshot instead of copying
/// 100k records under the registry lock; the applier asks <see cref="RegistryState.TryGetMutableNode"/> for a node it
/// changes, which replaces a frozen one by a private clone. A setter on a frozen node throws, so a change that
/// bypassed that path fails loudly instead of altering a snapshot being written.</para>
/// </remarks>
internal sealed class NodeState
{
    public required uint Id { get; init; }

    /// <summary>The key as standard base64, the form the key index and the payloads use.</summary>
    public string PublicKey { get; set => field = Writable(value); } = string.Empty;

    public string Owner { get; set => field = Writable(value); } = string.Empty;

    public string RealAddr { get; set => field = Writable(value); } = string.Empty;

    public IReadOnlyList<string> LanAddrs { get; set => field = Writable(value); } = [];

    public IReadOnlyList<ushort> Networks { get; set => field = Writable(value); } = [];

    public bool Public { get; set => field = Writable(value); }

    public string Hostname { get; set => field = Writable(value); } = string.Empty;

    public IReadOnlyList<string> Tags { get; set => field = Writable(value); } = [];

    public bool TaskExec { get; set => field = Writable(value); }

    public DateTimeOffset? KeyCreated { get; set => field = Writable(value); }

    public DateTimeOffset? KeyRotated { get; set => field = Writable(value); }

    public int KeyRotateCount { get; set => field = Writable(value); }

    public DateTimeOffset? KeyExpires { get; set => field = Writable(value); }

    public string ExternalId { get; set => field = Writable(value); } = string.Empty;

    public string Version { get; set => field = Writable(value); } = string.Empty;

    public bool RelayOnly { get; set => field = Writable(value); }

    public DateTimeOffset LastSeen { get; set => field = Writable(value); }

    /// <summary>True once a snapshot capture shares this record; from then on it never changes.</summary>
    public bool Frozen { get; private set; }

    /// <summary>Marks the record as shared with a snapshot.</summary>
    public void Freeze() => Frozen = true;

    /// <summary>A writable copy that shares nothing mutable with this record (the lists are never changed in place).</summary>
    public NodeState Clone()
    {
        var copy = (NodeState)MemberwiseClone();
        copy.Frozen = false;
        return copy;
    }

    private T Writable<T>(T value) =>
        Frozen ? throw new InvalidOperationException($"node {Id} is shared with a snapshot; change it through RegistryState.TryGetMutableNode") : value;
}
