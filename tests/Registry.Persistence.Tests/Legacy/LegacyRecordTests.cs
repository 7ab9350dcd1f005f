using Registry.Persistence.Deltas;
using Registry.Persistence.Wal.Legacy;

namespace Registry.Persistence.Tests.Legacy;

public class LegacyRecordTests
{
    [Fact]
    public void Detach_SharedBuffer_CopiesPayload()
    {
        var buffer = "{\"node_id\":9}"u8.ToArray();
        var record = new LegacyRecord(12, 55, new DeltaEntry(3, DeltaType.Deregister, 9, buffer));

        var detached = record.Detach();
        buffer[2] = (byte)'X';

        Assert.Equal("{\"node_id\":9}", System.Text.Encoding.UTF8.GetString(detached.Entry.Data.Span));
        Assert.Equal(12, detached.Offset);
        Assert.Equal(55, detached.Length);
        Assert.Equal(3UL, detached.Entry.SeqNo);
        Assert.Equal(DeltaType.Deregister, detached.Entry.Type);
        Assert.Equal(9U, detached.Entry.NodeId);
    }

    [Fact]
    public void Detach_NoPayload_StaysAbsent()
    {
        var detached = new LegacyRecord(0, 20, new DeltaEntry(0, DeltaType.Heartbeat, 1, ReadOnlyMemory<byte>.Empty)).Detach();
        Assert.False(detached.Entry.HasData);
    }
}
