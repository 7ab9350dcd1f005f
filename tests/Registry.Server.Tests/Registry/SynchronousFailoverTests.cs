using System.Collections.Concurrent;
using Registry.Persistence.Tests;

namespace Registry.Server.Tests.Registry;

/// <summary>
/// The promise of synchronous replication, the way it fails: the network between primary and standby is cut while
/// clients write, then the primary process is killed (-9) and its data directory destroyed, as if its machine were
/// lost. The promoted standby has every write that was acknowledged; with asynchronous replication (the test fails
/// without the flag) the writes acknowledged after the cut, the probe write among them, are gone.
/// </summary>
public sealed class SynchronousFailoverTests
{
    private const int Clients = 4;

    [Fact]
    public async Task NetworkCut_ThenPrimaryKilledAndItsDiskLost_ThePromotedStandbyHasEveryAcknowledgedWrite()
    {
        var ct = Timeouts.Bounded(90);
        using var dir = new TempDirectory();
        var acknowledged = new ConcurrentBag<(uint Id, string PublicKey)>();
        var environment = new Dictionary<string, string> { ["Registry__SynchronousReplicationTimeout"] = "00:00:02" };
        using var primary = await ServeProcess.StartAsync(dir.Combine("primary"), ct, environment: environment, extraArgs: ["--replication-token", "r", "--synchronous-replication"]);
        await using var network = new LoopbackProxy(primary.EndPoint);
        using var standby = await ServeProcess.StartAsync(dir.Combine("standby"), ct, extraArgs: ["--replication-token", "r", "--admin-token", "adm", "--standby-of", network.EndPoint.ToString()]);
        using var stopWriting = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var writers = Enumerable.Range(0, Clients).Select(_ => Task.Run(() => WriteAsync(primary, acknowledged, stopWriting.Token), ct)).ToArray();
        Assert.True(SpinWait.SpinUntil(() => acknowledged.Count >= 300, TimeSpan.FromSeconds(60)), $"only {acknowledged.Count} writes acknowledged");

        network.Partition();

        // Nothing reaches the standby now. A write must not be acknowledged: it waits, then is refused.
        using (var probe = await primary.ConnectAsync(ct))
        {
            using var key = new NodeKey();
            var reply = await probe.SendAsync(new { type = "register", public_key = key.PublicKey, hostname = "probe", listen_addr = "203.0.113.7:4000" }, ct);
            if (reply.GetProperty("type").GetString() == "register_ok")
            {
                acknowledged.Add((reply.GetProperty("node_id").GetUInt32(), key.PublicKey));
            }
            else
            {
                Assert.Contains("no standby confirmed the change", reply.GetProperty("error").GetString(), StringComparison.Ordinal);
            }
        }

        primary.KillHard();
        await primary.WaitForExitAsync(ct);

        await stopWriting.CancelAsync();
        await Task.WhenAll(writers);
        Directory.Delete(dir.Combine("primary"), recursive: true);

        using var client = await standby.ConnectAsync(ct);
        await client.OkAsync(new { type = "promote", admin_token = "adm" }, ct);
        foreach (var (id, publicKey) in acknowledged)
        {
            var lookup = await client.SendAsync(new { type = "lookup", node_id = id }, ct);
            Assert.True(lookup.GetProperty("type").GetString() == "lookup_ok", $"acknowledged node {id} is not on the promoted standby: {lookup}");
            Assert.Equal(publicKey, lookup.GetProperty("public_key").GetString());
        }
    }

    /// <summary>Registers nodes until stopped or the server dies; only successful replies count as acknowledged.</summary>
    private static async Task WriteAsync(ServeProcess primary, ConcurrentBag<(uint, string)> acknowledged, CancellationToken stop)
    {
        try
        {
            using var client = await primary.ConnectAsync(stop);
            while (true)
            {
                using var key = new NodeKey();
                var reply = await client.SendAsync(new { type = "register", public_key = key.PublicKey, hostname = string.Empty, listen_addr = "203.0.113.7:4000" }, stop);
                if (reply.GetProperty("type").GetString() == "register_ok")
                {
                    acknowledged.Add((reply.GetProperty("node_id").GetUInt32(), key.PublicKey));
                }
            }
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException or InvalidOperationException)
        {
            // The primary died or the test stopped: a request without a reply was never acknowledged.
        }
    }
}
