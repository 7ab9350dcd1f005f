using System.IO.Pipelines;
using System.Net;
using Registry.Server.Protocol;

namespace Registry.Server.Dispatch;

/// <summary>A connection handed to an <see cref="IReplicationSource"/>: a frame sink and the raw inbound side.</summary>
public sealed class ReplicationSubscriber
{
    private readonly FrameWriter _writer;
    private readonly TimeSpan _writeTimeout;

    internal ReplicationSubscriber(FrameWriter writer, PipeReader input, IPEndPoint remoteEndPoint, TimeSpan writeTimeout)
    {
        _writer = writer;
        Input = input;
        RemoteEndPoint = remoteEndPoint;
        _writeTimeout = writeTimeout;
    }

    /// <summary>The subscriber's address.</summary>
    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>Bytes the subscriber sends; a Go standby sends none, others may.</summary>
    public PipeReader Input { get; }

    /// <summary>Sends one frame holding the UTF-8 JSON object <paramref name="message"/>; fails if it cannot be written within the write timeout.</summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_writeTimeout);
        await _writer.WriteAsync(Response.FromJson(message), timeout.Token);
    }

    /// <summary>Sends an error frame with <paramref name="text"/> as is (for example "failed to generate snapshot").</summary>
    public ValueTask SendErrorAsync(string text, CancellationToken cancellationToken) => _writer.WriteRawErrorAsync(text, cancellationToken);
}
