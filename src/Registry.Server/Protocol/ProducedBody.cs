using System.Buffers;
using System.IO.Pipelines;

namespace Registry.Server.Protocol;

/// <summary>
/// Bytes written by a synchronous producer on a thread of its own and read, as they come, through <see cref="Reader"/>;
/// the producer waits while the reader is more than about a mebibyte behind.
/// </summary>
/// <remarks>
/// For a message too large to hold whole whose encoder writes into an <see cref="IBufferWriter{T}"/> without awaiting
/// (a replication snapshot of a large registry). A producer that throws ends the body with its exception, which the
/// reader's next read throws. Disposing ends the reading side: a producer still writing stops at its next flush.
/// </remarks>
public sealed class ProducedBody : IAsyncDisposable
{
    /// <summary>The producer hands its bytes on whenever this many are waiting.</summary>
    public const int FlushBytes = 256 * 1024;

    // Segments of 64 KiB: the twenty-odd a full pipe holds are few enough for the shared pool to keep and hand out again;
    // of the default 4 KiB ones, most were allocated anew and dropped as the bytes went through.
    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 4 * FlushBytes, resumeWriterThreshold: 2 * FlushBytes, minimumSegmentSize: 64 * 1024, useSynchronizationContext: false));
    private readonly Task _producing;

    private ProducedBody(Action<IBufferWriter<byte>> produce)
    {
        // The producer blocks on the reader's pace: a thread of its own, not one of the pool's.
        _producing = Task.Factory.StartNew(() => Produce(produce), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>What the producer wrote, in order; completed when it returns, faulted with its exception when it throws.</summary>
    public PipeReader Reader => _pipe.Reader;

    /// <summary>Starts <paramref name="produce"/> on a thread of its own.</summary>
    public static ProducedBody Start(Action<IBufferWriter<byte>> produce)
    {
        ArgumentNullException.ThrowIfNull(produce);
        return new ProducedBody(produce);
    }

    /// <summary>Stops reading and waits until the producer has returned or stopped.</summary>
    public async ValueTask DisposeAsync()
    {
        await _pipe.Reader.CompleteAsync().ConfigureAwait(false);
        await _producing.ConfigureAwait(false);
    }

    private void Produce(Action<IBufferWriter<byte>> produce)
    {
        var output = new FlushingWriter(_pipe.Writer);
        try
        {
            produce(output);
            output.Flush();
            _pipe.Writer.Complete();
        }
        catch (ReaderGoneException)
        {
            _pipe.Writer.Complete();
        }
#pragma warning disable CA1031 // Whatever the producer throws is the reader's to see.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _pipe.Writer.Complete(ex);
        }
    }

    /// <summary>Hands the producer's bytes to the pipe every <see cref="FlushBytes"/>, waiting there while the reader is behind.</summary>
    private sealed class FlushingWriter(PipeWriter pipe) : IBufferWriter<byte>
    {
        private int _unflushed;

        public void Advance(int count)
        {
            pipe.Advance(count);
            _unflushed += count;
            if (_unflushed >= FlushBytes)
            {
                Flush();
            }
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => pipe.GetMemory(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => pipe.GetSpan(sizeHint);

        public void Flush()
        {
            _unflushed = 0;
            if (pipe.FlushAsync().AsTask().GetAwaiter().GetResult().IsCompleted)
            {
                throw new ReaderGoneException();
            }
        }
    }

    /// <summary>The reader stopped reading: the rest of the body is not wanted.</summary>
    private sealed class ReaderGoneException : Exception;
}
