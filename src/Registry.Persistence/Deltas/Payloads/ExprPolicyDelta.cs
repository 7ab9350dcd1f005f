using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Payload of <see cref="DeltaType.ExprPolicy"/> (ours): a network's resulting expression policy.</summary>
/// <remarks>Set semantics: replay replaces the network's expression policy with the document, or clears it when the member is <c>null</c> (always written).</remarks>
public sealed record ExprPolicyDelta
{
    /// <summary>The network.</summary>
    [JsonPropertyName("network_id")]
    public ushort NetworkId { get; set; }

    /// <summary>The expression policy document, or null when cleared.</summary>
    [JsonPropertyName("expr_policy")]
    public JsonElement? ExprPolicy { get; set; }
}
