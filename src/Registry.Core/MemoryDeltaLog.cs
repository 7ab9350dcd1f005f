using Registry.Persistence.Deltas;

namespace Registry.Core;

/// <summary>An <see cref="IDeltaLog"/> that keeps every entry in memory, numbered from 1; for tests and tools.</summary>
/// <remarks>Thread-safe. Payloads are copied, because the span handed to <see cref="Enqueue"/> is only valid during the call.</remarks>
public sealed class MemoryDeltaLog : IDeltaLog
{
    private readonly Lock _lock = new();
    private readonly List<DeltaEntry> _entries = [];
    private ulong _sequence;

    /// <summary>When set, the next <see cref="Enqueue"/> throws it instead of recording (then the field is cleared); simulates a refused append.</summary>
    public Exception? FailNext { get; set; }

    /// <summary>A copy of the recorded entries, in sequence order.</summary>
    public IReadOnlyList<DeltaEntry> Entries
    {
        get
        {
            lock (_lock)
            {
                return [.. _entries];
            }
        }
    }

    /// <inheritdoc/>
    public ulong Enqueue(DeltaType type, uint nodeId, ReadOnlySpan<byte> payload)
    {
        lock (_lock)
        {
            if (FailNext is { } failure)
            {
                FailNext = null;
                throw failure;
            }

            _sequence++;
            _entries.Add(new DeltaEntry(_sequence, type, nodeId, payload.ToArray()));
            return _sequence;
        }
    }
}
