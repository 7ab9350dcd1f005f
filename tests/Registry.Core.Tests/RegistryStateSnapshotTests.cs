using System.Text;
using Microsoft.Extensions.Time.Testing;
using Registry.Persistence.Snapshots;
using Registry.Persistence.Snapshots.Model;

namespace Registry.Core.Tests;

public sealed class RegistryStateSnapshotTests
{
    private static readonly string _fixtures = Path.Combine(AppContext.BaseDirectory, "fixtures", "go");
    private static readonly DateTimeOffset _loadTime = new(2026, 5, 12, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ToSnapshotFromSnapshot_ThroughEncoder_RoundTripsState()
    {
        var kit = BuildScenario();

        var (snapshot, sequence) = kit.Registry.CaptureSnapshot();
        var restored = new NodeRegistry(new MemoryDeltaLog(), kit.Time);
        restored.Restore(ReadBack(snapshot));

        Assert.Equal((ulong)kit.Log.Entries.Count, sequence);
        Assert.Equal(sequence, restored.LastAppliedSequence);
        Assert.Equal(kit.Registry.ToCanonicalJson(), restored.ToCanonicalJson());
    }

    [Fact]
    public void Restore_SnapshotPlusOverlappingLog_EqualsLiveState()
    {
        var kit = BuildScenario();
        var (snapshot, sequence) = kit.Registry.CaptureSnapshot();
        var r = kit.Registry;
        kit.Time.Advance(TimeSpan.FromMinutes(1));
        r.SetTags(1, ["after"]);
        r.RotateKey(2, TestKit.Key(77));
        r.LeaveNetwork(3, 1);
        r.Register(new RegisterRequest { PublicKey = TestKit.Key(9), Hostname = "nine" });

        var restored = new NodeRegistry(new MemoryDeltaLog(), kit.Time);
        restored.Restore(ReadBack(snapshot));

        // Replay from a little before the snapshot position: covered entries must apply harmlessly again.
        foreach (var entry in kit.Log.Entries.Where(e => e.SeqNo + 5 > sequence))
        {
            restored.Apply(entry);
        }

        Assert.Equal(r.ToCanonicalJson(), restored.ToCanonicalJson());
    }

    [Fact]
    public void ToSnapshot_ReapedNode_KeyStillReclaimsIdAfterRestore()
    {
        var kit = new TestKit();
        var id = kit.Register(1);
        kit.Register(2);
        kit.Time.Advance(TimeSpan.FromHours(1));
        kit.Registry.Heartbeat(2);
        kit.Registry.ReapStale(TimeSpan.FromMinutes(30));
        var restored = new NodeRegistry(new MemoryDeltaLog(), kit.Time);

        restored.Restore(ReadBack(kit.Registry.CaptureSnapshot().Snapshot));

        var result = restored.Register(new RegisterRequest { PublicKey = TestKit.Key(1) });
        Assert.Equal(RegisterOutcome.Reclaimed, result.Outcome);
        Assert.Equal(id, result.NodeId);
    }

    [Fact]
    public void ToSnapshot_Counters_FollowGo()
    {
        var kit = BuildScenario();
        kit.Time.Advance(TimeSpan.FromMinutes(31));
        kit.Registry.Heartbeat(1);

        var snapshot = kit.Registry.CaptureSnapshot().Snapshot;

        Assert.Equal(1, snapshot.Version);
        Assert.Equal(3, snapshot.TotalNodes);
        Assert.Equal(1, snapshot.OnlineNodes);
        Assert.Equal(1, snapshot.TrustLinks);
        Assert.Equal(2, snapshot.UniqueTags);
        Assert.Equal(1, snapshot.TaskExecutors);
        Assert.Null(snapshot.Networks!["0"].MemberRoles);
        Assert.Equal(["1:2"], snapshot.TrustPairs!);
    }

    [Fact]
    public void FromSnapshot_GoSmallFixture_LoadsWithGoRules()
    {
        var registry = Load("snapshot-small.json");

        Assert.Equal(5, registry.ListNodes(0).Count);
        var carol = registry.Lookup(3)!;
        Assert.Equal(new DateTimeOffset(2026, 5, 12, 9, 50, 0, TimeSpan.Zero), carol.LastSeen);
        Assert.True(carol.RelayOnly);
        var bob = registry.Lookup(2)!;
        Assert.Equal(2, bob.Key.RotateCount);
        Assert.Equal(new DateTimeOffset(2026, 8, 10, 10, 0, 0, TimeSpan.Zero), bob.Key.Expires);
        var lab = registry.GetNetwork(3)!;
        Assert.Equal(MemberRoles.Admin, lab.MemberRoles[2]);
        Assert.Equal(["service", "db"], lab.MemberTags[2]);
        Assert.Equal(50, lab.Policy!.MaxMembers);
        Assert.NotNull(lab.Rules);
        Assert.True(registry.CheckTrust(2, 42));
        Assert.Empty(registry.FindInconsistencies());
        var poll = registry.PollHandshakes(10);
        Assert.Equal(42u, Assert.Single(poll.Requests).FromNodeId);

        // Node 7 is gone but its key is still indexed: registering it reclaims id 7.
        var reclaimed = registry.Register(new RegisterRequest { PublicKey = "gbme2BBe+dJB3A+D09G4cLbmH54jjzVEudtcDYM1yv8=" });
        Assert.Equal(RegisterOutcome.Reclaimed, reclaimed.Outcome);
        Assert.Equal(7u, reclaimed.NodeId);
        Assert.Equal(43u, registry.Register(new RegisterRequest { PublicKey = TestKit.Key(1) }).NodeId);
    }

    [Fact]
    public void FromSnapshot_GoSmallFixture_RoundTripsThroughOurSnapshot()
    {
        var registry = Load("snapshot-small.json");
        var again = new NodeRegistry(new MemoryDeltaLog(), new FakeTimeProvider(_loadTime));

        again.Restore(ReadBack(registry.CaptureSnapshot().Snapshot));

        Assert.Equal(registry.ToCanonicalJson(), again.ToCanonicalJson());
    }

    [Fact]
    public void ToSnapshot_AfterGoRestore_CarriesMembersCoreDoesNotModel()
    {
        var original = SnapshotReader.Read(Path.Combine(_fixtures, "snapshot-small.json")).Snapshot;
        var registry = Load("snapshot-small.json");
        registry.SetTags(1, ["changed"]);

        var written = ReadBack(registry.CaptureSnapshot().Snapshot);

        Assert.Equal(original.StartTime, written.StartTime);
        Assert.Equal(original.TotalRequests, written.TotalRequests);
        Assert.Equal(original.IdpConfig!.Url, written.IdpConfig!.Url);
        Assert.Equal(original.AuditExportConfig!.Token, written.AuditExportConfig!.Token);
        Assert.Equal(original.RbacPreAssign!.Keys.Order(), written.RbacPreAssign!.Keys.Order());
        Assert.Equal(original.AuditLog!.Count, written.AuditLog!.Count);
        Assert.Equal(original.HourlyHistory!.Count, written.HourlyHistory!.Count);
        Assert.Equal(original.ProbeStates!.Keys.Order(), written.ProbeStates!.Keys.Order());
        Assert.Equal(["changed"], written.Nodes!["1"].Tags!);
    }

    [Fact]
    public void FromSnapshot_LegacyFixture_BackfillsRolesAndMissingLastSeen()
    {
        var registry = Load("snapshot-legacy-v0.json");

        var net = registry.GetNetwork(1)!;
        Assert.Equal(MemberRoles.Owner, net.MemberRoles[2]);
        Assert.Equal(MemberRoles.Member, net.MemberRoles[1]);
        Assert.Empty(registry.GetNetwork(0)!.MemberRoles);
        Assert.Equal(_loadTime, registry.Lookup(3)!.LastSeen);
    }

    [Fact]
    public void FromSnapshot_OddKeysAndBadNodes_FollowsGoSscanfAndSkips()
    {
        var snapshot = new Snapshot
        {
            NextNode = 9,
            NextNet = 2,
            Nodes = new(StringComparer.Ordinal)
            {
                ["1"] = new SnapshotNode { Id = 1, PublicKey = TestKit.Key(1), Networks = [0, 1], Hostname = "dup" },
                ["2"] = new SnapshotNode { Id = 2, PublicKey = "not base64!" },
                ["x"] = new SnapshotNode { Id = 3, PublicKey = TestKit.Key(3), Hostname = "dup" },
            },
            Networks = new(StringComparer.Ordinal)
            {
                ["1"] = new SnapshotNet
                {
                    Id = 1,
                    Name = "n",
                    JoinRule = "open",
                    Members = [1, 3],
                    MemberRoles = new(StringComparer.Ordinal) { ["1abc"] = "owner", [" 3"] = "admin", ["+7"] = "member", ["-1"] = "member", ["0x10"] = "member" },
                    Created = "garbage",
                },
            },
            TrustPairs = ["1:3", "bad"],
            HandshakeInbox = new(StringComparer.Ordinal) { ["0"] = [new HandshakeRelayMsg { FromNodeId = 1 }], ["3"] = [new HandshakeRelayMsg { FromNodeId = 1, Timestamp = "2026-05-12T09:30:00.5Z" }] },
        };
        var warnings = new List<string>();

        var state = RegistryState.FromSnapshot(snapshot, _loadTime, warnings);

        Assert.Equal(2, state.NodeCount);
        var roles = state.Networks[1].MemberRoles;
        Assert.Equal([0u, 1u, 3u], roles.Keys.Order());
        Assert.Equal(MemberRoles.Owner, roles[1]);
        Assert.Equal(MemberRoles.Admin, roles[3]);
        Assert.Equal(default, state.Networks[1].Created);
        Assert.Equal(string.Empty, state.Nodes[3].Hostname);
        Assert.Equal(1, state.TrustPairCount);
        Assert.Equal([3u], state.HandshakeInbox.Keys);
        Assert.Contains((3u, 1u), state.PendingHandshakes);
        Assert.Equal(3, warnings.Count);
    }

    [Theory]
    [InlineData("12", true, 12u)]
    [InlineData("12abc", true, 12u)]
    [InlineData("  7", true, 7u)]
    [InlineData("0x10", true, 0u)]
    [InlineData("+7", false, 0u)]
    [InlineData("-1", false, 0u)]
    [InlineData("", false, 0u)]
    [InlineData("4294967296", false, 0u)]
    public void GoScan_TryParseUInt32_MatchesSscanf(string text, bool ok, uint value)
    {
        Assert.Equal(ok, GoScan.TryParseUInt32(text, out var parsed));
        Assert.Equal(value, parsed);
    }

    private static TestKit BuildScenario()
    {
        var kit = new TestKit();
        var r = kit.Registry;
        var a = kit.Register(1, owner: "alice", hostname: "alpha");
        var b = kit.Register(2);
        var c = kit.Register(3);
        r.SetTags(a, ["gpu", "lab"]);
        r.SetTaskExec(b, true);
        r.SetVisibility(c, true);
        r.ReportTrust(a, b);
        r.RotateKey(c, TestKit.Key(33));
        var lab = r.CreateNetwork(new CreateNetworkRequest
        {
            NodeId = a,
            Name = "lab",
            JoinRule = "token",
            Token = "t",
            NetworkAdminToken = "adm",
            Enterprise = true,
            Rules = Encoding.UTF8.GetBytes("{\"links\":2,\"cycle\":\"24h\",\"grace\":\"1h\"}"),
            ExprPolicy = Encoding.UTF8.GetBytes("{\"version\":1,\"rules\":[{\"allow\":\"*\"}]}"),
        }).NetworkId;
        r.JoinNetwork(b, lab, "t");
        r.JoinNetwork(c, lab, "t");
        r.RequestHandshake(c, a, "hello <there> & \u2028");
        r.RespondHandshake(b, c, accept: false);
        return kit;
    }

    private static NodeRegistry Load(string fixture)
    {
        var registry = new NodeRegistry(new MemoryDeltaLog(), new FakeTimeProvider(_loadTime));
        registry.Restore(SnapshotReader.Read(Path.Combine(_fixtures, fixture)).Snapshot);
        return registry;
    }

    /// <summary>Encodes with the Go-exact encoder and reads back, so the conversion is tested against the real file format.</summary>
    private static Snapshot ReadBack(Snapshot snapshot)
    {
        var bytes = SnapshotEncoder.EncodeToArray(snapshot);
        using var stream = new MemoryStream(bytes);
        return SnapshotReader.Read(stream, bytes.Length, "memory").Snapshot;
    }
}
