using System.Text;
using Registry.Persistence.Deltas;
using Registry.Persistence.Tests.IO;
using Registry.Persistence.Wal;
using static Registry.Persistence.Tests.Wal.WalTestKit;

namespace Registry.Persistence.Tests.Wal;

/// <summary><see cref="WriteAheadLog.CommitAppended"/>: a thread that appends a pass of entries and commits them itself, as the server's event loop does.</summary>
public class CallerCommitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CommitAppended_AfterAPassOfAppends_EveryEntryIsAcknowledgedAndSurvivesReopen()
    {
        using var dir = new TempDirectory();
        var tickets = new List<AppendTicket>();
        using (var wal = WriteAheadLog.Open(Options(dir.Path)))
        {
            await OnCommittingThread(() =>
            {
                for (var pass = 0; pass < 5; pass++)
                {
                    for (var i = 0; i < 20; i++)
                    {
                        var id = (pass * 20) + i;
                        tickets.Add(wal.Enqueue(DeltaType.Tags, (uint)id, Payload(id)));
                    }

                    wal.CommitAppended();

                    // Returned means acknowledged: durable in Always mode, whoever wrote the batch.
                    Assert.Equal(tickets[^1].Sequence, wal.AcknowledgedSequence);
                    Assert.Equal(tickets[^1].Sequence, wal.DurableSequence);
                    Assert.All(tickets, t => Assert.True(t.Acknowledged.IsCompletedSuccessfully));
                }
            });
        }

        using var reopened = WriteAheadLog.Open(Options(dir.Path));
        var all = ReadAll(reopened);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (ulong)i), all.Select(e => e.Seq));
        Assert.All(all, e => Assert.Equal(Encoding.UTF8.GetString(Payload((int)e.Node)), e.Data));
    }

    [Fact]
    public async Task CommitAppended_NothingAppended_ReturnsAtOnce()
    {
        using var dir = new TempDirectory();
        using var wal = WriteAheadLog.Open(Options(dir.Path));
        await AppendMany(wal, 3);
        var batches = wal.Counters.Batches;

        wal.CommitAppended();

        Assert.Equal(batches, wal.Counters.Batches);
        Assert.Equal(3UL, wal.AcknowledgedSequence);
    }

    [Fact]
    public async Task CommitAppended_RacingTheFlusherAndOtherCommitters_NeverLosesReordersOrDuplicates()
    {
        using var dir = new TempDirectory();
        const int Committers = 3;
        const int Appenders = 8;
        const int PerThread = 300;
        var results = new ulong[(Committers + Appenders) * PerThread];
        using (var wal = WriteAheadLog.Open(Options(dir.Path, segmentSize: 64 * 1024 + RecordFrame.SizeOf(WalOptions.DefaultMaxPayloadBytes))))
        {
            // Committing threads append in passes of a few and commit; the others wake the flusher and wait for it.
            var committers = Enumerable.Range(0, Committers).Select(c => OnCommittingThread(() =>
            {
                for (var i = 0; i < PerThread; i += 3)
                {
                    for (var k = i; k < Math.Min(i + 3, PerThread); k++)
                    {
                        var id = (c * PerThread) + k;
                        var ticket = wal.Enqueue(DeltaType.Tags, (uint)id, Payload(id));
                        results[id] = ticket.Sequence;
                    }

                    wal.CommitAppended();
                    Assert.True(wal.AcknowledgedSequence >= results[(c * PerThread) + Math.Min(i + 2, PerThread - 1)]);
                }
            }));
            var appenders = Enumerable.Range(Committers, Appenders).Select(a => Task.Run(async () =>
            {
                for (var i = 0; i < PerThread; i++)
                {
                    var id = (a * PerThread) + i;
                    results[id] = await wal.AppendAsync(DeltaType.Tags, (uint)id, Payload(id), Ct);
                }
            }, Ct));
            await Task.WhenAll(committers.Concat(appenders));
        }

        Assert.Equal(results.Length, results.Distinct().Count());
        using var reopened = WriteAheadLog.Open(Options(dir.Path));
        var all = ReadAll(reopened);
        Assert.Equal(Enumerable.Range(1, results.Length).Select(i => (ulong)i), all.Select(e => e.Seq));
        Assert.All(all, e => Assert.Equal(e.Seq, results[e.Node]));
    }

    [Fact]
    public async Task CommitAppended_SyncFails_ThrowsPoisonedAndNothingOfThePassIsAcknowledged()
    {
        using var dir = new TempDirectory();
        var storage = new FaultyStorage();
        using (var wal = WriteAheadLog.Open(Options(dir.Path, storage)))
        {
            await AppendMany(wal, 4);
            storage.FailSyncAt = storage.Syncs + 1;
            await OnCommittingThread(() =>
            {
                var tickets = Enumerable.Range(10, 5).Select(i => wal.Enqueue(DeltaType.Tags, (uint)i, Payload(i))).ToList();

                Assert.Throws<WalPoisonedException>(wal.CommitAppended);

                Assert.Equal(4UL, wal.AcknowledgedSequence);
                Assert.All(tickets, t => Assert.True(t.Acknowledged.IsFaulted));
                Assert.Throws<WalPoisonedException>(wal.CommitAppended);
            });
        }

        using var reopened = WriteAheadLog.Open(Options(dir.Path));
        Assert.Equal(4, ReadAll(reopened).Count(e => e.Seq <= 4));
    }

    /// <summary>Runs <paramref name="pass"/> on a new thread marked as committing its own appends, as an event loop's is.</summary>
    private static Task OnCommittingThread(Action pass)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            WriteAheadLog.CallerCommitsOnThisThread = true;
            try
            {
                pass();
                done.SetResult();
            }
#pragma warning disable CA1031 // The test thread hands every failure, assertions included, to the awaiting test.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                done.SetException(ex);
            }
        })
        { IsBackground = true };
        thread.Start();
        return done.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);
    }
}
