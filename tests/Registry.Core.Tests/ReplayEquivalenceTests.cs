using System.Text;
using Registry.Persistence.Deltas;

namespace Registry.Core.Tests;

/// <summary>Live state must equal the replay of the deltas it logged, for every kind, once and with each entry applied twice.</summary>
public sealed class ReplayEquivalenceTests
{
    [Fact]
    public void Replay_ScriptUsingEveryKind_EqualsLiveStateAndIsIdempotent()
    {
        var kit = new TestKit();
        var r = kit.Registry;
        var a = kit.Register(1, owner: "alice", hostname: "alpha");
        var b = kit.Register(2, owner: "bob");
        var c = kit.Register(3);
        var d = kit.Register(4, owner: "dora");
        kit.Time.Advance(TimeSpan.FromSeconds(10));
        r.Heartbeat(a);
        r.SetVisibility(b, true);
        r.SetHostname(b, "beta");
        r.SetTags(c, ["#gpu", "lab"]);
        r.SetTaskExec(c, true);
        r.RotateKey(a, TestKit.Key(11));
        r.ReportTrust(a, b);
        r.ReportTrust(a, c);
        r.RevokeTrust(c, a);
        r.RequestHandshake(c, b, "hello");
        r.RequestHandshake(d, b, "hi");
        r.PollHandshakes(b);
        r.RespondHandshake(b, c, accept: true);
        r.RespondHandshake(b, d, accept: false);
        var lab = r.CreateNetwork(new CreateNetworkRequest
        {
            NodeId = a,
            Name = "lab",
            JoinRule = "token",
            Token = "t",
            NetworkAdminToken = "adm",
            Enterprise = true,
            Rules = Encoding.UTF8.GetBytes("{\"links\":2}"),
            ExprPolicy = Encoding.UTF8.GetBytes("{\"version\":1,\"rules\":[]}"),
        }).NetworkId;
        var temp = kit.CreateNetwork(b, "temp");
        r.JoinNetwork(b, lab, "t");
        r.JoinNetwork(c, lab, "t");
        r.JoinNetwork(d, temp, null);
        r.LeaveNetwork(c, lab);
        r.DeleteNetwork(temp);
        kit.Time.Advance(TimeSpan.FromMinutes(10));
        r.Register(new RegisterRequest { PublicKey = TestKit.Key(2), RealAddr = "198.51.100.2:1", Version = "v2" });
        r.Register(new RegisterRequest { PublicKey = TestKit.Key(44), Owner = "bob" });
        kit.Time.Advance(TimeSpan.FromMinutes(40));
        r.Heartbeat(a);
        r.Heartbeat(b);
        r.ReapStale(TimeSpan.FromMinutes(30));
        r.Register(new RegisterRequest { PublicKey = TestKit.Key(3) });
        r.Register(new RegisterRequest { PublicKey = TestKit.Key(55), Owner = "dora" });
        var corp = kit.CreateNetwork(b, "corp", "invite", enterprise: true);
        r.SetKeyExpiry(b, "2026-06-01T00:00:00Z");
        r.SetExternalId(b, "bob@corp");
        r.RenameNetwork(lab, "research");
        r.InviteToNetwork(corp, b, c);
        r.InviteToNetwork(corp, b, d);
        r.RespondInvite(c, corp, accept: true);
        r.PromoteMember(corp, c);
        r.SetMemberTags(corp, c, ["db"]);
        r.SetNetworkPolicy(corp, 10, [22], "corp");
        r.SetExprPolicy(corp, Encoding.UTF8.GetBytes("{\"version\":1,\"rules\":[{\"allow\":true}]}"));
        r.TransferOwnership(corp, c);
        r.SetNetworkEnterprise(lab, false);
        r.Deregister(a);

        var kinds = kit.Log.Entries.Select(e => e.Type).ToHashSet();
        var expected = Enum.GetValues<DeltaType>().Where(t => t != DeltaType.None);
        Assert.Empty(expected.Except(kinds));
        Assert.Equal(kit.Log.Entries.Select(e => e.SeqNo), Enumerable.Range(1, kit.Log.Entries.Count).Select(i => (ulong)i));
        Assert.Equal((ulong)kit.Log.Entries.Count, r.LastAppliedSequence);
        kit.AssertReplayEqual();
        kit.AssertReplayEqual(twice: true);
        Assert.Equal(r.LastAppliedSequence, kit.Replay().LastAppliedSequence);
        Assert.Empty(r.FindInconsistencies());
    }

    [Fact]
    public void Replay_TextThatEncodingChanges_EqualsLiveState()
    {
        // Live mutations skip decoding their own payload only when decoding would give it back unchanged; a lone
        // surrogate (written as U+FFFD) and a rules document with spacing (re-serialized) are two texts it would not.
        var kit = new TestKit();
        var r = kit.Registry;
        var a = kit.Register(1, owner: "ann\ud800");
        r.SetTags(a, ["ok"]);
        r.SetExternalId(a, "ext\udc00id");
        var lab = r.CreateNetwork(new CreateNetworkRequest
        {
            NodeId = a,
            Name = "lab",
            JoinRule = "open",
            Rules = Encoding.UTF8.GetBytes("{ \"links\" :  2 }"),
            ExprPolicy = Encoding.UTF8.GetBytes("{\n  \"version\": 1,\n  \"rules\": [ ]\n}"),
        }).NetworkId;

        // The canonical dump cannot show a lone surrogate (its writer replaces it too), so compare the strings held.
        var replayed = kit.Replay();
        Assert.Equal("ann\ufffd", r.Lookup(a)!.Owner);
        Assert.Equal(replayed.Lookup(a)!.Owner, r.Lookup(a)!.Owner);
        Assert.Equal(replayed.Lookup(a)!.ExternalId, r.Lookup(a)!.ExternalId);
        Assert.Equal(replayed.ExprPolicyOf(lab)!.Value.ToArray(), r.ExprPolicyOf(lab)!.Value.ToArray());
        kit.AssertReplayEqual();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Replay_RandomOperations_EqualsLiveStateAtEveryCheckpoint(int seed)
    {
        var kit = new TestKit(new RegistryOptions { MaxNodes = 45, MaxHandshakeInbox = 5 });
        var model = new RandomWorkload(kit, new Random(seed));
        var checkpointPicker = new Random(seed + 1000);
        var checkpoints = new List<(int Entries, string Dump)>();
        var snapshots = new List<(ulong Sequence, Persistence.Snapshots.Model.Snapshot Snapshot)>();
        var refused = 0;
        for (var step = 0; step < 2_000; step++)
        {
            var before = kit.Registry.ToCanonicalJson();
            var logged = kit.Log.Entries.Count;
            try
            {
                model.Step();
                Assert.InRange(kit.Log.Entries.Count - logged, 0, int.MaxValue);
                Assert.True(kit.Log.Entries.Count - logged <= model.MaxDeltasLastStep, $"step {step} ({model.LastOperation}) logged too many deltas");
            }
            catch (RegistryException)
            {
                refused++;
                Assert.Equal(before, kit.Registry.ToCanonicalJson());
                Assert.Equal(logged, kit.Log.Entries.Count);
            }

            Assert.Empty(kit.Registry.FindInconsistencies());
            if (checkpointPicker.Next(200) == 0 || step == 1_999)
            {
                checkpoints.Add((kit.Log.Entries.Count, kit.Registry.ToCanonicalJson()));
                snapshots.Add(kit.Registry.CaptureSnapshot() is var (snapshot, sequence) ? (sequence, RoundTrip(snapshot)) : default);
            }
        }

        Assert.InRange(refused, 100, 1_900);
        var entries = kit.Log.Entries;
        Assert.InRange(entries.Count, 300, 2_000);
        Assert.True(entries.Select(e => e.Type).Distinct().Count() >= 24, "the workload should reach nearly every kind (the script test covers all): " + string.Join(",", entries.Select(e => e.Type).Distinct()));
        foreach (var (count, dump) in checkpoints)
        {
            Assert.Equal(dump, TestKit.ReplayEntries(entries.Take(count)).ToCanonicalJson());
        }

        Assert.Equal(kit.Registry.ToCanonicalJson(), TestKit.ReplayEntries(entries, twice: true).ToCanonicalJson());

        // Every checkpoint's snapshot (through the real codec) plus the log after it, with some overlap, gives the live state.
        foreach (var (sequence, snapshot) in snapshots)
        {
            var restored = new NodeRegistry(new MemoryDeltaLog(), kit.Time);
            restored.Restore(snapshot);
            foreach (var entry in entries.Where(e => e.SeqNo + 3 > sequence))
            {
                restored.Apply(entry);
            }

            Assert.Equal(kit.Registry.ToCanonicalSnapshotView(), restored.ToCanonicalSnapshotView());
            Assert.Empty(restored.FindInconsistencies());
        }
    }

    private static Persistence.Snapshots.Model.Snapshot RoundTrip(Persistence.Snapshots.Model.Snapshot snapshot)
    {
        var bytes = Persistence.Snapshots.SnapshotEncoder.EncodeToArray(snapshot);
        using var stream = new MemoryStream(bytes);
        return Persistence.Snapshots.SnapshotReader.Read(stream, bytes.Length, "memory").Snapshot;
    }

    [Fact]
    public async Task Replay_ConcurrentMutations_LogOrderIsApplyOrder()
    {
        var kit = new TestKit();
        for (var i = 0; i < 8; i++)
        {
            kit.Register(i);
        }

        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(
            () =>
            {
                var random = new Random(w);
                for (var step = 0; step < 500; step++)
                {
                    var node = (uint)random.Next(1, 9);
                    try
                    {
                        switch (random.Next(4))
                        {
                            case 0: kit.Registry.SetTags(node, [$"w{w}", $"s{step % 7}"]); break;
                            case 1: kit.Registry.SetHostname(node, $"h{random.Next(6)}"); break;
                            case 2: kit.Registry.ReportTrust(node, (uint)random.Next(1, 9)); break;
                            default: kit.Registry.Heartbeat(node); break;
                        }
                    }
                    catch (RegistryException)
                    {
                        // Hostname races are expected refusals; they log nothing.
                    }
                }
            },
            TestContext.Current.CancellationToken));

        await Task.WhenAll(workers);

        Assert.Equal(kit.Log.Entries.Select(e => e.SeqNo), Enumerable.Range(1, kit.Log.Entries.Count).Select(i => (ulong)i));
        kit.AssertReplayEqual();
    }
}
