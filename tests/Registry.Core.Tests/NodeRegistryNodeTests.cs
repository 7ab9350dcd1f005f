using System.Text;
using Registry.Persistence.Deltas;
using Registry.Persistence.Deltas.Payloads;

namespace Registry.Core.Tests;

public sealed class NodeRegistryNodeTests
{
    private readonly TestKit _kit = new();

    private NodeRegistry Registry => _kit.Registry;

    [Fact]
    public void Register_NewKey_CreatesNodeWithKindRegister()
    {
        var result = Registry.Register(new RegisterRequest
        {
            PublicKey = TestKit.Key(1),
            Owner = "alice@example.com",
            RealAddr = "203.0.113.10:4000",
            Hostname = "alice-laptop",
            LanAddrs = ["192.168.1.10:4000"],
            Version = "v1.10.0",
            RelayOnly = true,
        });

        Assert.Equal(1u, result.NodeId);
        Assert.Equal("0:0000.0000.0001", result.Address);
        Assert.Equal(RegisterOutcome.Created, result.Outcome);
        Assert.Equal("alice-laptop", result.Hostname);
        Assert.Null(result.HostnameError);
        Assert.Equal(1ul, result.Sequence);
        var entry = _kit.LastEntry;
        Assert.Equal(DeltaType.Register, entry.Type);
        Assert.Equal(1u, entry.NodeId);
        var payload = DeltaPayload.Decode<RegisterDelta>(entry.Data.Span);
        Assert.Equal("2026-05-12T08:00:00Z", payload.CreatedAt);
        Assert.True(payload.RelayOnly);
        var node = Registry.Lookup(1)!;
        Assert.Equal([(ushort)0], node.Networks);
        Assert.True(node.RelayOnly);
        Assert.Equal(TestKit.Start, node.LastSeen);
        Assert.Equal(TestKit.Start, node.Key.Created);
        Assert.Equal([1u], Registry.GetNetwork(0)!.Members);
        Assert.Equal(1ul, Registry.LastAppliedSequence);
    }

    [Fact]
    public void Register_IdsIncrease_AndAreNeverReused()
    {
        var a = _kit.Register(1);
        Registry.Deregister(a);
        var b = _kit.Register(2);
        var c = _kit.Register(1);

        Assert.Equal([1u, 2u, 3u], [a, b, c]);
    }

    [Fact]
    public void Register_MissingKey_Refused()
    {
        _kit.AssertRefused(() => Registry.Register(new RegisterRequest { PublicKey = "" }), RegistryErrorCode.PublicKeyRequired, "registration requires public_key");
    }

    [Theory]
    [InlineData("not base64!", "invalid public key: illegal base64 data")]
    [InlineData("AAAA", "invalid public key: key must be 32 bytes, got 3")]
    public void Register_BadKey_Refused(string key, string message)
    {
        _kit.AssertRefused(() => Registry.Register(new RegisterRequest { PublicKey = key }), RegistryErrorCode.InvalidPublicKey, message);
    }

    [Fact]
    public void Register_RegistryFull_Refused()
    {
        var kit = new TestKit(new RegistryOptions { MaxNodes = 1 });
        kit.Register(1);

        kit.AssertRefused(() => kit.Register(2), RegistryErrorCode.RegistryFull, "registry full");
    }

    [Fact]
    public void Register_HostnameTaken_RegistersWithoutIt()
    {
        _kit.Register(1, hostname: "shared");

        var result = Registry.Register(new RegisterRequest { PublicKey = TestKit.Key(2), Hostname = "shared" });

        Assert.Equal(string.Empty, result.Hostname);
        Assert.Equal("hostname \"shared\" already in use by node 1", result.HostnameError);
        Assert.Equal(string.Empty, Registry.Lookup(result.NodeId)!.Hostname);
    }

    [Fact]
    public void Register_HostnameInvalid_RegistersWithoutIt()
    {
        var result = Registry.Register(new RegisterRequest { PublicKey = TestKit.Key(2), Hostname = "localhost" });

        Assert.Equal("hostname \"localhost\" is reserved", result.HostnameError);
        Assert.Equal(RegisterOutcome.Created, result.Outcome);
    }

    [Fact]
    public void Register_KnownLiveKey_RefreshesWithNodeUpdate()
    {
        var id = _kit.Register(1, owner: "alice", hostname: "alpha");
        Registry.SetTags(id, ["gpu"]);
        Registry.SetVisibility(id, true);
        _kit.Time.Advance(TimeSpan.FromMinutes(5));

        var result = Registry.Register(new RegisterRequest { PublicKey = TestKit.Key(1), Owner = "mallory", RealAddr = "198.51.100.1:9", Hostname = "beta", Version = "v2", LanAddrs = ["10.0.0.1:1"] });

        Assert.Equal(RegisterOutcome.Refreshed, result.Outcome);
        Assert.Equal(id, result.NodeId);
        Assert.Equal(DeltaType.NodeUpdate, _kit.LastEntry.Type);
        var node = Registry.Lookup(id)!;
        Assert.Equal("alice", node.Owner);
        Assert.Equal("198.51.100.1:9", node.RealAddr);
        Assert.Equal("beta", node.Hostname);
        Assert.Equal("v2", node.Version);
        Assert.Equal(["10.0.0.1:1"], node.LanAddrs);
        Assert.Equal(["gpu"], node.Tags);
        Assert.True(node.Public);
        Assert.Equal(TestKit.Start.AddMinutes(5), node.LastSeen);
        Assert.Equal(RegistryErrorCode.HostnameNotFound, Assert.Throws<RegistryException>(() => Registry.ResolveHostname("alpha", id)).Code);
        _kit.AssertReplayEqual();
    }

    [Fact]
    public void Register_ReapedKey_ReclaimsSameIdWithNetworksThatStillListIt()
    {
        var id = _kit.Register(1, owner: "alice", hostname: "alpha");
        var other = _kit.Register(2);
        var net = _kit.CreateNetwork(other, "lab");
        Registry.JoinNetwork(id, net, null);
        Registry.SetVisibility(id, true);
        _kit.Time.Advance(TimeSpan.FromHours(1));
        Registry.Heartbeat(other);
        Assert.Single(Registry.ReapStale(TimeSpan.FromMinutes(30)));
        Assert.Null(Registry.Lookup(id));

        var result = Registry.Register(new RegisterRequest { PublicKey = TestKit.Key(1), Hostname = "alpha" });

        Assert.Equal(RegisterOutcome.Reclaimed, result.Outcome);
        Assert.Equal(id, result.NodeId);
        var node = Registry.Lookup(id)!;
        Assert.Equal([(ushort)0, net], node.Networks);
        Assert.False(node.Public);
        Assert.Equal("alice", node.Owner);
        Assert.Equal("alpha", node.Hostname);
        Assert.Equal(TestKit.Start.AddHours(1), node.Key.Created);
        Assert.Contains(id, Registry.GetNetwork(0)!.Members);
        _kit.AssertReplayEqual();
    }

    [Fact]
    public void Register_UnknownKeyKnownOwner_RecoversKeyOnLiveNode()
    {
        var id = _kit.Register(1, owner: "alice");
        Registry.RotateKey(id, TestKit.Key(9));

        var result = Registry.Register(new RegisterRequest { PublicKey = TestKit.Key(2), Owner = "alice" });

        Assert.Equal(RegisterOutcome.KeyRecovered, result.Outcome);
        Assert.Equal(id, result.NodeId);
        var node = Registry.Lookup(id)!;
        Assert.Equal(TestKit.Key(2), node.PublicKey);
        Assert.Equal(0, node.Key.RotateCount);
        Assert.Equal(RegisterOutcome.Refreshed, Registry.Register(new RegisterRequest { PublicKey = TestKit.Key(2) }).Outcome);
        Assert.Equal(RegisterOutcome.Created, Registry.Register(new RegisterRequest { PublicKey = TestKit.Key(9) }).Outcome);
        _kit.AssertReplayEqual();
    }

    [Fact]
    public void Register_UnknownKeyKnownOwnerOfReapedNode_RecreatesWithNewKeyAndForgetsOldKey()
    {
        var id = _kit.Register(1, owner: "alice");
        _kit.Time.Advance(TimeSpan.FromHours(1));
        Registry.ReapStale(TimeSpan.FromMinutes(30));

        var result = Registry.Register(new RegisterRequest { PublicKey = TestKit.Key(2), Owner = "alice" });

        Assert.Equal(RegisterOutcome.KeyRecovered, result.Outcome);
        Assert.Equal(id, result.NodeId);
        Assert.Equal(RegisterOutcome.Created, Registry.Register(new RegisterRequest { PublicKey = TestKit.Key(1) }).Outcome);
        _kit.AssertReplayEqual();
    }

    [Fact]
    public void Heartbeat_KnownNode_SetsLastSeenWithKindHeartbeat()
    {
        var id = _kit.Register(1);
        _kit.Time.Advance(TimeSpan.FromSeconds(61.7));

        var result = Registry.Heartbeat(id);

        Assert.Equal(TestKit.Start.AddSeconds(61), result.Time);
        Assert.False(result.KeyExpiryWarning);
        Assert.Equal(TestKit.Start.AddSeconds(61), Registry.Lookup(id)!.LastSeen);
        Assert.Equal(DeltaType.Heartbeat, _kit.LastEntry.Type);
        Assert.Equal("{\"node_id\":1,\"last_seen\":\"2026-05-12T08:01:01Z\"}", Encoding.UTF8.GetString(_kit.LastEntry.Data.Span));
    }

    [Fact]
    public void Heartbeat_UnknownNode_Refused()
    {
        _kit.AssertRefused(() => Registry.Heartbeat(7), RegistryErrorCode.NodeNotFound, "node 7: node not found");
    }

    [Fact]
    public void Deregister_KnownNode_RemovesNodeMembershipsAndHostname()
    {
        var id = _kit.Register(1, owner: "alice", hostname: "alpha");
        var other = _kit.Register(2);
        var net = _kit.CreateNetwork(other, "lab");
        Registry.JoinNetwork(id, net, null);
        Registry.ReportTrust(id, other);

        var result = Registry.Deregister(id);

        Assert.NotEqual(0ul, result.Sequence);
        Assert.Null(Registry.Lookup(id));
        Assert.DoesNotContain(id, Registry.GetNetwork(net)!.Members);
        Assert.DoesNotContain(id, Registry.GetNetwork(0)!.Members);
        Assert.Null(Registry.RoleOf(id, net));
        Assert.True(Registry.CheckTrust(id, other));
        Registry.SetHostname(other, "alpha");
        _kit.AssertReplayEqual();
    }

    [Fact]
    public void Deregister_UnknownNode_SucceedsWithoutLogging()
    {
        Assert.Equal(0ul, Registry.Deregister(42).Sequence);
        Assert.Empty(_kit.Log.Entries);
    }

    [Fact]
    public void RotateKey_Valid_SwapsKeyCountsAndIsIdempotentOnReplay()
    {
        var id = _kit.Register(1);
        _kit.Time.Advance(TimeSpan.FromMinutes(1));
        Registry.RotateKey(id, TestKit.Key(2));
        var result = Registry.RotateKey(id, TestKit.Key(3), TestKit.Key(2));

        Assert.Equal(TestKit.Key(3), result.PublicKey);
        var key = Registry.GetKeyInfo(id);
        Assert.Equal(2, key.RotateCount);
        Assert.Equal(TestKit.Start.AddMinutes(1), key.Rotated);
        Assert.Equal(RegisterOutcome.Refreshed, Registry.Register(new RegisterRequest { PublicKey = TestKit.Key(3) }).Outcome);
        Assert.Equal(RegisterOutcome.Created, Registry.Register(new RegisterRequest { PublicKey = TestKit.Key(1) }).Outcome);
        var payload = DeltaPayload.Decode<KeyRotationDelta>(_kit.Log.Entries[2].Data.Span);
        Assert.Equal(2, payload.KeyRotCount);
        _kit.AssertReplayEqual(twice: true);
    }

    [Fact]
    public void RotateKey_Errors_Refused()
    {
        var id = _kit.Register(1);
        var other = _kit.Register(2);

        _kit.AssertRefused(() => Registry.RotateKey(id, ""), RegistryErrorCode.NewPublicKeyRequired, "rotate_key requires new_public_key");
        _kit.AssertRefused(() => Registry.RotateKey(id, "AAAA"), RegistryErrorCode.InvalidPublicKey, "invalid new_public_key: key must be 32 bytes, got 3");
        _kit.AssertRefused(() => Registry.RotateKey(99, TestKit.Key(5)), RegistryErrorCode.NodeNotFound, "node 99: node not found");
        _kit.AssertRefused(() => Registry.RotateKey(id, TestKit.Key(5), TestKit.Key(4)), RegistryErrorCode.KeyRotatedConcurrently, "rotate_key: key rotated concurrently, retry");
        _kit.AssertRefused(() => Registry.RotateKey(id, TestKit.Key(2)), RegistryErrorCode.KeyInUse, $"invalid new_public_key: already registered to node {other}");
    }

    [Fact]
    public void SetVisibility_Toggles_AndUnknownNodeRefused()
    {
        var id = _kit.Register(1);

        Registry.SetVisibility(id, true);
        Assert.True(Registry.Lookup(id)!.Public);
        Registry.SetVisibility(id, false);
        Assert.False(Registry.Lookup(id)!.Public);
        Assert.Equal(DeltaType.Visibility, _kit.LastEntry.Type);
        _kit.AssertRefused(() => Registry.SetVisibility(5, true), RegistryErrorCode.NodeNotFound, "node 5: node not found");
        _kit.AssertReplayEqual(twice: true);
    }

    [Fact]
    public void SetHostname_SetChangeClear_ReindexesHostname()
    {
        var id = _kit.Register(1);
        var other = _kit.Register(2);

        Registry.SetHostname(id, "alpha");
        Registry.SetHostname(id, "beta");
        Registry.SetHostname(other, "alpha");
        var cleared = Registry.SetHostname(id, "");

        Assert.Equal(string.Empty, cleared.Hostname);
        Assert.Equal(other, Registry.ResolveHostname("alpha", other).Id);
        Registry.SetHostname(other, "beta");
        _kit.AssertReplayEqual(twice: true);
    }

    [Theory]
    [InlineData("UPPER", RegistryErrorCode.InvalidHostname, "invalid hostname: hostname must be lowercase alphanumeric with hyphens, start/end with alphanumeric")]
    [InlineData("-lead", RegistryErrorCode.InvalidHostname, "invalid hostname: hostname must be lowercase alphanumeric with hyphens, start/end with alphanumeric")]
    [InlineData("broadcast", RegistryErrorCode.InvalidHostname, "invalid hostname: hostname \"broadcast\" is reserved")]
    [InlineData("taken", RegistryErrorCode.HostnameInUse, "hostname \"taken\" already in use by node 1")]
    public void SetHostname_Invalid_Refused(string hostname, RegistryErrorCode code, string message)
    {
        _kit.Register(1, hostname: "taken");
        var id = _kit.Register(2);

        _kit.AssertRefused(() => Registry.SetHostname(id, hostname), code, message);
    }

    [Fact]
    public void SetHostname_TooLong_Refused()
    {
        var id = _kit.Register(1);

        _kit.AssertRefused(() => Registry.SetHostname(id, new string('a', 64)), RegistryErrorCode.InvalidHostname, "invalid hostname: hostname too long (max 63 chars)");
        Registry.SetHostname(id, new string('a', 63));
    }

    [Fact]
    public void SetTags_Normalizes_AndReplaysAsFullList()
    {
        var id = _kit.Register(1);

        var result = Registry.SetTags(id, ["#gpu", "lab", "gpu", "x-1"]);

        Assert.Equal(["gpu", "lab", "x-1"], result.Tags);
        Assert.Equal(["gpu", "lab", "x-1"], Registry.Lookup(id)!.Tags);
        Assert.Equal("{\"node_id\":1,\"tags\":[\"gpu\",\"lab\",\"x-1\"]}", Encoding.UTF8.GetString(_kit.LastEntry.Data.Span));
        Registry.SetTags(id, []);
        Assert.Empty(Registry.Lookup(id)!.Tags);
        _kit.AssertReplayEqual(twice: true);
    }

    [Theory]
    [InlineData(new[] { "" }, "empty tag not allowed")]
    [InlineData(new[] { "#" }, "empty tag not allowed")]
    [InlineData(new[] { "Bad" }, "tag \"Bad\" must be lowercase alphanumeric with hyphens")]
    [InlineData(new[] { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }, "tag \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" too long (max 32 chars)")]
    [InlineData(new[] { "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k" }, "too many tags (max 10)")]
    public void SetTags_Invalid_Refused(string[] tags, string message)
    {
        var id = _kit.Register(1);

        _kit.AssertRefused(() => Registry.SetTags(id, tags), RegistryErrorCode.InvalidTags, message);
    }

    [Fact]
    public void SetTags_ElevenWithDuplicates_AcceptedAfterDedup()
    {
        var id = _kit.Register(1);

        var result = Registry.SetTags(id, ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "#a"]);

        Assert.Equal(10, result.Tags.Count);
    }

    [Fact]
    public void SetTaskExec_Sets_AndUnknownNodeRefused()
    {
        var id = _kit.Register(1);

        Registry.SetTaskExec(id, true);

        Assert.True(Registry.Lookup(id)!.TaskExec);
        Assert.Equal(DeltaType.TaskExec, _kit.LastEntry.Type);
        _kit.AssertRefused(() => Registry.SetTaskExec(9, true), RegistryErrorCode.NodeNotFound, "node 9: node not found");
        _kit.AssertReplayEqual(twice: true);
    }

    [Fact]
    public void ReapStale_StaleNode_RemovedFromTableAndBackboneOnly()
    {
        var stale = _kit.Register(1, owner: "alice", hostname: "alpha");
        var fresh = _kit.Register(2);
        var net = _kit.CreateNetwork(fresh, "lab");
        Registry.JoinNetwork(stale, net, null);
        Registry.ReportTrust(stale, fresh);
        _kit.Time.Advance(TimeSpan.FromMinutes(31));
        Registry.Heartbeat(fresh);

        var reaped = Registry.ReapStale(TimeSpan.FromMinutes(30));

        Assert.Equal([stale], reaped.Select(r => r.NodeId));
        Assert.Equal(DeltaType.Reap, _kit.LastEntry.Type);
        Assert.Null(Registry.Lookup(stale));
        Assert.DoesNotContain(stale, Registry.GetNetwork(0)!.Members);
        var member = Assert.Single(Registry.ListNodes(net), m => m.NodeId == stale);
        Assert.Null(member.Node);
        Assert.Equal(MemberRoles.Member, member.Role);
        Assert.True(Registry.CheckTrust(stale, fresh));
        Registry.SetHostname(fresh, "alpha");
        _kit.AssertReplayEqual(twice: true);
    }

    [Fact]
    public void ReapStale_Batches_ContinueAfterCursor()
    {
        for (var i = 1; i <= 5; i++)
        {
            _kit.Register(i);
        }

        _kit.Time.Advance(TimeSpan.FromHours(1));

        Assert.Equal([1u, 2u], Registry.ReapStale(TimeSpan.FromMinutes(30), 2).Select(r => r.NodeId));
        Assert.Equal([3u, 4u], Registry.ReapStale(TimeSpan.FromMinutes(30), 2).Select(r => r.NodeId));
        Assert.Equal([5u], Registry.ReapStale(TimeSpan.FromMinutes(30), 2).Select(r => r.NodeId));
        Assert.Empty(Registry.ReapStale(TimeSpan.FromMinutes(30), 2));
    }

    [Fact]
    public void Mutation_LogRefusesAppend_StateUnchanged()
    {
        var id = _kit.Register(1);
        var before = Registry.ToCanonicalJson();
        _kit.Log.FailNext = new InvalidOperationException("log full");

        Assert.Throws<InvalidOperationException>(() => Registry.SetTags(id, ["gpu"]));

        Assert.Equal(before, Registry.ToCanonicalJson());
    }
}
