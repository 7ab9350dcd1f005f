using System.Text.Json.Serialization;

namespace Registry.Persistence.Snapshots.Model;

/// <summary>
/// Source-generated metadata for reading snapshots without reflection. Member names match case-insensitively
/// (Go prefers an exact match, then any case-folded one, §6.8); integers must be plain integers in range.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = true,
    NumberHandling = JsonNumberHandling.Strict,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    DefaultBufferSize = 1 << 20)]
[JsonSerializable(typeof(Snapshot))]
internal sealed partial class SnapshotJsonContext : JsonSerializerContext;
