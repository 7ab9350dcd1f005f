using Registry.Persistence.Deltas;

namespace Registry.Core.Lifecycle;

/// <summary>A delta sink that refuses every mutation: for read-only recovery (<c>registry inspect</c>).</summary>
public sealed class ReadOnlyDeltaLog : IDeltaLog
{
    /// <summary>The shared instance.</summary>
    public static ReadOnlyDeltaLog Instance { get; } = new();

    /// <inheritdoc/>
    public ulong Enqueue(DeltaType type, uint nodeId, ReadOnlySpan<byte> payload) =>
        throw new InvalidOperationException("this registry is a read-only view; it cannot be changed");
}
