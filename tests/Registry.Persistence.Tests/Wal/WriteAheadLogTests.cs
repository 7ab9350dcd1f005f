using System.Text;
using Registry.Persistence.Deltas;
using Registry.Persistence.IO;
using Registry.Persistence.Tests.IO;
using Registry.Persistence.Wal;
using static Registry.Persistence.Tests.Wal.WalTestKit;

namespace Registry.Persistence.Tests.Wal;

public class WriteAheadLogTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WhenCovered_SequenceBeyondTheLog_WaitsForItsLastEntry_WhereWhenAcknowledgedRefuses()
    {
        using var dir = new TempDirectory();
        using var wal = WriteAheadLog.Open(Options(dir.Path));
        await AppendMany(wal, 3);

        await wal.WhenCovered(9).WaitAsync(Ct);

        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = wal.WhenAcknowledged(9); });
        Assert.True(wal.WhenCovered(3).IsCompleted);
    }

    [Fact]
    public async Task Append_ReopenAfterDispose_DeliversEveryEntryWithSequenceContinuing()
    {
        using var dir = new TempDirectory();
        using (var wal = WriteAheadLog.Open(Options(dir.Path)))
        {
            Assert.True(wal.Recovery.Created);
            var seqs = await AppendMany(wal, 50);
            Assert.Equal(Enumerable.Range(1, 50).Select(i => (ulong)i), seqs);
            Assert.Equal(51UL, await wal.AppendAsync(DeltaType.Heartbeat, 7, ReadOnlySpan<byte>.Empty, Ct));
            Assert.Equal(51UL, wal.DurableSequence);
        }

        using (var wal = WriteAheadLog.Open(Options(dir.Path)))
        {
            Assert.False(wal.Recovery.Created);
            Assert.Equal(51, wal.Recovery.Records);
            Assert.Empty(wal.Recovery.Problems);
            var all = ReadAll(wal);
            Assert.Equal(51, all.Count);
            for (var i = 0; i < 50; i++)
            {
                Assert.Equal(((ulong)(i + 1), DeltaType.Tags, (uint)i, Encoding.UTF8.GetString(Payload(i))), all[i]);
            }

            Assert.Equal((51UL, DeltaType.Heartbeat, 7u, ""), all[50]);
            Assert.Equal(52UL, await wal.AppendAsync(DeltaType.Register, 1, "{}"u8.ToArray(), Ct));
        }

        using (var wal = WriteAheadLog.Open(Options(dir.Path)))
        {
            Assert.Equal(52UL, wal.AppendedSequence);
            Assert.Equal(3, ReadAll(wal, from: 50).Count);
        }
    }

    [Fact]
    public async Task Append_PreservesNullPayloadAndUnknownKind()
    {
        using var dir = new TempDirectory();
        using (var wal = WriteAheadLog.Open(Options(dir.Path)))
        {
            await wal.AppendAsync(new DeltaEntry(0, (DeltaType)200, 9, "null"u8.ToArray()), Ct);
        }

        using var reopened = WriteAheadLog.Open(Options(dir.Path));
        Assert.Equal((1UL, (DeltaType)200, 9u, "null"), ReadAll(reopened).Single());
    }

    [Fact]
    public async Task Open_TruncatedAtEveryOffsetOfLastThreeRecords_RecoversCompleteRecordsAndAcceptsAppends()
    {
        using var dir = new TempDirectory();
        var source = dir.Combine("source");
        using (var wal = WriteAheadLog.Open(Options(source)))
        {
            await AppendMany(wal, 10);
        }

        var segment = SingleSegment(source);
        var (bytes, boundaries) = ReadSegment(segment);
        var sweepStart = boundaries[^4];
        for (var cut = sweepStart; cut < bytes.Length; cut++)
        {
            var case_ = dir.Combine($"cut-{cut}");
            CopyDirectory(source, case_);
            var path = Path.Combine(case_, Path.GetFileName(segment));
            File.WriteAllBytes(path, bytes[..cut]);
            var complete = boundaries.Count(b => b <= cut) - 1;

            using (var wal = WriteAheadLog.Open(Options(case_)))
            {
                Assert.Equal(complete, wal.Recovery.Records);
                var atBoundary = boundaries.Contains(cut);
                Assert.Equal(atBoundary ? 0 : cut - boundaries.Last(b => b <= cut), wal.Recovery.BytesCut);
                Assert.Equal(atBoundary ? 0 : 1, wal.Recovery.SideFiles.Count);
                Assert.Equal((ulong)complete + 1, await wal.AppendAsync(DeltaType.Hostname, 99, "{\"after\":true}"u8.ToArray(), Ct));
            }

            using (var wal = WriteAheadLog.Open(Options(case_)))
            {
                Assert.Empty(wal.Recovery.Problems);
                var all = ReadAll(wal);
                Assert.Equal(complete + 1, all.Count);
                Assert.Equal(Enumerable.Range(1, complete + 1).Select(i => (ulong)i), all.Select(e => e.Seq));
                Assert.Equal("{\"after\":true}", all[^1].Data);
            }
        }
    }

    [Fact]
    public async Task Open_SingleBitFlipAnywhere_IsDetectedAndNeverDeliversAlteredData()
    {
        using var dir = new TempDirectory();
        var source = dir.Combine("source");
        using (var wal = WriteAheadLog.Open(Options(source)))
        {
            await AppendMany(wal, 4);
        }

        var segment = SingleSegment(source);
        var (bytes, boundaries) = ReadSegment(segment);
        var expected = ExpectedEntries(4);
        for (var i = 0; i < bytes.Length; i++)
        {
            var flipped = (byte[])bytes.Clone();
            flipped[i] ^= (byte)(1 << (i % 8));
            var case_ = dir.Combine($"flip-{i}");
            CopyDirectory(source, case_);
            File.WriteAllBytes(Path.Combine(case_, Path.GetFileName(segment)), flipped);

            var inLastRecord = i >= boundaries[^2];
            try
            {
                using var wal = WriteAheadLog.Open(Options(case_));
                // Only damage to the final record may be repaired silently, as a torn tail.
                Assert.True(inLastRecord, $"flip at {i} was not refused");
                Assert.Equal(WalProblemKind.TornTail, wal.Recovery.Problems.Single().Kind);
                Assert.Equal(expected[..3], ReadAll(wal));
            }
            catch (WalCorruptionException ex)
            {
                Assert.False(inLastRecord, $"flip at {i} in the last record should be a torn tail");
                Assert.Equal(Path.Combine(case_, Path.GetFileName(segment)), ex.FilePath);
            }
        }
    }

    [Fact]
    public async Task Append_SyncFails_PoisonsLogAndRefusesLaterAppendsButKeepsAcknowledged()
    {
        using var dir = new TempDirectory();
        var storage = new FaultyStorage();
        List<ulong> acknowledged;
        using (var wal = WriteAheadLog.Open(Options(dir.Path, storage)))
        {
            acknowledged = await AppendMany(wal, 5);
            storage.FailSyncAt = storage.Syncs + 1;
            var failed = await Assert.ThrowsAsync<WalPoisonedException>(async () => await wal.AppendAsync(DeltaType.Tags, 1, "{}"u8.ToArray(), Ct));
            Assert.Contains("EIO", failed.Message, StringComparison.Ordinal);
            Assert.Equal(5UL, wal.DurableSequence);
            Assert.NotNull(wal.Failure);
            await Assert.ThrowsAsync<WalPoisonedException>(async () => await wal.AppendAsync(DeltaType.Tags, 2, "{}"u8.ToArray(), Ct));
            Assert.Equal(5, ReadAll(wal).Count);
        }

        using var reopened = WriteAheadLog.Open(Options(dir.Path));
        var seqs = ReadAll(reopened).Select(e => e.Seq).ToList();
        Assert.Equal(acknowledged, seqs.Take(5));
        Assert.Equal((ulong)seqs.Count + 1, await reopened.AppendAsync(DeltaType.Tags, 3, "{}"u8.ToArray(), Ct));
    }

    [Fact]
    public async Task Append_WriteFailsHalfway_TornBatchIsCutOnReopen()
    {
        using var dir = new TempDirectory();
        var storage = new FaultyStorage();
        using (var wal = WriteAheadLog.Open(Options(dir.Path, storage)))
        {
            await AppendMany(wal, 3);
            storage.FailWriteAt = storage.Writes + 1;
            storage.PartialBytes = 30;
            await Assert.ThrowsAsync<WalPoisonedException>(async () => await wal.AppendAsync(DeltaType.Tags, 1, Payload(1), Ct));
            await Assert.ThrowsAsync<WalPoisonedException>(() => wal.FlushAsync(Ct));
        }

        using var reopened = WriteAheadLog.Open(Options(dir.Path));
        Assert.True(reopened.Recovery.BytesCut >= 30);
        Assert.Equal(WalProblemKind.TornTail, reopened.Recovery.Problems.Single().Kind);
        Assert.Equal(3, ReadAll(reopened).Count);
        Assert.Equal(4UL, await reopened.AppendAsync(DeltaType.Tags, 4, "{}"u8.ToArray(), Ct));
    }

    [Fact]
    public async Task Append_AtSizeCap_ThrowsWalFullAndChangesNothing()
    {
        using var dir = new TempDirectory();
        var record = RecordFrame.SizeOf(Payload(0).Length);
        using (var wal = WriteAheadLog.Open(Options(dir.Path, maxSize: SegmentHeader.Size + (3 * record))))
        {
            await AppendMany(wal, 3);
            Assert.Equal(SegmentHeader.Size + (3 * record), wal.Size);
            await Assert.ThrowsAsync<WalFullException>(async () => await wal.AppendAsync(DeltaType.Tags, 0, Payload(0), Ct));
            Assert.Equal(3UL, wal.AppendedSequence);
        }

        using (var wal = WriteAheadLog.Open(Options(dir.Path)))
        {
            Assert.Equal(3, ReadAll(wal).Count);
            wal.SetSizeForTesting(WalOptions.DefaultMaxSizeBytes - 10);
            await Assert.ThrowsAsync<WalFullException>(async () => await wal.AppendAsync(DeltaType.Tags, 0, Payload(0), Ct));
            wal.SetSizeForTesting(0);
            Assert.Equal(4UL, await wal.AppendAsync(DeltaType.Tags, 0, Payload(0), Ct));
        }
    }

    [Fact]
    public async Task Append_PayloadOverLimit_ThrowsArgumentException()
    {
        using var dir = new TempDirectory();
        using var wal = WriteAheadLog.Open(Options(dir.Path));
        await Assert.ThrowsAsync<ArgumentException>(async () => await wal.AppendAsync(DeltaType.Tags, 0, new byte[WalOptions.DefaultMaxPayloadBytes + 1], Ct));
        Assert.Equal(0UL, wal.AppendedSequence);
    }

    [Fact]
    public async Task Append_ConcurrentAppenders_NeverInterleaveOrLoseAndShareSyncs()
    {
        using var dir = new TempDirectory();
        const int Writers = 32;
        const int PerWriter = 200;
        var results = new ulong[Writers * PerWriter];
        (long Batches, long Syncs) counters;
        using (var wal = WriteAheadLog.Open(Options(dir.Path, segmentSize: 64 * 1024 + RecordFrame.SizeOf(WalOptions.DefaultMaxPayloadBytes))))
        {
            await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
            {
                for (var i = 0; i < PerWriter; i++)
                {
                    var id = (w * PerWriter) + i;
                    results[id] = await wal.AppendAsync(DeltaType.Tags, (uint)id, Payload(id), Ct);
                }
            }, Ct)));
            counters = wal.Counters;
        }

        Assert.Equal(results.Length, results.Distinct().Count());
        Assert.True(counters.Syncs < results.Length, $"{counters.Syncs} syncs for {results.Length} appends: no group commit");
        using var reopened = WriteAheadLog.Open(Options(dir.Path));
        var all = ReadAll(reopened);
        Assert.Equal(results.Length, all.Count);
        Assert.Equal(Enumerable.Range(1, results.Length).Select(i => (ulong)i), all.Select(e => e.Seq));
        foreach (var entry in all)
        {
            Assert.Equal(entry.Seq, results[entry.Node]);
            Assert.Equal(Encoding.UTF8.GetString(Payload((int)entry.Node)), entry.Data);
        }
    }

    [Fact]
    public async Task Rotate_ThenDeleteSegmentsThrough_KeepsUncoveredEntriesAndSequence()
    {
        using var dir = new TempDirectory();
        using (var wal = WriteAheadLog.Open(Options(dir.Path)))
        {
            await AppendMany(wal, 10);
            Assert.Equal(11UL, wal.Rotate());
            Assert.Equal(11UL, wal.Rotate());
            await AppendMany(wal, 5, start: 10);
            Assert.Equal(2, wal.Segments.Count);
            Assert.Equal(0, wal.DeleteSegmentsThrough(9));
            Assert.Equal(1, wal.DeleteSegmentsThrough(10));
            Assert.Equal(11UL, wal.FirstSequence);
            Assert.Equal(SegmentHeader.Size + (5 * RecordFrame.SizeOf(Payload(10).Length)), wal.Size);
        }

        using var reopened = WriteAheadLog.Open(Options(dir.Path));
        Assert.Equal(Enumerable.Range(11, 5).Select(i => (ulong)i), ReadAll(reopened).Select(e => e.Seq));
        Assert.Equal(16UL, await reopened.AppendAsync(DeltaType.Tags, 1, "{}"u8.ToArray(), Ct));
    }

    [Fact]
    public async Task Append_PastSegmentSize_RotatesAndReopenSeesContinuousSequence()
    {
        using var dir = new TempDirectory();
        var segmentSize = SegmentHeader.Size + RecordFrame.SizeOf(WalOptions.DefaultMaxPayloadBytes);
        using (var wal = WriteAheadLog.Open(Options(dir.Path, segmentSize: segmentSize)))
        {
            await AppendMany(wal, 20);
            await wal.AppendAsync(DeltaType.Tags, 1, new byte[segmentSize / 2], Ct);
            await wal.AppendAsync(DeltaType.Tags, 2, new byte[segmentSize / 2], Ct);
            Assert.True(wal.Segments.Count >= 2);
        }

        using var reopened = WriteAheadLog.Open(Options(dir.Path));
        Assert.True(reopened.Recovery.Segments >= 2);
        Assert.Equal(Enumerable.Range(1, 22).Select(i => (ulong)i), ReadAll(reopened).Select(e => e.Seq));
    }

    [Fact]
    public async Task Open_MissingMiddleSegment_IsRefusedAsCorruption()
    {
        using var dir = new TempDirectory();
        using (var wal = WriteAheadLog.Open(Options(dir.Path)))
        {
            await AppendMany(wal, 3);
            wal.Rotate();
            await AppendMany(wal, 3);
            wal.Rotate();
            await AppendMany(wal, 3);
        }

        File.Delete(Path.Combine(dir.Path, WalSegment.FileName(4)));
        var ex = Assert.Throws<WalCorruptionException>(() => WriteAheadLog.Open(Options(dir.Path)));
        Assert.Contains("missing", ex.Message, StringComparison.Ordinal);
        Assert.Equal(4UL, ex.ExpectedSequence);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(700)]
    public async Task Open_DamageAfterLastRecordOfSealedSegment_SetsItAsideAndKeepsEveryRecord(int distance)
    {
        using var dir = new TempDirectory();
        var sealedPath = await SealedSegmentThenThreeMore(dir.Path);

        // Non-zero bytes where a sealed segment has only unused (preallocated) space: no record can be there, since
        // the next segment starts right after the last one.
        var (bytes, boundaries) = ReadSegment(sealedPath);
        var recordsEnd = boundaries[^1];
        if (bytes.Length <= recordsEnd + distance)
        {
            Array.Resize(ref bytes, recordsEnd + distance + 16);
        }

        bytes[recordsEnd + distance] ^= 0x5A;
        File.WriteAllBytes(sealedPath, bytes);

        var verified = WalReader.Read(dir.Path, onRecord: null, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(6, verified.Entries);
        Assert.Equal(WalProblemKind.UnusedSpaceDamage, verified.Problems.Single().Kind);

        using (var reopened = WriteAheadLog.Open(Options(dir.Path)))
        {
            var problem = reopened.Recovery.Problems.Single();
            Assert.Equal(WalProblemKind.UnusedSpaceDamage, problem.Kind);
            Assert.Equal(sealedPath, problem.FilePath);
            Assert.Equal(recordsEnd, problem.Offset);
            Assert.Contains("no record is missing", problem.Message, StringComparison.Ordinal);
            Assert.Equal(bytes[recordsEnd..], File.ReadAllBytes(reopened.Recovery.SideFiles.Single()));
            Assert.Equal(bytes.Length - recordsEnd, reopened.Recovery.BytesCut);
            Assert.Equal(Enumerable.Range(1, 6).Select(i => (ulong)i), ReadAll(reopened).Select(e => e.Seq));
            Assert.Equal(7UL, (await AppendMany(reopened, 1, start: 6)).Single());
        }

        using var again = WriteAheadLog.Open(Options(dir.Path));
        Assert.Empty(again.Recovery.Problems);
        Assert.Equal(Enumerable.Range(1, 7).Select(i => (ulong)i), ReadAll(again).Select(e => e.Seq));
    }

    [Fact]
    public async Task Open_DamagedLastRecordOfSealedSegment_StillRefused()
    {
        using var dir = new TempDirectory();
        var sealedPath = await SealedSegmentThenThreeMore(dir.Path);

        // The successor starts at 4, but the damaged record is 3: a record is missing, so this is not unused space.
        var (bytes, boundaries) = ReadSegment(sealedPath);
        bytes[boundaries[^2] + 30] ^= 0xFF;
        File.WriteAllBytes(sealedPath, bytes);

        var ex = Assert.Throws<WalCorruptionException>(() => WriteAheadLog.Open(Options(dir.Path)));
        Assert.Equal(boundaries[^2], ex.Offset);
        Assert.Equal(3UL, ex.ExpectedSequence);
    }

    [Fact]
    public async Task Open_CorruptMiddleRecord_RefusedUnlessPrefixRecoveryRequested()
    {
        using var dir = new TempDirectory();
        using (var wal = WriteAheadLog.Open(Options(dir.Path)))
        {
            await AppendMany(wal, 6);
        }

        var segment = SingleSegment(dir.Path);
        var (bytes, boundaries) = ReadSegment(segment);
        bytes[boundaries[2] + 30] ^= 0xFF;
        File.WriteAllBytes(segment, bytes);

        var ex = Assert.Throws<WalCorruptionException>(() => WriteAheadLog.Open(Options(dir.Path)));
        Assert.Equal(boundaries[2], ex.Offset);
        Assert.Equal(3UL, ex.ExpectedSequence);
        Assert.Equal(bytes.Length, new FileInfo(segment).Length);

        using var recovered = WriteAheadLog.Open(Options(dir.Path, recoverPrefix: true));
        Assert.Equal(2, ReadAll(recovered).Count);
        Assert.Equal(WalProblemKind.Corruption, recovered.Recovery.Problems.Single().Kind);
        Assert.Equal(bytes[boundaries[2]..], File.ReadAllBytes(recovered.Recovery.SideFiles.Single()));
        Assert.Equal(3UL, await recovered.AppendAsync(DeltaType.Tags, 1, "{}"u8.ToArray(), Ct));
    }

    [Fact]
    public void Open_SecondWriterOnSameDirectory_IsRefused()
    {
        using var dir = new TempDirectory();
        using var wal = WriteAheadLog.Open(Options(dir.Path));
        Assert.Throws<DirectoryLockedException>(() => WriteAheadLog.Open(Options(dir.Path)));
    }

    [Fact]
    public async Task None_AppendCompletesWithoutSync_FlushMakesDurable()
    {
        using var dir = new TempDirectory();
        var storage = new FaultyStorage();
        using var wal = WriteAheadLog.Open(new WalOptions { Directory = dir.Path, Storage = storage, Durability = WalDurability.None });
        var syncsBefore = storage.Syncs;
        await AppendMany(wal, 5);
        Assert.Equal(syncsBefore, storage.Syncs);
        Assert.Equal(0UL, wal.DurableSequence);
        await wal.FlushAsync(Ct);
        Assert.Equal(5UL, wal.DurableSequence);
        Assert.Equal(syncsBefore + 1, storage.Syncs);
    }

    [Fact]
    public async Task Interval_AppendAcknowledgedBeforeSync_SyncedOnceIntervalElapses()
    {
        using var dir = new TempDirectory();
        var storage = new FaultyStorage();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var wal = WriteAheadLog.Open(new WalOptions { Directory = dir.Path, Storage = storage, Durability = WalDurability.Interval, SyncInterval = TimeSpan.FromMilliseconds(50), TimeProvider = time });
        var syncsBefore = storage.Syncs;
        await AppendMany(wal, 5);
        Assert.Equal(5UL, wal.AcknowledgedSequence);
        Assert.Equal(0UL, wal.DurableSequence);
        Assert.Equal(syncsBefore, storage.Syncs);

        time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.True(SpinWait.SpinUntil(() => wal.DurableSequence == 5, TimeSpan.FromSeconds(10)), "the interval sync did not happen");
        Assert.Equal(syncsBefore + 1, storage.Syncs);
    }

    [Fact]
    public async Task ResetAfter_SameFirstSequenceAsExistingSegment_ReplacesIt()
    {
        using var dir = new TempDirectory();
        using (var wal = WriteAheadLog.Open(Options(dir.Path)))
        {
            await AppendMany(wal, 3);
            wal.ResetAfter(0);
            Assert.Equal(0UL, wal.AppendedSequence);
            Assert.Empty(ReadAll(wal));
            Assert.Equal(1UL, await wal.AppendAsync(DeltaType.Tags, 1, "{}"u8.ToArray(), Ct));
        }

        using var reopened = WriteAheadLog.Open(Options(dir.Path));
        Assert.Equal([1UL], ReadAll(reopened).Select(e => e.Seq));
    }

    [Fact]
    public async Task Open_IncompleteNewSegment_IsRemovedAsTorn()
    {
        using var dir = new TempDirectory();
        using (var wal = WriteAheadLog.Open(Options(dir.Path)))
        {
            await AppendMany(wal, 3);
        }

        File.WriteAllBytes(Path.Combine(dir.Path, WalSegment.FileName(4)), "PILOT"u8.ToArray());
        using var reopened = WriteAheadLog.Open(Options(dir.Path));
        Assert.Equal(WalProblemKind.TornTail, reopened.Recovery.Problems.Single().Kind);
        Assert.Equal(4UL, await reopened.AppendAsync(DeltaType.Tags, 1, "{}"u8.ToArray(), Ct));
    }

    [Fact]
    public async Task Open_PreallocatedZeroTail_IsACleanEndNotDamage()
    {
        using var dir = new TempDirectory();
        using (var wal = WriteAheadLog.Open(Options(dir.Path)))
        {
            await AppendMany(wal, 3);
        }

        var segment = Directory.GetFiles(dir.Path, "*.wal").Single();
        var read = WalReader.Read(segment, onRecord: null, cancellationToken: Ct);
        Assert.True(read.FileBytes > read.ValidBytes, "the writer preallocates zero-filled space");
        Assert.True(read.Intact);
        using var reopened = WriteAheadLog.Open(Options(dir.Path));
        Assert.Empty(reopened.Recovery.Problems);
        Assert.Equal(4UL, await reopened.AppendAsync(DeltaType.Tags, 1, "{}"u8.ToArray(), Ct));
    }

    [Fact]
    public async Task Open_ZeroedRecordFollowedByValidRecords_IsCorruptionNotCleanEnd()
    {
        using var dir = new TempDirectory();
        using (var wal = WriteAheadLog.Open(Options(dir.Path)))
        {
            await AppendMany(wal, 5);
        }

        var segment = SingleSegment(dir.Path);
        var (bytes, boundaries) = ReadSegment(segment);
        Array.Clear(bytes, boundaries[1], boundaries[2] - boundaries[1]);
        File.WriteAllBytes(segment, bytes);
        var ex = Assert.Throws<WalCorruptionException>(() => WriteAheadLog.Open(Options(dir.Path)));
        Assert.Equal(2UL, ex.ExpectedSequence);
    }

    private static List<(ulong, DeltaType, uint, string)> ExpectedEntries(int count) =>
        Enumerable.Range(0, count).Select(i => ((ulong)(i + 1), DeltaType.Tags, (uint)i, Encoding.UTF8.GetString(Payload(i)))).ToList();

    /// <summary>Writes records 1–3, rotates, writes 4–6; returns the path of the sealed first segment.</summary>
    private static async Task<string> SealedSegmentThenThreeMore(string dir)
    {
        using (var wal = WriteAheadLog.Open(Options(dir)))
        {
            await AppendMany(wal, 3);
            wal.Rotate();
            await AppendMany(wal, 3, start: 3);
        }

        return Path.Combine(dir, WalSegment.FileName(1));
    }

    /// <summary>A segment's bytes and the offsets where its records start, plus the end of its records (zero-filled space excluded).</summary>
    private static (byte[] Bytes, List<int> Boundaries) ReadSegment(string path)
    {
        var bytes = File.ReadAllBytes(path);
        return (bytes, RecordBoundaries(bytes[..TrimZeros(bytes)]));
    }

    /// <summary>The length of <paramref name="segment"/> without its zero-filled (preallocated) end.</summary>
    private static int TrimZeros(byte[] segment) => Math.Max(SegmentHeader.Size, Array.FindLastIndex(segment, b => b != 0) + 1);

    /// <summary>Offsets where records start, plus the end of the file.</summary>
    private static List<int> RecordBoundaries(byte[] segment)
    {
        var list = new List<int>();
        var pos = SegmentHeader.Size;
        while (pos < segment.Length)
        {
            list.Add(pos);
            pos += RecordFrame.SizeOf((int)RecordFrame.PeekLength(segment.AsSpan(pos)));
        }

        list.Add(pos);
        return list;
    }
}
