using System.Buffers;
using Registry.Server.Protocol;

namespace Registry.Server.Tests;

public sealed class SegmentedBufferWriterTests
{
    [Fact]
    public void Written_RandomSpansAndHints_SameBytesAsOneArray()
    {
        var random = new Random(7);
        for (var round = 0; round < 200; round++)
        {
            var segmented = new SegmentedBufferWriter(segmentBytes: random.Next(1, 64));
            var expected = new ArrayBufferWriter<byte>();
            for (var write = random.Next(0, 40); write > 0; write--)
            {
                var hint = random.Next(0, 100);
                var span = segmented.GetSpan(hint);
                Assert.True(span.Length >= Math.Max(1, hint));
                var count = random.Next(0, Math.Min(span.Length, 120) + 1);
                random.NextBytes(span[..count]);
                expected.Write(span[..count]);
                segmented.Advance(count);
            }

            var written = segmented.Written();
            Assert.Equal(expected.WrittenCount, segmented.WrittenCount);
            Assert.Equal(expected.WrittenCount, written.Length);
            Assert.True(expected.WrittenSpan.SequenceEqual(written.ToArray()), $"round {round}");
        }
    }

    [Fact]
    public void Advance_PastTheSpanHandedOut_Throws()
    {
        var writer = new SegmentedBufferWriter(segmentBytes: 8);
        Assert.Throws<InvalidOperationException>(() => writer.Advance(1));
        _ = writer.GetSpan(4);
        Assert.Throws<InvalidOperationException>(() => writer.Advance(9));
        writer.Advance(8);
        Assert.Equal(8, writer.Written().Length);
    }
}
