using System.Net;
using System.Net.Sockets;

namespace Registry.Server.Tests.Registry;

/// <summary>A TCP forwarder on 127.0.0.1 that a test can partition: from then on it forwards nothing and drops what it reads, as a cut network would.</summary>
/// <remarks>Unlike stopping a process, a partition keeps bytes already sent from reaching the other side's kernel.</remarks>
internal sealed class LoopbackProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _pumps = [];
    private readonly Lock _lock = new();
    private readonly Task _accepting;
    private volatile bool _partitioned;

    public LoopbackProxy(IPEndPoint upstream)
    {
        _upstream = upstream;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>Where clients of the upstream connect instead.</summary>
    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>Stops forwarding in both directions for good.</summary>
    public void Partition() => _partitioned = true;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Task[] pumps;
        lock (_lock)
        {
            pumps = [.. _pumps];
        }

        await Task.WhenAll(pumps).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var downstream = await _listener.AcceptSocketAsync(_stop.Token);
            var upstream = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await upstream.ConnectAsync(_upstream, _stop.Token);
            lock (_lock)
            {
                _pumps.Add(PumpPairAsync(downstream, upstream));
            }
        }
    }

    private async Task PumpPairAsync(Socket downstream, Socket upstream)
    {
        using (downstream)
        using (upstream)
        {
            using var pairDone = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var one = PumpAsync(downstream, upstream, pairDone.Token);
            var other = PumpAsync(upstream, downstream, pairDone.Token);
            await Task.WhenAny(one, other);
            await pairDone.CancelAsync();
            await Task.WhenAll(one, other).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task PumpAsync(Socket from, Socket to, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var read = await from.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                return;
            }

            if (!_partitioned)
            {
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, cancellationToken);
            }
        }
    }
}
