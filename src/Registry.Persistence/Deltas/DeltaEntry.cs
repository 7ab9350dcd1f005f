namespace Registry.Persistence.Deltas;

/// <summary>One logged registry mutation: its sequence number, kind, subject node and JSON payload.</summary>
/// <remarks>
/// <see cref="Data"/> holds the payload's raw UTF-8 JSON bytes exactly as written, or is empty when the
/// entry has no payload. The literal <c>null</c> is a present payload of four bytes, distinct from absent.
/// </remarks>
public readonly struct DeltaEntry
{
    /// <summary>Creates an entry.</summary>
    public DeltaEntry(ulong seqNo, DeltaType type, uint nodeId, ReadOnlyMemory<byte> data)
    {
        SeqNo = seqNo;
        Type = type;
        NodeId = nodeId;
        Data = data;
    }

    /// <summary>The sequence number; strictly increasing in the new log format, 0 in Go-written logs.</summary>
    public ulong SeqNo { get; }

    /// <summary>The mutation kind.</summary>
    public DeltaType Type { get; }

    /// <summary>The subject node, or 0 when the kind has none.</summary>
    public uint NodeId { get; }

    /// <summary>The payload as raw UTF-8 JSON, or empty when absent.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Whether the entry carries a payload.</summary>
    public bool HasData => !Data.IsEmpty;
}
