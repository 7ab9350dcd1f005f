using System.Text.Json.Serialization;

namespace Registry.Persistence.Snapshots.Model;

/// <summary>A queued network invite (Go <c>membership.NetworkInvite</c>).</summary>
public sealed class NetworkInvite
{
    /// <summary>Network invited to.</summary>
    [JsonPropertyName("network_id")]
    public ushort NetworkId { get; set; }

    /// <summary>Inviting node.</summary>
    [JsonPropertyName("inviter_id")]
    public uint InviterId { get; set; }

    /// <summary>A Go <c>time.Time</c> kept as its RFC 3339 nanosecond text; <see langword="null"/> is the zero time.</summary>
    [JsonPropertyName("timestamp")]
    public string? Timestamp { get; set; }
}
