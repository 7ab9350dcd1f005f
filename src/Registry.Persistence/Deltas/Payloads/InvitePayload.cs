using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>One network invitation inside <see cref="InviteInboxDelta"/>.</summary>
public sealed record InvitePayload
{
    /// <summary>The network.</summary>
    [JsonPropertyName("network_id")]
    public ushort NetworkId { get; init; }

    /// <summary>The inviting node.</summary>
    [JsonPropertyName("inviter_id")]
    public uint InviterId { get; init; }

    /// <summary>When the invitation was sent, RFC 3339 UTC with seconds.</summary>
    [JsonPropertyName("timestamp")]
    public string Timestamp { get; init => field = value ?? string.Empty; } = string.Empty;
}
