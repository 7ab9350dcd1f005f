namespace Registry.Server.Transport;

/// <summary>The stream under a server's <see cref="System.Net.Security.SslStream"/>: while <see cref="ResumeOnPool"/> is set, each read continues on the thread pool.</summary>
/// <remarks>
/// A TLS handshake spends about a millisecond of CPU (key exchange, signature) in the continuations of its reads. With
/// inline socket completions those would run on a socket engine thread and hold up its other connections
/// (<see cref="EngineThread"/>), so the handshake's reads resume on the pool; once it is done the connection clears the
/// flag and records are decrypted where they arrive, as plaintext requests are parsed. Everything else is passed through.
/// A read whose bytes were already there when it was called may, rarely, complete before its caller awaits it, and the
/// caller then goes on where it was; the usual handshake read waits for the client's bytes, and moves.
/// </remarks>
internal sealed class HandshakeStream(Stream inner) : Stream
{
    /// <summary>Whether reads continue on the thread pool (during the handshake).</summary>
    public bool ResumeOnPool { get; set; } = true;

    public override bool CanRead => inner.CanRead;

    public override bool CanWrite => inner.CanWrite;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    // After the handshake a read is the inner stream's own, with no extra state machine per record.
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ResumeOnPool ? ReadThenLeaveAsync(buffer, cancellationToken) : inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    private async ValueTask<int> ReadThenLeaveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        await EngineThread.Leave();
        return read;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
