namespace Registry.Persistence.Lifecycle;

/// <summary>The two data directory layouts recovery understands.</summary>
public enum DataLayoutKind
{
    /// <summary>Ours: snapshot generations and a segmented, checksummed log.</summary>
    Pilot,

    /// <summary>The Go registry's: <c>registry.json</c> and <c>registry.json.wal</c>.</summary>
    Go,
}
