using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Payload of <see cref="DeltaType.NetworkCreate"/>: the parameters of a new network (Go's <c>NetworkCreateDelta</c>).</summary>
/// <remarks>
/// The envelope's node id is 0. Go carries no rules, expression policy or network policy; ours add them as
/// optional members (<see cref="Rules"/>, <see cref="ExprPolicy"/>, <see cref="Policy"/>) so a crash loses
/// nothing. Go ignores them.
/// Optional members are null (strings) or zero/false when absent, which Go treats as the same value.
/// </remarks>
public sealed record NetworkCreateDelta
{
    /// <summary>The new network's id.</summary>
    [JsonPropertyName("network_id")]
    public ushort NetworkId { get; set; }

    /// <summary>The network name.</summary>
    [JsonPropertyName("name")]
    public string Name { get; set => field = value ?? string.Empty; } = string.Empty;

    /// <summary>How nodes join: <c>open</c>, <c>token</c> or <c>invite</c>.</summary>
    [JsonPropertyName("join_rule")]
    public string JoinRule { get; set => field = value ?? string.Empty; } = string.Empty;

    /// <summary>The join token for <c>token</c> networks, or null.</summary>
    [JsonPropertyName("token")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public string? Token { get; set; }

    /// <summary>The per-network admin token, or null.</summary>
    [JsonPropertyName("admin_token")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public string? AdminToken { get; set; }

    /// <summary>Whether the network has enterprise features; omitted when false.</summary>
    [JsonPropertyName("enterprise")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Enterprise { get; set; }

    /// <summary>The creating node, which becomes the owner; 0 (omitted) when none.</summary>
    [JsonPropertyName("creator_node_id")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public uint CreatorNodeId { get; set; }

    /// <summary>Creation time as RFC 3339 UTC with seconds.</summary>
    [JsonPropertyName("created_at")]
    public string CreatedAt { get; set => field = value ?? string.Empty; } = string.Empty;

    /// <summary>The managed-network rules document as given at creation (ours), or null.</summary>
    [JsonPropertyName("rules")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Rules { get; set; }

    /// <summary>The expression policy document as given at creation (ours), or null.</summary>
    [JsonPropertyName("expr_policy")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? ExprPolicy { get; set; }

    /// <summary>The network policy at creation (ours), or null for none.</summary>
    [JsonPropertyName("policy")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public NetworkPolicyPayload? Policy { get; set; }
}
