using System.Threading.Tasks.Sources;

namespace Registry.Server.Transport;

/// <summary>The stream under a server's <see cref="System.Net.Security.SslStream"/>: while <see cref="ResumeOnPool"/> is set, each read continues on the thread pool.</summary>
/// <remarks>
/// A TLS handshake spends about a millisecond of CPU (key exchange, signature) in the continuations of its reads. With
/// inline socket completions those would run on a socket engine thread and hold up its other connections
/// (<see cref="EngineThread"/>), so the handshake's reads resume on the pool; once it is done the connection clears the
/// flag and records are decrypted where they arrive, as plaintext requests are parsed. Everything else is passed through.
/// A read whose bytes were already there when it was called returns a task that completes only once awaited, by
/// queuing its caller's continuation to the pool: completed earlier, the caller would go on where it was.
/// </remarks>
internal sealed class HandshakeStream(Stream inner) : WrappingStream(inner)
{
    /// <summary>Whether reads continue on the thread pool (during the handshake).</summary>
    public bool ResumeOnPool { get; set; } = true;

    // After the handshake a read is the inner stream's own, with no extra state machine per record.
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ResumeOnPool ? ReadThenLeaveAsync(buffer, cancellationToken) : Inner.ReadAsync(buffer, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => Inner.Read(buffer, offset, count);

    private ValueTask<int> ReadThenLeaveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var pending = Inner.ReadAsync(buffer, cancellationToken);
        if (pending.IsCompletedSuccessfully && EngineThread.ShouldOffload)
        {
            return new ValueTask<int>(new ResultOnPool(pending.Result), 0);
        }

        return LeaveAfterAsync(pending);
    }

    private static async ValueTask<int> LeaveAfterAsync(ValueTask<int> pending)
    {
        var read = await pending.ConfigureAwait(false);
        await EngineThread.Leave();
        return read;
    }

    /// <summary>A read's result, handed over on the pool: pending until awaited, then it queues the continuation there.</summary>
    private sealed class ResultOnPool(int result) : IValueTaskSource<int>
    {
        private int _awaited;

        public ValueTaskSourceStatus GetStatus(short token) =>
            Volatile.Read(ref _awaited) == 0 ? ValueTaskSourceStatus.Pending : ValueTaskSourceStatus.Succeeded;

        public int GetResult(short token) => result;

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        {
            Volatile.Write(ref _awaited, 1);
            if (flags.HasFlag(ValueTaskSourceOnCompletedFlags.FlowExecutionContext))
            {
                ThreadPool.QueueUserWorkItem(continuation, state, preferLocal: false);
            }
            else
            {
                ThreadPool.UnsafeQueueUserWorkItem(continuation, state, preferLocal: false);
            }
        }
    }
}
