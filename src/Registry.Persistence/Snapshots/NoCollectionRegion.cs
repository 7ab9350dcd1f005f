using System.Runtime;

namespace Registry.Persistence.Snapshots;

/// <summary>Runs a load whose allocations nearly all survive without garbage collections in between, when the runtime can promise the memory.</summary>
/// <remarks>
/// Decoding a snapshot allocates about 2.7 times the file's size and keeps about 94% of it (docs/benchmarks.md), so a
/// collection during the decode finds almost no garbage: it only traces and promotes the half-built state, and a
/// background collector's threads compete with the decode for the cores. Opening the region collects once (cheap
/// at start-up, when the heap is small). The region is process-wide: a load that finds one already open runs inside
/// it; a load that outgrows its budget ends the region early and carries on with ordinary collections; two loads
/// racing to open one may end it for each other. None of that is an error: it only costs the saving.
/// </remarks>
internal static class NoCollectionRegion
{
    /// <summary>Runs <paramref name="load"/>, inside a region of <paramref name="budgetBytes"/> when the runtime grants one.</summary>
    public static T Run<T>(long budgetBytes, Func<T> load)
    {
        var opened = false;
        try
        {
            // Asking while a region is open ends that one (measured), so a load already inside one just runs.
            opened = budgetBytes > 0 && GCSettings.LatencyMode != GCLatencyMode.NoGCRegion && GC.TryStartNoGCRegion(budgetBytes);
        }
        catch (ArgumentOutOfRangeException)
        {
            // More than the runtime can set aside: load with collections as usual.
        }
        catch (InvalidOperationException)
        {
            // A region is already open (a concurrent load); this load runs inside it.
        }

        try
        {
            return load();
        }
        finally
        {
            if (opened && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
            {
                try
                {
                    GC.EndNoGCRegion();
                }
                catch (InvalidOperationException)
                {
                    // The budget ran out (the region ended by itself) between the check and the call.
                }
            }
        }
    }
}
