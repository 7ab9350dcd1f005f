using System.IO.Pipelines;
using Registry.Server.Protocol;

namespace Registry.Server.Tests;

public sealed class FrameReaderTests
{
    private static async Task<FrameReadResult> ReadOneAsync(byte[] bytes, bool complete, int max = 1024)
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(bytes, TestContext.Current.CancellationToken);
        if (complete)
        {
            await pipe.Writer.CompleteAsync();
        }

        return await new FrameReader(pipe.Reader, max).ReadAsync(Timeouts.Bounded());
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 0 }, FrameOutcome.EmptyFrame)]
    [InlineData(new byte[] { 0, 0, 4, 1 }, FrameOutcome.Oversize)]
    [InlineData(new byte[] { 0, 0, 0, 9, (byte)'{' }, FrameOutcome.Truncated)]
    [InlineData(new byte[] { 0, 0 }, FrameOutcome.Truncated)]
    [InlineData(new byte[] { }, FrameOutcome.EndOfStream)]
    [InlineData(new byte[] { 0, 0, 0, 2, (byte)'{', (byte)'x' }, FrameOutcome.InvalidJson)]
    [InlineData(new byte[] { 0, 0, 0, 2, (byte)'[', (byte)']' }, FrameOutcome.NotAnObject)]
    [InlineData(new byte[] { 0, 0, 0, 2, (byte)'{', (byte)'}' }, FrameOutcome.Request)]
    [InlineData(new byte[] { 0, 0, 0, 3, (byte)'"', 0xC3, (byte)'"' }, FrameOutcome.NotAnObject)]
    public async Task ReadAsync_Input_TypedOutcome(byte[] bytes, FrameOutcome expected)
    {
        var result = await ReadOneAsync(bytes, complete: true);

        Assert.Equal(expected, result.Outcome);
        result.Document?.Dispose();
    }

    [Fact]
    public async Task ReadAsync_OversizePrefix_DecidedBeforeBodyArrives()
    {
        // Only the prefix is written and the stream stays open: the reader must not wait for (or buffer) a huge body.
        var result = await ReadOneAsync([0xFF, 0xFF, 0xFF, 0xFF], complete: false);

        Assert.Equal(FrameOutcome.Oversize, result.Outcome);
    }

    [Fact]
    public async Task ReadAsync_TwoFramesInOneBuffer_ReadsBoth()
    {
        var pipe = new Pipe();
        byte[] both = [.. WireClient.Frame("{\"type\":\"a\"}"), .. WireClient.Frame("{\"type\":\"b\"}")];
        await pipe.Writer.WriteAsync(both, TestContext.Current.CancellationToken);
        await pipe.Writer.CompleteAsync();
        var reader = new FrameReader(pipe.Reader, 1024);

        // Each document is used and disposed before the next read, which releases its bytes (the reader's contract).
        foreach (var expected in new[] { "a", "b" })
        {
            using var document = (await reader.ReadAsync(Timeouts.Bounded())).Document!;
            Assert.Equal(expected, RequestFields.GetRequestType(document.RootElement));
        }

        Assert.Equal(FrameOutcome.EndOfStream, (await reader.ReadAsync(Timeouts.Bounded())).Outcome);
    }
}
