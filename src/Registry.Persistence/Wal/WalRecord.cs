using Registry.Persistence.Deltas;

namespace Registry.Persistence.Wal;

/// <summary>A record delivered by a log reader: where it lies and the entry it holds.</summary>
/// <remarks><see cref="DeltaEntry.Data"/> points into the reader's buffer and is valid only during the callback.</remarks>
public readonly struct WalRecord(string filePath, long offset, int length, DeltaEntry entry)
{
    /// <summary>The file holding the record.</summary>
    public string FilePath { get; } = filePath;

    /// <summary>Byte offset of the record in <see cref="FilePath"/>.</summary>
    public long Offset { get; } = offset;

    /// <summary>Bytes of the record after its framing prefix: the payload in the new format, the JSON body (Go's L) in the legacy one.</summary>
    public int Length { get; } = length;

    /// <summary>The entry.</summary>
    public DeltaEntry Entry { get; } = entry;
}

/// <summary>Receives each record a reader delivers.</summary>
public delegate void WalRecordHandler(in WalRecord record);
