using Registry.Persistence.Deltas;

namespace Registry.Persistence.Wal.Legacy;

/// <summary>One entry delivered by <see cref="LegacyWalReader"/>: where its record starts, its body length and the decoded envelope.</summary>
/// <remarks>
/// <see cref="DeltaEntry.Data"/> of <see cref="Entry"/> points into the reader's pooled buffer and is valid
/// only until the callback returns; call <see cref="Detach"/> to keep a record beyond that.
/// </remarks>
/// <param name="Offset">File offset of the record's 4-byte length prefix.</param>
/// <param name="Length">The body length <c>L</c> from the prefix (the record occupies <c>4 + L</c> bytes).</param>
/// <param name="Entry">The decoded envelope.</param>
public readonly record struct LegacyRecord(long Offset, int Length, DeltaEntry Entry)
{
    /// <summary>Returns a copy whose payload bytes are owned by the copy, safe to keep after the callback.</summary>
    public LegacyRecord Detach() =>
        this with { Entry = new DeltaEntry(Entry.SeqNo, Entry.Type, Entry.NodeId, Entry.Data.IsEmpty ? ReadOnlyMemory<byte>.Empty : Entry.Data.ToArray()) };
}
