using Registry.Persistence.Deltas;

namespace Registry.Core;

/// <summary>The sink that receives the one delta each registry mutation produces, and assigns its sequence number.</summary>
/// <remarks>
/// <see cref="NodeRegistry"/> calls <see cref="Enqueue"/> while it holds its state lock, before it applies the delta,
/// so the log order is the apply order. The call must not wait for durability: the caller (the server) awaits
/// that later with the returned sequence. An implementation that refuses the entry (log full, poisoned) must throw;
/// the registry then leaves its state unchanged.
/// </remarks>
public interface IDeltaLog
{
    /// <summary>Queues one delta and returns the sequence number assigned to it; <paramref name="payload"/> is only valid during the call.</summary>
    ulong Enqueue(DeltaType type, uint nodeId, ReadOnlySpan<byte> payload);
}
