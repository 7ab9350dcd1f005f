using System.Text;
using Registry.Persistence.Deltas;
using Registry.Persistence.Replication;
using Registry.Persistence.Tests.Wal;
using Registry.Persistence.Wal;
using static Registry.Persistence.Tests.Wal.WalTestKit;

namespace Registry.Persistence.Tests.Replication;

public class DeltaFeedTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<List<ulong>> Take(DeltaSubscription subscription, int count)
    {
        var seqs = new List<ulong>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        await foreach (var chunk in subscription.ReadAllAsync(timeout.Token))
        {
            WalFrames.ForEach(chunk.Frames, (in WalRecord r) => seqs.Add(r.Entry.SeqNo));
            if (seqs.Count >= count)
            {
                break;
            }
        }

        return seqs;
    }

    [Fact]
    public async Task Subscribe_FromOldEntries_CatchesUpFromFilesThenFollowsLiveAppends()
    {
        using var dir = new TempDirectory();
        using var wal = WriteAheadLog.Open(Options(dir.Path));
        await AppendMany(wal, 50);
        using var feed = new DeltaFeed(wal);
        using var subscription = feed.Subscribe(1);
        var reading = Take(subscription, 80);
        await AppendMany(wal, 30, start: 50);
        Assert.Equal(Enumerable.Range(1, 80).Select(i => (ulong)i), await reading);
    }

    [Fact]
    public async Task Subscribe_FromRecentEntry_StartsExactlyThere()
    {
        using var dir = new TempDirectory();
        using var wal = WriteAheadLog.Open(Options(dir.Path));
        using var feed = new DeltaFeed(wal);
        await AppendMany(wal, 20);
        using var subscription = feed.Subscribe(15);
        Assert.Equal(Enumerable.Range(15, 6).Select(i => (ulong)i), await Take(subscription, 6));
    }

    [Fact]
    public async Task Subscribe_CompactedOrFutureSequence_RequiresSnapshot()
    {
        using var dir = new TempDirectory();
        using var wal = WriteAheadLog.Open(Options(dir.Path));
        await AppendMany(wal, 10);
        wal.Rotate();
        await AppendMany(wal, 5, start: 10);
        wal.DeleteSegmentsThrough(10);
        using var feed = new DeltaFeed(wal, memoryBytes: 0);
        Assert.Throws<SnapshotRequiredException>(() => feed.Subscribe(3));
        Assert.Throws<SnapshotRequiredException>(() => feed.Subscribe(17));
        using var ok = feed.Subscribe(11);
        Assert.Equal(Enumerable.Range(11, 5).Select(i => (ulong)i), await Take(ok, 5));
    }

    [Fact]
    public async Task Subscribe_MoreSmallBatchesInMemoryThanQueueCapacity_StillDeliversEverything()
    {
        using var dir = new TempDirectory();
        using var wal = WriteAheadLog.Open(Options(dir.Path));
        using var feed = new DeltaFeed(wal, subscriberCapacity: 8);
        await AppendMany(wal, 200);
        using var subscription = feed.Subscribe(1);
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (ulong)i), await Take(subscription, 200));
    }

    [Fact]
    public async Task SlowSubscriber_QueueOverflows_IsCutOffWithLaggingError()
    {
        using var dir = new TempDirectory();
        using var wal = WriteAheadLog.Open(Options(dir.Path));
        using var feed = new DeltaFeed(wal, subscriberCapacity: 2);
        using var subscription = feed.Subscribe(1);
        await AppendMany(wal, 10);
        await Assert.ThrowsAsync<SubscriberLaggingException>(async () =>
        {
            await foreach (var unused in subscription.ReadAllAsync(Ct))
            {
            }
        });
        Assert.Equal(0, feed.Subscribers);
    }

    [Fact]
    public async Task Standby_AppliesPrimaryFrames_LogIsIdenticalAfterReopen()
    {
        using var dir = new TempDirectory();
        using var primary = WriteAheadLog.Open(Options(dir.Combine("primary")));
        using var feed = new DeltaFeed(primary);
        using var subscription = feed.Subscribe(1);
        var writers = Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(() => AppendMany(primary, 100, start: w * 1000), Ct)));

        using (var standby = WriteAheadLog.Open(Options(dir.Combine("standby"))))
        {
            var received = 0;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(20));
            await foreach (var chunk in subscription.ReadAllAsync(timeout.Token))
            {
                var ticket = standby.EnqueueReplicated(chunk.Frames.Span);
                await ticket.Acknowledged;
                Assert.Equal(chunk.LastSeq, ticket.Sequence);
                received += (int)(chunk.LastSeq - chunk.FirstSeq + 1);
                if (received == 400)
                {
                    break;
                }
            }

            await writers;
        }

        using var reopened = WriteAheadLog.Open(Options(dir.Combine("standby")));
        Assert.Equal(ReadAll(primary), ReadAll(reopened));
        Assert.Equal(400UL, reopened.AppendedSequence);
    }

    [Fact]
    public async Task EnqueueReplicated_GapOrDamage_IsRefusedAndAppendsNothing()
    {
        using var dir = new TempDirectory();
        using var standby = WriteAheadLog.Open(Options(dir.Path));
        await standby.AppendAsync(DeltaType.Tags, 1, "{}"u8.ToArray(), Ct);
        var gap = WalFrames.Encode(new DeltaEntry(5, DeltaType.Tags, 1, Encoding.UTF8.GetBytes("{}")));
        Assert.Throws<WalCorruptionException>(() => standby.EnqueueReplicated(gap));

        var good = WalFrames.Encode(new DeltaEntry(2, DeltaType.Tags, 1, Encoding.UTF8.GetBytes("{\"a\":1}")));
        var damaged = (byte[])good.Clone();
        damaged[^2] ^= 0x20;
        Assert.Throws<WalCorruptionException>(() => standby.EnqueueReplicated(damaged));
        Assert.Equal(1UL, standby.AppendedSequence);

        await standby.EnqueueReplicated(good).Acknowledged;
        Assert.Equal(2UL, standby.AppendedSequence);
    }
}
