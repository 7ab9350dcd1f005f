using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using Registry.Server.Dispatch;
using Registry.Server.Protocol;

namespace Registry.Server.Tests;

public sealed class ReplicationSubscriberTests
{
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(10);

    /// <summary>A subscriber writing into a pipe that holds little, read by the test at its own pace on a fake clock.</summary>
    private sealed class SlowPeer
    {
        public Pipe Pipe { get; } = new(new PipeOptions(pauseWriterThreshold: 64 * 1024, resumeWriterThreshold: 32 * 1024, useSynchronizationContext: false));

        public FakeTimeProvider Clock { get; } = new();

        public int Aborts { get; private set; }

        public ReplicationSubscriber Subscriber() =>
            new(new FrameWriter(Pipe.Writer), new Pipe().Reader, new IPEndPoint(IPAddress.Loopback, 1), WriteTimeout, Clock, () => Aborts++);
    }

    private static byte[] Message(int length)
    {
        var message = new byte[length];
        message.AsSpan().Fill((byte)' ');
        message[0] = (byte)'{';
        message[^1] = (byte)'}';
        return message;
    }

    [Fact]
    public async Task SendAsync_AFrameMuchLargerThanTheTimeoutAllowsAtOnce_ArrivesWhileEachPieceIsOnTime()
    {
        var ct = Timeouts.Bounded(60);
        var peer = new SlowPeer();
        var message = Message((5 * ReplicationSubscriber.PieceBytes) + 123);

        // Produced in runs that do not line up with the pieces, as a snapshot message is encoded.
        await using var body = ProducedBody.Start(output =>
        {
            for (var at = 0; at < message.Length; at += 70_001)
            {
                output.Write(message.AsSpan(at, Math.Min(70_001, message.Length - at)));
            }
        });
        var sending = peer.Subscriber().SendAsync(message.Length, body.Reader, ct).AsTask();

        // The peer spends 9 s on each piece (a slow link): 45 s for the frame, far beyond one 10 s deadline. The clock
        // moves when the first bytes of a piece are there to be read, which the sender writes only after renewing its
        // deadline, so each deadline sees exactly one piece's 9 s.
        var received = new ArrayBufferWriter<byte>();
        var pieceEnd = 4L + ReplicationSubscriber.PieceBytes;
        var pieceStart = 0L;
        while (received.WrittenCount < message.Length + 4)
        {
            var read = await peer.Pipe.Reader.ReadAsync(ct);
            if (received.WrittenCount == pieceStart)
            {
                peer.Clock.Advance(TimeSpan.FromSeconds(9));
            }

            var slice = read.Buffer.Slice(0, Math.Min(read.Buffer.Length, pieceEnd - received.WrittenCount));
            foreach (var segment in slice)
            {
                received.Write(segment.Span);
            }

            peer.Pipe.Reader.AdvanceTo(slice.End);
            if (received.WrittenCount == pieceEnd)
            {
                pieceStart = pieceEnd;
                pieceEnd += ReplicationSubscriber.PieceBytes;
            }
        }

        await sending.WaitAsync(ct);
        Assert.Equal(0, peer.Aborts);
        Assert.True(peer.Clock.GetUtcNow() - peer.Clock.Start > WriteTimeout * 3, "the frame took no longer than one deadline");
        Assert.Equal((uint)message.Length, BinaryPrimitives.ReadUInt32BigEndian(received.WrittenSpan));
        Assert.True(received.WrittenSpan[4..].SequenceEqual(message));
    }

    [Fact]
    public async Task SendAsync_APeerThatStopsReadingMidFrame_IsDroppedAfterTheTimeout()
    {
        var ct = TestContext.Current.CancellationToken;
        var peer = new SlowPeer();
        var sending = peer.Subscriber().SendAsync(Message(3 * ReplicationSubscriber.PieceBytes), ct).AsTask();

        // One piece is taken, then nothing more: the connection is closed once a deadline passes without progress.
        var firstPiece = 4L + ReplicationSubscriber.PieceBytes;
        var taken = 0L;
        while (taken < firstPiece)
        {
            var read = await peer.Pipe.Reader.ReadAsync(ct);
            var slice = read.Buffer.Slice(0, Math.Min(read.Buffer.Length, firstPiece - taken));
            taken += slice.Length;
            peer.Pipe.Reader.AdvanceTo(slice.End);
        }

        // The clock may move only once the second piece is on its way: the sender renews its deadline before writing
        // a piece, and a renewal after the clock moved would measure the silence from a later time. Nothing of it is
        // examined either: a pipe lets its writer go on once its reader has examined the bytes, consumed or not.
        var next = await peer.Pipe.Reader.ReadAsync(ct);
        Assert.False(next.Buffer.IsEmpty);
        peer.Pipe.Reader.AdvanceTo(next.Buffer.Start);
        peer.Clock.Advance(WriteTimeout - TimeSpan.FromSeconds(1));
        Assert.Equal(0, peer.Aborts);
        peer.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, peer.Aborts);
        Assert.False(sending.IsCompleted);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    public async Task SendAsync_ABodyThatIsNotTheLengthItWasSentAs_FailsAndClosesTheConnection(int difference)
    {
        var ct = TestContext.Current.CancellationToken;
        var peer = new SlowPeer();
        var message = Message((2 * ReplicationSubscriber.PieceBytes) + 10);
        _ = ConsumeAsync(peer.Pipe.Reader, ct);
        await using var body = ProducedBody.Start(output => output.Write(message));

        var error = await Assert.ThrowsAsync<InvalidDataException>(async () => await peer.Subscriber().SendAsync(message.Length - difference, body.Reader, ct));

        Assert.Contains(difference > 0 ? "went on past its length" : "short of its length", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, peer.Aborts);
    }

    [Fact]
    public async Task SendAsync_AProducerThatFails_FailsWithItsErrorAndClosesTheConnection()
    {
        var ct = TestContext.Current.CancellationToken;
        var peer = new SlowPeer();
        _ = ConsumeAsync(peer.Pipe.Reader, ct);
        await using var body = ProducedBody.Start(output =>
        {
            output.Write(Message(ReplicationSubscriber.PieceBytes));
            throw new FormatException("cannot encode this");
        });

        var error = await Assert.ThrowsAsync<FormatException>(async () => await peer.Subscriber().SendAsync(3 * ReplicationSubscriber.PieceBytes, body.Reader, ct));

        Assert.Equal("cannot encode this", error.Message);
        Assert.Equal(1, peer.Aborts);
    }

    [Fact]
    public async Task SendAsync_CancelledWhileThePeerTakesNothing_StopsAndSoDoesItsProducer()
    {
        var ct = Timeouts.Bounded(60);
        var peer = new SlowPeer();
        var produced = 0L;
        var body = ProducedBody.Start(output =>
        {
            var chunk = new byte[64 * 1024];
            for (var i = 0; i < 1024; i++)
            {
                output.Write(chunk);
                Interlocked.Add(ref produced, chunk.Length);
            }
        });

        // A server stopping while a standby sits on a large snapshot: the send ends, and disposing the body returns
        // only once its producer stopped writing, having written a bounded part of its 64 MiB.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sending = peer.Subscriber().SendAsync(64L << 20, body.Reader, stopping.Token).AsTask();
        var read = await peer.Pipe.Reader.ReadAsync(ct);
        peer.Pipe.Reader.AdvanceTo(read.Buffer.Start);
        await stopping.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
        await body.DisposeAsync().AsTask().WaitAsync(ct);

        Assert.InRange(Interlocked.Read(ref produced), 1, 8L << 20);
        Assert.Equal(0, peer.Aborts);
    }

    /// <summary>Takes everything written to <paramref name="reader"/> until it completes.</summary>
    private static async Task ConsumeAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken);
            reader.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                return;
            }
        }
    }
}
