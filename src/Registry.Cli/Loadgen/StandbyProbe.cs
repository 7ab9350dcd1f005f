using System.Diagnostics;
using System.Net;
using System.Threading.Channels;
using Registry.Server.Security;

namespace Registry.Cli.Loadgen;

/// <summary>Measures how long after the primary acknowledged a mutation its effect is visible on a standby.</summary>
/// <remarks>
/// Workers offer every acknowledged registration (or tag change, numbered by a <c>vN</c> tag that grows with each
/// change of that node); a few probe connections each take the most recent one and ask the standby to <c>lookup</c>
/// the node back to back until it answers (with that number or a later one: the node may have changed again since). The lag recorded is from the moment the load generator
/// received the primary's acknowledgement to the standby's first successful answer, so it is an upper bound on the
/// standby's apply lag (it includes one round trip and this process's scheduling), sampled while the load runs.
/// </remarks>
internal sealed class StandbyProbe
{
    /// <summary>How long a probe waits for one node before counting it as not replicated.</summary>
    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(5);

    // One slot that always holds the newest acknowledgement: a free probe starts from a fresh mutation, never from a backlog.
    private readonly Channel<(uint NodeId, long Change, long AckedAt)> _acks = Channel.CreateBounded<(uint, long, long)>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });

    private readonly List<long> _lags = [];
    private readonly Lock _lock = new();
    private long _missed;

    /// <summary>Offers a registration the primary acknowledged at <paramref name="ackedAt"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    public void Offer(uint nodeId, long ackedAt) => _acks.Writer.TryWrite((nodeId, -1, ackedAt));

    /// <summary>Offers a <c>set_tags</c> whose tags included <c>v</c><paramref name="change"/>, a number larger than any this node had, acknowledged at <paramref name="ackedAt"/>.</summary>
    public void OfferTagChange(uint nodeId, long change, long ackedAt) => _acks.Writer.TryWrite((nodeId, change, ackedAt));

    /// <summary>Runs <paramref name="connections"/> probes against <paramref name="standby"/> (over TLS with <paramref name="tls"/> when set) until <paramref name="stop"/> fires.</summary>
    public Task RunAsync(EndPoint standby, TlsClientTrust? tls, int connections, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(() => ProbeAsync(standby, tls, stop), CancellationToken.None)));

    /// <summary>The recorded lags in milliseconds, sorted, and the number of nodes not seen on the standby within <see cref="GiveUpAfter"/>.</summary>
    public (double[] LagsMs, long Missed) Results()
    {
        lock (_lock)
        {
            return (_lags.Order().Select(t => t * 1000.0 / Stopwatch.Frequency).ToArray(), _missed);
        }
    }

    private async Task ProbeAsync(EndPoint standby, TlsClientTrust? tls, CancellationToken stop)
    {
        try
        {
            await using var client = await LoadClient.ConnectAsync(standby, tls, stop);
            while (!stop.IsCancellationRequested)
            {
                var (nodeId, change, ackedAt) = await _acks.Reader.ReadAsync(stop);
                var seenAt = await WaitVisibleAsync(client, nodeId, change, ackedAt, stop);
                lock (_lock)
                {
                    if (seenAt is { } seen)
                    {
                        _lags.Add(seen - ackedAt);
                    }
                    else
                    {
                        _missed++;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private static async Task<long?> WaitVisibleAsync(LoadClient client, uint nodeId, long change, long ackedAt, CancellationToken stop)
    {
        while (Stopwatch.GetElapsedTime(ackedAt) < GiveUpAfter)
        {
            var reply = await client.RequestAsync(nodeId, static (w, id) =>
            {
                w.WriteString("type", "lookup");
                w.WriteNumber("node_id", id);
            }, "lookup_ok", stop);
            if (reply.Ok && (change < 0 || client.LastReplyTagNumber() >= change))
            {
                return Stopwatch.GetTimestamp();
            }
        }

        return null;
    }

    /// <summary>The JSON members this probe adds to the loadgen report.</summary>
    public IEnumerable<(string Name, double Value)> Report()
    {
        var (lags, missed) = Results();
        yield return ("standby_samples", lags.Length);
        yield return ("standby_lag_p50_ms", Math.Round(Quantile.Of(lags, 0.50), 3));
        yield return ("standby_lag_p99_ms", Math.Round(Quantile.Of(lags, 0.99), 3));
        yield return ("standby_lag_max_ms", Math.Round(lags.Length == 0 ? 0 : lags[^1], 3));
        yield return ("standby_missed", missed);
    }
}
