using Registry.Persistence.Deltas;
using Registry.Persistence.Wal;

namespace Registry.Core.Lifecycle;

/// <summary>The registry's delta sink backed by the write-ahead log, bound once recovery has opened the log.</summary>
/// <remarks>
/// The registry must exist before recovery (recovery applies into it) and the log only after, hence the late
/// binding. Appends only fix the order and sequence number under the registry's lock; callers wait for
/// durability with <see cref="WriteAheadLog.WhenAcknowledged"/> after releasing it.
/// </remarks>
public sealed class WalDeltaLog : IDeltaLog
{
    private WriteAheadLog? _log;

    /// <summary>The bound log; throws before <see cref="Attach"/>.</summary>
    public WriteAheadLog Log => _log ?? throw new InvalidOperationException("the log is not open yet (recovery has not finished)");

    /// <summary>Binds the log; once only.</summary>
    public void Attach(WriteAheadLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (Interlocked.CompareExchange(ref _log, log, null) is not null)
        {
            throw new InvalidOperationException("the log is already attached");
        }
    }

    /// <inheritdoc/>
    public ulong Enqueue(DeltaType type, uint nodeId, ReadOnlySpan<byte> payload) => Log.Enqueue(type, nodeId, payload).Sequence;
}
