using System.Buffers;
using Registry.Server.Protocol;

namespace Registry.Server.Tests;

public sealed class ProducedBodyTests
{
    [Fact]
    public async Task Reader_GetsEveryByteInOrder_ThenTheEnd()
    {
        var ct = TestContext.Current.CancellationToken;
        var expected = new byte[(5 * ProducedBody.FlushBytes) + 777];
        new Random(17).NextBytes(expected);

        // Writes of every size, some through spans asked larger than used.
        await using var body = ProducedBody.Start(output =>
        {
            var random = new Random(5);
            for (var at = 0; at < expected.Length;)
            {
                var span = output.GetSpan(random.Next(1, 70_000));
                var count = Math.Min(random.Next(0, span.Length + 1), expected.Length - at);
                expected.AsSpan(at, count).CopyTo(span);
                output.Advance(count);
                at += count;
            }
        });

        var received = new ArrayBufferWriter<byte>();
        while (true)
        {
            var read = await body.Reader.ReadAsync(ct);
            foreach (var segment in read.Buffer)
            {
                received.Write(segment.Span);
            }

            body.Reader.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                break;
            }
        }

        Assert.True(received.WrittenSpan.SequenceEqual(expected));
    }

    [Fact]
    public async Task Producer_WaitsForAReaderThatTakesNothing_AndStopsWhenItIsDisposed()
    {
        var ct = TestContext.Current.CancellationToken;
        var produced = 0L;
        var chunk = new byte[4096];
        var body = ProducedBody.Start(output =>
        {
            for (var i = 0; i < 64 * 1024; i++)
            {
                output.Write(chunk);
                Interlocked.Add(ref produced, chunk.Length);
            }
        });

        // The reader looks at what is there and takes none of it.
        var read = await body.Reader.ReadAsync(ct);
        Assert.False(read.Buffer.IsEmpty);
        body.Reader.AdvanceTo(read.Buffer.Start);

        // Disposing returns only once the producer has stopped: what it wrote by then is bounded by the pipe's pause
        // threshold and one unflushed run, not the 256 MiB it meant to write.
        await body.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30), ct);
        Assert.InRange(Interlocked.Read(ref produced), 1, (5 * ProducedBody.FlushBytes) + chunk.Length);
    }

    [Fact]
    public async Task Reader_OfAProducerThatThrows_GetsItsException()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var body = ProducedBody.Start(output =>
        {
            output.Write("{\"partial"u8);
            throw new InvalidOperationException("encoder failed");
        });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            while (true)
            {
                var read = await body.Reader.ReadAsync(ct);
                body.Reader.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted)
                {
                    return;
                }
            }
        });

        Assert.Equal("encoder failed", error.Message);
    }
}
