using Registry.Persistence.Snapshots;
using Registry.Persistence.Snapshots.Model;

namespace Registry.Persistence.Tests.Snapshots;

public class SnapshotStoreTests
{
    // A save with an existing current generation: create, write, sync, rename current, rename temp, sync-dir.
    private const int StepsWithCurrent = 6;

    [Fact]
    public void Load_EmptyDirectory_ReturnsExplicitNone()
    {
        using var dir = new TempDirectory();
        var store = Store(dir);

        var result = store.Load(TestContext.Current.CancellationToken);

        Assert.False(result.Found);
        Assert.Null(result.Snapshot);
        Assert.Equal(-1, result.Generation);
        Assert.Empty(result.Rejected);
    }

    [Fact]
    public void Save_ThenLoad_ReturnsCurrentGenerationWithWalSeq()
    {
        using var dir = new TempDirectory();
        var store = Store(dir);

        var saved = store.Save(Sample(7, walSeq: 1234), TestContext.Current.CancellationToken);
        var loaded = Store(dir).Load(TestContext.Current.CancellationToken);

        Assert.True(loaded.Found);
        Assert.Equal(0, loaded.Generation);
        Assert.Equal(store.CurrentPath, loaded.Path);
        Assert.Equal(1, loaded.Version);
        Assert.False(loaded.IsLegacy);
        Assert.Equal(saved.Checksum, loaded.Checksum);
        Assert.Equal(1234UL, loaded.WalSeq);
        Assert.Equal(7u, loaded.Snapshot!.NextNode);
        Assert.Equal(new FileInfo(saved.Path).Length, saved.Length);
        Assert.False(File.Exists(store.TempPath));
    }

    [Fact]
    public void Save_GoFixtureRoundTrip_ReproducesFileBytes()
    {
        using var dir = new TempDirectory();
        var store = Store(dir, "registry.json");
        var original = SnapshotReader.Read(Fixtures.Go("snapshot-small.json"));

        store.Save(original.Snapshot, TestContext.Current.CancellationToken);
        var reloaded = Store(dir, "registry.json").Load(TestContext.Current.CancellationToken);

        Assert.Equal(File.ReadAllBytes(Fixtures.Go("snapshot-small.json")), File.ReadAllBytes(store.CurrentPath));
        Assert.Equal(original.Checksum, reloaded.Checksum);
        Assert.EndsWith("registry.json", reloaded.Path, StringComparison.Ordinal);
    }

    [Fact]
    public void Save_CreatesFileOwnerReadWriteOnly()
    {
        using var dir = new TempDirectory();
        var store = Store(dir);

        store.Save(Sample(1), TestContext.Current.CancellationToken);

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.CurrentPath));
        }
    }

    [Fact]
    public void Save_Twice_KeepsPreviousGeneration()
    {
        using var dir = new TempDirectory();
        var store = Store(dir);

        store.Save(Sample(1), TestContext.Current.CancellationToken);
        store.Save(Sample(2), TestContext.Current.CancellationToken);

        Assert.Equal(2u, SnapshotReader.Read(store.CurrentPath).Snapshot.NextNode);
        Assert.Equal(1u, SnapshotReader.Read(store.PreviousPath).Snapshot.NextNode);
    }

    [Fact]
    public void Load_CorruptCurrent_UsesPreviousAndReportsWhy()
    {
        using var dir = new TempDirectory();
        var store = Store(dir);
        store.Save(Sample(1), TestContext.Current.CancellationToken);
        store.Save(Sample(2), TestContext.Current.CancellationToken);
        Corrupt(store.CurrentPath);

        var result = Store(dir).Load(TestContext.Current.CancellationToken);

        Assert.Equal(1, result.Generation);
        Assert.Equal(store.PreviousPath, result.Path);
        Assert.Equal(1u, result.Snapshot!.NextNode);
        var rejected = Assert.Single(result.Rejected);
        Assert.Equal(0, rejected.Generation);
        Assert.Equal(SnapshotProblem.ChecksumMismatch, rejected.Problem);
        Assert.Contains("refused", result.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Save_AfterCurrentRefused_MovesItAsideAndKeepsGoodPrevious()
    {
        using var dir = new TempDirectory();
        var store = Store(dir);
        store.Save(Sample(1), TestContext.Current.CancellationToken);
        store.Save(Sample(2), TestContext.Current.CancellationToken);
        Corrupt(store.CurrentPath);
        var reopened = Store(dir);
        reopened.Load(TestContext.Current.CancellationToken);

        reopened.Save(Sample(3), TestContext.Current.CancellationToken);

        Assert.Equal(3u, SnapshotReader.Read(store.CurrentPath).Snapshot.NextNode);
        Assert.Equal(1u, SnapshotReader.Read(store.PreviousPath).Snapshot.NextNode);
        Assert.True(File.Exists(store.QuarantinePath));
    }

    [Fact]
    public void Load_AllGenerationsCorrupt_ThrowsNamingEach()
    {
        using var dir = new TempDirectory();
        var store = Store(dir);
        store.Save(Sample(1), TestContext.Current.CancellationToken);
        store.Save(Sample(2), TestContext.Current.CancellationToken);
        Corrupt(store.CurrentPath);
        File.WriteAllText(store.PreviousPath, "{\"version\":1,");

        var ex = Assert.Throws<SnapshotCorruptException>(() => Store(dir).Load(TestContext.Current.CancellationToken));

        Assert.Contains(store.CurrentPath, ex.Message, StringComparison.Ordinal);
        Assert.Contains(store.PreviousPath, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_LegacyFile_ReportedAsLegacy()
    {
        using var dir = new TempDirectory();
        var store = Store(dir, "registry.json");
        File.Copy(Fixtures.Go("snapshot-legacy-v0.json"), store.CurrentPath);

        var result = store.Load(TestContext.Current.CancellationToken);

        Assert.True(result.IsLegacy);
        Assert.Equal(0, result.Version);
        Assert.Null(result.Checksum);
        Assert.Contains("legacy", result.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Save_CrashAtEveryStep_OldOrNewGenerationLoads()
    {
        for (var step = 1; step <= StepsWithCurrent; step++)
        {
            using var dir = new TempDirectory();
            var store = Store(dir);
            store.Save(Sample(1), TestContext.Current.CancellationToken);
            store.Save(Sample(2), TestContext.Current.CancellationToken);
            var faulty = new FaultyFileSystem(step, FaultKind.Crash);

            Assert.Throws<SimulatedCrashException>(() => new SnapshotStore(Options(dir), faulty).Save(Sample(3), TestContext.Current.CancellationToken));
            var result = Store(dir).Load(TestContext.Current.CancellationToken);

            Assert.True(result.Found, $"nothing loadable after a crash at step {step} ({faulty.Operations[^1]})");
            // The crash happens before the step runs: up to the temp rename (step 5) the old generation survives.
            var expected = step <= 5 ? 2u : 3u;
            Assert.Equal(expected, result.Snapshot!.NextNode);
        }
    }

    [Fact]
    public void Save_CrashAtEveryStepWithChunkedWrites_OldOrNewGenerationLoads()
    {
        var fixture = SnapshotReader.Read(Fixtures.Go("snapshot-small.json")).Snapshot;
        var options = (TempDirectory dir) => new SnapshotStoreOptions { Directory = dir.Path, WriteChunkSize = 4096 };

        // Count the operations of an undisturbed save first: the 6 KB fixture takes two 4 KiB writes.
        using (var probeDir = new TempDirectory())
        {
            var counting = new FaultyFileSystem(int.MaxValue, FaultKind.Crash);
            new SnapshotStore(options(probeDir), counting).Save(fixture, TestContext.Current.CancellationToken);
            Assert.Equal(2, counting.Operations.Count(o => o == "write"));
        }

        for (var step = 1; step <= StepsWithCurrent + 1; step++)
        {
            using var dir = new TempDirectory();
            new SnapshotStore(options(dir)).Save(Sample(2), TestContext.Current.CancellationToken);
            var faulty = new FaultyFileSystem(step, FaultKind.Crash);

            Assert.Throws<SimulatedCrashException>(() => new SnapshotStore(options(dir), faulty).Save(fixture, TestContext.Current.CancellationToken));
            var result = Store(dir).Load(TestContext.Current.CancellationToken);

            Assert.True(result.Found, $"nothing loadable after a crash at {faulty.Operations[^1]}");
            Assert.Contains(result.Snapshot!.NextNode, new[] { 2u, fixture.NextNode });
        }
    }

    [Fact]
    public void Save_PowerLossAfterEveryStep_EverySurvivingDirectoryLoadsOldOrNew()
    {
        for (var crashAfter = 0; crashAfter <= StepsWithCurrent; crashAfter++)
        {
            using var dir = new TempDirectory();
            var fs = new PowerLossFileSystem();
            var store = new SnapshotStore(Options(dir), fs);
            store.Save(Sample(1), TestContext.Current.CancellationToken);
            store.Save(Sample(2), TestContext.Current.CancellationToken);
            // The first save (no current yet) took 5 operations and the second 6: power fails after `crashAfter`
            // operations of the third save (after all 6 it has completed).
            fs.CrashAfter = 5 + 6 + crashAfter;

            try
            {
                store.Save(Sample(3), TestContext.Current.CancellationToken);
            }
            catch (SimulatedCrashException)
            {
            }

            var outcomes = 0;
            foreach (var state in fs.PossibleStatesAfterPowerLoss())
            {
                using var disk = new TempDirectory();
                foreach (var (path, bytes) in state)
                {
                    File.WriteAllBytes(Path.Combine(disk.Path, Path.GetFileName(path)), bytes);
                }

                var result = Store(disk).Load(TestContext.Current.CancellationToken);
                Assert.True(result.Found, $"nothing loadable after power loss at step {crashAfter}: {string.Join(", ", state.Keys.Select(Path.GetFileName))}");
                Assert.Contains(result.Snapshot!.NextNode, new[] { 2u, 3u });
                outcomes++;
            }

            Assert.True(outcomes >= 1);
        }
    }

    [Fact]
    public void Save_CrashAtEveryStepOfFirstSave_LoadsNoneOrNew()
    {
        for (var step = 1; step <= StepsWithCurrent - 1; step++)
        {
            using var dir = new TempDirectory();
            var faulty = new FaultyFileSystem(step, FaultKind.Crash);

            Assert.Throws<SimulatedCrashException>(() => new SnapshotStore(Options(dir), faulty).Save(Sample(3), TestContext.Current.CancellationToken));
            var result = Store(dir).Load(TestContext.Current.CancellationToken);

            Assert.True(!result.Found || result.Snapshot!.NextNode == 3u, $"step {step}");
        }
    }

    [Fact]
    public void Save_IoErrorAtEveryStep_ThrowsNamingStepAndRetrySucceeds()
    {
        for (var step = 1; step <= StepsWithCurrent; step++)
        {
            using var dir = new TempDirectory();
            var store = Store(dir);
            store.Save(Sample(1), TestContext.Current.CancellationToken);
            var faulty = new FaultyFileSystem(step, FaultKind.IoError);
            var failing = new SnapshotStore(Options(dir), faulty);

            var ex = Assert.Throws<SnapshotWriteException>(() => failing.Save(Sample(2), TestContext.Current.CancellationToken));
            Assert.False(string.IsNullOrEmpty(ex.Step));
            Assert.NotNull(ex.FilePath);
            Assert.True(Store(dir).Load(TestContext.Current.CancellationToken).Found, $"nothing loadable after an I/O error at step {step}");
            Assert.False(File.Exists(store.TempPath), $"temp left after step {step}");

            store.Save(Sample(4), TestContext.Current.CancellationToken);
            Assert.Equal(4u, Store(dir).Load(TestContext.Current.CancellationToken).Snapshot!.NextNode);
        }
    }

    [Fact]
    public void Save_ConcurrentCallers_AreSerialisedAndLastOneIsCurrent()
    {
        using var dir = new TempDirectory();
        var store = Store(dir);

        Parallel.For(1, 9, i => store.Save(Sample((uint)i), TestContext.Current.CancellationToken));
        var result = Store(dir).Load(TestContext.Current.CancellationToken);

        Assert.Equal(0, result.Generation);
        Assert.InRange(result.Snapshot!.NextNode, 1u, 8u);
        Assert.NotNull(SnapshotReader.Read(store.PreviousPath).Checksum);
    }

    [Fact]
    public void Save_SmallChunkSize_WritesSameBytes()
    {
        using var dir = new TempDirectory();
        var store = new SnapshotStore(new SnapshotStoreOptions { Directory = dir.Path, WriteChunkSize = 4096 });
        var fixture = SnapshotReader.Read(Fixtures.Go("snapshot-small.json")).Snapshot;

        store.Save(fixture, TestContext.Current.CancellationToken);

        Assert.Equal(File.ReadAllBytes(Fixtures.Go("snapshot-small.json")), File.ReadAllBytes(store.CurrentPath));
    }

    [Fact]
    public void Save_LoadedGoFixtureWithWalSeq_RoundTripsEveryMember()
    {
        using var dir = new TempDirectory();
        var store = Store(dir);
        var original = SnapshotReader.Read(Fixtures.Go("snapshot-small.json")).Snapshot;
        original.WalSeq = 99;

        store.Save(original, TestContext.Current.CancellationToken);
        var reloaded = Store(dir).Load(TestContext.Current.CancellationToken).Snapshot!;
        reloaded.WalSeq = 0;

        // Every member is compared through its Go-exact encoding; with wal_seq cleared it is the Go fixture again.
        Assert.Equal(99UL, SnapshotReader.Read(store.CurrentPath).WalSeq);
        Assert.Equal(File.ReadAllBytes(Fixtures.Go("snapshot-small.json")), SnapshotEncoder.EncodeToArray(reloaded));
    }

    [Fact]
    public void Save_CancelledBeforeStart_WritesNothing()
    {
        using var dir = new TempDirectory();
        var store = Store(dir);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => store.Save(Sample(1), cancelled.Token));
        Assert.False(File.Exists(store.CurrentPath));
        Assert.False(File.Exists(store.TempPath));
    }

    [Theory]
    [InlineData("", "snapshot.json")]
    [InlineData("x", "")]
    [InlineData("x", "a/b.json")]
    [InlineData("x", "..")]
    public void Constructor_InvalidOptions_Throws(string directory, string fileName)
    {
        Assert.Throws<InvalidOperationException>(() => new SnapshotStore(new SnapshotStoreOptions { Directory = directory, FileName = fileName }));
    }

    private static SnapshotStoreOptions Options(TempDirectory dir, string fileName = "snapshot.json") =>
        new() { Directory = dir.Path, FileName = fileName };

    private static SnapshotStore Store(TempDirectory dir, string fileName = "snapshot.json") => new(Options(dir, fileName));

    private static Snapshot Sample(uint nextNode, ulong walSeq = 0) => new()
    {
        NextNode = nextNode,
        NextNet = 1,
        WalSeq = walSeq,
        Nodes = new() { ["1"] = new SnapshotNode { Id = 1, PublicKey = "AAAA", Networks = [0], LastSeen = "2026-05-12T09:00:00Z" } },
        Networks = new() { ["0"] = new SnapshotNet { Id = 0, Name = "backbone", JoinRule = "open", Members = [1], Created = "2026-01-01T00:00:00Z" } },
    };

    private static void Corrupt(string path)
    {
        var bytes = File.ReadAllBytes(path);
        bytes[20] ^= 0x20;
        File.WriteAllBytes(path, bytes);
    }
}
