namespace Registry.Persistence.Snapshots;

/// <summary>A snapshot generation that exists but was not used, and why.</summary>
/// <param name="Path">The file.</param>
/// <param name="Generation">0 for the current generation, 1 for the previous one.</param>
/// <param name="Problem">The kind of damage.</param>
/// <param name="Reason">The full reason, naming the file.</param>
public sealed record RejectedGeneration(string Path, int Generation, SnapshotProblem Problem, string Reason);
