using Registry.Persistence.Lifecycle;
using Registry.Persistence.Tests.Snapshots;

namespace Registry.Persistence.Tests.Lifecycle;

/// <summary>What the crash property tests share: snapshots taken back to back while the writers run.</summary>
internal static class CrashHarness
{
    /// <summary>
    /// Snapshots repeatedly until every writer finished. A simulated crash inside a save stops the writers (the process
    /// "died"); an injected I/O error is tolerated, since a failed save loses nothing and is retried.
    /// </summary>
    public static Task SnapshotUntilDoneAsync(Store store, IReadOnlyList<Task> writers, CancellationTokenSource stop) => Task.Run(async () =>
    {
        while (!writers.All(t => t.IsCompleted))
        {
            try
            {
                await store.TriggerSnapshotAsync(TestContext.Current.CancellationToken);
            }
            catch (SimulatedCrashException)
            {
                await stop.CancelAsync();
                return;
            }
            catch (Exception ex) when (ex is PersistenceException or IOException)
            {
            }

            await Task.Yield();
        }
    }, TestContext.Current.CancellationToken);
}
