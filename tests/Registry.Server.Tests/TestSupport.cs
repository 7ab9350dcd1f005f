using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Registry.Server.Dispatch;
using Registry.Server.Observability;
using Registry.Server.Protocol;
using Registry.Server.Security;
using Registry.Server.Transport;

namespace Registry.Server.Tests;

/// <summary>A listener on 127.0.0.1:0 with a dispatcher the test fills; stops itself on dispose.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private TestServer(RegistryListener listener, ServerMetrics metrics, PrometheusExporter exporter, ServiceProvider services)
    {
        Listener = listener;
        Metrics = metrics;
        Exporter = exporter;
        _services = services;
    }

    public PrometheusExporter Exporter { get; }

    public RegistryListener Listener { get; }

    public ServerMetrics Metrics { get; }

    public IPEndPoint EndPoint => Listener.LocalEndPoint!;

    public static TestServer Start(
        Action<RequestDispatcher>? map = null,
        Func<TransportOptions, TransportOptions>? configure = null,
        IReplicationSource? replication = null,
        Func<bool>? isStandby = null)
    {
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var exporter = new PrometheusExporter(m => ReferenceEquals(m.Scope, factory));
        var metrics = new ServerMetrics(factory);
        var dispatcher = new RequestDispatcher(NullLogger<RequestDispatcher>.Instance);
        dispatcher.Map("echo", static (_, request, _) => ValueTask.FromResult(Response.Build("echo_ok", request.Clone(), static (w, r) =>
        {
            if (r.TryGetProperty("n", out var n))
            {
                w.WritePropertyName("n");
                n.WriteTo(w);
            }
        })));
        dispatcher.Map("fail", static (_, request, _) => ValueTask.FromResult(Response.Failure(RequestFields.GetString(request, "message"))));
        dispatcher.Map("throw", static (_, _, _) => throw new InvalidOperationException("secret internal detail"));
        map?.Invoke(dispatcher);
        if (isStandby is not null)
        {
            dispatcher.UseStandbyGate(isStandby);
        }

        var options = new TransportOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0), DrainTimeout = TimeSpan.FromSeconds(2) };
        options = configure?.Invoke(options) ?? options;
        var listener = new RegistryListener(options, dispatcher, replication, metrics, NullLogger<RegistryListener>.Instance);
        listener.Start();
        return new TestServer(listener, metrics, exporter, services);
    }

    public async Task<WireClient> ConnectAsync(CancellationToken cancellationToken) => await WireClient.ConnectAsync(EndPoint, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Listener.DisposeAsync();
        Exporter.Dispose();
        await _services.DisposeAsync();
    }
}

/// <summary>A raw protocol client: writes frames or arbitrary bytes, reads frames, sees the close.</summary>
internal sealed class WireClient : IDisposable
{
    private readonly TcpClient _tcp;
    private readonly Stream _stream;

    private WireClient(TcpClient tcp, Stream stream)
    {
        _tcp = tcp;
        _stream = stream;
    }

    /// <summary>Connects to <paramref name="endPoint"/>; with <paramref name="receiveBufferBytes"/>, a socket that holds no more than that (no autotuning) for a peer that reads slowly.</summary>
    public static async Task<WireClient> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken, int? receiveBufferBytes = null)
    {
        var tcp = new TcpClient();
        if (receiveBufferBytes is { } bytes)
        {
            tcp.ReceiveBufferSize = bytes;
        }

        await tcp.ConnectAsync(endPoint, cancellationToken);
        return new WireClient(tcp, tcp.GetStream());
    }

    /// <summary>Connects over TLS with a pin through the production client helper; throws its AuthenticationException on a pin mismatch.</summary>
    public static Task<WireClient> ConnectTlsAsync(IPEndPoint endPoint, string pin, CancellationToken cancellationToken) =>
        ConnectTlsAsync(endPoint, endPoint, TlsClientTrust.Pinned(pin), cancellationToken);

    /// <summary>Connects to <paramref name="endPoint"/> and runs the handshake as a client of <paramref name="dialled"/> (whose host is the name checked) with <paramref name="trust"/>.</summary>
    public static async Task<WireClient> ConnectTlsAsync(IPEndPoint endPoint, EndPoint dialled, TlsClientTrust trust, CancellationToken cancellationToken)
    {
        var tcp = new TcpClient();
        try
        {
            await tcp.ConnectAsync(endPoint, cancellationToken);
            return new WireClient(tcp, await trust.AuthenticateAsync(tcp.GetStream(), dialled, cancellationToken));
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    public static byte[] Frame(string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)body.Length);
        body.CopyTo(frame, 4);
        return frame;
    }

    public ValueTask SendAsync(string json, CancellationToken cancellationToken) => SendRawAsync(Frame(json), cancellationToken);

    public async ValueTask SendRawAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(bytes, cancellationToken);
        await _stream.FlushAsync(cancellationToken);
    }

    /// <summary>Closes the sending side so the server sees the end of the stream (for truncated frames).</summary>
    public void ShutdownSend() => _tcp.Client.Shutdown(SocketShutdown.Send);

    /// <summary>Reads one response frame as JSON text; null when the server closed the connection.</summary>
    public async Task<string?> ReadAsync(CancellationToken cancellationToken)
    {
        var prefix = new byte[4];
        if (!await ReadExactlyOrEndAsync(prefix, cancellationToken))
        {
            return null;
        }

        var body = new byte[BinaryPrimitives.ReadUInt32BigEndian(prefix)];
        return await ReadExactlyOrEndAsync(body, cancellationToken) ? Encoding.UTF8.GetString(body) : null;
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes, frames or not; null when the server closed the connection first.</summary>
    public async Task<byte[]?> ReadBytesAsync(int count, CancellationToken cancellationToken)
    {
        var bytes = new byte[count];
        return await ReadExactlyOrEndAsync(bytes, cancellationToken) ? bytes : null;
    }

    public async Task<JsonElement> RequestAsync(string json, CancellationToken cancellationToken)
    {
        await SendAsync(json, cancellationToken);
        var reply = await ReadAsync(cancellationToken) ?? throw new InvalidOperationException("connection closed");
        return JsonDocument.Parse(reply).RootElement;
    }

    public void Dispose()
    {
        _stream.Dispose();
        _tcp.Dispose();
    }

    private async Task<bool> ReadExactlyOrEndAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            await _stream.ReadExactlyAsync(buffer, cancellationToken);
            return true;
        }
        catch (EndOfStreamException)
        {
            return false;
        }
        catch (IOException)
        {
            // A reset is also "closed without reply".
            return false;
        }
    }
}

internal static class Timeouts
{
    /// <summary>A token that fires after <paramref name="seconds"/> or when the test is cancelled: every network wait is bounded.</summary>
    public static CancellationToken Bounded(int seconds = 10)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        source.CancelAfter(TimeSpan.FromSeconds(seconds));
        return source.Token;
    }
}

/// <summary>Waits for a condition another process or thread brings about, checking it every 20 ms for at most 30 s.</summary>
internal static class Poll
{
    /// <summary>Returns once <paramref name="condition"/> holds; fails the test with <paramref name="failure"/> after 30 s.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string failure, CancellationToken ct)
    {
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        for (var i = 0; i < 1500; i++)
        {
            if (await condition())
            {
                return;
            }

            await tick.WaitForNextTickAsync(ct);
        }

        Assert.Fail(failure);
    }
}
