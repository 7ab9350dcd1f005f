using Registry.Persistence.Snapshots;

namespace Registry.Core.Tests;

/// <summary>The capture shares nodes with the live state (copy-on-write): later mutations must never reach a captured copy.</summary>
public sealed class SnapshotCaptureTests
{
    [Theory]
    [InlineData(3, false)]
    [InlineData(17, false)]
    [InlineData(41, false)]
    [InlineData(3, true)]
    [InlineData(17, true)]
    [InlineData(41, true)]
    public void CloneForSnapshot_ThenEveryKindOfMutation_CopyStillEncodesAsAtCapture(int seed, bool forEncoding)
    {
        var kit = new TestKit();
        var workload = new RandomWorkload(kit, new Random(seed));
        var live = new RegistryState();
        live.Networks.Add(RegistryState.BackboneId, new NetworkState { Id = RegistryState.BackboneId, Name = "backbone", JoinRule = JoinRules.Open, Created = TestKit.Start });
        var applied = 0;
        void Run(int steps)
        {
            for (var i = 0; i < steps; i++)
            {
                try
                {
                    workload.Step();
                }
                catch (RegistryException)
                {
                }
            }

            // The same deltas, applied to a state this test can reach inside.
            foreach (var entry in kit.Log.Entries.Skip(applied))
            {
                DeltaApplier.Apply(live, entry, goKindsOnly: false, TestKit.Start);
            }

            applied = kit.Log.Entries.Count;
        }

        Run(600);
        var copy = live.CloneForSnapshot(forEncoding);
        var sequence = (ulong)applied;
        var atCapture = SnapshotEncoder.EncodeToArray(copy.ToSnapshot(sequence, TestKit.Start));
        var liveAtCapture = live.ToCanonicalJson();

        Run(1_500);

        var kinds = kit.Log.Entries.Skip(600).Select(e => e.Type).Distinct().Count();
        Assert.True(kinds >= 20, $"the mutations after the capture should cover most kinds, saw {kinds}");
        Assert.NotEqual(liveAtCapture, live.ToCanonicalJson());
        Assert.Equal(atCapture, SnapshotEncoder.EncodeToArray(copy.ToSnapshot(sequence, TestKit.Start)));
        Assert.Empty(live.FindInconsistencies());
    }

    [Theory]
    [InlineData(5)]
    [InlineData(23)]
    public void CaptureForEncoding_AnyState_EncodesTheSameBytesAsTheFullModel(int seed)
    {
        var kit = new TestKit();
        var workload = new RandomWorkload(kit, new Random(seed));
        for (var i = 0; i < 800; i++)
        {
            try
            {
                workload.Step();
            }
            catch (RegistryException)
            {
            }
        }

        // The workload deregisters and reaps as much as it registers; these keep ids past 10 alive.
        for (var i = 0; i < 30; i++)
        {
            kit.Register(1_000 + i, hostname: i % 2 == 0 ? $"extra-{i}" : null);
        }

        var (model, sequence) = kit.Registry.CaptureSnapshot();
        var (streamed, streamedSequence) = kit.Registry.CaptureForEncoding();

        // Enough nodes that decimal key order ("10" before "9") differs from numeric order.
        Assert.True(model.Nodes!.Count > 20, $"the workload should leave more than 20 nodes, left {model.Nodes.Count}");
        Assert.Null(streamed.Nodes);
        Assert.Equal(model.Nodes.Count, streamed.NodeSource!.Count);
        Assert.Equal(sequence, streamedSequence);
        Assert.Equal(SnapshotEncoder.EncodeToArray(model), SnapshotEncoder.EncodeToArray(streamed));
    }

    [Fact]
    public void CaptureSnapshot_RecordsHowLongItHeldTheLock()
    {
        var kit = new TestKit();
        for (var i = 0; i < 200; i++)
        {
            kit.Registry.Register(new RegisterRequest { PublicKey = TestKit.Key(i + 1), RealAddr = "203.0.113.1:4000" });
        }

        var pauses = new System.Collections.Concurrent.ConcurrentBag<double>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == Persistence.Diagnostics.PersistenceMetrics.MeterName && instrument.Name == "registry.snapshot.capture.pause")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => pauses.Add(value));
        listener.Start();

        kit.Registry.CaptureSnapshot();

        Assert.NotEmpty(pauses);
        Assert.All(pauses, p => Assert.InRange(p, 0, 60));
    }

    [Fact]
    public void FrozenNode_ChangedWithoutTheCopyOnWritePath_Throws()
    {
        var node = new NodeState { Id = 7, Hostname = "before" };
        node.Freeze();

        var ex = Assert.Throws<InvalidOperationException>(() => node.Hostname = "after");

        Assert.Contains("node 7", ex.Message, StringComparison.Ordinal);
        Assert.Equal("before", node.Hostname);
        var copy = node.Clone();
        copy.Hostname = "after";
        Assert.Equal("after", copy.Hostname);
        Assert.Equal("before", node.Hostname);
    }
}
