using System.Text;
using Registry.Persistence.Deltas;

namespace Registry.Core.Tests;

public sealed class DeltaApplierTests
{
    [Theory]
    [InlineData(DeltaType.NodeUpdate, "{\"node_id\":1,\"public_key\":\"AAAA\",\"hostname\":\"new\",\"last_seen\":\"x\"}")]
    [InlineData(DeltaType.NodeUpdate, "{\"node_id\":0,\"public_key\":\"AAAA\",\"last_seen\":\"2026-05-12T08:00:00Z\"}")]
    [InlineData(DeltaType.Heartbeat, "{\"node_id\":1,\"last_seen\":\"yesterday\"}")]
    [InlineData(DeltaType.HandshakeRequest, "{\"to_node_id\":1,\"from_node_id\":2,\"justification\":\"\",\"timestamp\":\"\"}")]
    [InlineData(DeltaType.HandshakeResponse, "{\"node_id\":1,\"peer_id\":2,\"accept\":true,\"timestamp\":\"no\"}")]
    [InlineData(DeltaType.KeyExpiry, "{\"node_id\":1,\"expires_at\":\"later\"}")]
    [InlineData(DeltaType.InviteInbox, "{\"node_id\":1,\"invites\":[{\"network_id\":1,\"inviter_id\":2,\"timestamp\":\"?\"}]}")]
    [InlineData(DeltaType.KeyRotation, "{\"node_id\":1,\"new_public_key\":\"***\",\"rotated_at\":\"2026-05-12T08:00:00Z\"}")]
    [InlineData(DeltaType.Tags, "{\"node_id\":1,\"tags\":\"gpu\"}")]
    [InlineData(DeltaType.NetworkJoin, "")]
    public void Apply_InvalidEntry_ThrowsAndChangesNothing(DeltaType type, string payload)
    {
        var kit = new TestKit();
        kit.Register(1, hostname: "old");
        var before = kit.Registry.ToCanonicalJson();
        var applied = kit.Registry.AppliedCount;

        Assert.Throws<InvalidDeltaException>(() => kit.Registry.Apply(new DeltaEntry(99, type, 1, Encoding.UTF8.GetBytes(payload))));

        Assert.Equal(before, kit.Registry.ToCanonicalJson());
        Assert.Equal(applied, kit.Registry.AppliedCount);
        Assert.Equal(1ul, kit.Registry.LastAppliedSequence);
    }

    [Fact]
    public void Apply_OwnKindsInLegacyMode_Ignored()
    {
        var kit = new TestKit();
        var id = kit.Register(1);
        var before = kit.Registry.ToCanonicalJson();

        kit.Registry.ApplyLegacy(new DeltaEntry(0, DeltaType.Tags, id, Encoding.UTF8.GetBytes("{\"node_id\":1,\"tags\":[\"gpu\"]}")));
        kit.Registry.ApplyLegacy(new DeltaEntry(0, DeltaType.Reap, id, Encoding.UTF8.GetBytes("{\"node_id\":1}")));

        Assert.Equal(before, kit.Registry.ToCanonicalJson());
        Assert.Equal(2, kit.Registry.IgnoredCount);
    }

    [Fact]
    public void Apply_GoKeyRotationWithoutCount_Increments()
    {
        var kit = new TestKit();
        var id = kit.Register(1);
        var entry = new DeltaEntry(0, DeltaType.KeyRotation, id, Encoding.UTF8.GetBytes($"{{\"node_id\":1,\"new_public_key\":\"{TestKit.Key(2)}\",\"rotated_at\":\"2026-05-12T09:00:00Z\"}}"));

        kit.Registry.Apply(entry);
        kit.Registry.Apply(entry);

        Assert.Equal(2, kit.Registry.GetKeyInfo(id).RotateCount);
        Assert.Equal(TestKit.Start, kit.Registry.Lookup(id)!.LastSeen);
    }
}
