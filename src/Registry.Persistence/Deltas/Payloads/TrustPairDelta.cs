using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Payload of <see cref="DeltaType.TrustAdd"/> and <see cref="DeltaType.TrustRevoke"/> (ours; Go never logs them): one symmetric trust pair.</summary>
/// <remarks>
/// Set semantics, with the direction given by the kind: after a TrustAdd the pair exists, after a
/// TrustRevoke it does not, whatever the state before. The pair is symmetric, so it is stored in canonical
/// order (<see cref="NodeA"/> ≤ <see cref="NodeB"/>, as Go's <c>"min:max"</c> key); use <see cref="Between"/>.
/// The envelope's node id is the node that made the request (informational only).
/// </remarks>
public sealed record TrustPairDelta
{
    /// <summary>The smaller node id of the pair.</summary>
    [JsonPropertyName("node_a")]
    public uint NodeA { get; set; }

    /// <summary>The larger node id of the pair.</summary>
    [JsonPropertyName("node_b")]
    public uint NodeB { get; set; }

    /// <summary>Creates the canonical payload for the pair of two nodes, in either order.</summary>
    public static TrustPairDelta Between(uint node, uint peer) =>
        new() { NodeA = Math.Min(node, peer), NodeB = Math.Max(node, peer) };
}
