using Registry.Persistence.Deltas;
using Registry.Persistence.Wal;

namespace Registry.Core;

/// <summary>An <see cref="IDeltaLog"/> that appends to the store's <see cref="WriteAheadLog"/> without waiting for the disk.</summary>
/// <remarks>
/// The registry must exist before the store opens (recovery replays into it), and the log exists only after, so the
/// log is attached later; a mutation before that fails and changes nothing. Callers await durability with
/// <see cref="WriteAheadLog.WhenAcknowledged"/> on the sequence a mutation returns, outside the registry lock.
/// </remarks>
public sealed class WalDeltaLog : IDeltaLog
{
    private WriteAheadLog? _log;

    /// <summary>Connects the opened log; call once, after the store has recovered.</summary>
    public void Attach(WriteAheadLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (Interlocked.CompareExchange(ref _log, log, null) is not null)
        {
            throw new InvalidOperationException("a log is already attached");
        }
    }

    /// <inheritdoc/>
    public ulong Enqueue(DeltaType type, uint nodeId, ReadOnlySpan<byte> payload)
    {
        var log = Volatile.Read(ref _log) ?? throw new InvalidOperationException("the write-ahead log is not open yet; mutations are refused until recovery completes");
        return log.Enqueue(type, nodeId, payload).Sequence;
    }
}
