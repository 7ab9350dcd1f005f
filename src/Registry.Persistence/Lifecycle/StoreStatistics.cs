namespace Registry.Persistence.Lifecycle;

/// <summary>Counters of the persistence lifecycle, for metrics and tests.</summary>
public sealed record StoreStatistics(
    long Saves,
    long SaveFailures,
    TimeSpan LastSaveDuration,
    ulong LastSnapshotSequence,
    long Pushes,
    long SegmentsDeleted);
