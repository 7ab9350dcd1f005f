using System.Buffers.Binary;
using System.Net.Sockets;
using Registry.Persistence.Tests;

namespace Registry.Server.Tests.Registry;

/// <summary>Hostile and broken clients on many connections at once, while a well-behaved client works (issue 6).</summary>
public sealed class ProtocolAbuseTests
{
    private static readonly string[] BadJson =
    [
        "[1,2,3]", "\"just a string\"", "42", "null", "{", "{\"type\":", "{\"type\":\"register\"}",
        "{\"type\":\"register\",\"public_key\":\"not base64!\"}", "{\"type\":\"register\",\"public_key\":\"AAAA\"}",
        "{\"type\":\"heartbeat\",\"node_id\":\"one\"}", "{\"type\":\"heartbeat\",\"node_id\":1,\"signature\":\"AAAA\"}",
        "{\"type\":\"set_tags\",\"node_id\":1,\"tags\":\"x\",\"signature\":\"\"}", "{\"type\":\"create_network\",\"name\":\"x\"}",
        "{\"type\":\"deregister\",\"node_id\":1,\"admin_token\":\"guess\"}", "{\"type\":\"no_such_type\"}", "{\"type\":7}",
    ];

    [Fact]
    public async Task AbuseStorm_ServerKeepsServingAndRejectedRequestsChangeNothing()
    {
        var ct = Timeouts.Bounded(60);
        using var dir = new TempDirectory();
        await using var host = await RegistryTestHost.StartAsync(dir.Path, ct);
        using var good = await host.ConnectAsync(ct);
        using var goodKey = new NodeKey();
        var goodId = await good.RegisterAsync(goodKey, ct);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var attackers = Enumerable.Range(0, 16).Select(a => Task.Run(() => AttackAsync(host, a, stop.Token), ct)).ToArray();

        // The good client keeps getting correct answers throughout.
        for (var i = 0; i < 200; i++)
        {
            var tag = $"t{i % 10}";
            await good.OkAsync(new { type = "set_tags", node_id = goodId, tags = new[] { tag }, signature = goodKey.Sign($"set_tags:{goodId}") }, ct);
            var lookup = await good.OkAsync(new { type = "lookup", node_id = goodId }, ct);
            Assert.Equal([tag], lookup.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        }

        await stop.CancelAsync();
        await Task.WhenAll(attackers);

        // Only the good client's node exists: nothing the attackers sent was applied.
        var nodes = await good.OkAsync(new { type = "list_nodes", network_id = 0, admin_token = RegistryTestHost.AdminToken }, ct);
        Assert.Equal([goodId], nodes.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("node_id").GetUInt32()));
    }

    private static async Task AttackAsync(RegistryTestHost host, int attacker, CancellationToken cancellationToken)
    {
        var random = new Random(attacker);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(host.EndPoint, cancellationToken);
                byte[] frame = random.Next(5) switch
                {
                    0 => RandomBytes(random, random.Next(1, 64)),
                    1 => LengthOnly(random.Next(2) == 0 ? 0u : (uint)random.Next(2_000_000, int.MaxValue)),
                    2 => BinaryGarbage(random),
                    _ => WireClient.Frame(BadJson[random.Next(BadJson.Length)]),
                };
                await socket.SendAsync(frame, cancellationToken);
                var buffer = new byte[512];
                using var read = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                read.CancelAfter(TimeSpan.FromMilliseconds(200));
                _ = await socket.ReceiveAsync(buffer, read.Token);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException)
            {
                // Closed by the server or timed out: both are the expected answers to garbage.
            }
        }
    }

    /// <summary>The binary preamble (sometimes with another version), then a frame of a random type with a random payload, or random bytes.</summary>
    private static byte[] BinaryGarbage(Random random)
    {
        var payload = RandomBytes(random, random.Next(0, 80));
        byte[] frame = random.Next(3) == 0
            ? RandomBytes(random, random.Next(1, 16))
            : [.. LengthOnly((uint)(payload.Length + 1)), (byte)random.Next(256), .. payload];
        return [.. "PILT"u8, (byte)(random.Next(4) == 0 ? random.Next(256) : 1), .. frame];
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] LengthOnly(uint length)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, length);
        return bytes;
    }
}
