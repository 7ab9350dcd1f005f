using System.Text.Json.Serialization;

namespace Registry.Persistence.Deltas.Payloads;

/// <summary>Payload of <see cref="DeltaType.TaskExec"/> (ours; Go never logs it): a node's resulting task-executor flag.</summary>
/// <remarks>Set semantics: replay sets the node's task-exec flag to <see cref="TaskExec"/>. Both members are always written.</remarks>
public sealed record TaskExecDelta
{
    /// <summary>The node whose flag changed.</summary>
    [JsonPropertyName("node_id")]
    public uint NodeId { get; set; }

    /// <summary>Whether the node accepts tasks after the change.</summary>
    [JsonPropertyName("task_exec")]
    public bool TaskExec { get; set; }
}
