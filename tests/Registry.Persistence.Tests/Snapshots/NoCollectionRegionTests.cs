using System.Runtime;
using Registry.Persistence.Snapshots;

namespace Registry.Persistence.Tests.Snapshots;

/// <summary>Runs alone: a no-GC region is process-wide, and other tests' allocations would count against its budget.</summary>
[CollectionDefinition(nameof(NoCollectionRegionTests), DisableParallelization = true)]
public sealed class NoCollectionRegionCollection;

[Collection(nameof(NoCollectionRegionTests))]
public sealed class NoCollectionRegionTests
{
    [Fact]
    public void Run_LoadWithinBudget_CollectsNothingAndClosesTheRegion()
    {
        var mode = GCLatencyMode.Batch;
        var (atStart, atEnd) = (0, 0);

        // Opening the region may collect once; the load itself must not.
        var kept = NoCollectionRegion.Run(64L << 20, () =>
        {
            mode = GCSettings.LatencyMode;
            atStart = GC.CollectionCount(0);
            var list = Enumerable.Range(0, 16 * 1024).Select(_ => new byte[1000]).ToList();
            atEnd = GC.CollectionCount(0);
            return list;
        });

        Assert.Equal(GCLatencyMode.NoGCRegion, mode);
        Assert.Equal(atStart, atEnd);
        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
        Assert.Equal(16 * 1024, kept.Count);
    }

    [Fact]
    public void Run_InsideAnotherRun_LeavesTheOuterRegionOpen()
    {
        var innerAfter = NoCollectionRegion.Run(32L << 20, () =>
        {
            NoCollectionRegion.Run(16L << 20, () => new byte[1000]);
            return GCSettings.LatencyMode;
        });

        Assert.Equal(GCLatencyMode.NoGCRegion, innerAfter);
        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
    }

    [Fact]
    public void Run_LoadOutgrowsItsBudget_CompletesWithCollections()
    {
        var before = GC.CollectionCount(0);

        var kept = NoCollectionRegion.Run(1L << 20, () => Enumerable.Range(0, 64 * 1024).Select(_ => new byte[1000]).ToList());

        Assert.Equal(64 * 1024, kept.Count);
        Assert.True(GC.CollectionCount(0) > before, "64 MB in a 1 MB budget must have ended the region with a collection");
        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
    }

    [Fact]
    public void Run_LoadThrows_PropagatesAndClosesTheRegion()
    {
        Assert.Throws<InvalidDataException>(() => NoCollectionRegion.Run<int>(16L << 20, () => throw new InvalidDataException("bad")));

        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
    }
}
