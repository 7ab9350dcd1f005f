using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Registry.Server.Protocol;

namespace Registry.Server.Dispatch;

/// <summary>A connection handed to an <see cref="IReplicationSource"/>: a frame sink and the raw inbound side.</summary>
public sealed class ReplicationSubscriber
{
    private readonly FrameWriter _writer;
    private readonly TimeSpan _writeTimeout;
    private readonly TimeProvider _time;
    private readonly Action _abortConnection;

    internal ReplicationSubscriber(FrameWriter writer, PipeReader input, IPEndPoint remoteEndPoint, TimeSpan writeTimeout, TimeProvider time, Action abortConnection, ulong? fromSequence = null, uint? previousChecksum = null, ulong? epoch = null, string? standbyId = null)
    {
        StandbyId = standbyId;
        FromSequence = fromSequence;
        PreviousChecksum = previousChecksum;
        Epoch = epoch;
        _writer = writer;
        Input = input;
        RemoteEndPoint = remoteEndPoint;
        _writeTimeout = writeTimeout;
        _time = time;
        _abortConnection = abortConnection;
    }

    /// <summary>The identity of the standby's data directory (<c>standby_id</c>), or null when it sent none.</summary>
    public string? StandbyId { get; }

    /// <summary>The subscriber's address.</summary>
    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>
    /// The sequence number a standby of ours asked to stream from (<c>from_seq</c> in its subscribe message; 0 when it
    /// holds nothing yet), or null for a Go-style standby that wants snapshots only.
    /// </summary>
    public ulong? FromSequence { get; }

    /// <summary>The CRC-32C of the standby's record <see cref="FromSequence"/> - 1 (<c>prev_crc</c>), or null when it sent none and its history cannot be checked.</summary>
    public uint? PreviousChecksum { get; }

    /// <summary>The latest epoch of the standby's timeline (<c>epoch</c>), or null when it sent none (a Go standby, an older build).</summary>
    public ulong? Epoch { get; }

    /// <summary>Bytes the subscriber sends; a Go standby sends none, others may.</summary>
    public PipeReader Input { get; }

    /// <summary>Frames larger than this are written a piece of this size at a time, each within the write timeout.</summary>
    public const int PieceBytes = 1 << 20;

    /// <summary>Sends one frame holding the UTF-8 JSON object <paramref name="message"/>.</summary>
    /// <exception cref="TimeoutException">The frame was not written within the write timeout; the connection is closed (§5: a failed subscriber is dropped).</exception>
    public ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken) =>
        message.Length <= PieceBytes
            ? WithDeadlineAsync(_ => _writer.WriteAsync(Response.FromJson(message), cancellationToken))
            : SendAsync(message.Length, PipeReader.Create(new ReadOnlySequence<byte>(message)), cancellationToken);

    /// <summary>Sends one frame of <paramref name="length"/> bytes, a UTF-8 JSON object read from <paramref name="body"/> as it is produced.</summary>
    /// <remarks>
    /// The write timeout bounds each piece of <see cref="PieceBytes"/>, not the whole frame: a snapshot of a large
    /// registry (80 MB at 350k nodes) could not reach a standby behind a link slower than 8 MB/s within Go's 10 s, and
    /// the standby would retry, and the primary capture, for ever. A peer that takes no piece in time is still dropped.
    /// </remarks>
    /// <exception cref="TimeoutException">A piece of the frame was not written within the write timeout; the connection is closed (§5: a failed subscriber is dropped).</exception>
    /// <exception cref="InvalidDataException">The body did not hold <paramref name="length"/> bytes; the connection is closed.</exception>
    public ValueTask SendAsync(long length, PipeReader body, CancellationToken cancellationToken) =>
        WithDeadlineAsync(renew => _writer.WriteInPiecesAsync(length, body, PieceBytes, renew, cancellationToken));

    /// <summary>Runs <paramref name="write"/> under a deadline of one write timeout, which it may renew, and which closes the connection when it passes.</summary>
    private async ValueTask WithDeadlineAsync(Func<Action, ValueTask> write)
    {
        // Like the client path, the deadline closes the socket rather than cancelling the pipe's flush.
        using var deadline = new CancellationTokenSource(_writeTimeout, _time);
        using var registration = deadline.Token.UnsafeRegister(static state => ((Action)state!)(), _abortConnection);
        try
        {
            await write(() => deadline.CancelAfter(_writeTimeout));
        }
        catch (Exception ex) when (deadline.IsCancellationRequested && ex is not OperationCanceledException { CancellationToken.IsCancellationRequested: true })
        {
            throw new TimeoutException($"Replication frame to {RemoteEndPoint} not written within {_writeTimeout}.", ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Part of a frame may be out: nothing can follow it on this connection.
            _abortConnection();
            throw;
        }
    }

    /// <summary>Sends an error frame with <paramref name="text"/> as is (for example "failed to generate snapshot").</summary>
    public ValueTask SendErrorAsync(string text, CancellationToken cancellationToken) => _writer.WriteRawErrorAsync(text, cancellationToken);
}
