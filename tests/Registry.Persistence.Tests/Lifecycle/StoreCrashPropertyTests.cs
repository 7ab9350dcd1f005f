using System.Collections.Concurrent;
using Registry.Persistence.Lifecycle;
using Registry.Persistence.Snapshots;
using Registry.Persistence.Tests.IO;
using Registry.Persistence.Tests.Snapshots;
using Registry.Persistence.Wal;

namespace Registry.Persistence.Tests.Lifecycle;

/// <summary>
/// Model-based crash test: concurrent writers and snapshots run until a fault injected at a random point (a torn
/// or failed log write, a failed fsync, an I/O error or a crash at a random step of a snapshot save) stops them;
/// after recovery the state must be exactly the state of a prefix of the attempted mutations that contains every
/// acknowledged one.
/// </summary>
public class StoreCrashPropertyTests
{
    public static TheoryData<int> Seeds() => new(Enumerable.Range(1, 40));

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task RandomFault_Recovery_EqualsPrefixContainingEveryAcknowledgedMutation(int seed)
    {
        var random = new Random(seed);
        using var dir = new TempDirectory();
        var logFaults = new FaultyStorage();
        switch (random.Next(3))
        {
            case 0:
                logFaults.FailWriteAt = random.Next(3, 80);
                logFaults.PartialBytes = random.Next(0, 200);
                break;
            case 1:
                logFaults.FailSyncAt = random.Next(3, 80);
                break;
            default:
                break;
        }

        var snapshotFaults = new FaultyFileSystem(random.Next(1, 40), random.Next(2) == 0 ? FaultKind.Crash : FaultKind.IoError);
        var options = new StoreOptions { DataDirectory = dir.Path, LogStorage = logFaults, SnapshotFileSystem = snapshotFaults };
        var machine = new HostnameMachine();
        Store store;
        try
        {
            store = Store.Open(options, machine);
        }
        catch (Exception ex) when (ex is SimulatedCrashException or PersistenceException or IOException)
        {
            // The crash hit the initial snapshot of the new directory: nothing was acknowledged, and it must still open.
            var fresh = new HostnameMachine();
            await using var retried = Store.Open(new StoreOptions { DataDirectory = dir.Path }, fresh);
            Assert.Empty(fresh.Names);
            return;
        }

        var attempts = new ConcurrentDictionary<ulong, (uint Node, string Name)>();
        var acknowledged = new ConcurrentBag<ulong>();
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var local = new Random((seed * 31) + w);
            for (var i = 0; i < 150 && !stop.IsCancellationRequested; i++)
            {
                var node = (uint)local.Next(1, 25);
                var name = $"s{seed}-w{w}-{i}";
                AppendTicket ticket;
                try
                {
                    ticket = machine.Set(store.Log, node, name);
                }
                catch (WalPoisonedException)
                {
                    return;
                }

                attempts[ticket.Sequence] = (node, name);
                try
                {
                    await ticket.Acknowledged;
                    acknowledged.Add(ticket.Sequence);
                }
                catch (WalPoisonedException)
                {
                    return;
                }
            }
        }, TestContext.Current.CancellationToken)).ToList();

        var snapshotter = CrashHarness.SnapshotUntilDoneAsync(store, writers, stop);

        await Task.WhenAll(writers);
        await snapshotter;
        await store.CrashForTestingAsync();

        var recovered = new HostnameMachine();
        await using var reopened = Store.Open(new StoreOptions { DataDirectory = dir.Path }, recovered);
        var ordered = attempts.OrderBy(a => a.Key).ToList();
        var maxAcked = acknowledged.IsEmpty ? 0UL : acknowledged.Max();
        Assert.True(MatchesSomePrefix(ordered, maxAcked, recovered.Names), $"seed {seed}: recovered state is not a prefix of the attempts containing every acknowledged one (acked up to {maxAcked}, attempted {ordered.Count})");
    }

    private static bool MatchesSomePrefix(List<KeyValuePair<ulong, (uint Node, string Name)>> ordered, ulong maxAcked, Dictionary<uint, string> recovered)
    {
        var state = new Dictionary<uint, string>();
        var k = 0;
        for (; k < ordered.Count && ordered[k].Key <= maxAcked; k++)
        {
            state[ordered[k].Value.Node] = ordered[k].Value.Name;
        }

        while (true)
        {
            if (state.Count == recovered.Count && state.All(kv => recovered.TryGetValue(kv.Key, out var v) && v == kv.Value))
            {
                return true;
            }

            if (k >= ordered.Count)
            {
                return false;
            }

            state[ordered[k].Value.Node] = ordered[k].Value.Name;
            k++;
        }
    }
}
