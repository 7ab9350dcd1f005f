using System.Text.Json.Serialization;

namespace Registry.Persistence.Snapshots.Model;

/// <summary>The Go <c>NetworkRules</c> (wire package).</summary>
public sealed class NetworkRules
{
    /// <summary>Links per node.</summary>
    [JsonPropertyName("links")]
    public long Links { get; set; }

    /// <summary>Cycle, Go duration text.</summary>
    [JsonPropertyName("cycle")]
    public string? Cycle { get; set; }

    /// <summary>Links pruned per cycle.</summary>
    [JsonPropertyName("prune")]
    public long Prune { get; set; }

    /// <summary><c>score</c>, <c>age</c> or <c>activity</c>.</summary>
    [JsonPropertyName("prune_by")]
    public string? PruneBy { get; set; }

    /// <summary>Links filled per cycle.</summary>
    [JsonPropertyName("fill")]
    public long Fill { get; set; }

    /// <summary>Fill method.</summary>
    [JsonPropertyName("fill_how")]
    public string? FillHow { get; set; }

    /// <summary>Grace period, Go duration text.</summary>
    [JsonPropertyName("grace")]
    public string? Grace { get; set; }
}
