using System.Text;
using Microsoft.Extensions.Time.Testing;
using Registry.Persistence.Deltas;
using Registry.Persistence.Wal.Legacy;

namespace Registry.Core.Tests;

/// <summary>Replays logs the Go registry wrote, with Go's fresh-start order: replay first, backbone afterwards (format-spec §1, §3.3).</summary>
public sealed class GoReplayTests
{
    private static readonly string _walBasic = Path.Combine(AppContext.BaseDirectory, "fixtures", "go", "wal-basic.wal");

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void ApplyLegacy_WalBasic_GivesGoReplayState()
    {
        var registry = new NodeRegistry(new MemoryDeltaLog(), _time);

        var result = LegacyWalReader.Read(_walBasic, record => registry.ApplyLegacy(record.Entry), TestContext.Current.CancellationToken);
        var created = registry.EnsureBackbone();

        Assert.Null(result.Error);
        Assert.Equal(30, result.Count);
        Assert.True(created);
        Assert.Equal(30, registry.AppliedCount);
        Assert.Equal(9, registry.IgnoredCount);
        Assert.Equal(0ul, registry.LastAppliedSequence);

        // Nodes 4 and 7 were deregistered; kinds 3-8 and 13 (trust, visibility, hostname, tags, task-exec) had no effect.
        Assert.Equal([1u, 2u, 3u, 5u], new uint[] { 1, 2, 3, 4, 5, 6, 7 }.Where(id => registry.Lookup(id) is not null));
        var alice = registry.Lookup(1)!;
        Assert.Equal("alice@example.com", alice.Owner);
        Assert.Equal("alice-laptop", alice.Hostname);
        Assert.Equal(["192.168.1.10:4000", "10.0.0.5:4000"], alice.LanAddrs);
        Assert.Equal([(ushort)0, (ushort)1], alice.Networks);
        Assert.Equal("UCtodliOzQNnY9OMtFqX+yq/6XoXp6D2KXTZOJCvkD8=", alice.PublicKey);
        Assert.Equal(1, alice.Key.RotateCount);
        Assert.Equal(new DateTimeOffset(2026, 5, 12, 8, 15, 0, TimeSpan.Zero), alice.Key.Rotated);
        Assert.Equal(new DateTimeOffset(2026, 5, 12, 8, 0, 0, TimeSpan.Zero), alice.LastSeen);
        Assert.Equal(new DateTimeOffset(2026, 5, 12, 8, 0, 0, TimeSpan.Zero), alice.Key.Created);
        Assert.Empty(alice.Tags);
        Assert.Contains("\"trust_pairs\": []", registry.ToCanonicalJson(), StringComparison.Ordinal);

        var bob = registry.Lookup(2)!;
        Assert.Equal("bob <bob@example.com> & co", bob.Owner);
        Assert.False(bob.Public);
        Assert.False(bob.TaskExec);
        Assert.Equal([(ushort)0, (ushort)1, (ushort)2], bob.Networks);
        Assert.Equal("tST37couVpvUG9V2jMjfCR168X7ZHlv4XE0njqNx43Y=", bob.PublicKey);

        var three = registry.Lookup(3)!;
        Assert.Equal(string.Empty, three.Hostname);
        Assert.Equal([(ushort)0], three.Networks);
        Assert.Equal([(ushort)0, (ushort)2], registry.Lookup(5)!.Networks);

        var lab = registry.GetNetwork(1)!;
        Assert.Equal("research-lab", lab.Name);
        Assert.Equal(JoinRules.Token, lab.JoinRule);
        Assert.Equal([1u, 2u], lab.Members);
        Assert.Equal(MemberRoles.Owner, lab.MemberRoles[1]);
        Assert.Equal(MemberRoles.Member, lab.MemberRoles[2]);
        Assert.True(registry.NetworkAdminTokenMatches(1, "adm-41b2e8"));
        var ops = registry.GetNetwork(2)!;
        Assert.True(ops.Enterprise);
        Assert.Equal([2u, 5u], ops.Members);
        Assert.Equal(MemberRoles.Owner, ops.MemberRoles[2]);
        Assert.Null(registry.GetNetwork(3));

        // Fresh-start quirk: the backbone exists only after replay, so replayed nodes are not its members.
        Assert.Empty(registry.GetNetwork(0)!.Members);
        Assert.Equal(["backbone", "research-lab", "ops-team"], registry.ListNetworks().Select(n => n.Name));

        // Ids continue after the highest replayed ones (next_node 8, next_net 4), and deregistered keys start over.
        var fresh = registry.Register(new RegisterRequest { PublicKey = "SJeP8buaqTDaaoXbIQ8SrFBXbea+IUop4ZgnOMdy6js=" });
        Assert.Equal(8u, fresh.NodeId);
        Assert.Equal((ushort)4, registry.CreateNetwork(new CreateNetworkRequest { NodeId = 1, Name = "after" }).NetworkId);
        Assert.Equal("ops-team", registry.GetNetwork(2)!.Name);
    }

    [Fact]
    public void ApplyLegacy_WalBasicTwice_OnlyKeyRotationCountsDiffer()
    {
        var once = new NodeRegistry(new MemoryDeltaLog(), _time);
        var twice = new NodeRegistry(new MemoryDeltaLog(), _time);

        LegacyWalReader.Read(_walBasic, record => once.ApplyLegacy(record.Entry), TestContext.Current.CancellationToken);
        LegacyWalReader.Read(_walBasic, record => twice.ApplyLegacy(record.Entry), TestContext.Current.CancellationToken);
        LegacyWalReader.Read(_walBasic, record => twice.ApplyLegacy(record.Entry), TestContext.Current.CancellationToken);

        // Go's key rotation increments on every replay (format-spec §3.3); everything else is idempotent.
        Assert.Equal(2, twice.GetKeyInfo(1).RotateCount);
        Assert.Equal(1, once.GetKeyInfo(1).RotateCount);
        Assert.Equal(once.ListNetworks().Select(n => string.Join(',', n.Members)), twice.ListNetworks().Select(n => string.Join(',', n.Members)));
    }

    [Fact]
    public void Apply_OwnModeOnGoHeartbeatWithoutData_ThrowsInvalidDelta()
    {
        var registry = new NodeRegistry(new MemoryDeltaLog(), _time);

        var ex = Assert.Throws<InvalidDeltaException>(() => registry.Apply(new DeltaEntry(5, DeltaType.Heartbeat, 1, ReadOnlyMemory<byte>.Empty)));

        Assert.Contains("Heartbeat delta (seq 5)", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"node_id\":0,\"public_key\":\"AAAA\"}")]
    [InlineData("{\"node_id\":3,\"public_key\":\"\"}")]
    [InlineData("{\"node_id\":3,\"public_key\":\"not base64!\"}")]
    [InlineData("{\"node_id\":\"3\"}")]
    public void ApplyLegacy_InvalidRegister_ThrowsAndChangesNothing(string payload)
    {
        var registry = new NodeRegistry(new MemoryDeltaLog(), _time);
        var before = registry.ToCanonicalJson();

        Assert.Throws<InvalidDeltaException>(() => registry.ApplyLegacy(new DeltaEntry(0, DeltaType.Register, 3, Encoding.UTF8.GetBytes(payload))));

        Assert.Equal(before, registry.ToCanonicalJson());
        Assert.Equal(0, registry.AppliedCount);
    }

    [Fact]
    public void ApplyLegacy_RegisterWithoutCreatedAt_UsesNow()
    {
        var registry = new NodeRegistry(new MemoryDeltaLog(), _time);

        registry.ApplyLegacy(new DeltaEntry(0, DeltaType.Register, 3, Encoding.UTF8.GetBytes("{\"node_id\":3,\"public_key\":\"AAAA\"}")));

        Assert.Equal(_time.GetUtcNow(), registry.Lookup(3)!.LastSeen);
    }

    [Fact]
    public void ApplyLegacy_NetworkCreateAtMaxId_KeepsNextNet()
    {
        var registry = new NodeRegistry(new MemoryDeltaLog(), _time);
        registry.EnsureBackbone();
        registry.Register(new RegisterRequest { PublicKey = TestKit.Key(1) });

        registry.ApplyLegacy(new DeltaEntry(0, DeltaType.NetworkCreate, 0, Encoding.UTF8.GetBytes("{\"network_id\":65535,\"name\":\"last\",\"join_rule\":\"open\",\"created_at\":\"x\"}")));

        Assert.Equal((ushort)1, registry.CreateNetwork(new CreateNetworkRequest { NodeId = 1, Name = "first" }).NetworkId);
        Assert.Equal(_time.GetUtcNow(), registry.GetNetwork(65535)!.Created);
    }

    [Fact]
    public void Apply_UnknownKind_CountedAndIgnored()
    {
        var registry = new NodeRegistry(new MemoryDeltaLog(), _time);

        registry.Apply(new DeltaEntry(7, (DeltaType)200, 0, Encoding.UTF8.GetBytes("{}")));

        Assert.Equal(1, registry.IgnoredCount);
        Assert.Equal(7ul, registry.LastAppliedSequence);
    }
}
