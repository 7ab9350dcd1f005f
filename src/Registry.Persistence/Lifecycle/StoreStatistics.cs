namespace Registry.Persistence.Lifecycle;

/// <summary>Counters of the persistence lifecycle, for metrics and tests.</summary>
/// <remarks><see cref="UrgentSaves"/>: saves (of <see cref="Saves"/>) that did not wait for the save interval because the log grew past a threshold since the last capture.</remarks>
public sealed record StoreStatistics(
    long Saves,
    long SaveFailures,
    TimeSpan LastSaveDuration,
    ulong LastSnapshotSequence,
    long Pushes,
    long SegmentsDeleted,
    long UrgentSaves);
