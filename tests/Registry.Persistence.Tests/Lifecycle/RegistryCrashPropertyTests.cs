using System.Collections.Concurrent;
using Registry.Core;
using Registry.Core.Lifecycle;
using Registry.Persistence.Deltas;
using Registry.Persistence.Lifecycle;
using Registry.Persistence.Tests.IO;
using Registry.Persistence.Tests.Snapshots;
using Registry.Persistence.Wal;

namespace Registry.Persistence.Tests.Lifecycle;

/// <summary>
/// The crash property on the real registry: random valid and invalid mutations from concurrent clients, snapshots,
/// and one fault at a random point (torn or failed log write, failed fsync, snapshot I/O error or crash). After
/// recovery the registry must equal the replay of a prefix of the attempted deltas that holds every acknowledged one.
/// </summary>
public class RegistryCrashPropertyTests
{
    public static TheoryData<int> Seeds() => new(Enumerable.Range(100, 25));

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task RandomMutationsAndFault_Recovery_EqualsAcknowledgedPrefix(int seed)
    {
        var random = new Random(seed);
        using var dir = new TempDirectory();
        var logFaults = new FaultyStorage();
        if (random.Next(2) == 0)
        {
            logFaults.FailWriteAt = random.Next(4, 60);
            logFaults.PartialBytes = random.Next(0, 300);
        }
        else
        {
            logFaults.FailSyncAt = random.Next(4, 60);
        }

        var snapshotFaults = new FaultyFileSystem(random.Next(6, 30), random.Next(2) == 0 ? FaultKind.Crash : FaultKind.IoError);
        var attempts = new ConcurrentDictionary<ulong, DeltaEntry>();
        var sink = new RecordingLog(attempts);
        var registry = new NodeRegistry(sink);
        Store store;
        try
        {
            store = Store.Open(new StoreOptions { DataDirectory = dir.Path, LogStorage = logFaults, SnapshotFileSystem = snapshotFaults }, new RegistryStateMachine(registry));
        }
        catch (Exception ex) when (ex is SimulatedCrashException or PersistenceException or IOException)
        {
            return;
        }

        sink.Log = store.Log;
        var (initial, _) = registry.CaptureSnapshot();
        var acknowledged = new ConcurrentBag<ulong>();
        using var stop = new CancellationTokenSource();
        var clients = Enumerable.Range(0, 3).Select(c => Task.Run(async () =>
        {
            var local = new Random((seed * 7) + c);
            for (var i = 0; i < 120 && !stop.IsCancellationRequested; i++)
            {
                ulong seq;
                try
                {
                    seq = RandomMutation(registry, local, c);
                }
                catch (RegistryException)
                {
                    continue;
                }
                catch (WalPoisonedException)
                {
                    return;
                }

                try
                {
                    await store.Log.WhenAcknowledged(seq);
                    acknowledged.Add(seq);
                }
                catch (WalPoisonedException)
                {
                    return;
                }
            }
        }, TestContext.Current.CancellationToken)).ToList();

        var snapshotter = CrashHarness.SnapshotUntilDoneAsync(store, clients, stop);

        await Task.WhenAll(clients);
        await snapshotter;
        await store.CrashForTestingAsync();

        var recovered = new NodeRegistry(ReadOnlyDeltaLog.Instance);
        await using (var reopened = Store.Open(new StoreOptions { DataDirectory = dir.Path }, new RegistryStateMachine(recovered)))
        {
        }

        var target = recovered.ToCanonicalJson();
        var model = new NodeRegistry(new MemoryDeltaLog());
        model.Restore(initial);
        var maxAcked = acknowledged.IsEmpty ? 0UL : acknowledged.Max();
        var ordered = attempts.OrderBy(a => a.Key).ToList();
        var k = 0;
        for (; k < ordered.Count && ordered[k].Key <= maxAcked; k++)
        {
            model.Apply(ordered[k].Value);
        }

        var matched = model.ToCanonicalJson() == target;
        for (; !matched && k < ordered.Count; k++)
        {
            model.Apply(ordered[k].Value);
            matched = model.ToCanonicalJson() == target;
        }

        Assert.True(matched, $"seed {seed}: recovered registry is not a prefix of the attempts holding every acknowledged one ({acknowledged.Count} acknowledged of {ordered.Count})");
    }

    private static ulong RandomMutation(NodeRegistry registry, Random random, int client)
    {
        var node = (uint)random.Next(1, 12);
        switch (random.Next(10))
        {
            case 0:
            case 1:
                var key = new byte[32];
                key[0] = (byte)random.Next(1, 40);
                key[1] = (byte)client;
                return registry.Register(new RegisterRequest { PublicKey = Convert.ToBase64String(key), Hostname = $"h{random.Next(30)}", Owner = $"o{random.Next(20)}" }).Sequence;
            case 2:
                return registry.Heartbeat(node).Sequence;
            case 3:
                return registry.SetTags(node, [$"t{random.Next(5)}", $"t{random.Next(5)}"]).Sequence;
            case 4:
                return registry.SetHostname(node, random.Next(4) == 0 ? "" : $"h{random.Next(30)}").Sequence;
            case 5:
                return random.Next(2) == 0 ? registry.ReportTrust(node, (uint)random.Next(1, 12)).Sequence : registry.RevokeTrust(node, (uint)random.Next(1, 12)).Sequence;
            case 6:
                return registry.CreateNetwork(new CreateNetworkRequest { NodeId = node, Name = $"net{random.Next(6)}" }).Sequence;
            case 7:
                return random.Next(2) == 0 ? registry.JoinNetwork(node, (ushort)random.Next(1, 5), null).Sequence : registry.LeaveNetwork(node, (ushort)random.Next(1, 5)).Sequence;
            case 8:
                return registry.SetVisibility(node, random.Next(2) == 0).Sequence;
            default:
                return random.Next(6) == 0 ? registry.Deregister(node).Sequence : registry.Heartbeat(node).Sequence;
        }
    }

    /// <summary>Forwards deltas to the log and keeps a copy of every attempted one with its sequence number.</summary>
    private sealed class RecordingLog(ConcurrentDictionary<ulong, DeltaEntry> attempts) : IDeltaLog
    {
        public WriteAheadLog? Log { get; set; }

        public ulong Enqueue(DeltaType type, uint nodeId, ReadOnlySpan<byte> payload)
        {
            var seq = Log!.Enqueue(type, nodeId, payload).Sequence;
            attempts[seq] = new DeltaEntry(seq, type, nodeId, payload.ToArray());
            return seq;
        }
    }
}
