using System.Buffers.Binary;
using Registry.Persistence.Deltas;
using Registry.Persistence.Wal;
using Registry.Persistence.Wal.Legacy;

namespace Registry.Persistence.Tests.Legacy;

public class LegacyWalReaderTests
{
    private static readonly string[] _walNames =
        ["wal-basic.wal", "wal-torn-tail.wal", "wal-torn-header.wal", "wal-corrupt-middle.wal", "wal-oversize.wal", "wal-edge-cases.wal"];

    public static TheoryData<string> WalFixtures() => [.. _walNames];

    [Theory]
    [MemberData(nameof(WalFixtures))]
    public void Read_GoFixture_MatchesExpectedFile(string name)
    {
        var expected = ExpectedWal.For(name);
        var records = new List<LegacyRecord>();

        var result = LegacyWalReader.Read(Fixtures.Go(name), r => records.Add(r.Detach()), TestContext.Current.CancellationToken);

        Assert.Equal(expected.Count, result.Count);
        Assert.Equal(expected.Error, result.Error);
        Assert.Equal(expected.FileSize, result.FileBytes);
        Assert.Equal(expected.UnconsumedTailBytes, result.UnconsumedBytes);
        Assert.Equal(expected.Entries.Count, records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            Assert.Equal(expected.Entries[i].Offset, records[i].Offset);
            Assert.Equal(expected.Entries[i].Length, records[i].Length);
            GoEnvelopeTests.AssertEntry(expected.Entries[i], records[i].Entry);
        }

        var skipped = result.Problems.Where(p => p.Kind == WalProblemKind.SkippedRecord).Select(p => p.Offset).ToList();
        Assert.Equal(expected.Skipped.Select(s => s.Offset), skipped);
        Assert.Equal(expected.Skipped.Count, result.SkippedCount);
        Assert.All(result.Problems, p => Assert.Equal(Fixtures.Go(name), p.FilePath));
        Assert.False(result.ProblemsTruncated);
    }

    [Fact]
    public void Read_TornHeader_ReportsTornTailWithoutGoError()
    {
        var result = LegacyWalReader.Read(Fixtures.Go("wal-torn-header.wal"), _ => { }, TestContext.Current.CancellationToken);

        Assert.Null(result.Error);
        Assert.True(result.TornTail);
        var problem = Assert.Single(result.Problems);
        Assert.Equal(WalProblemKind.TornTail, problem.Kind);
        Assert.Equal(1552, problem.Offset);
        Assert.Equal(1552, result.ValidBytes);
    }

    [Fact]
    public void Read_TornBody_ReportsTornTailWithGoError()
    {
        var result = LegacyWalReader.Read(Fixtures.Go("wal-torn-tail.wal"), _ => { }, TestContext.Current.CancellationToken);

        Assert.True(result.TornTail);
        var problem = Assert.Single(result.Problems);
        Assert.Equal(WalProblemKind.TornTail, problem.Kind);
        Assert.Equal(3694, problem.Offset);
        Assert.StartsWith("read WAL data at entry 30: unexpected EOF", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Oversize_ReportsOversizeProblem()
    {
        var result = LegacyWalReader.Read(Fixtures.Go("wal-oversize.wal"), _ => { }, TestContext.Current.CancellationToken);

        Assert.False(result.TornTail);
        var problem = Assert.Single(result.Problems);
        Assert.Equal(WalProblemKind.Oversize, problem.Kind);
        Assert.Equal(1552, problem.Offset);
        Assert.Equal("WAL entry 10 too large: 2000000 bytes", problem.Message);
    }

    [Fact]
    public void Read_BasicTruncatedAtEveryLength_StopsAtLastCompleteRecord()
    {
        // Torn-write sweep: every prefix of a valid log must read as its complete records, never throw.
        using var dir = new TempDirectory();
        var bytes = File.ReadAllBytes(Fixtures.Go("wal-basic.wal"));
        var ends = ExpectedWal.For("wal-basic.wal").Entries.Select(e => e.Offset + 4 + e.Length).ToList();
        var path = dir.Combine("cut.wal");
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            File.WriteAllBytes(path, bytes.AsSpan(0, cut).ToArray());
            var delivered = 0;

            var result = LegacyWalReader.Read(path, _ => delivered++, TestContext.Current.CancellationToken);

            var complete = ends.Count(end => end <= cut);
            var lastEnd = complete == 0 ? 0 : ends[complete - 1];
            var inBody = cut - lastEnd >= 4;
            Assert.Equal(complete, result.Count);
            Assert.Equal(complete, delivered);
            Assert.Equal(lastEnd, result.ValidBytes);
            Assert.Equal(cut != lastEnd, result.TornTail);
            var expectedError = !inBody ? null
                : cut - lastEnd == 4 ? $"read WAL data at entry {complete}: EOF"
                : $"read WAL data at entry {complete}: unexpected EOF";
            Assert.Equal(expectedError, result.Error);
        }
    }

    [Fact]
    public void Read_BasicWithAnyByteFlipped_NeverThrowsAndStaysConsistent()
    {
        // Bit-rot sweep: damage anywhere must become skipped records, an oversize stop or a torn tail, never an exception.
        using var dir = new TempDirectory();
        var original = File.ReadAllBytes(Fixtures.Go("wal-basic.wal"));
        var path = dir.Combine("flipped.wal");
        var prefixBytes = ExpectedWal.For("wal-basic.wal").Entries.SelectMany(e => Enumerable.Range((int)e.Offset, 4)).ToHashSet();
        for (var i = 0; i < original.Length; i++)
        {
            var bytes = (byte[])original.Clone();
            bytes[i] ^= 0x5A;
            File.WriteAllBytes(path, bytes);
            var delivered = 0;

            var result = LegacyWalReader.Read(path, _ => delivered++, TestContext.Current.CancellationToken);

            Assert.Equal(delivered, result.Count);
            Assert.InRange(result.ValidBytes, 0, result.FileBytes);
            Assert.True(result.Error is null || result.Problems.Count > 0, $"flip at {i}: error without a problem");
            if (!prefixBytes.Contains(i))
            {
                // Framing is intact: the damaged record either still decodes or is skipped alone.
                Assert.InRange(result.Count, 29, 30);
                Assert.Equal(30 - result.Count, result.SkippedCount);
                Assert.Null(result.Error);
                Assert.Equal(result.FileBytes, result.ValidBytes);
            }
        }
    }

    [Fact]
    public void Read_EmptyFile_IsAnEmptyLog()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("empty.wal");
        File.WriteAllBytes(path, []);

        var result = LegacyWalReader.Read(path, _ => Assert.Fail("no entry expected"), TestContext.Current.CancellationToken);

        Assert.Equal(0, result.Count);
        Assert.Null(result.Error);
        Assert.False(result.TornTail);
        Assert.Empty(result.Problems);
    }

    [Fact]
    public void Read_ExactlyMaxEntryBytes_IsReadAndOneMoreIsOversize()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("big.wal");
        var prefix = "{\"type\":7,\"data\":\""u8.ToArray();
        var body = new byte[LegacyWalReader.MaxEntryBytes];
        body.AsSpan().Fill((byte)'a');
        prefix.CopyTo(body, 0);
        "\"}"u8.CopyTo(body.AsSpan(body.Length - 2));
        using (var writer = new LegacyWalWriter(path))
        {
            writer.AppendRecord(body);
            writer.AppendRecord([.. body, (byte)' ']);
        }

        var sizes = new List<int>();
        var result = LegacyWalReader.Read(path, r => sizes.Add(r.Entry.Data.Length), TestContext.Current.CancellationToken);

        Assert.Equal([LegacyWalReader.MaxEntryBytes - 18], sizes);
        Assert.Equal("WAL entry 1 too large: 1048577 bytes", result.Error);
    }

    [Fact]
    public void Read_ManyUndecodableRecords_CapsProblemListButCountsAll()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("zeros.wal");
        File.WriteAllBytes(path, new byte[4 * (LegacyWalReader.MaxReportedProblems + 10)]);

        var result = LegacyWalReader.Read(path, _ => { }, TestContext.Current.CancellationToken);

        Assert.Equal(0, result.Count);
        Assert.Equal(LegacyWalReader.MaxReportedProblems + 10, result.SkippedCount);
        Assert.Equal(LegacyWalReader.MaxReportedProblems, result.Problems.Count);
        Assert.True(result.ProblemsTruncated);
        Assert.Equal(result.FileBytes, result.ValidBytes);
    }

    [Fact]
    public void Read_LargeFile_DeliversEveryRecordWithBoundedAllocation()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("large.wal");
        const int records = 100_000;
        var payload = "{\"node_id\":123456,\"network_id\":42,\"padding\":\"0123456789012345678901234567890123456789\"}"u8.ToArray();
        using (var writer = new LegacyWalWriter(path))
        {
            for (var i = 0; i < records; i++)
            {
                writer.Append(new DeltaEntry((ulong)i, DeltaType.NetworkJoin, (uint)i, payload));
            }
        }

        var fileBytes = new FileInfo(path).Length;
        var count = 0;
        var outOfOrder = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();

        var result = LegacyWalReader.Read(
            path,
            r =>
            {
                // Plain comparisons: Assert calls would allocate and blur the measurement.
                if (r.Entry.SeqNo != (ulong)count)
                {
                    outOfOrder++;
                }

                count++;
            },
            TestContext.Current.CancellationToken);

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(records, result.Count);
        Assert.Equal(records, count);
        Assert.Equal(0, outOfOrder);
        Assert.Null(result.Error);
        Assert.Equal(fileBytes, result.ValidBytes);
        Assert.True(fileBytes > 10_000_000, $"file is {fileBytes} bytes");

        // Streaming: allocation stays far below the file size (one pooled buffer, no per-record copies).
        Assert.True(allocated < 2_000_000, $"allocated {allocated} bytes to read {fileBytes}");
    }

    [Fact]
    public void Replay_ApplyRejectsAnEntry_StopsWithGoApplyErrorText()
    {
        var expected = ExpectedWal.For("wal-basic.wal");
        var seen = 0;

        var result = LegacyWalReader.Replay(
            Fixtures.Go("wal-basic.wal"),
            r => ++seen == 6 ? $"register delta: bad node {r.Entry.NodeId}" : null,
            TestContext.Current.CancellationToken);

        Assert.Equal(6, seen);
        Assert.Equal(5, result.Count);
        Assert.Equal("apply WAL entry 5: register delta: bad node 0", result.Error);
        Assert.Equal(expected.Entries[5].Offset, result.ValidBytes);
        Assert.Empty(result.Problems);
        Assert.False(result.TornTail);
    }

    [Fact]
    public void Replay_ApplyAlwaysSucceeds_SameAsRead()
    {
        var result = LegacyWalReader.Replay(Fixtures.Go("wal-corrupt-middle.wal"), _ => null, TestContext.Current.CancellationToken);

        Assert.Equal(29, result.Count);
        Assert.Null(result.Error);
        Assert.Equal(1, result.SkippedCount);
    }

    [Fact]
    public void Read_CancelledToken_Throws()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => LegacyWalReader.Read(Fixtures.Go("wal-basic.wal"), _ => { }, cts.Token));
    }

    [Fact]
    public void Read_CallbackThrows_ExceptionPropagates()
    {
        var ex = Assert.Throws<InvalidOperationException>(() =>
            LegacyWalReader.Read(Fixtures.Go("wal-basic.wal"), _ => throw new InvalidOperationException("apply failed"), TestContext.Current.CancellationToken));
        Assert.Equal("apply failed", ex.Message);
    }

    [Fact]
    public void Read_MissingFile_ThrowsFileNotFound()
    {
        using var dir = new TempDirectory();
        Assert.Throws<FileNotFoundException>(() => LegacyWalReader.Read(dir.Combine("missing.wal"), _ => { }, TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData(new byte[0], true)]
    [InlineData(new byte[] { 0x50, 0x49, 0x4C, 0x4F, 0x54 }, true)]
    [InlineData(new byte[] { 0x32, 0, 0, 0, 0x7B, 0x22, 0x73, 0x65 }, true)]
    [InlineData(new byte[] { 0x50, 0x49, 0x4C, 0x4F, 0x54, 0x57, 0x41, 0x4C }, false)]
    [InlineData(new byte[] { 0x50, 0x49, 0x4C, 0x4F, 0x54, 0x57, 0x41, 0x4C, 1, 0 }, false)]
    [InlineData(new byte[] { 0x70, 0x69, 0x6C, 0x6F, 0x74, 0x77, 0x61, 0x6C }, true)]
    public void LooksLegacy_FirstBytes_DetectsNewFormatMagicOnly(byte[] first, bool legacy)
    {
        Assert.Equal(legacy, LegacyWalReader.LooksLegacy(first));
    }

    [Fact]
    public void LooksLegacy_EveryGoFixture_IsLegacy()
    {
        foreach (var name in _walNames)
        {
            var bytes = File.ReadAllBytes(Fixtures.Go(name));
            Assert.True(LegacyWalReader.LooksLegacy(bytes.AsSpan(0, Math.Min(8, bytes.Length))));
        }
    }

    [Fact]
    public void Read_RecordDataAfterCallback_DetachKeepsIt()
    {
        LegacyRecord kept = default;
        var first = true;
        LegacyWalReader.Read(
            Fixtures.Go("wal-basic.wal"),
            r =>
            {
                if (first)
                {
                    kept = r.Detach();
                    first = false;
                }
            },
            TestContext.Current.CancellationToken);

        Assert.StartsWith("{\"node_id\":1,\"owner\":\"alice@example.com\"", System.Text.Encoding.UTF8.GetString(kept.Entry.Data.Span), StringComparison.Ordinal);
        Assert.Equal(306, BinaryPrimitives.ReadInt32LittleEndian(File.ReadAllBytes(Fixtures.Go("wal-basic.wal")).AsSpan(0, 4)));
    }
}
