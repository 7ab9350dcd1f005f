using Microsoft.Extensions.DependencyInjection;
using Registry.Persistence.Tests;
using Registry.Server.Hosting;
using Registry.Server.Security;

namespace Registry.Server.Tests.Registry;

/// <summary>The host with and without event loops (Registry:EventLoops): the same answers, and a setting out of range refused at start.</summary>
public sealed class EventLoopHostTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Mutations_AnyNumberOfLoops_AcknowledgedDurableAndVisible(int loops)
    {
        var ct = Timeouts.Bounded(60);
        using var dir = new TempDirectory();
        uint id;
        await using (var host = await RegistryTestHost.StartAsync(dir.Path, ct, settings: new Dictionary<string, string?> { ["Registry:EventLoops"] = loops.ToString(System.Globalization.CultureInfo.InvariantCulture) }))
        {
            using var key = new NodeKey();
            var clients = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => host.ConnectAsync(ct)));
            var ids = await Task.WhenAll(clients.Select(async (client, i) =>
            {
                using var own = new NodeKey();
                var node = await client.RegisterAsync(own, ct);
                await client.OkAsync(new { type = "set_tags", node_id = node, tags = new[] { $"c{i}" }, signature = own.Sign($"set_tags:{node}") }, ct);
                return node;
            }));
            id = await clients[0].RegisterAsync(key, ct);
            await clients[1].OkAsync(new { type = "set_tags", node_id = id, tags = new[] { "last" }, signature = key.Sign($"set_tags:{id}") }, ct);
            var lookup = await clients[2].OkAsync(new { type = "lookup", node_id = id }, ct);
            Assert.Equal("last", lookup.GetProperty("tags")[0].GetString());
            Assert.Equal(5, ids.Append(id).Distinct().Count());
            var service = host.Services.GetRequiredService<RegistryServerService>();
            Assert.Equal(4, service.ConnectionCount);
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }

        // Acknowledged means on disk: a restart (with the other transport) has every change.
        await using var restarted = await RegistryTestHost.StartAsync(dir.Path, ct, settings: new Dictionary<string, string?> { ["Registry:EventLoops"] = loops == 0 ? "1" : "0" });
        using var reader = await restarted.ConnectAsync(ct);
        Assert.Equal("last", (await reader.OkAsync(new { type = "lookup", node_id = id }, ct)).GetProperty("tags")[0].GetString());
    }

    [Fact]
    public async Task SignedRequests_ManyClientsMemoOff_EverySignatureVerifiedAndForgeriesRefused()
    {
        var ct = Timeouts.Bounded(60);
        using var dir = new TempDirectory();
        await using var host = await StartMemoOffAsync(dir.Path, ct);
        var verifier = host.Services.GetRequiredService<SignatureVerifier>();
        using var forger = new NodeKey();
        const int Clients = 12, Rounds = 10;

        // Concurrent clients put several checks into the loop's passes, forged ones among them.
        var lastTags = await Task.WhenAll(Enumerable.Range(0, Clients).Select(async c =>
        {
            using var client = await host.ConnectAsync(ct);
            using var own = new NodeKey();
            var node = await client.RegisterAsync(own, ct);
            var last = string.Empty;
            for (var r = 0; r < Rounds; r++)
            {
                var tag = $"c{c}-r{r}";
                if ((c + r) % 3 == 0)
                {
                    var refused = await client.ErrorAsync(new { type = "set_tags", node_id = node, tags = new[] { tag }, signature = forger.Sign($"set_tags:{node}") }, ct);
                    Assert.Equal(SignatureVerifier.VerificationFailed, refused);
                }
                else
                {
                    await client.OkAsync(new { type = "set_tags", node_id = node, tags = new[] { tag }, signature = own.Sign($"set_tags:{node}") }, ct);
                    last = tag;
                }
            }

            var lookup = await client.OkAsync(new { type = "lookup", node_id = node }, ct);
            Assert.Equal(last, lookup.GetProperty("tags")[0].GetString());
            return last;
        }));

        Assert.Equal(Clients * Rounds, verifier.Computed);
        Assert.Equal(0, verifier.MemoHits);
        Assert.Equal(Clients, lastTags.Distinct().Count());
    }

    [Fact]
    public async Task SignedRequests_ClientsGoneBeforeTheirChecks_ChangesAppliedAndTheLoopKeepsServing()
    {
        var ct = Timeouts.Bounded(60);
        using var dir = new TempDirectory();
        await using var host = await StartMemoOffAsync(dir.Path, ct);
        var service = host.Services.GetRequiredService<RegistryServerService>();
        using var live = await host.ConnectAsync(ct);
        var keys = Enumerable.Range(0, 8).Select(_ => new NodeKey()).ToArray();
        var ids = new uint[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            ids[i] = await live.RegisterAsync(keys[i], ct);
        }

        // Each request is sent and its connection closed at once: the check, the change and the reply meet a peer that is gone.
        await Task.WhenAll(keys.Select(async (key, i) =>
        {
            using var gone = await WireClient.ConnectAsync(host.EndPoint, ct);
            await gone.SendAsync(System.Text.Json.JsonSerializer.Serialize(new { type = "set_tags", node_id = ids[i], tags = new[] { $"gone-{i}" }, signature = key.Sign($"set_tags:{ids[i]}") }), ct);
        }));

        for (var i = 0; i < keys.Length; i++)
        {
            var (id, tag) = (ids[i], $"gone-{i}");
            await Poll.UntilAsync(async () => (await live.OkAsync(new { type = "lookup", node_id = id }, ct)).TryGetProperty("tags", out var tags) && tags[0].GetString() == tag, $"node {id} never got {tag}", ct);
        }

        await Poll.UntilAsync(() => Task.FromResult(service.ConnectionCount == 1), "the closed connections were never let go", ct);
        await live.OkAsync(new { type = "set_tags", node_id = ids[0], tags = new[] { "still-served" }, signature = keys[0].Sign($"set_tags:{ids[0]}") }, ct);
        foreach (var key in keys)
        {
            key.Dispose();
        }
    }

    [Theory]
    [InlineData(null, "clients served by 1 event loop(s)")]
    [InlineData("0", "clients served by a task per connection")]
    [InlineData("2", "clients served by 2 event loop(s)")]
    public async Task Serve_StartLine_SaysWhichTransportServesClients(string? loops, string expected)
    {
        var ct = Timeouts.Bounded(60);
        using var dir = new TempDirectory();
        var environment = loops is null ? null : new Dictionary<string, string> { ["Registry__EventLoops"] = loops };
        using var serve = await ServeProcess.StartAsync(dir.Path, ct, environment: environment);

        Assert.Contains(expected, serve.Output, StringComparison.Ordinal);
        await serve.TerminateAsync(ct);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("65")]
    public async Task EventLoops_OutOfRange_RefusedAtStart(string value)
    {
        var ex = await RegistryTestHost.RefusedAtStartAsync("Registry:EventLoops", value, Timeouts.Bounded(30));

        Assert.Contains("Registry:EventLoops", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>A host that verifies every signature (the verified-signature memo off), so each check reaches the loop's batch.</summary>
    private static Task<RegistryTestHost> StartMemoOffAsync(string dataDirectory, CancellationToken ct) =>
        RegistryTestHost.StartAsync(dataDirectory, ct, settings: new Dictionary<string, string?> { ["Registry:VerifiedSignatureCacheEntries"] = "0" });
}
