using Microsoft.Extensions.Time.Testing;
using Registry.Core.Lifecycle;
using Registry.Persistence.Lifecycle;

namespace Registry.Core.Tests;

/// <summary>The registry behind the real Store: durability by reopening, crash recovery by a read-only inspect, and Go-layout migration.</summary>
public sealed class RegistryStateMachineTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("registry-core-");
    private readonly FakeTimeProvider _time = new(TestKit.Start);

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task Store_OurLayout_AcknowledgedMutationsSurviveCrashAndRestart()
    {
        var (registry, store) = Open();
        ulong last;
        await using (store)
        {
            var a = registry.Register(new RegisterRequest { PublicKey = TestKit.Key(1), Hostname = "alpha", Owner = "ann" }).NodeId;
            var b = registry.Register(new RegisterRequest { PublicKey = TestKit.Key(2) }).NodeId;
            var net = registry.CreateNetwork(new CreateNetworkRequest { NodeId = a, Name = "lab", Enterprise = true }).NetworkId;
            registry.JoinNetwork(b, net, null);
            registry.SetTags(b, ["gpu"]);
            registry.ReportTrust(a, b);
            registry.RequestHandshake(b, a, "hi");
            last = registry.TransferOwnership(net, b).Sequence;
            await store.Log.WhenAcknowledged(last).WaitAsync(TestContext.Current.CancellationToken);

            // A crash now leaves only the log: a read-only recovery must rebuild the same state from it.
            var inspected = NewRegistry();
            var report = Store.Inspect(_dir.FullName, new RegistryStateMachine(inspected), TestContext.Current.CancellationToken);
            Assert.Equal(last, report.LastSequence);
            Assert.Equal(registry.ToCanonicalJson(), inspected.ToCanonicalJson());
        }

        var (reopened, again) = Open();
        await using (again)
        {
            Assert.Equal(registry.ToCanonicalJson(), reopened.ToCanonicalJson());
            Assert.Equal(last, reopened.LastAppliedSequence);
            Assert.Equal(last + 1, reopened.SetVisibility(1, true).Sequence);
        }
    }

    [Fact]
    public async Task Store_GoLayout_ReplaysWithGoRulesThenContinuesInOurs()
    {
        File.Copy(Path.Combine(AppContext.BaseDirectory, "fixtures", "go", "wal-basic.wal"), Path.Combine(_dir.FullName, "registry.json.wal"));

        var (registry, store) = Open();
        string migrated;
        await using (store)
        {
            Assert.Equal([1u, 2u, 3u, 5u], Enumerable.Range(1, 7).Select(i => (uint)i).Where(id => registry.Lookup(id) is not null));
            Assert.Empty(registry.GetNetwork(0)!.Members);
            Assert.Equal(0ul, registry.LastAppliedSequence);
            var fresh = registry.Register(new RegisterRequest { PublicKey = TestKit.Key(1) });
            Assert.Equal(8u, fresh.NodeId);
            Assert.Equal(1ul, fresh.Sequence);
            await store.Log.WhenAcknowledged(fresh.Sequence).WaitAsync(TestContext.Current.CancellationToken);
            migrated = registry.ToCanonicalJson();
        }

        Assert.False(new DataLayout(_dir.FullName).IsGoLayout);
        var (reopened, again) = Open();
        await using (again)
        {
            Assert.Equal(migrated, reopened.ToCanonicalJson());
        }
    }

    [Fact]
    public void Mutation_BeforeLogAttached_RefusedAndStateUnchanged()
    {
        var registry = new NodeRegistry(new WalDeltaLog(), _time);
        registry.EnsureBackbone();

        Assert.Throws<InvalidOperationException>(() => registry.Register(new RegisterRequest { PublicKey = TestKit.Key(1) }));
        Assert.Null(registry.Lookup(1));
    }

    private NodeRegistry NewRegistry() => new(new MemoryDeltaLog(), _time);

    private (NodeRegistry Registry, Store Store) Open()
    {
        var log = new WalDeltaLog();
        var registry = new NodeRegistry(log, _time);
        var machine = new RegistryStateMachine(registry);
        var store = Store.Open(new StoreOptions { DataDirectory = _dir.FullName, TimeProvider = _time }, machine);
        log.Attach(store.Log);
        return (registry, store);
    }
}
