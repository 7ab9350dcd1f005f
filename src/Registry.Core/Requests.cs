namespace Registry.Core;

/// <summary>A <c>register</c> request as the server hands it to the registry (address already resolved to the observed one).</summary>
public sealed record RegisterRequest
{
    /// <summary>The node's Ed25519 public key, standard base64 of 32 bytes; required.</summary>
    public required string PublicKey { get; init; }

    /// <summary>The owner (for example an e-mail address), or null.</summary>
    public string? Owner { get; init; }

    /// <summary>The address to record (the server's "observed" address), or null.</summary>
    public string? RealAddr { get; init; }

    /// <summary>The requested hostname, or null; an invalid or taken one is reported, not fatal.</summary>
    public string? Hostname { get; init; }

    /// <summary>The node's LAN addresses, or null.</summary>
    public IReadOnlyList<string>? LanAddrs { get; init; }

    /// <summary>The daemon version text, or null.</summary>
    public string? Version { get; init; }

    /// <summary>Whether the node is reachable only through a relay.</summary>
    public bool RelayOnly { get; init; }
}

/// <summary>A <c>create_network</c> request (the caller has checked the admin token).</summary>
public sealed record CreateNetworkRequest
{
    /// <summary>The creating node; it becomes the owner.</summary>
    public required uint NodeId { get; init; }

    /// <summary>The network name.</summary>
    public required string Name { get; init; }

    /// <summary>"open" (default when null or empty), "token" or "invite".</summary>
    public string? JoinRule { get; init; }

    /// <summary>The join token for token networks.</summary>
    public string? Token { get; init; }

    /// <summary>The per-network admin token, or null.</summary>
    public string? NetworkAdminToken { get; init; }

    /// <summary>Whether the network has enterprise features.</summary>
    public bool Enterprise { get; init; }

    /// <summary>The managed-network rules document as raw UTF-8 JSON, or null.</summary>
    public ReadOnlyMemory<byte>? Rules { get; init; }

    /// <summary>The expression policy document as raw UTF-8 JSON (an object with <c>version</c> 1), or null.</summary>
    public ReadOnlyMemory<byte>? ExprPolicy { get; init; }
}
