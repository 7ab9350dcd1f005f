namespace Registry.Persistence.Snapshots;

/// <summary>Why a snapshot file was refused.</summary>
public enum SnapshotProblem
{
    /// <summary>The file could not be opened or read.</summary>
    Unreadable,

    /// <summary>The bytes are not one JSON document of the snapshot schema (truncated, type error, BOM, trailing data, empty).</summary>
    Undecodable,

    /// <summary>A <c>null</c> node or network (<c>"5":null</c>), which panics the Go loader.</summary>
    NullEntry,

    /// <summary>A Go <c>time.Time</c> value that is not RFC 3339, which fails Go's decode.</summary>
    InvalidTime,

    /// <summary>A version-1 file without a checksum.</summary>
    MissingChecksum,

    /// <summary>A checksum that is not the last member in the canonical <c>,"checksum":"&lt;64 hex&gt;"}</c> form.</summary>
    MalformedChecksum,

    /// <summary>The stored checksum differs from the hash of the body.</summary>
    ChecksumMismatch,

    /// <summary>A version this code does not know (above 1, or negative).</summary>
    UnknownVersion,
}
